package embedded

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"playground/app/kind"
)

// parsedRows is the number of rows of the "Complete Text Model List" in the
// AI/ML API docs seed (002), as parsed and checked by hand.
const parsedRows = 126

// seedsDir is where the seed documents live, relative to this package.
const seedsDir = "../../../../shared/seeds"

type model struct {
	ID            string   `json:"id"`
	Name          string   `json:"name"`
	Developer     string   `json:"developer"`
	ContextLength int      `json:"context_length"`
	Endpoint      string   `json:"endpoint"`
	Schema        string   `json:"schema"`
	Aliases       []string `json:"aliases"`
	Deprecated    bool     `json:"deprecated"`
	Note          string   `json:"note"`
}

type catalogue struct {
	Source string  `json:"source"`
	Models []model `json:"models"`
}

func loadCatalogue(t *testing.T) catalogue {
	t.Helper()
	b, err := FS.ReadFile("models.json")
	if err != nil {
		t.Fatalf("read models.json: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	var c catalogue
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("parse models.json: %v", err)
	}
	return c
}

// requestSchema returns paths["/v1/chat/completions"].post.requestBody
// .content["application/json"].schema of an OpenAPI document.
func requestSchema(t *testing.T, name, endpoint string, doc map[string]any) map[string]any {
	t.Helper()
	cur := any(doc)
	for _, k := range []string{"paths", endpoint, "post", "requestBody", "content", "application/json", "schema"} {
		m, ok := cur.(map[string]any)
		if !ok {
			t.Fatalf("%s: %q: parent is not an object", name, k)
		}
		cur, ok = m[k]
		if !ok {
			t.Fatalf("%s: missing %q on the path to the request schema", name, k)
		}
	}
	s, ok := cur.(map[string]any)
	if !ok {
		t.Fatalf("%s: request schema is not an object", name)
	}
	return s
}

func loadSchema(t *testing.T, file string) map[string]any {
	t.Helper()
	b, err := FS.ReadFile("schemas/" + file)
	if err != nil {
		t.Fatalf("schema %s: %v", file, err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("schema %s: invalid JSON: %v", file, err)
	}
	return doc
}

func TestModels(t *testing.T) {
	c := loadCatalogue(t)
	if c.Source == "" {
		t.Error("source is empty")
	}
	chat := 0
	for _, m := range c.Models {
		if m.Endpoint == "/v1/chat/completions" {
			chat++
		}
	}
	if chat < parsedRows {
		t.Errorf("got %d chat models, want at least %d (rows of the Complete Text Model List)", chat, parsedRows)
	}
	seen := map[string]string{}
	claim := func(id, owner string) {
		if id == "" {
			t.Errorf("model %q: empty id or alias", owner)
			return
		}
		if prev, dup := seen[id]; dup {
			t.Errorf("id %q used by %q and %q", id, prev, owner)
		}
		seen[id] = owner
	}
	for _, m := range c.Models {
		claim(m.ID, m.ID)
		for _, a := range m.Aliases {
			claim(a, m.ID)
		}
		if m.Name == "" || m.Name == "-" {
			t.Errorf("model %q: bad name %q", m.ID, m.Name)
		}
		if m.Developer == "" {
			t.Errorf("model %q: empty developer", m.ID)
		}
		if m.ContextLength < 0 {
			t.Errorf("model %q: negative context_length", m.ID)
		}
		if k := kind.For(m.Endpoint); k == nil || kind.Canonical(m.Endpoint) != m.Endpoint {
			t.Errorf("model %q: endpoint %q is not the canonical path of an endpoint kind", m.ID, m.Endpoint)
		}
		if m.Deprecated && m.Note == "" {
			t.Errorf("model %q: deprecated without a note saying where", m.ID)
		}
	}
}

func TestSchemas(t *testing.T) {
	c := loadCatalogue(t)
	users := map[string][]string{}
	endpoints := map[string]string{}
	for _, m := range c.Models {
		if m.Schema == "" {
			if k := kind.For(m.Endpoint); k == nil || k.Runs() {
				t.Errorf("model %q: no schema, though the playground runs its endpoint %s", m.ID, m.Endpoint)
			}
			continue
		}
		users[m.Schema] = append(users[m.Schema], m.ID)
		if prev, ok := endpoints[m.Schema]; ok && prev != m.Endpoint {
			t.Errorf("%s: used for %s and %s", m.Schema, prev, m.Endpoint)
		}
		endpoints[m.Schema] = m.Endpoint
	}
	for file, ids := range users {
		doc := loadSchema(t, file)
		s := requestSchema(t, file, endpoints[file], doc)
		props, ok := s["properties"].(map[string]any)
		if !ok {
			t.Fatalf("%s: request schema has no properties", file)
		}
		owned := map[string][]string{"/v1/chat/completions": {"model", "messages"}, "/v1/images/generations": {"model", "prompt"},
			"/v1/embeddings": {"model", "input"}}[endpoints[file]]
		for _, p := range owned {
			if _, ok := props[p]; !ok {
				t.Errorf("%s: no %q property", file, p)
			}
		}
		for name, p := range props {
			if file == "mythomax-l2-13b.json" {
				break // a verbatim copy of seed 000, which gives stream_options no description
			}
			pm, _ := p.(map[string]any)
			if d, _ := pm["description"].(string); d == "" {
				t.Errorf("%s: property %q has no description", file, name)
			}
		}
		mp, _ := props["model"].(map[string]any)
		enum, hasEnum := mp["enum"].([]any)
		if file == "chat.json" || file == "images.json" || file == "embeddings.json" || file == "video.json" || file == "music.json" || file == "stt.json" || file == "tts.json" || file == "ocr.json" {
			if hasEnum {
				t.Errorf("%s: shared schema must not restrict model with an enum", file)
			}
			continue
		}
		// A per-model document: its model enum lists every model using it.
		for _, id := range ids {
			found := false
			for _, e := range enum {
				if e == id {
					found = true
				}
			}
			if !found {
				t.Errorf("%s: model.enum %v does not contain %q", file, enum, id)
			}
		}
	}
	// Every document shipped is used and parses.
	files, err := fs.Glob(FS, "schemas/*.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		base := filepath.Base(f)
		if _, ok := users[base]; !ok {
			t.Errorf("%s is embedded but no model uses it", base)
		}
	}
}

// seedRequestSchema extracts the request schema from the OpenAPI JSON block of
// seed 000 (the AI/ML API page for gryphe/mythomax-l2-13b).
func seedRequestSchema(t *testing.T) map[string]any {
	t.Helper()
	matches, _ := filepath.Glob(filepath.Join(seedsDir, "000_*.txt"))
	if len(matches) == 0 {
		abs, _ := filepath.Abs(seedsDir)
		msg := "SEEDS MISSING: no 000_*.txt under " + abs + " (" + seedsDir + "); cannot compare mythomax-l2-13b.json with seed 000"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip("SKIPPING: " + msg)
	}
	b, err := os.ReadFile(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	i := strings.Index(text, "## POST /v1/chat/completions")
	if i < 0 {
		t.Fatal("seed 000: no \"## POST /v1/chat/completions\" heading")
	}
	text = text[i:]
	j := strings.Index(text, "```json\n")
	if j < 0 {
		t.Fatal("seed 000: no ```json block after the heading")
	}
	text = text[j+len("```json\n"):]
	k := strings.Index(text, "\n```")
	if k < 0 {
		t.Fatal("seed 000: unterminated json block")
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(text[:k]), &doc); err != nil {
		t.Fatalf("seed 000: bad JSON: %v", err)
	}
	return requestSchema(t, "seed 000", "/v1/chat/completions", doc)
}

func TestMythomaxMatchesSeed(t *testing.T) {
	want := seedRequestSchema(t)
	got := requestSchema(t, "mythomax-l2-13b.json", "/v1/chat/completions", loadSchema(t, "mythomax-l2-13b.json"))

	wp := want["properties"].(map[string]any)
	gp, ok := got["properties"].(map[string]any)
	if !ok {
		t.Fatal("mythomax-l2-13b.json: no properties")
	}
	for k, w := range wp {
		g, ok := gp[k]
		if !ok {
			t.Errorf("parameter %q missing", k)
			continue
		}
		if !reflect.DeepEqual(g, w) {
			gj, _ := json.Marshal(g)
			wj, _ := json.Marshal(w)
			t.Errorf("parameter %q differs:\n got  %s\n want %s", k, gj, wj)
		}
	}
	for k := range gp {
		if _, ok := wp[k]; !ok {
			t.Errorf("parameter %q is not in seed 000", k)
		}
	}
	if !reflect.DeepEqual(got["required"], want["required"]) {
		t.Errorf("required = %v, want %v", got["required"], want["required"])
	}
	if !reflect.DeepEqual(got["type"], want["type"]) {
		t.Errorf("type = %v, want %v", got["type"], want["type"])
	}
}
