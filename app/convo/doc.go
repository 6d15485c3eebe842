// Package convo is the playground's chat conversation, independent of the
// user interface: the message model ([Conversation], [Message]) and the
// OpenAI "messages" array built from it ([Conversation.APIMessages]); edits
// that return new slices ([Edit], [Delete], [Move],
// [TruncateForRegenerate]); the merging of streamed tool calls
// ([MergeToolCalls]) and the checking of tool definitions ([ParseTools]);
// share links ([EncodeShare], [DecodeShare]); and the records kept in the
// browser's localStorage ([History], [Presets]).
//
// The package does no I/O and imports nothing from go-app, so it builds and
// is tested both natively and for GOOS=js GOARCH=wasm.
//
// Decoding is defensive throughout: input from a URL or from storage is
// bounded, checked field by field, and reported with errors that name the
// field by its path (see [FieldError]); nothing a user or another tab writes
// can make it panic.
package convo
