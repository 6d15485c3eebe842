package catalog

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"playground/app/catalog/embedded"
	"playground/app/kind"
	"playground/app/schema"
)

func TestLoadDefault(t *testing.T) {
	c, err := LoadDefault(embedded.FS, "aimlapi")
	if err != nil {
		t.Fatal(err)
	}
	if c.Len() < 100 {
		t.Fatalf("%d models, want every text model of the seeds (over 100)", c.Len())
	}
	kinds := map[string]int{}
	for _, m := range c.Models() {
		e, _ := c.Lookup(m.ID, "aimlapi")
		kinds[m.Kind]++
		if m.Provider != "aimlapi" || m.Kind == "" || kind.For(m.Endpoint) == nil || kind.For(m.Endpoint).Name() != m.Kind {
			t.Errorf("%s: provider %q endpoint %q kind %q", m.ID, m.Provider, m.Endpoint, m.Kind)
		}
		if e.Operation == nil {
			// Kinds the playground cannot run yet are listed without a schema, and open.
			if k := kind.ByName(m.Kind); k.Runs() || !m.Unsupported {
				t.Errorf("%s: no operation, though its kind %s runs", m.ID, m.Kind)
			}
			if f := e.Form(); f.Kind != m.Kind || f.Path != m.Endpoint || len(f.Fields) != 0 {
				t.Errorf("%s: form %+v", m.ID, f)
			}
			continue
		}
		if m.Unsupported {
			t.Errorf("%s: has a schema of a kind that runs, yet is unsupported", m.ID)
		}
		// Every model's form has something to set besides the conversation.
		editable := 0
		for _, f := range e.Operation.Fields {
			if f.Control != schema.Model && f.Control != schema.Messages && f.Control != schema.ReadOnly {
				editable++
			}
		}
		if editable == 0 {
			t.Errorf("%s: no editable parameter", m.ID)
		}
	}
	for _, k := range []string{"chat", "images", "embeddings", "video", "tts", "music", "ocr"} {
		if kinds[k] == 0 {
			t.Errorf("no %s model in the embedded catalogue", k)
		}
	}
	// The two models with pages of their own carry their own schemas.
	for id, wantTemp := range map[string]string{"gryphe/mythomax-l2-13b": "0..2", "anthracite-org/magnum-v4-72b": "0..2"} {
		e, ok := c.Lookup(id, "")
		if !ok {
			t.Fatalf("%s missing", id)
		}
		if e.Model.Generic {
			t.Errorf("%s uses the generic schema, want its own", id)
		}
		var temp *schema.Field
		for i := range e.Operation.Fields {
			if e.Operation.Fields[i].Name == "temperature" {
				temp = &e.Operation.Fields[i]
			}
		}
		if temp == nil || temp.Control != schema.Slider || temp.Min == nil || temp.Max == nil {
			t.Fatalf("%s: temperature = %+v, want a slider", id, temp)
		}
		if got := formatRange(*temp.Min, *temp.Max); got != wantTemp {
			t.Errorf("%s: temperature range %s, want %s", id, got, wantTemp)
		}
	}
}

func formatRange(a, b float64) string {
	return string(schema.FormatNumber(a)) + ".." + string(schema.FormatNumber(b))
}

func TestModelsHidesDeprecatedAndSorts(t *testing.T) {
	var c Catalog
	op := &schema.Operation{Method: "POST", Path: ChatCompletions}
	c.Put(&Entry{Model: Model{ID: "b", Name: "Beta", Developer: "Zeta"}, Operation: op})
	c.Put(&Entry{Model: Model{ID: "a", Name: "Alpha", Developer: "Zeta"}, Operation: op})
	c.Put(&Entry{Model: Model{ID: "c", Name: "Gamma", Developer: "Acme"}, Operation: op})
	c.Put(&Entry{Model: Model{ID: "old", Name: "Old", Developer: "Acme", Deprecated: true}, Operation: op})
	var ids []string
	for _, m := range c.Models() {
		ids = append(ids, m.ID)
	}
	if got, want := strings.Join(ids, ","), "c,a,b"; got != want {
		t.Fatalf("models = %s, want %s", got, want)
	}
	if _, ok := c.Lookup("old", ""); !ok {
		t.Fatal("a deprecated model must still resolve for requests that name it")
	}
}

const chatDoc = `{"openapi":"3.0.0","paths":{"/v1/chat/completions":{"post":{"requestBody":{"content":{"application/json":{"schema":
	{"type":"object","properties":{"model":{"type":"string","enum":[%s]},"messages":{"type":"array"},"temperature":{"type":"number","minimum":0,"maximum":1}}}}}}}}}}`

