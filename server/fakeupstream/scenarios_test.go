package fakeupstream

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"playground/app/chat"
)

func TestScenarios(t *testing.T) {
	echoWant := `{"model":"test/model","stream":true,"temperature":0.5}`
	tests := []struct {
		name          string
		text          string
		stream        bool
		wantContent   string
		wantReasoning string
		wantErr       error // checked with errors.Is
		wantStatus    int   // *chat.APIError status
		wantMalformed int
		wantDecodeErr bool
	}{
		{name: "default", text: "hello", stream: true, wantContent: DefaultReply},
		{name: "default json", text: "hello", wantContent: DefaultReply},
		{name: "markdown", text: "fake:markdown", stream: true, wantContent: DefaultReply},
		{name: "echo", text: "fake:echo", stream: true, wantContent: echoWant},
		{name: "reasoning", text: "fake:reasoning", stream: true, wantContent: ReasoningReply, wantReasoning: ReasoningText},
		{name: "reasoning json", text: "fake:reasoning", wantContent: ReasoningReply, wantReasoning: ReasoningText},
		{name: "think", text: "fake:think", stream: true, wantContent: ThinkContent},
		{name: "think json", text: "fake:think", wantContent: ThinkContent},
		{name: "garbage", text: "fake:garbage", stream: true, wantContent: DefaultReply, wantMalformed: 1},
		{name: "garbage json", text: "fake:garbage", wantDecodeErr: true},
		{name: "reset", text: "fake:reset", stream: true, wantContent: strings.Join(split(DefaultReply, pieceRunes)[:3], ""), wantErr: io.ErrUnexpectedEOF},
		{name: "reset json", text: "fake:reset", wantErr: io.ErrUnexpectedEOF},
		{name: "error 400", text: "fake:error 400", stream: true, wantStatus: 400},
		{name: "error 401", text: "fake:error 401", wantStatus: 401},
		{name: "error 403", text: "fake:error 403", stream: true, wantStatus: 403},
		{name: "error 404", text: "fake:error 404", wantStatus: 404},
		{name: "error 429", text: "fake:error 429", stream: true, wantStatus: 429},
		{name: "error default", text: "fake:error", wantStatus: 500},
		{name: "error 503", text: "  fake:error   503 ", wantStatus: 503},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, c := setup(t)
			res, err := c.Complete(context.Background(), reqBody(tt.text, tt.stream, false), nil)
			if res == nil {
				t.Fatal("nil Result")
			}
			var apiErr *chat.APIError
			switch {
			case tt.wantStatus != 0:
				if !errors.As(err, &apiErr) {
					t.Fatalf("error = %v, want *chat.APIError", err)
				}
				if got, want := apiErr.Status, tt.wantStatus; got != want {
					t.Fatalf("Status = %d, want %d", got, want)
				}
				if apiErr.Message == "" {
					t.Fatal("empty error message")
				}
				return
			case tt.wantErr != nil:
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("error = %v, want %v", err, tt.wantErr)
				}
			case tt.wantDecodeErr:
				if err == nil || !strings.Contains(err.Error(), "chat: decoding completion") {
					t.Fatalf("error = %v, want a decoding error", err)
				}
				return
			case err != nil:
				t.Fatalf("Complete: %v", err)
			}
			if got, want := res.Content, tt.wantContent; got != want {
				t.Fatalf("Content = %q, want %q", got, want)
			}
			if got, want := res.Reasoning, tt.wantReasoning; got != want {
				t.Fatalf("Reasoning = %q, want %q", got, want)
			}
			if got, want := res.Malformed, tt.wantMalformed; got != want {
				t.Fatalf("Malformed = %d, want %d", got, want)
			}
			if tt.wantErr == nil {
				if got, want := res.Model, "test/model"; got != want {
					t.Fatalf("Model = %q, want %q", got, want)
				}
				if got, want := res.FinishReason, "stop"; got != want {
					t.Fatalf("FinishReason = %q, want %q", got, want)
				}
			}
		})
	}
}

