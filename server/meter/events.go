package meter

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"github.com/tidwall/gjson"

	"playground/app/kind"
)

// The readers here run on every event of every stream the server proxies, so they find the few
// values a meter needs with gjson, which walks the bytes in place, instead of decoding each event
// into structs: a stream's per-chunk cost is what the proxy adds to every token a user waits for.
// An event that is not valid JSON counts nothing.

// decode reads one event (named event, "" when it has none) or, with event "", a complete JSON
// answer in the dialect events: the characters of answer text it carries and the usage it
// reports (zero when none).
func decode(events kind.Events, event string, data []byte) (int64, kind.Usage) {
	switch events {
	case kind.ResponsesEvents:
		return responsesDelta(event, data)
	case kind.MessagesEvents:
		return messagesDelta(event, data)
	case kind.UsageEvents:
		if !gjson.ValidBytes(data) {
			return 0, kind.Usage{}
		}
		return 0, eventUsage(data)
	default:
		return chatDelta(data)
	}
}

// chatDelta reads a chat completions event or answer: the text of its choices (the content,
// reasoning_content and reasoning of delta or message; anything but a string counts nothing) and
// its usage (see [eventUsage]).
func chatDelta(data []byte) (int64, kind.Usage) {
	if !gjson.ValidBytes(data) {
		return 0, kind.Usage{}
	}
	var n int64
	gjson.GetBytes(data, "choices").ForEach(func(_, choice gjson.Result) bool {
		choice.ForEach(func(key, part gjson.Result) bool {
			if key.Str == "delta" || key.Str == "message" {
				n += stringRunes(part, "content", "reasoning_content", "reasoning")
			}
			return true
		})
		return true
	})
	return n, eventUsage(data)
}

// responsesDelta reads an event of the Responses API: the text of output and reasoning deltas,
// and the usage of response.completed (or incomplete, failed) at response.usage.
func responsesDelta(event string, data []byte) (int64, kind.Usage) {
	if !gjson.ValidBytes(data) {
		return 0, kind.Usage{}
	}
	if event == "" {
		event = gjson.GetBytes(data, "type").String()
	}
	var n int64
	if strings.HasSuffix(event, ".delta") && !strings.Contains(event, "arguments") {
		n = runes(gjson.GetBytes(data, "delta"))
	}
	return n, eventUsage(data)
}

// messagesDelta reads an event of Anthropic's Messages API: the text and thinking of
// content_block_delta, the input tokens of message_start (message.usage) and the output tokens of
// message_delta (usage).
func messagesDelta(event string, data []byte) (int64, kind.Usage) {
	if !gjson.ValidBytes(data) {
		return 0, kind.Usage{}
	}
	n := stringRunes(gjson.GetBytes(data, "delta"), "text", "thinking")
	u := eventUsage(data)
	if m := gjson.GetBytes(data, "message.usage"); m.IsObject() {
		u = merge(u, kind.UsageBlock([]byte(m.Raw)))
	}
	return n, u
}

// usageKey is in every event that can carry a usage (see [usageOf]'s places for it).
var usageKey = []byte(`"usage"`)

// eventUsage is [usageOf] of one valid JSON event or answer, after a look for a "usage" key: most
// chunks of a stream carry none.
func eventUsage(data []byte) kind.Usage {
	if !bytes.Contains(data, usageKey) {
		return kind.Usage{}
	}
	return usageOf(data)
}

// usageOf is [kind.ReadUsage] of valid JSON, found in place with gjson: only the usage objects
// are decoded, not the whole answer. Unlike encoding/json, a key is matched exactly and the first
// of a repeated key counts.
func usageOf(data []byte) kind.Usage {
	r := gjson.GetManyBytes(data, "usage", "response", "meta")
	raw := r[0].Raw
	if !r[0].Exists() && r[1].IsObject() {
		raw = r[1].Get("usage").Raw
	}
	var meta string
	if r[2].IsObject() {
		meta = r[2].Get("usage").Raw
	}
	if !strings.HasPrefix(raw, "{") && !strings.HasPrefix(meta, "{") {
		return kind.Usage{}
	}
	return kind.Usages([]byte(raw), []byte(meta))
}

// stringRunes is the number of characters of the string members names of the object obj; other
// members and values that are not strings count nothing.
func stringRunes(obj gjson.Result, names ...string) int64 {
	if !obj.IsObject() {
		return 0
	}
	var n int64
	obj.ForEach(func(key, v gjson.Result) bool {
		for _, name := range names {
			if key.Str == name {
				n += runes(v)
				break
			}
		}
		return true
	})
	return n
}

// runes is the number of characters of r when it is a string, else 0.
func runes(r gjson.Result) int64 {
	if r.Type != gjson.String {
		return 0
	}
	return int64(utf8.RuneCountInString(r.Str))
}
