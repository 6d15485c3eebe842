package catalog

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func price(in, out float64) *Price { return &Price{Input: &in, Output: &out} }

// searchModels is a small catalogue: two providers, one id at both, an image model, an unsupported
// and a deprecated model.
func searchModels() []Model {
	chat := "openai/chat-completions"
	return []Model{
		{ID: "anthracite-org/magnum-v4-72b", Name: "Magnum v4 72B", Developer: "Anthracite", Provider: "aimlapi", Type: chat, Endpoint: ChatCompletions, ContextLength: 32000, Price: price(3, 4)},
		{ID: "gryphe/mythomax-l2-13b", Name: "MythoMax L2 (13B)", Developer: "Gryphe", Provider: "aimlapi", Type: chat, Endpoint: ChatCompletions, ContextLength: 4000, Price: price(0.1365, 0.1365), Capabilities: []string{"streaming"}},
		{ID: "gryphe/mythomax-l2-13b", Name: "MythoMax L2 (13B)", Developer: "Gryphe", Provider: "deepinfra", Endpoint: ChatCompletions, ContextLength: 4096, Price: price(0.08, 0.08)},
		{ID: "meta-llama/Llama-3.3-70B-Instruct", Name: "Llama 3.3 70B Instruct", Developer: "Meta", Aliases: []string{"llama-3.3-70b"}, Provider: "deepinfra", Endpoint: ChatCompletions, ContextLength: 128000, Capabilities: []string{"streaming", "tools"}},
		{ID: "openai/gpt-4o", Name: "GPT-4o", Developer: "Open AI", Aliases: []string{"gpt-4o"}, Provider: "aimlapi", Type: chat, Endpoint: ChatCompletions, ContextLength: 128000, Price: price(2.625, 10.5), Capabilities: []string{"streaming", "tools", "vision"}},
		{ID: "openai/gpt-4o-mini", Name: "GPT-4o mini", Developer: "Open AI", Provider: "aimlapi", Type: chat, Endpoint: ChatCompletions, ContextLength: 128000, Price: price(0.15, 0.6)},
		{ID: "flux/schnell", Name: "FLUX.1 [schnell]", Developer: "Black Forest Labs", Provider: "aimlapi", Type: "bfl/image-generation", OutputModalities: []string{"image"}, Unsupported: true},
		{ID: "acme/retired-7b", Name: "Retired 7B", Developer: "Acme", Provider: "aimlapi", Endpoint: ChatCompletions, Deprecated: true},
		{ID: "zürich/émile-7b", Name: "Émile 7B", Developer: "Zürich AI", Provider: "aimlapi", Endpoint: ChatCompletions},
	}
}

// ids lists the results as id@provider.
func ids(ms []Model) string {
	var out []string
	for _, m := range ms {
		out = append(out, m.ID+"@"+m.Provider)
	}
	return strings.Join(out, " ")
}

