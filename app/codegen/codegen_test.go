package codegen

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// fixed is the request of the golden files.
var fixed = Request{
	BaseURL:        "https://api.aimlapi.com/v1",
	Path:           "/chat/completions",
	KeyPlaceholder: "<YOUR_AIMLAPI_KEY>",
	KeyEnv:         "AIMLAPI_API_KEY",
	Body:           []byte(`{"model":"gpt-4o","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Say \"hi\" in 日本語"}],"temperature":0.7,"stream":true}`),
	Stream:         true,
}

var ext = map[string]string{"shell": ".sh", "python": ".py", "javascript": ".mjs", "go": ".go.txt"}

func TestGolden(t *testing.T) {
	for _, stream := range []bool{true, false} {
		r := fixed
		r.Stream = stream
		if !stream {
			r.Body = []byte(strings.Replace(string(r.Body), `,"stream":true`, "", 1))
		}
		snips := Snippets(r)
		var ids []string
		for _, s := range snips {
			ids = append(ids, s.ID)
			name := s.ID
			if stream {
				name += "-stream"
			}
			path := filepath.Join("testdata", name+ext[s.Language])
			if *update {
				if err := os.WriteFile(path, []byte(s.Code), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./app/codegen -update to write the golden files)", err)
			}
			if s.Code != string(want) {
				t.Errorf("%s differs from %s (rerun with -update if intended):\n%s", s.ID, path, s.Code)
			}
		}
		if got := strings.Join(ids, ","); got != "curl,python-requests,python-openai,js-fetch,js-openai,go" {
			t.Errorf("snippet ids = %s", got)
		}
	}
}

func TestPlaceholder(t *testing.T) {
	for in, want := range map[string]string{"aimlapi": "<YOUR_AIMLAPI_KEY>", "deepinfra": "<YOUR_DEEPINFRA_KEY>", "open-router": "<YOUR_OPEN_ROUTER_KEY>", "": "<YOUR_API_KEY>"} {
		if got := Placeholder(in); got != want {
			t.Errorf("Placeholder(%q) = %q, want %q", in, got, want)
		}
	}
}

// awkward are bodies that are hard to embed in source code.
var awkward = map[string]string{
	"plain":         `{"model":"m","messages":[{"role":"user","content":"hi"}]}`,
	"quotes":        `{"content":"it's \"quoted\" and 'single' ''"}`,
	"backslashes":   `{"content":"C:\\path\\n \\u00e9 \\\\"}`,
	"unicode":       `{"content":"héllo 日本語 🎉 \u2028 ` + "\u2028\u2029" + `"}`,
	"triple quote":  `{"content":"'''python'''"}`,
	"backquotes":    "{\"content\":\"```go\\nx := `raw`\\n```\"}",
	"EOF":           "{\"content\":\"EOF\nEOF1\n\"}\nEOF",
	"newlines":      "{\n  \"content\": \"line1\\nline2\"\n}",
	"template":      `{"content":"${HOME} $(date) ` + "`id`" + `"}`,
	"ends with bs":  `{"a":"b"}\`,
	"ends with q":   `{"a":"b"}'`,
	"trailing nl":   "{\"a\":1}\n\n",
	"carriage ret":  "{\"a\":\r\n1}",
	"at sign":       `@file`,
	"control":       "{\"a\":\"\x01\x1b\t\"}",
	"bom":           "{\"a\":\"\ufeff\"}",
	"invalid utf8":  "{\"a\":\"\xff\xfe\"}",
	"nul":           "{\"a\":\"\x00\"}",
	"shell quote":   `{"a":"'\''"}`,
	"dollar parens": `{"a":")))((( $( "}`,
}

func TestAwkwardBodies(t *testing.T) {
	for name, body := range awkward {
		t.Run(name, func(t *testing.T) {
			r := fixed
			r.Body = []byte(body)
			for _, s := range Snippets(r) {
				if s.Code == "" {
					t.Fatalf("%s: empty", s.ID)
				}
			}
			if got, err := strconv.Unquote(goString(r.Body)); err != nil || got != body {
				t.Errorf("go literal %s = %q, %v", goString(r.Body), got, err)
			}
			if got, ok := unquotePython(t, r.Body); ok && got != body {
				t.Errorf("python literal gives %q", got)
			}
			if got, ok := unquoteJS(t, r.Body); ok && got != body {
				t.Errorf("js literal gives %q", got)
			}
			if got, ok := heredoc(curl(r)); ok && got != body {
				t.Errorf("curl here-document gives %q", got)
			}
		})
	}
}

// unquotePython evaluates the literal pythonString writes (a model of Python's rules).
func unquotePython(t *testing.T, body []byte) (string, bool) {
	lit, encode := pythonString(body)
	if strings.HasPrefix(lit, "r'''") {
		inner := strings.TrimSuffix(strings.TrimPrefix(lit, "r'''"), "'''")
		// The raw string ends at the first ''' not preceded by an escaping backslash.
		for i := 0; i < len(inner); i++ {
			if inner[i] == '\\' {
				i++
				continue
			}
			if strings.HasPrefix(inner[i:], "'''") {
				t.Errorf("raw literal ends early at %d: %s", i, lit)
			}
		}
		if strings.ContainsAny(inner, "\r\x00") {
			t.Errorf("raw literal with CR or NUL: %q", lit)
		}
		return inner, true
	}
	if encode != ".encode()" {
		return "", false // surrogateescape: checked by running Python (run_test.go)
	}
	// Python's escapes used here are Go-compatible apart from \u2028 style (also Go-compatible).
	got, err := strconv.Unquote(lit)
	if err != nil {
		t.Errorf("python literal %s: %v", lit, err)
	}
	return got, true
}

func unquoteJS(t *testing.T, body []byte) (string, bool) {
	lit := jsString(body)
	if strings.HasPrefix(lit, "String.raw`") {
		inner := strings.TrimSuffix(strings.TrimPrefix(lit, "String.raw`"), "`")
		if strings.ContainsAny(inner, "`\r") || strings.Contains(inner, "${") || strings.HasSuffix(inner, `\`) {
			t.Errorf("unsafe template %q", lit)
		}
		return inner, true
	}
	if strings.HasPrefix(lit, "Uint8Array.from(atob(") {
		return "", false
	}
	var s string
	if err := json.Unmarshal([]byte(lit), &s); err != nil {
		t.Errorf("js literal %s: %v", lit, err)
	}
	return s, true
}

var heredocRE = regexp.MustCompile(`(?s)"\$\(cat <<'([A-Z0-9]+)'\n(.*)\n([A-Z0-9]+)\n\)"\n$`)

// heredoc extracts the body from a curl snippet's here-document, checking its delimiter.
func heredoc(code string) (string, bool) {
	m := heredocRE.FindStringSubmatch(code)
	if m == nil {
		return "", false
	}
	if m[1] != m[3] || strings.Contains(m[2], m[1]) {
		return "\x00bad delimiter " + m[1], true
	}
	return m[2], true
}
