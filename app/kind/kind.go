// Package kind holds the playground's endpoint kinds: what it knows about each kind of model
// operation (chat, images, embeddings, video…) that is not in the operation's schema. An endpoint
// kind is one implementation of [Kind]: the operations it owns (method and path), the request
// fields the page fills itself (the conversation, an image prompt), whether it streams, answers at
// once or is a job to poll, how its answer tells what a call used, and which SDK method calls it.
// Adding a kind is adding one implementation to the registry in this package.
//
// The package is pure Go with no go-app or net/http import: the catalogue, the server and the web
// app share it, and it is tested on the host and under GOOS=js.
package kind

import (
	"strings"

	"playground/app/schema"
)

// Mode is how a kind's call answers.
type Mode int

// The modes.
const (
	// Stream kinds answer in one response that may be a server-sent event stream (chat).
	Stream Mode = iota
	// Sync kinds answer with one JSON document (images, embeddings).
	Sync
	// Job kinds answer with an id to poll until the result is ready (video, music, speech-to-text).
	Job
)

// Events names how a kind's answers tell what a call used, for the server's meter, which reads
// every answer it proxies (see playground/server/meter): the decoder lives there, so that the
// browser's code does not carry it.
type Events int

// The event dialects.
const (
	// ChatEvents are chat completions' chunks and answers: choices[].delta or .message text
	// (content, reasoning_content, reasoning) and a usage block.
	ChatEvents Events = iota
	// ResponsesEvents are the Responses API's: "….delta" events' text and response.usage.
	ResponsesEvents
	// MessagesEvents are Anthropic's Messages API's: content_block_delta text and thinking,
	// message_start's message.usage and message_delta's usage.
	MessagesEvents
	// UsageEvents carry no answer text, only a usage block (jobs, images, embeddings as jobs).
	UsageEvents
)

// Kind is one endpoint kind.
type Kind interface {
	// Name is the kind's id, e.g. "chat" or "images": the catalogue's Model.Kind.
	Name() string
	// Label is what the page calls the kind, e.g. "Images".
	Label() string
	// Group is the picker's filter the kind's models are under: one of [Groups].
	Group() string
	// Paths are the POST operations the kind owns, canonical path first (see [Canonical]).
	Paths() []string
	// Prepare marks the operation's fields that the kind's run area fills itself (see
	// [schema.Operation.Own]); the model is always the picker's.
	Prepare(op *schema.Operation)
	// Runs reports whether the playground can run the kind's models yet.
	Runs() bool
	// Mode says whether calls stream, answer at once or are jobs.
	Mode() Mode
	// Events names the decoder of the kind's answers, streamed or not, for the server's meter.
	Events() Events
	// SDK returns the OpenAI SDK method that calls the operation, in Python and JavaScript
	// ("images.generate"), or "" when the SDK has none.
	SDK(path string) string
}

// Groups are the picker's filters, in the order it shows them.
var Groups = []Group{
	{ID: "chat", Label: "Chat"},
	{ID: "image", Label: "Images"},
	{ID: "video", Label: "Video"},
	{ID: "audio", Label: "Audio"},
	{ID: "embedding", Label: "Embeddings"},
	{ID: "ocr", Label: "OCR"},
}

// Group is one of the picker's filters.
type Group struct {
	ID, Label string
}

// GroupLabel returns the label of the group id, or id.
func GroupLabel(id string) string {
	for _, g := range Groups {
		if g.ID == id {
			return g.Label
		}
	}
	return id
}

// registry holds every kind, in the order a model with several operations prefers them as its
// main one (chat before Responses before Messages).
var registry = []Kind{
	Chat, Responses, Messages, Images, Embeddings,
	Video,
	TTS,
	STT,
	Music,
	OCR,
}

// All returns every kind, in order of preference.
func All() []Kind { return append([]Kind(nil), registry...) }

// For returns the kind that owns a POST to path (canonical or not), or nil.
func For(path string) Kind {
	for _, k := range registry {
		for _, p := range k.Paths() {
			if match(p, path) {
				return k
			}
		}
	}
	return nil
}

// ByName returns the kind called name, or nil.
func ByName(name string) Kind {
	for _, k := range registry {
		if k.Name() == name {
			return k
		}
	}
	return nil
}

// Rank is the kind's place in the order of preference (lower first); unknown kinds come last.
func Rank(k Kind) int {
	for i, r := range registry {
		if r == k {
			return i
		}
	}
	return len(registry)
}

// match reports whether path is pattern, or under it when pattern ends in "/*".
func match(pattern, path string) bool {
	if prefix, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(path, prefix) && len(path) > len(prefix)
	}
	return pattern == path
}

// Canonical returns the path an operation is routed and called on: the documents list some
// operations both with and without their version prefix ("/chat/completions" next to
// "/v1/chat/completions"); the versioned one is canonical. Other paths are returned as they are.
func Canonical(path string) string {
	if k := For(path); k != nil && !strings.HasPrefix(path, "/v1/") && !strings.HasPrefix(path, "/v2/") {
		for _, p := range k.Paths() {
			if p == "/v1"+path {
				return p
			}
		}
	}
	return path
}

// Usage is what one call used, as its provider reported it. A zero field was not reported.
type Usage struct {
	// PromptTokens, CompletionTokens and TotalTokens count tokens.
	PromptTokens, CompletionTokens, TotalTokens int64
	// Credits are AI/ML API's credits (meta.usage.credits_used).
	Credits float64
	// USD is the cost in US dollars (usage.cost, meta.usage.usd_spent, usage.estimated_cost).
	USD float64
}

// Tokens is the number of tokens used: the total, else prompt plus completion.
func (u Usage) Tokens() int64 {
	if u.TotalTokens > 0 {
		return u.TotalTokens
	}
	return u.PromptTokens + u.CompletionTokens
}

// IsZero reports whether nothing was reported.
func (u Usage) IsZero() bool { return u == Usage{} }

// base is what every kind shares: its names, paths and mode.
type base struct {
	name, label, group string
	paths              []string
	mode               Mode
	sdk                map[string]string
}

func (b *base) Name() string    { return b.name }
func (b *base) Label() string   { return b.label }
func (b *base) Group() string   { return b.group }
func (b *base) Paths() []string { return append([]string(nil), b.paths...) }
func (b *base) Mode() Mode      { return b.mode }
func (b *base) SDK(path string) string {
	return b.sdk[Canonical(path)]
}

// Events is chat completions' (see [Kind.Events]); it is every kind's but the Responses and
// Messages APIs', which have their own events, and the jobs', which only report usage.
func (b *base) Events() Events { return ChatEvents }

// ownModel gives the model to the picker.
func ownModel(op *schema.Operation) { op.Own("model", schema.Model) }

// PrepareDocument prepares every operation of doc that belongs to a known kind (see
// [Kind.Prepare]) and leaves the others as they are.
func PrepareDocument(doc *schema.Document) {
	for _, op := range doc.Operations {
		if k := For(op.Path); k != nil && op.Method == "POST" {
			k.Prepare(op)
		}
	}
}
