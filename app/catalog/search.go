package catalog

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"

	"playground/app/kind"
)

// The model picker's search: filters, matching (match.go) and order.

// SortKey orders search results.
type SortKey int

// The sort keys. Unsupported models come last whatever the key.
const (
	// SortRelevance puts better matches first, in the list's own order among equals (and with no
	// search text, the list's order).
	SortRelevance SortKey = iota
	// SortName orders by display name, then id and provider.
	SortName
	// SortContext puts the largest context window first, unknown ones last.
	SortContext
	// SortPrice puts the cheapest input tokens first, unknown prices last.
	SortPrice
)

var sortNames = [...]string{SortRelevance: "relevance", SortName: "name", SortContext: "context", SortPrice: "price"}

// String returns the key's name: "relevance", "name", "context" or "price".
func (k SortKey) String() string {
	if k >= 0 && int(k) < len(sortNames) {
		return sortNames[k]
	}
	return "relevance"
}

// ParseSortKey returns the key named s (see String); an unknown name is SortRelevance.
func ParseSortKey(s string) SortKey {
	for i, n := range sortNames {
		if n == s {
			return SortKey(i)
		}
	}
	return SortRelevance
}

// Query is what the picker asks for: words to match, filters and an order.
type Query struct {
	// Text holds the words to find; each must match the id, name, developer or an alias, exactly
	// (ignoring case) or with a typo or two (see Search).
	Text string
	// Providers, Developers, Kinds and Capabilities filter the models: a model must match every
	// filter that is set, and one of the values of each (Kinds are Kind's names).
	Providers, Developers, Kinds, Capabilities []string
	// Sort orders the results.
	Sort SortKey
}

// The endpoint kinds Kind returns, in the order Facets lists them.
const (
	KindChat       = "chat"
	KindImage      = "image"
	KindVideo      = "video"
	KindAudio      = "audio"
	KindEmbedding  = "embedding"
	KindOCR        = "ocr"
	KindModeration = "moderation"
	KindOther      = "other"
)

var kindOrder = []string{KindChat, KindImage, KindVideo, KindAudio, KindEmbedding, KindOCR, KindModeration, KindOther}

// kindWords map words of a provider's endpoint type to a kind, checked in this order ("image-to-video"
// is video, "text-to-speech" audio).
var kindWords = []struct{ word, kind string }{
	{"embed", KindEmbedding}, {"video", KindVideo}, {"image", KindImage},
	{"speech", KindAudio}, {"audio", KindAudio}, {"tts", KindAudio}, {"stt", KindAudio},
	{"music", KindAudio}, {"voice", KindAudio}, {"transcri", KindAudio}, {"moderat", KindModeration}, {"ocr", KindOCR},
	{"chat", KindChat}, {"responses", KindChat}, {"messages", KindChat}, {"completion", KindChat},
}

// Kind is what a model makes, for the picker's filter: "chat", "image", "video", "audio",
// "embedding", "ocr", "moderation" or "other". It is the group of the model's endpoint kind (see
// package kind), else read from the provider's endpoint type, else the endpoint path, else the
// output modalities.
func Kind(m Model) string {
	if k := kind.ByName(m.Kind); k != nil {
		return k.Group()
	}
	if k := typeKind(&m); k != "" {
		return k
	}
	return modalKind(&m)
}

// typeKind is the kind a model's endpoint type or path says, "" if neither says.
func typeKind(m *Model) string {
	for _, s := range [...]string{m.Type, m.Endpoint} {
		for _, kw := range kindWords {
			if indexFold(s, kw.word) >= 0 {
				return kw.kind
			}
		}
	}
	return ""
}

// kindMemo remembers the kinds of the few endpoint types and paths of a list, which would
// otherwise be read again for each of thousands of models.
type kindMemo []struct{ typ, endpoint, kind string }

func (c *kindMemo) of(m *Model) string {
	if k := kind.ByName(m.Kind); k != nil {
		return k.Group()
	}
	k, found := "", false
	for _, e := range *c {
		if e.typ == m.Type && e.endpoint == m.Endpoint {
			k, found = e.kind, true
			break
		}
	}
	if !found {
		k = typeKind(m)
		if len(*c) < 64 {
			*c = append(*c, struct{ typ, endpoint, kind string }{m.Type, m.Endpoint, k})
		}
	}
	if k == "" {
		return modalKind(m)
	}
	return k
}

