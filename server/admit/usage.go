package admit

import (
	"encoding/json"

	"playground/app/schema"
)

// AskUsage asks a streamed call for its usage: when the request streams ("stream": true), sets
// no stream_options, and the model's schema has stream_options with an include_usage field, it
// adds "stream_options":{"include_usage":true}, so the stream ends with the provider's own count
// and the call is metered from it, not from an estimate. The stream then has one more chunk, with
// no choices, as OpenAI's does when asked. Any other body is returned as it came.
func AskUsage(op *schema.Operation, body []byte) []byte {
	var head struct {
		Stream        *bool           `json:"stream"`
		StreamOptions json.RawMessage `json:"stream_options"`
	}
	if err := json.Unmarshal(body, &head); err != nil || head.Stream == nil || !*head.Stream || head.StreamOptions != nil {
		return body
	}
	for _, f := range op.Fields {
		if f.Name != "stream_options" || f.Control == schema.ReadOnly {
			continue
		}
		for _, sub := range f.Fields {
			if sub.Name == "include_usage" {
				var m map[string]json.RawMessage
				if json.Unmarshal(body, &m) != nil {
					return body
				}
				out, err := setField(body, m, "stream_options", json.RawMessage(`{"include_usage":true}`))
				if err != nil {
					return body
				}
				return out
			}
		}
	}
	return body
}
