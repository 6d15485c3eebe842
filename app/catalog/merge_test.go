package catalog

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"playground/app/catalog/embedded"
	"playground/app/schema"
)

var update = flag.Bool("update", false, "rewrite golden files")

func checkGolden(t *testing.T, golden string, got []byte) {
	t.Helper()
	got = append(got, '\n')
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("output differs from %s; if the change is intended run go test ./app/catalog -update\n%s", golden, got)
	}
}

// fixture is the embedded catalogue as the aimlapi provider's static source, the generic forms
// and the sample live list.
func fixture(t *testing.T) (static *Catalog, generic map[string]*schema.Operation, live []LiveModel) {
	t.Helper()
	static, err := LoadDefault(embedded.FS, "aimlapi")
	if err != nil {
		t.Fatal(err)
	}
	if generic, err = LoadGeneric(embedded.FS); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join("testdata", "live-aimlapi.json"))
	if err != nil {
		t.Fatal(err)
	}
	if live, err = ParseLiveList(data); err != nil {
		t.Fatal(err)
	}
	return static, generic, live
}

func TestMergeGolden(t *testing.T) {
	static, generic, live := fixture(t)
	c := Merge(generic, []Source{{Provider: "aimlapi", Static: static, Live: live}})
	type row struct {
		Model  Model
		Source string
		Fields int
	}
	var rows []row
	for _, e := range c.Entries() {
		f := e.Form()
		rows = append(rows, row{e.Model, f.Source, len(f.Fields)})
	}
	got, err := json.MarshalIndent(rows, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, filepath.Join("testdata", "merge.golden.json"), got)
}

func TestMerge(t *testing.T) {
	static, generic, live := fixture(t)
	c := Merge(generic, []Source{{Provider: "aimlapi", Static: static, Live: live}})
	tests := []struct {
		ask, provider, id    string
		generic, unsupported bool
		deprecated, runnable bool
		source               string
	}{
		// The live id, with the embedded per-model schema found through the id.
		{"gryphe/mythomax-l2-13b", "", "gryphe/mythomax-l2-13b", false, false, false, true, "embedded:mythomax-l2-13b.json"},
		// An alias of the live list names the canonical model; the embedded entry "gpt-4o" is found
		// through the alias and gives its schema.
		{"gpt-4o", "", "openai/gpt-4o", true, false, false, true, "embedded:chat.json"},
		{"openai/gpt-4o", "aimlapi", "openai/gpt-4o", true, false, false, true, "embedded:chat.json"},
		// No schema anywhere: the generic chat form, marked.
		{"brand-new", "", "acme/brand-new-13b", true, false, false, true, "generic:/v1/chat/completions"},
		// Images run, with the embedded entry's (generic) images form; so does video, with the
		// shared video form.
		{"flux/schnell", "", "flux/schnell", true, false, false, true, "embedded:images.json"},
		{"kling/video-v2", "", "kling/video-v2", true, false, false, true, "generic:/v2/video/generations"},
		// Deprecated on the live list: resolves, not offered.
		{"acme/retired-7b", "", "acme/retired-7b", true, false, true, true, "generic:/v1/chat/completions"},
	}
	for _, tt := range tests {
		t.Run(tt.ask, func(t *testing.T) {
			e, ok := c.Lookup(tt.ask, tt.provider)
			if !ok {
				t.Fatalf("%s does not resolve", tt.ask)
			}
			m := e.Model
			if m.ID != tt.id || m.Generic != tt.generic || m.Unsupported != tt.unsupported || m.Deprecated != tt.deprecated ||
				e.Runnable() != tt.runnable || e.Source != tt.source || m.Provider != "aimlapi" {
				t.Fatalf("got %+v runnable=%v source=%q", m, e.Runnable(), e.Source)
			}
		})
	}
	// Models only the embedded catalogue knows are not offered once the live list is in.
	if _, ok := c.Lookup("gpt-3.5-turbo", ""); ok {
		t.Error("a model missing from the live list is still offered")
	}
	for _, m := range c.Models() {
		if m.Deprecated || m.ID == "acme/retired-7b" {
			t.Errorf("Models lists deprecated %s", m.ID)
		}
	}
	// Live metadata wins, static fills the gaps.
	e, _ := c.Lookup("openai/gpt-4o", "")
	if e.Model.Name != "GPT-4o" || e.Model.ContextLength != 128000 || e.Model.Developer != "Open AI" ||
		strings.Join(e.Model.Capabilities, ",") != "streaming,structured_output,tools,vision" ||
		e.Model.Price == nil || *e.Model.Price.Input != 2.625 || *e.Model.Price.Output != 10.5 {
		t.Errorf("gpt-4o = %+v", e.Model)
	}
	if f := e.Form(); f.Method != "POST" || f.Path != ChatCompletions || len(f.Fields) == 0 {
		t.Errorf("gpt-4o form = %s %s, %d fields", f.Method, f.Path, len(f.Fields))
	}
	img, _ := c.Lookup("flux/schnell", "")
	if f := img.Form(); f.Path != "/v1/images/generations" || f.Kind != "images" || len(f.Fields) == 0 {
		t.Errorf("image form = %+v", f)
	}
	video, _ := c.Lookup("kling/video-v2", "")
	if f := video.Form(); f.Path != "/v2/video/generations" || f.Kind != "video" || len(f.Fields) == 0 || f.Model.Unsupported {
		t.Errorf("video form = %+v", f)
	}
}