// modalKind is the kind a model's output modalities say.
func modalKind(m *Model) string {
	for _, kind := range [...]string{KindVideo, KindImage, KindAudio, KindEmbedding} {
		if slices.Contains(m.OutputModalities, kind) {
			return kind
		}
	}
	if slices.Contains(m.OutputModalities, "text") {
		return KindChat
	}
	return KindOther
}

// KindCounts counts the models that are not deprecated by Kind.
func KindCounts(models []Model) map[string]int {
	out := map[string]int{}
	var memo kindMemo
	for i := range models {
		if !models[i].Deprecated {
			out[memo.of(&models[i])]++
		}
	}
	return out
}

// Facets returns the values the picker's filters offer for models (deprecated ones left out):
// providers, developers and capabilities sorted ignoring case, kinds in Kind's order.
func Facets(models []Model) (providers, developers, kinds, capabilities []string) {
	seen := [4]map[string]bool{{}, {}, {}, {}}
	add := func(list *[]string, group int, v string) {
		if v != "" && !seen[group][v] {
			seen[group][v] = true
			*list = append(*list, v)
		}
	}
	var ks []string
	var memo kindMemo
	for i := range models {
		m := &models[i]
		if m.Deprecated {
			continue
		}
		add(&providers, 0, m.Provider)
		add(&developers, 1, m.Developer)
		add(&ks, 2, memo.of(m))
		for _, c := range m.Capabilities {
			add(&capabilities, 3, c)
		}
	}
	for _, list := range [][]string{providers, developers, capabilities} {
		slices.SortFunc(list, compareFold)
	}
	for _, k := range kindOrder {
		if slices.Contains(ks, k) {
			kinds = append(kinds, k)
		}
	}
	return providers, developers, kinds, capabilities
}

// Search returns the models that match q, best first: deprecated models never, unsupported ones
// (which cannot run yet) after all the others.
//
// Every word of q.Text must match the id, the name, the developer or an alias, ignoring case. A
// word found as is counts most when it is a whole word there, then when it starts one, then
// anywhere; a word not found may be a typo: a word of 4 to 7 letters may be one edit away (a letter
// added, left out, changed, or two swapped) from a word of the model, or from its start, a longer
// word two edits. Words joined by punctuation ("mytho-max") are matched part by part. Unless q.Sort
// chooses another order, better matches come first and equal ones keep the order of models.
func Search(models []Model, q Query) []Model {
	idx := Find(models, q)
	out := make([]Model, len(idx))
	for i, j := range idx {
		out[i] = models[j]
	}
	return out
}

// Find is Search returning the indexes of the models found instead of copies of them, which spares
// copying thousands of models (and the garbage collector's work on them) on every keystroke.
func Find(models []Model, q Query) []int {
	words := queryWords(q.Text)
	var kinds kindMemo
	hits := make([]hit, 0, 64)
	for i := range models {
		m := &models[i]
		if m.Deprecated || !pass(m, &q, &kinds) {
			continue
		}
		score, ok := matchModel(m, words)
		if !ok {
			continue
		}
		h := hit{i: int32(i), rank: -int32(score)}
		if m.Unsupported {
			h.group = 1
		}
		switch q.Sort {
		case SortContext:
			h.key1 = -float64(m.ContextLength) // unknown (0) last
		case SortPrice:
			h.key1, h.key2 = math.Inf(1), math.Inf(1) // unknown last
			if m.Price != nil && m.Price.Input != nil {
				h.key1 = *m.Price.Input
			}
			if m.Price != nil && m.Price.Output != nil {
				h.key2 = *m.Price.Output
			}
		}
		hits = append(hits, h)
	}
	if q.Sort == SortRelevance {
		// Only the group and the rank count, and the sort is stable.
		slices.SortStableFunc(hits, func(a, b hit) int {
			if a.group != b.group {
				return int(a.group) - int(b.group)
			}
			return int(a.rank - b.rank)
		})
	} else {
		slices.SortFunc(hits, func(a, b hit) int {
			switch {
			case a.group != b.group:
				return int(a.group) - int(b.group)
			case a.key1 != b.key1:
				return cmp.Compare(a.key1, b.key1)
			case a.key2 != b.key2:
				return cmp.Compare(a.key2, b.key2)
			}
			if c := compareName(&models[a.i], &models[b.i]); c != 0 {
				return c
			}
			return int(a.i - b.i)
		})
	}
	out := make([]int, len(hits))
	for i, h := range hits {
		out[i] = int(h.i)
	}
	return out
}