func TestSearch(t *testing.T) {
	models := searchModels()
	const (
		magnum  = "anthracite-org/magnum-v4-72b@aimlapi"
		mythoA  = "gryphe/mythomax-l2-13b@aimlapi"
		mythoD  = "gryphe/mythomax-l2-13b@deepinfra"
		llama   = "meta-llama/Llama-3.3-70B-Instruct@deepinfra"
		gpt     = "openai/gpt-4o@aimlapi"
		gptMini = "openai/gpt-4o-mini@aimlapi"
		flux    = "flux/schnell@aimlapi"
		emile   = "zürich/émile-7b@aimlapi"
	)
	all := strings.Join([]string{magnum, mythoA, mythoD, llama, gpt, gptMini, emile, flux}, " ")
	tests := []struct {
		name string
		q    Query
		want string
	}{
		{"everything but deprecated, unsupported last", Query{}, all},
		{"blank text", Query{Text: "  \t "}, all},
		{"id substring", Query{Text: "magnum"}, magnum},
		{"case ignored", Query{Text: "MYTHOMAX"}, mythoA + " " + mythoD},
		{"every word must match", Query{Text: "mythomax deepinfra"}, ""},
		{"words across fields", Query{Text: "gryphe 13b"}, mythoA + " " + mythoD},
		{"developer", Query{Text: "open ai"}, gpt + " " + gptMini},
		{"alias", Query{Text: "llama-3.3-70b"}, llama},
		{"whole alias before a longer id", Query{Text: "gpt-4o"}, gpt + " " + gptMini},
		{"whole word before inside a word", Query{Text: "mini"}, gptMini},
		{"typo: letter left out", Query{Text: "mythmax"}, mythoA + " " + mythoD},
		{"typo: letters swapped", Query{Text: "mgantum"}, ""},
		{"typo: neighbours swapped", Query{Text: "mangum"}, magnum},
		{"typo: letter added", Query{Text: "llamma"}, llama},
		{"typo: changed letter", Query{Text: "mixtral"}, ""},
		{"typo: changed letter in a word", Query{Text: "magnun"}, magnum},
		{"typo: two in a long word", Query{Text: "antracyte"}, magnum},
		{"typo: start of a word", Query{Text: "mythomx"}, mythoA + " " + mythoD},
		{"typo: too many", Query{Text: "mthmx"}, ""},
		{"short words need an exact match", Query{Text: "gtp"}, ""},
		{"parts joined by punctuation", Query{Text: "mytho-max"}, mythoA + " " + mythoD},
		{"exact before typo", Query{Text: "4o"}, gpt + " " + gptMini},
		{"non-ASCII folded", Query{Text: "ÉMILE zürich"}, emile},
		{"deprecated never", Query{Text: "retired"}, ""},
		{"unsupported shown", Query{Text: "schnell"}, flux},
		{"provider filter", Query{Providers: []string{"deepinfra"}}, mythoD + " " + llama},
		{"providers OR", Query{Providers: []string{"deepinfra", "aimlapi"}, Text: "mythomax"}, mythoA + " " + mythoD},
		{"developer filter", Query{Developers: []string{"Open AI", "Meta"}}, llama + " " + gpt + " " + gptMini},
		{"filters AND", Query{Developers: []string{"Gryphe"}, Providers: []string{"deepinfra"}}, mythoD},
		{"kind filter", Query{Kinds: []string{KindImage}}, flux},
		{"capability filter", Query{Capabilities: []string{"tools"}}, llama + " " + gpt},
		{"capabilities OR", Query{Capabilities: []string{"vision", "streaming"}}, mythoA + " " + llama + " " + gpt},
		{"sort by name (bytes beyond ASCII after it)", Query{Sort: SortName}, strings.Join([]string{gpt, gptMini, llama, magnum, mythoA, mythoD, emile, flux}, " ")},
		{"sort by context", Query{Sort: SortContext}, strings.Join([]string{gpt, gptMini, llama, magnum, mythoD, mythoA, emile, flux}, " ")},
		{"sort by price", Query{Sort: SortPrice}, strings.Join([]string{mythoD, mythoA, gptMini, gpt, magnum, llama, emile, flux}, " ")},
		{"sort keeps the text filter", Query{Text: "gpt", Sort: SortPrice}, gptMini + " " + gpt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ids(Search(models, tt.q)); got != tt.want {
				t.Errorf("Search(%+v)\n got: %s\nwant: %s", tt.q, got, tt.want)
			}
		})
	}
}

func TestSearchRanksBetterMatchesFirst(t *testing.T) {
	models := []Model{
		{ID: "x/llamalike", Name: "Llamalike", Provider: "p"},             // start of a word
		{ID: "x/ollama", Name: "Ollama", Provider: "p"},                   // inside a word
		{ID: "x/lama", Name: "Lama", Provider: "p"},                       // a typo
		{ID: "meta/llama-3", Name: "Llama 3", Provider: "p"},              // a whole word
		{ID: "llama", Name: "Llama", Provider: "p"},                       // the whole id
		{ID: "y/other", Name: "Other", Developer: "Llama", Provider: "p"}, // the whole developer
	}
	got := ids(Search(models, Query{Text: "llama"}))
	want := "llama@p y/other@p meta/llama-3@p x/llamalike@p x/ollama@p x/lama@p"
	if got != want {
		t.Errorf("ranking\n got: %s\nwant: %s", got, want)
	}
}