// TestMergeStaticAliases: a live id that the embedded catalogue knows only as an alias still finds
// the embedded entry, and the merged model answers to the embedded id and aliases.
func TestMergeStaticAliases(t *testing.T) {
	static, generic, _ := fixture(t)
	live, err := ParseLiveList([]byte(`{"data":[{"id":"anthropic/claude-3-opus","type":"openai/chat-completions","info":{"name":"Claude 3 Opus","developer":"Anthropic"}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	c := Merge(generic, []Source{{Provider: "aimlapi", Static: static, Live: live}})
	for _, ask := range []string{"anthropic/claude-3-opus", "claude-3-opus-20240229", "claude-3-opus-latest"} {
		e, ok := c.Lookup(ask, "")
		if !ok || e.Model.ID != "anthropic/claude-3-opus" || e.Model.ContextLength != 200000 {
			t.Errorf("%s: %v %+v", ask, ok, e)
		}
	}
}

// TestMergeTwoProviders: two providers offer the same id; both are listed, the first in config
// order serves requests that name no provider, and each can be picked by name.
func TestMergeTwoProviders(t *testing.T) {
	static, generic, live := fixture(t)
	plain, err := ParseLiveList([]byte(`{"object":"list","data":[{"id":"gryphe/mythomax-l2-13b","object":"model"},{"id":"meta-llama/Llama-3-8b","object":"model"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	c := Merge(generic, []Source{
		{Provider: "aimlapi", Static: static, Live: live},
		{Provider: "deepinfra", Live: plain},
	})
	if got := strings.Join(c.Providers(), ","); got != "aimlapi,deepinfra" {
		t.Fatalf("providers = %s", got)
	}
	var providers []string
	for _, m := range c.Models() {
		if m.ID == "gryphe/mythomax-l2-13b" {
			providers = append(providers, m.Provider)
		}
	}
	if strings.Join(providers, ",") != "aimlapi,deepinfra" {
		t.Fatalf("mythomax is listed by %v, want aimlapi then deepinfra", providers)
	}
	tests := []struct{ ask, provider, wantProvider, wantSource string }{
		{"gryphe/mythomax-l2-13b", "", "aimlapi", "embedded:mythomax-l2-13b.json"},
		{"gryphe/mythomax-l2-13b", "deepinfra", "deepinfra", "generic:/v1/chat/completions"},
		{"meta-llama/Llama-3-8b", "", "deepinfra", "generic:/v1/chat/completions"},
	}
	for _, tt := range tests {
		e, ok := c.Lookup(tt.ask, tt.provider)
		if !ok || e.Model.Provider != tt.wantProvider || e.Source != tt.wantSource {
			t.Errorf("Lookup(%s, %q) = %v %+v", tt.ask, tt.provider, ok, e)
		}
	}
	if _, ok := c.Lookup("meta-llama/Llama-3-8b", "aimlapi"); ok {
		t.Error("a provider answers for a model it does not serve")
	}
	di, _ := c.Lookup("meta-llama/Llama-3-8b", "deepinfra")
	if di.Model.Name != "Llama 3 8b" || di.Model.Developer != "meta-llama" {
		t.Errorf("plain-list metadata = %+v", di.Model)
	}
	// An id-only entry takes its identity from the other provider's entry for the same id, so the
	// picker shows one model under two providers.
	dm, _ := c.Lookup("gryphe/mythomax-l2-13b", "deepinfra")
	if dm.Model.Name != "MythoMax L2 (13B)" || dm.Model.Developer != "Gryphe" || dm.Model.ContextLength != 4000 || dm.Model.Price != nil {
		t.Errorf("deepinfra mythomax = %+v", dm.Model)
	}
}

func TestMergeWithoutLiveList(t *testing.T) {
	static, generic, _ := fixture(t)
	c := Merge(generic, []Source{{Provider: "aimlapi", Static: static}, {Provider: "empty"}})
	if c.Len() != static.Len() {
		t.Fatalf("%d entries, want the static %d", c.Len(), static.Len())
	}
	if !c.HasProvider("empty") {
		t.Error("a configured provider with no models yet is not known")
	}
	if e, ok := c.Lookup("gpt-4o", ""); !ok || !e.Model.Deprecated {
		t.Errorf("embedded deprecation lost: %+v", e)
	}
}

func TestMergeAllowList(t *testing.T) {
	static, generic, live := fixture(t)
	tests := []struct {
		allow []string
		want  string
	}{
		{nil, "acme/brand-new-13b,acme/retired-7b,flux/schnell,gryphe/mythomax-l2-13b,kling/video-v2,odd/types,openai/gpt-4o"},
		{[]string{"acme/*"}, "acme/brand-new-13b,acme/retired-7b"},
		{[]string{"gpt-4o", "flux/*"}, "flux/schnell,openai/gpt-4o"}, // an alias admits its model
		{[]string{"nothing"}, ""},
	}
	for _, tt := range tests {
		c := Merge(generic, []Source{{Provider: "aimlapi", Static: static, Live: live, Allow: tt.allow}})
		var ids []string
		for _, e := range c.Entries() {
			ids = append(ids, e.Model.ID)
		}
		sortStrings(ids)
		if got := strings.Join(ids, ","); got != tt.want {
			t.Errorf("allow %v: %s, want %s", tt.allow, got, tt.want)
		}
	}
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func TestEndpointForType(t *testing.T) {
	tests := map[string]string{
		"":                        ChatCompletions,
		"openai/chat-completions": ChatCompletions,
		"chat-completion":         ChatCompletions,
		"openai/responses":        "/v1/responses",
		"anthropic/messages":      "/v1/messages",
		"openai/embeddings":       "/v1/embeddings",
		"openai/image-generation": "/v1/images/generations",
		"openai/completions":      "/v1/completions",
		"kling/video-generation":  "/v2/video/generations",
		"minimax/image-to-video":  "/v2/video/generations",
		"openai/tts":              "/v1/tts",
		"deepgram/stt":            "/v1/stt/create",
		"stable-audio/music":      "/v2/generate/audio",
		"mistral/ocr":             "/v1/ocr",
		"acme/something-else":     "",
	}
	for typ, want := range tests {
		if got := EndpointForType(typ); got != want {
			t.Errorf("EndpointForType(%q) = %q, want %q", typ, got, want)
		}
	}
}