// hit is a model found, with what it is sorted by: its group (unsupported models last), its rank
// (better matches lower) and the sort key's values.
type hit struct {
	i, rank    int32
	group      uint8
	key1, key2 float64
}

// pass reports whether a model passes the query's filters.
func pass(m *Model, q *Query, kinds *kindMemo) bool {
	if len(q.Providers) > 0 && !slices.Contains(q.Providers, m.Provider) {
		return false
	}
	if len(q.Developers) > 0 && !slices.Contains(q.Developers, m.Developer) {
		return false
	}
	if len(q.Kinds) > 0 && !slices.Contains(q.Kinds, kinds.of(m)) {
		return false
	}
	if len(q.Capabilities) > 0 && !slices.ContainsFunc(q.Capabilities, func(c string) bool { return slices.Contains(m.Capabilities, c) }) {
		return false
	}
	return true
}

func compareName(a, b *Model) int {
	if c := compareFold(a.Name, b.Name); c != 0 {
		return c
	}
	if c := strings.Compare(a.ID, b.ID); c != 0 {
		return c
	}
	return strings.Compare(a.Provider, b.Provider)
}

// SharedIDs returns the ids that more than one entry of models has (one model at several
// providers), for OptionValue.
func SharedIDs(models []Model) map[string]bool {
	seen := make(map[string]bool, len(models))
	shared := map[string]bool{}
	for i := range models {
		id := models[i].ID
		if seen[id] {
			shared[id] = true
		}
		seen[id] = true
	}
	return shared
}

// OptionValue is the value that identifies m in the picker's list: its id when it is the only
// entry with that id (shared as returned by SharedIDs), else provider + ":" + id. Provider names
// cannot hold ":", but ids can: find an option's model by comparing values, never by splitting one.
func OptionValue(m Model, shared map[string]bool) string {
	if shared[m.ID] {
		return m.Provider + ":" + m.ID
	}
	return m.ID
}

// OptionLabel is how the picker lists a model: "Name — id · provider · 128k ctx · $0.50/$1.50 per
// 1M", the provider only withProvider and what is unknown left out, then "can't run" for a model
// the playground cannot run yet and "deprecated" for one its provider retires.
func OptionLabel(m Model, withProvider bool) string {
	var b strings.Builder
	b.WriteString(m.Name)
	if m.Name != m.ID {
		b.WriteString(" — " + m.ID)
	}
	add := func(s string) {
		if s != "" {
			b.WriteString(" · " + s)
		}
	}
	if withProvider {
		add(m.Provider)
	}
	if m.ContextLength > 0 {
		add(FormatTokens(m.ContextLength) + " ctx")
	}
	add(FormatPrice(m.Price))
	if m.Unsupported {
		add("can't run")
	}
	if m.Deprecated {
		add("deprecated")
	}
	return b.String()
}

// FormatTokens writes a token count briefly: 950, 4k, 128k, 1M, 1.5M.
func FormatTokens(n int) string {
	switch {
	case n >= 1_000_000:
		return strings.TrimSuffix(strconv.FormatFloat(float64(n)/1e6, 'f', 1, 64), ".0") + "M"
	case n >= 1000:
		return strconv.Itoa((n+500)/1000) + "k"
	}
	return strconv.Itoa(n)
}

// FormatPrice writes a price per million tokens: "$0.50/$1.50 per 1M" (input/output), "$0.50 in
// per 1M" or "$1.50 out per 1M" when one side is quoted, "" when none is.
func FormatPrice(p *Price) string {
	switch {
	case p == nil || p.Input == nil && p.Output == nil:
		return ""
	case p.Output == nil:
		return dollars(*p.Input) + " in per 1M"
	case p.Input == nil:
		return dollars(*p.Output) + " out per 1M"
	}
	return dollars(*p.Input) + "/" + dollars(*p.Output) + " per 1M"
}

// dollars writes an amount with cents, or with two significant digits below a cent.
func dollars(v float64) string {
	if v == 0 || v >= 0.01 || v < 0 {
		return "$" + strconv.FormatFloat(v, 'f', 2, 64)
	}
	prec := int(-math.Floor(math.Log10(v))) + 1
	return "$" + strings.TrimRight(strconv.FormatFloat(v, 'f', prec, 64), "0")
}
