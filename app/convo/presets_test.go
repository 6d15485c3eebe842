package convo

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestValidatePresetName(t *testing.T) {
	tests := []struct {
		name string
		want string // substring of the error; "" for none
	}{
		{"Creative", ""},
		{"  Précis 2  ", ""},
		{strings.Repeat("é", MaxPresetName), ""},
		{"", "preset name: is empty"},
		{" \t ", "preset name: is empty"},
		{strings.Repeat("é", MaxPresetName+1), "is 61 characters long; the limit is 60"},
		{"two\nlines", "contains a control character"},
		{"bad \xff", "is not valid UTF-8"},
	}
	for _, tt := range tests {
		err := ValidatePresetName(tt.name)
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("ValidatePresetName(%q) = %v, want %q", tt.name, err, tt.want)
		}
	}
}

// names returns model/name for each preset.
func names(ps []Preset) string {
	var s []string
	for _, p := range ps {
		s = append(s, p.Model+"/"+p.Name)
	}
	return strings.Join(s, ",")
}

func TestPresets(t *testing.T) {
	var ps Presets
	steps := []struct {
		p       Preset
		remove  bool
		want    string // all presets after the step
		wantErr string
	}{
		{p: Preset{Name: "warm", Model: "m1", Params: map[string]json.RawMessage{"temperature": json.RawMessage("1.2")}}, want: "m1/warm"},
		{p: Preset{Name: " Cold ", Model: "m1"}, want: "m1/Cold,m1/warm"},
		{p: Preset{Name: "warm", Model: "m0"}, want: "m0/warm,m1/Cold,m1/warm"},
		{p: Preset{Name: "apple", Model: "m1"}, want: "m0/warm,m1/apple,m1/Cold,m1/warm"},
		{p: Preset{Name: "warm", Model: "m1", Params: map[string]json.RawMessage{"temperature": json.RawMessage("0.9")}}, want: "m0/warm,m1/apple,m1/Cold,m1/warm"},
		{p: Preset{Name: "Cold", Model: "m1"}, remove: true, want: "m0/warm,m1/apple,m1/warm"},
		{p: Preset{Name: "nope", Model: "m1"}, remove: true, want: "m0/warm,m1/apple,m1/warm"},
		{p: Preset{Name: "", Model: "m1"}, wantErr: "convo: preset: name: is empty"},
		{p: Preset{Name: strings.Repeat("n", 61), Model: "m1"}, wantErr: "name: is 61 characters long"},
		{p: Preset{Name: "x", Model: ""}, wantErr: "model: is required"},
		{p: Preset{Name: "x", Model: "m", Params: map[string]json.RawMessage{"t": json.RawMessage("{")}}, wantErr: `params["t"]: invalid JSON`},
	}
	for i, st := range steps {
		before := names(ps.Items)
		var next Presets
		var err error
		if st.remove {
			next = ps.Remove(st.p.Model, st.p.Name)
		} else {
			next, err = ps.Put(st.p)
		}
		if names(ps.Items) != before {
			t.Fatalf("step %d modified its input", i)
		}
		if st.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), st.wantErr) {
				t.Fatalf("step %d: got %v, want %q", i, err, st.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if got := names(next.Items); got != st.want {
			t.Fatalf("step %d: got %s, want %s", i, got, st.want)
		}
		ps = next
	}
	if got := names(ps.For("m1")); got != "m1/apple,m1/warm" {
		t.Errorf("For: %s", got)
	}
	if got := ps.For("other"); len(got) != 0 {
		t.Errorf("For other: %v", got)
	}
	if p, ok := ps.Find("m1", " warm"); !ok || string(p.Params["temperature"]) != "0.9" {
		t.Errorf("Find: %+v %v", p, ok)
	}

	data, err := MarshalPresets(ps)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"version":1,"presets":[{"name":"warm","model":"m0"},{"name":"apple","model":"m1"},{"name":"warm","model":"m1","params":{"temperature":0.9}}]}`; string(data) != want {
		t.Errorf("stored %s\nwant   %s", data, want)
	}
	got, err := UnmarshalPresets(data)
	if err != nil || !reflect.DeepEqual(got, ps) {
		t.Errorf("round trip: %+v, %v", got, err)
	}
}

func TestUnmarshalPresets(t *testing.T) {
	tests := []struct {
		name   string
		data   string
		want   string
		errHas []string
	}{
		{"nothing stored", "", "", nil},
		{"unknown fields ignored", `{"version":1,"extra":[],"presets":[{"name":"a","model":"m","color":"red"}]}`, "m/a", nil},
		{"duplicates: last kept", `{"version":1,"presets":[{"name":"a","model":"m","params":{"x":1}},{"name":" a","model":"m","params":{"x":2}}]}`, "m/a", nil},
		{"not JSON", `{"version":1,`, "", []string{"convo: presets: invalid JSON"}},
		{"no version", `{"presets":[]}`, "", []string{"presets: version: is required"}},
		{"newer", `{"version":9}`, "", []string{"version: 9 is newer"}},
		{"presets type", `{"version":1,"presets":"x"}`, "", []string{"presets: presets: got string, want an array"}},
		{"bad presets skipped", `{"version":1,"presets":[{"name":"ok","model":"m"},{"name":1,"model":"m"},{"name":"","model":"m"},{"name":"x"},{"name":"y","model":"m","params":[]},5]}`, "m/ok",
			[]string{"skipped 5 unreadable preset(s)", "presets[1].name: got number, want a string", "presets[2].name: is empty", "presets[3].model: is required", "presets[4].params: got array, want an object", "presets[5]: got number, want an object"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps, err := UnmarshalPresets([]byte(tt.data))
			if got := names(ps.Items); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			errorHas(t, err, tt.errHas...)
		})
	}
}