func TestKind(t *testing.T) {
	tests := []struct {
		m    Model
		want string
	}{
		{Model{Type: "openai/chat-completions", Endpoint: ChatCompletions}, KindChat},
		{Model{Endpoint: ChatCompletions}, KindChat},
		{Model{Type: "openai/responses", Endpoint: "/v1/responses"}, KindChat},
		{Model{Type: "anthropic/messages"}, KindChat},
		{Model{Type: "bfl/image-generation"}, KindImage},
		{Model{Type: "kling/image-to-video"}, KindVideo},
		{Model{Type: "openai/text-to-speech"}, KindAudio},
		{Model{Type: "openai/embeddings", Endpoint: "/v1/embeddings"}, KindEmbedding},
		{Model{Type: "openai/moderations"}, KindModeration},
		{Model{Type: "acme/strange", OutputModalities: []string{"video"}}, KindVideo},
		{Model{OutputModalities: []string{"text"}}, KindChat},
		{Model{Type: "acme/strange"}, KindOther},
	}
	for _, tt := range tests {
		if got := Kind(tt.m); got != tt.want {
			t.Errorf("Kind(type %q, endpoint %q, out %v) = %q, want %q", tt.m.Type, tt.m.Endpoint, tt.m.OutputModalities, got, tt.want)
		}
	}
}

func TestFacets(t *testing.T) {
	providers, developers, kinds, caps := Facets(searchModels())
	for _, tt := range []struct {
		name      string
		got, want []string
	}{
		{"providers", providers, []string{"aimlapi", "deepinfra"}},
		{"developers", developers, []string{"Anthracite", "Black Forest Labs", "Gryphe", "Meta", "Open AI", "Zürich AI"}},
		{"kinds", kinds, []string{KindChat, KindImage}},
		{"capabilities", caps, []string{"streaming", "tools", "vision"}},
	} {
		if !slices.Equal(tt.got, tt.want) {
			t.Errorf("%s = %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b   string
		k      int
		prefix bool
		want   int // -1: more than k
	}{
		{"mythomax", "mythomax", 2, false, 0},
		{"mythmax", "MythoMax", 1, false, 1},
		{"mythomxa", "mythomax", 2, false, 1},
		{"mangum", "magnum", 1, false, 1},
		{"abcd", "badc", 1, false, -1},
		{"abcd", "badc", 2, false, 2},
		{"kitten", "sitting", 2, false, -1},
		{"kitten", "sitting", 3, false, 3},
		{"lamma", "llama", 1, false, -1},
		{"lamma", "llama", 2, false, 2},
		{"mythomx", "mythomax", 1, true, 1},
		{"mythomx", "mythomaxxxxxx", 1, true, 1},
		{"mythomx", "mythomaxxxxxx", 1, false, -1},
		{"abcde", "vwxyz", 2, true, -1},
		{"", "ab", 2, false, 2},
		{"ab", "", 2, false, 2},
		{strings.Repeat("a", maxTypoWord+1), strings.Repeat("a", maxTypoWord+1), 2, false, -1},
	}
	for _, tt := range tests {
		d, ok := editDistance(tt.a, tt.b, tt.k, tt.prefix)
		if !ok {
			d = -1
		}
		if d != tt.want {
			t.Errorf("editDistance(%q, %q, %d, %v) = %d, want %d", tt.a, tt.b, tt.k, tt.prefix, d, tt.want)
		}
	}
}

func TestSortKey(t *testing.T) {
	for _, k := range []SortKey{SortRelevance, SortName, SortContext, SortPrice} {
		if got := ParseSortKey(k.String()); got != k {
			t.Errorf("ParseSortKey(%q) = %v, want %v", k.String(), got, k)
		}
	}
	if got := ParseSortKey("nonsense"); got != SortRelevance {
		t.Errorf("ParseSortKey(nonsense) = %v", got)
	}
}

func TestOptionValue(t *testing.T) {
	models := searchModels()
	shared := SharedIDs(models)
	seen := map[string]bool{}
	for _, m := range models {
		v := OptionValue(m, shared)
		if seen[v] {
			t.Errorf("option value %q is not unique", v)
		}
		seen[v] = true
		want := m.ID
		if m.ID == "gryphe/mythomax-l2-13b" {
			want = m.Provider + ":" + m.ID
		}
		if v != want {
			t.Errorf("OptionValue(%s@%s) = %q, want %q", m.ID, m.Provider, v, want)
		}
	}
}

// syntheticModels makes n models from a few developers, families and sizes, at two providers.
func syntheticModels(n int) []Model {
	devs := []string{"Meta", "Mistral AI", "Open AI", "Google", "Anthropic", "DeepSeek", "Alibaba Cloud", "Gryphe", "NousResearch", "Cohere"}
	families := []string{"llama", "mistral", "gpt", "gemini", "claude", "deepseek", "qwen", "mythomax", "hermes", "command"}
	variants := []string{"instruct", "chat", "turbo", "preview", "vision", "coder", "reasoning", "lite"}
	out := make([]Model, n)
	for i := range out {
		f := i % len(families)
		in := float64(i%97) / 10
		out[i] = Model{
			ID:            fmt.Sprintf("%s/%s-%d-%db-%s-v%d", strings.ToLower(strings.ReplaceAll(devs[f], " ", "-")), families[f], i%7, 7+i%65, variants[i%len(variants)], i),
			Name:          fmt.Sprintf("%s %d %dB %s v%d", strings.ToUpper(families[f][:1])+families[f][1:], i%7, 7+i%65, variants[i%len(variants)], i),
			Developer:     devs[f],
			Aliases:       []string{fmt.Sprintf("%s-%d-%s", families[f], i, variants[i%len(variants)])},
			Provider:      []string{"aimlapi", "deepinfra"}[i%2],
			Type:          "openai/chat-completions",
			Endpoint:      ChatCompletions,
			ContextLength: 4096 << (i % 6),
			Capabilities:  []string{"streaming", "tools", "vision"}[:1+i%3],
			Price:         &Price{Input: &in},
			Unsupported:   i%50 == 0,
			Deprecated:    i%101 == 0,
		}
	}
	return out
}

func BenchmarkSearch(b *testing.B) {
	models := syntheticModels(5000)
	for _, bc := range []struct {
		name string
		q    Query
	}{
		{"empty", Query{}},
		{"word", Query{Text: "llama"}},
		{"two-words", Query{Text: "qwen coder"}},
		{"typo", Query{Text: "mythmax"}},
		{"long-typo", Query{Text: "reasonnig"}},
		{"no-match", Query{Text: "zzzzzzzz"}},
		{"filters-sorted", Query{Text: "instruct", Developers: []string{"Meta", "Google"}, Capabilities: []string{"tools"}, Kinds: []string{KindChat}, Sort: SortPrice}},
		{"sort-name", Query{Sort: SortName}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Search(models, bc.q)
			}
		})
		b.Run(bc.name+"/Find", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Find(models, bc.q)
			}
		})
	}
	b.Run("facets", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			Facets(models)
		}
	})
}