func TestLoadDir(t *testing.T) {
	c, err := LoadDefault(embedded.FS, "aimlapi")
	if err != nil {
		t.Fatal(err)
	}
	before := c.Len()
	fsys := fstest.MapFS{
		"text-models-llm/Meta/new.json":     {Data: []byte(strings.Replace(chatDoc, "%s", `"meta/new-model-70b"`, 1))},
		"text-models-llm/Gryphe/mytho.json": {Data: []byte(strings.Replace(chatDoc, "%s", `"gryphe/mythomax-l2-13b"`, 1))},
		"image-models/x.json":               {Data: []byte(`{"openapi":"3.0.0","paths":{"/v1/images/generations":{"post":{}}}}`)},
		"broken.json":                       {Data: []byte(`{"openapi":`)},
		"notes.json":                        {Data: []byte(`{"hello":1}`)},
		"readme.txt":                        {Data: []byte("ignored")},
	}
	rep, err := LoadDir(c, fsys, ".", "aimlapi")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Files != 5 || rep.Models != 2 || len(rep.Skipped) != 3 {
		t.Fatalf("report = %+v", rep)
	}
	if got, want := c.Len(), before+1; got != want {
		t.Fatalf("%d models, want %d", got, want)
	}
	e, _ := c.Lookup("meta/new-model-70b", "")
	if e.Model.Name != "New Model 70b" || e.Model.Developer != "Meta" || e.Model.Generic {
		t.Errorf("new model = %+v", e.Model)
	}
	m, _ := c.Lookup("gryphe/mythomax-l2-13b", "")
	if m.Model.Name != "MythoMax L2 (13B)" || m.Source != "file:text-models-llm/Gryphe/mytho.json" {
		t.Errorf("existing model should keep its metadata and take the file's schema: %+v %s", m.Model, m.Source)
	}
}

// TestLoadDirCorpus loads the shared corpus of real AI/ML API schemas on top of the default
// catalogue: every chat model file must be taken.
func TestLoadDirCorpus(t *testing.T) {
	const dir = "../../../shared/aimlapi-schemas"
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		if os.Getenv("CI") != "" {
			t.Fatalf("the shared schema corpus %s is missing, and CI must test it", dir)
		}
		t.Skipf("SKIPPING: the shared schema corpus %s is not beside the project", dir)
	}
	c, err := LoadDefault(embedded.FS, "aimlapi")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := LoadDir(c, os.DirFS(dir), "text-models-llm", "aimlapi")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Models < 250 {
		t.Fatalf("took %d chat models from %d files, want over 250; skipped: %v", rep.Models, rep.Files, rep.Skipped)
	}
	for _, s := range rep.Skipped {
		// Only the /v1/responses and Anthropic /v1/messages documents are left for later issues.
		if !strings.HasSuffix(s, "no chat-completions operation") {
			t.Errorf("skipped: %s", s)
		}
	}
	t.Logf("%d files, %d models, %d skipped, %d in the catalogue", rep.Files, rep.Models, len(rep.Skipped), c.Len())
}

func TestNameFromID(t *testing.T) {
	tests := map[string]string{
		"meta-llama/llama-3-8b": "Llama 3 8b",
		"gpt-4o":                "Gpt 4o",
		"a/b/c_d":               "C D",
		"/":                     "/",
	}
	for in, want := range tests {
		if got := NameFromID(in); got != want {
			t.Errorf("NameFromID(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLookup(t *testing.T) {
	var c Catalog
	op := &schema.Operation{Method: "POST", Path: ChatCompletions}
	c.Put(&Entry{Model: Model{ID: "x/a", Provider: "one", Aliases: []string{"a", "shared"}}, Operation: op})
	c.Put(&Entry{Model: Model{ID: "shared", Provider: "two"}, Operation: op})
	c.Put(&Entry{Model: Model{ID: "x/a", Provider: "two"}, Operation: op})
	c.Put(&Entry{Model: Model{ID: "x/b", Provider: "two", Aliases: []string{"b"}}, Operation: op})
	c.Put(&Entry{Model: Model{ID: "x/b", Provider: "two", Aliases: []string{"b2"}}, Operation: op}) // replaces, new alias
	tests := []struct {
		id, provider string
		wantID       string
		wantProvider string
	}{
		{"x/a", "", "x/a", "one"},
		{"x/a", "two", "x/a", "two"},
		{"a", "", "x/a", "one"},
		{"a", "two", "", ""},
		{"shared", "", "x/a", "one"}, // the first provider's alias, before a later provider's id
		{"shared", "two", "shared", "two"},
		{"b2", "", "x/b", "two"},
		{"b", "", "", ""}, // the replaced entry's alias is gone
		{"x/a", "three", "", ""},
	}
	for _, tt := range tests {
		e, ok := c.Lookup(tt.id, tt.provider)
		if tt.wantID == "" {
			if ok {
				t.Errorf("Lookup(%q, %q) = %+v, want none", tt.id, tt.provider, e.Model)
			}
			continue
		}
		if !ok || e.Model.ID != tt.wantID || e.Model.Provider != tt.wantProvider {
			t.Errorf("Lookup(%q, %q) = %v %+v, want %s at %s", tt.id, tt.provider, ok, e, tt.wantID, tt.wantProvider)
		}
	}
	if got := strings.Join(c.Providers(), ","); got != "one,two" || c.Len() != 4 {
		t.Errorf("providers %s, %d entries", got, c.Len())
	}
}
