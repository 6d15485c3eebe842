package fakeupstream

import (
	"context"
	"errors"
	"testing"

	"playground/app/chat"
)

func TestDialects(t *testing.T) {
	type body func(text string, stream bool) string
	responses := func(text string, stream bool) string {
		return `{"model":"openai/gpt-4o","stream":` + map[bool]string{true: "true", false: "false"}[stream] +
			`,"input":[{"role":"user","content":"first"},{"role":"assistant","content":"ok"},{"role":"user","content":` + jsonQuote(text) + `}]}`
	}
	messages := func(text string, stream bool) string {
		return `{"model":"claude","max_tokens":9,"stream":` + map[bool]string{true: "true", false: "false"}[stream] +
			`,"messages":[{"role":"user","content":[{"type":"text","text":` + jsonQuote(text) + `}]}]}`
	}
	for _, d := range []struct {
		dialect chat.Dialect
		body    body
	}{{chat.Responses, responses}, {chat.AnthropicMessages, messages}} {
		for _, stream := range []bool{true, false} {
			name := d.dialect.Path() + map[bool]string{true: " streamed", false: ""}[stream]
			t.Run(name, func(t *testing.T) {
				_, _, c := setup(t)
				c.Dialect = d.dialect
				res, err := c.Complete(context.Background(), []byte(d.body("Hello", stream)), nil)
				if err != nil || res.Content != DefaultReply || res.FinishReason == "" || res.Usage.PromptTokens == nil || res.Usage.CompletionTokens == nil {
					t.Fatalf("default: %+v, %v", res, err)
				}
				res, err = c.Complete(context.Background(), []byte(d.body("fake:reasoning", stream)), nil)
				if err != nil || res.Content != ReasoningReply || res.Reasoning != ReasoningText {
					t.Fatalf("reasoning: %+v, %v", res, err)
				}
				_, err = c.Complete(context.Background(), []byte(d.body("fake:error 429", stream)), nil)
				var apiErr *chat.APIError
				if !errors.As(err, &apiErr) || apiErr.Status != 429 {
					t.Fatalf("error 429: %v", err)
				}
				if stream {
					res, err = c.Complete(context.Background(), []byte(d.body("fake:midstream", stream)), nil)
					if !errors.As(err, &apiErr) || apiErr.Status != 0 || res.Content == "" || res.Content == DefaultReply {
						t.Fatalf("midstream: %+v, %v", res, err)
					}
				}
			})
		}
	}
}

func jsonQuote(s string) string {
	b := []byte{'"'}
	for _, r := range s {
		if r == '"' || r == '\\' {
			b = append(b, '\\')
		}
		b = append(b, string(r)...)
	}
	return string(append(b, '"'))
}
