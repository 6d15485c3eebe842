package convo

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestParseTools(t *testing.T) {
	const weather = `{"type":"function","function":{"name":"get_weather","description":"Current weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}},"strict":true}}`
	tests := []struct {
		name string
		text string
		want string   // the compact JSON; "" for nil
		errs []string // substrings of the error
	}{
		{"blank", " \n\t", "", nil},
		{"empty array", "[ ]", "", nil},
		{"one tool, reformatted", "[\n  " + strings.ReplaceAll(weather, ",", ",\n  ") + "\n]", "[" + weather + "]", nil},
		{"minimal", `[{"type":"function","function":{"name":"f"}}]`, `[{"type":"function","function":{"name":"f"}}]`, nil},
		{"syntax error", "[\n  {\"type\": \"function\",}\n]", "", []string{"tools: syntax error at 2:23: invalid character '}'"}},
		{"syntax error after unicode", "[\"é\" x]", "", []string{"syntax error at 1:6"}},
		{"truncated", "[\n{\"type\":", "", []string{"syntax error at 2:9: unexpected end of JSON input"}},
		{"trailing data", `[] []`, "", []string{"syntax error at 1:4"}},
		{"not an array", `{"type":"function"}`, "", []string{"tools: must be an array, not an object"}},
		{"element not object", `[{"type":"function","function":{"name":"f"}}, 3]`, "", []string{"tools[1]: must be an object, not a number"}},
		{"no type", `[{"function":{"name":"f"}}]`, "", []string{`tools[0].type: is required`}},
		{"wrong type", `[{"type":"retrieval","function":{"name":"f"}}]`, "", []string{`tools[0].type: must be "function", not "retrieval"`}},
		{"no function", `[{"type":"function"}]`, "", []string{"tools[0].function: is required"}},
		{"function not object", `[{"type":"function","function":"f"}]`, "", []string{"tools[0].function: must be an object, not a string"}},
		{"no name", `[{"type":"function","function":{"name":"f"}},{"type":"function","function":{"description":"x"}}]`, "", []string{"tools[1].function.name: is required"}},
		{"name not string", `[{"type":"function","function":{"name":7}}]`, "", []string{"tools[0].function.name: must be a string, not a number"}},
		{"bad name", `[{"type":"function","function":{"name":"get weather"}}]`, "", []string{`tools[0].function.name: "get weather" must be 1 to 64 letters`}},
		{"long name", `[{"type":"function","function":{"name":"` + strings.Repeat("a", 65) + `"}}]`, "", []string{"must be 1 to 64"}},
		{"duplicate name", `[{"type":"function","function":{"name":"f"}},{"type":"function","function":{"name":"f"}}]`, "", []string{`tools[1].function.name: "f" is already the name of tools[0]`}},
		{"description not string", `[{"type":"function","function":{"name":"f","description":["x"]}}]`, "", []string{"tools[0].function.description: must be a string, not an array"}},
		{"parameters not object", `[{"type":"function","function":{"name":"f","parameters":"{}"}}]`, "", []string{"tools[0].function.parameters: must be an object"}},
		{"several problems", `[{"type":"x","function":{"name":"f"}},{"type":"function","function":{}}]`, "", []string{"tools[0].type", "tools[1].function.name: is required"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTools(tt.text)
			if len(tt.errs) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if string(got) != tt.want {
					t.Errorf("got  %s\nwant %s", got, tt.want)
				}
				if tt.want == "" && got != nil {
					t.Errorf("got %q, want nil", got)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error; got %s", got)
			}
			for _, w := range tt.errs {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func FuzzParseTools(f *testing.F) {
	f.Add(`[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}]`)
	f.Add("[\n{\"type\":")
	f.Add(`[{"type":"function","function":{"name":"f"}},{"type":"function","function":{"name":"f"}}]`)
	f.Add(`"x"`)
	f.Fuzz(func(t *testing.T, text string) {
		got, err := ParseTools(text)
		if err != nil {
			if got != nil {
				t.Fatal("a result with an error")
			}
			return
		}
		if got == nil {
			return
		}
		if !json.Valid(got) {
			t.Fatalf("invalid JSON out: %s", got)
		}
		again, err := ParseTools(string(got))
		if err != nil || string(again) != string(got) {
			t.Fatalf("not stable: %s, %v", again, err)
		}
	})
}