func TestOptionLabel(t *testing.T) {
	tests := []struct {
		m            Model
		withProvider bool
		want         string
	}{
		{Model{ID: "gryphe/mythomax-l2-13b", Name: "MythoMax L2 (13B)", Provider: "aimlapi", ContextLength: 4000, Price: price(0.1365, 0.1365)}, true,
			"MythoMax L2 (13B) — gryphe/mythomax-l2-13b · aimlapi · 4k ctx · $0.14/$0.14 per 1M"},
		{Model{ID: "gryphe/mythomax-l2-13b", Name: "MythoMax L2 (13B)", Provider: "aimlapi", ContextLength: 4000}, false,
			"MythoMax L2 (13B) — gryphe/mythomax-l2-13b · 4k ctx"},
		{Model{ID: "x", Name: "x", Provider: "p", Unsupported: true, Deprecated: true}, false, "x · can't run · deprecated"},
	}
	for _, tt := range tests {
		if got := OptionLabel(tt.m, tt.withProvider); got != tt.want {
			t.Errorf("OptionLabel = %q, want %q", got, tt.want)
		}
	}
}

func TestFormatTokens(t *testing.T) {
	for n, want := range map[int]string{0: "0", 950: "950", 4000: "4k", 4096: "4k", 131072: "131k", 1_000_000: "1M", 1_048_576: "1M", 1_500_000: "1.5M"} {
		if got := FormatTokens(n); got != want {
			t.Errorf("FormatTokens(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestFormatPrice(t *testing.T) {
	in := 0.5
	tests := []struct {
		p    *Price
		want string
	}{
		{nil, ""},
		{&Price{}, ""},
		{price(0.5, 1.5), "$0.50/$1.50 per 1M"},
		{price(0, 10.5), "$0.00/$10.50 per 1M"},
		{price(0.00015, 0.0000001), "$0.00015/$0.0000001 per 1M"},
		{&Price{Input: &in}, "$0.50 in per 1M"},
		{&Price{Output: &in}, "$0.50 out per 1M"},
	}
	for _, tt := range tests {
		if got := FormatPrice(tt.p); got != tt.want {
			t.Errorf("FormatPrice(%v) = %q, want %q", tt.p, got, tt.want)
		}
	}
}
