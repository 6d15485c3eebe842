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

	"playground/app/form"
	"playground/app/schema"
	"playground/app/upload"
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
			checkGolden(t, path, s.ID, s.Code)
		}
		if got := strings.Join(ids, ","); got != "curl,python-requests,python-openai,js-fetch,js-openai,go" {
			t.Errorf("snippet ids = %s", got)
		}
	}
}

// formCase is a multipart/form-data request of the golden files and the run test.
type formCase struct {
	name string // the golden files' prefix
	req  Request
}

// Files of the form cases: binary, with what a careless multipart encoder would break on.
var (
	wavData  = []byte("RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x80\x3e\x00\x00\r\n--\r\n\xff\xfe\x00")
	pngData  = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\r\n--x\r\n")
	png2Data = []byte("\x89PNG\r\n\x1a\n second image \xff\x00")
	maskData = []byte("\x89PNG\r\n\x1a\n mask")
)

// formCases are speech to text with one audio file and an image edit with two images (one with a
// name that needs quoting in every language) and a mask (a name with a folder: read from a file
// without it), their Form made by upload.Parts.
func formCases(t testing.TB) []formCase {
	t.Helper()
	file := schema.Field{Control: schema.File}
	mk := func(path, sdk string, fields []schema.Field, body string) Request {
		op := &schema.Operation{Method: "POST", Path: "/v1" + path, Fields: fields}
		parts, hasFile, err := upload.Parts(op.Fields, []byte(body))
		if err != nil || !hasFile {
			t.Fatalf("upload.Parts(%s): %v, %v", path, hasFile, err)
		}
		return Request{BaseURL: "https://api.aimlapi.com/v1", Path: path, KeyPlaceholder: "<YOUR_AIMLAPI_KEY>",
			KeyEnv: "AIMLAPI_API_KEY", Body: []byte(body), SDK: sdk, Form: parts}
	}
	q := strconv.Quote
	return []formCase{
		{"stt", mk("/stt/create", "-", []schema.Field{{Name: "audio", Control: schema.File}},
			`{"model":"#g1_whisper-base","audio":`+q(form.NamedDataURL("audio/wav", "voice.wav", wavData))+`,"language":"en"}`)},
		{"image-edit", mk("/images/edits", "images.edit",
			[]schema.Field{{Name: "image", Control: schema.List, Items: &file}, {Name: "mask", Control: schema.File}},
			`{"model":"openai/gpt-image-1","prompt":"Put the \"cat\" in a hat: it's $(date) ${HOME} `+"`id`"+` C:\\\\dir ''' @x;type=y\nline 2 日本語 \u2028","image":[`+
				q(form.NamedDataURL("image/png", "cat.png", pngData))+`,`+q(form.NamedDataURL("image/png", `it's a;b,c "q".png`, png2Data))+
				`],"mask":`+q(form.NamedDataURL("image/png", "masks/mask.png", maskData))+`,"n":2,"size":"1024x1024"}`)},
	}
}

func TestGoldenForm(t *testing.T) {
	for _, c := range formCases(t) {
		snips := Snippets(c.req)
		var ids []string
		for _, s := range snips {
			ids = append(ids, s.ID)
			path := filepath.Join("testdata", c.name+"-"+s.ID+ext[s.Language])
			checkGolden(t, path, s.ID, s.Code)
		}
		want := "curl,python-requests,python-openai,js-fetch,js-openai,go"
		if c.req.SDK == "-" {
			want = "curl,python-requests,js-fetch,go"
		}
		if got := strings.Join(ids, ","); got != want {
			t.Errorf("%s: snippet ids = %s, want %s", c.name, got, want)
		}
	}
	// A form to an operation that the SDK sends as JSON leaves the SDK snippets out.
	r := formCases(t)[0].req
	r.SDK = "audio.transcriptions.create"
	if n := len(Snippets(r)); n != 4 {
		t.Errorf("a form for SDK %s gives %d snippets, want 4", r.SDK, n)
	}
}

func TestLocalPaths(t *testing.T) {
	f := func(name, typ string) upload.Part {
		return upload.Part{Name: "image", File: &upload.File{Name: name, Type: typ}}
	}
	form := []upload.Part{{Name: "model", Value: "m"}, f("a.png", "image/png"), f("a.png", "image/png"), f("a.png", "image/png"),
		f("../x/y.png", "image/png"), f("", "image/webp"), f("..", "image/png"), f("l1\nl2\x00\xff.png", ""), f("a-2.png", "")}
	got := strings.Join(localPaths(form), "|")
	if want := "|a.png|a-2.png|a-3.png|.._x_y.png|image.webp|image.png|l1_l2__.png|a-2-2.png"; got != want {
		t.Errorf("localPaths = %s, want %s", got, want)
	}
	if got := saveNote("#", form[:3]) + saveNote("#", form[:1]); got != "# Save a.png and a-2.png next to this script and run it from that folder.\n" {
		t.Errorf("saveNote = %q", got)
	}
}

func TestTextOnlyForm(t *testing.T) {
	r := formCases(t)[0].req
	r.Form = r.Form[:2] // no file: requests needs (None, value) to send a form
	py := Snippets(r)[1].Code
	if !strings.Contains(py, "files = [\n    (\"model\", (None, \"#g1_whisper-base\")),\n    (\"language\", (None, \"en\")),\n]\n") ||
		strings.Contains(py, "data=") || strings.Contains(py, "Save") {
		t.Errorf("python-requests of a text-only form:\n%s", py)
	}
}

func TestSDKParams(t *testing.T) {
	r := Request{Body: []byte(`{"model":"m","n":2,"flag":true,"meta":{"a": 1},"image":"data:x","s":"2"}`),
		Form: []upload.Part{{Name: "model", Value: "m"}, {Name: "n", Value: "2"}, {Name: "flag", Value: "true"},
			{Name: "meta", Value: `{"a":1}`}, {Name: "s", Value: "2"}, {Name: "extra", Value: "x"}, {Name: "image", Value: "u"},
			{Name: "image", File: &upload.File{Name: "a.png"}}}}
	if got, want := string(sdkParams(r)), `{"model":"m","n":2,"flag":true,"meta":{"a":1},"s":"2","extra":"x"}`; got != want {
		t.Errorf("sdkParams = %s, want %s", got, want)
	}
}

func TestCurlWord(t *testing.T) {
	for in, want := range map[string]string{"voice.wav": "voice.wav", `a;b,c "d\e.wav`: `"a;b,c \"d\\e.wav"`, "it's.png": `"it's.png"`} {
		if got := curlWord(in); got != want {
			t.Errorf("curlWord(%q) = %s, want %s", in, got, want)
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

// checkGolden compares a snippet with its golden file (writing it with -update).
func checkGolden(t *testing.T, path, id, code string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(code), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./app/codegen -update to write the golden files)", err)
	}
	if code != string(want) {
		t.Errorf("%s differs from %s (rerun with -update if intended):\n%s", id, path, code)
	}
}