func TestNonStreamUsage(t *testing.T) {
	_, _, c := setup(t)
	res, err := c.Complete(context.Background(), reqBody("fake:reasoning", false, false), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Usage.ReasoningTokens == nil || *res.Usage.ReasoningTokens == 0 {
		t.Fatalf("ReasoningTokens = %v, want > 0", res.Usage.ReasoningTokens)
	}
	if res.Cost.USD == nil || res.Cost.Credits == nil {
		t.Fatalf("Cost = %+v, want USD and Credits", res.Cost)
	}
}

func TestErrorBodies(t *testing.T) {
	_, url, _ := setup(t)
	resp, body := do(t, "POST", url+"/v1/chat/completions", "", reqBody("fake:error 403", false, false))
	var aiml map[string]any
	if err := json.Unmarshal(body, &aiml); err != nil {
		t.Fatal(err)
	}
	if got, want := aiml["statusCode"], any(float64(403)); got != want {
		t.Fatalf("statusCode = %v, want %v", got, want)
	}
	for _, k := range []string{"message", "path", "requestId", "timestamp"} {
		if _, ok := aiml[k]; !ok {
			t.Fatalf("403 body %s lacks %q", body, k)
		}
	}
	if msg, _ := aiml["message"].(string); !strings.Contains(msg, "credits") {
		t.Fatalf("403 message %q does not mention credits", msg)
	}
	resp, body = do(t, "POST", url+"/v1/chat/completions", "", reqBody("fake:error 429", true, false))
	if got, want := resp.Header.Get("Retry-After"), "1"; got != want {
		t.Fatalf("Retry-After = %q, want %q", got, want)
	}
	if !strings.Contains(string(body), `"error":{"message":`) {
		t.Fatalf("429 body %s is not OpenAI-style", body)
	}
}

func TestSlow(t *testing.T) {
	if got, want := New().SlowDelay, 2*time.Second; got != want {
		t.Fatalf("default SlowDelay = %v, want %v", got, want)
	}
	s, _, c := setup(t)
	s.SlowDelay = 300 * time.Millisecond
	start := time.Now()
	var first time.Duration
	res, err := c.Complete(context.Background(), reqBody("fake:slow", true, false), func(*chat.Result) {
		if first == 0 {
			first = time.Since(start)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if first < s.SlowDelay {
		t.Fatalf("first event after %v, want at least %v", first, s.SlowDelay)
	}
	if got, want := res.Content, DefaultReply; got != want {
		t.Fatalf("Content = %q, want %q", got, want)
	}
}

func TestHangRecordsCancellation(t *testing.T) {
	for _, stream := range []bool{true, false} {
		s, _, c := setup(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancelledAt := make(chan time.Time, 1)
		go func() {
			// Cancel once the request has been received.
			for len(s.Requests()) == 0 {
				time.Sleep(time.Millisecond)
			}
			time.Sleep(50 * time.Millisecond)
			cancelledAt <- time.Now()
			cancel()
		}()
		res, err := c.Complete(ctx, reqBody("fake:hang", stream, false), nil)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("stream=%v: error = %v, want context.Canceled", stream, err)
		}
		if stream && res.Content != split(DefaultReply, pieceRunes)[0] {
			t.Fatalf("partial Content = %q, want the first piece", res.Content)
		}
		select {
		case at := <-s.CancelledC():
			if d := at.Sub(<-cancelledAt); d > time.Second {
				t.Fatalf("stream=%v: cancellation observed after %v", stream, d)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("stream=%v: cancellation never observed", stream)
		}
		if got, want := len(s.Cancelled()), 1; got != want {
			t.Fatalf("stream=%v: Cancelled() has %d times, want %d", stream, got, want)
		}
	}
}

func TestScenarioFromContentParts(t *testing.T) {
	_, _, c := setup(t)
	body := `{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"fake:"},{"type":"text","text":"reasoning"}]},{"role":"assistant","content":"ok"}]}`
	res, err := c.Complete(context.Background(), []byte(body), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := res.Content, ReasoningReply; got != want {
		t.Fatalf("Content = %q, want %q", got, want)
	}
}

// TestThinkScenario: the inline reasoning of "fake:think" splits its tags across chunks, and the
// client's view separates it from the answer and drops the trailing "</s>".
func TestThinkScenario(t *testing.T) {
	_, _, c := setup(t)
	var split bool
	res, err := c.Complete(context.Background(), reqBody("fake:think", true, true), func(r *chat.Result) {
		if strings.HasSuffix(r.Content, "<thin") {
			split = true
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if !split {
		t.Errorf("no chunk ended inside the <think> tag")
	}
	v := res.Visible(true)
	if v.Answer != ThinkReply || v.Reasoning != ThinkReasoning {
		t.Errorf("Visible = %+v, want answer %q and reasoning %q", v, ThinkReply, ThinkReasoning)
	}
	if res.Usage.CompletionTokens == nil {
		t.Errorf("no usage though include_usage was asked for")
	}
}
