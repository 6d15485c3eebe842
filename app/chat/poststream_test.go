//go:build !js

package chat

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"testing"
	"time"
)

// TestPostStream checks that PostStream hands the answer over as it arrives (the first piece
// before the server writes the second), returns it whole and records the exchange as Post does;
// an error answer reaches no onChunk, and Stop ends a held answer.
func TestPostStream(t *testing.T) {
	next := make(chan struct{})
	c := newClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("provider") {
		case "bad":
			http.Error(w, `{"error":{"message":"no such voice"}}`, http.StatusBadRequest)
			return
		case "hold":
			w.Header().Set("Content-Type", "audio/wav")
			w.Write([]byte("RIFF"))
			w.(http.Flusher).Flush()
			<-r.Context().Done()
			return
		}
		w.Header().Set("Content-Type", "audio/wav")
		for _, p := range []string{"RIFF", "....", "WAVE"} {
			w.Write([]byte(p))
			w.(http.Flusher).Flush()
			select {
			case <-next:
			case <-time.After(5 * time.Second):
				return
			}
		}
	}))
	var got [][]byte
	status, ct, answer, x, err := c.PostStream(context.Background(), "/v1/tts", []byte(`{"text":"hi"}`), func(ct string, b []byte) {
		if ct != "audio/wav" {
			t.Errorf("onChunk got the type %q", ct)
		}
		got = append(got, b)
		next <- struct{}{} // the server writes the next piece only once this one has arrived
	})
	if err != nil || status != 200 || ct != "audio/wav" || string(answer) != "RIFF....WAVE" {
		t.Fatalf("PostStream = %d, %q, %q, %v", status, ct, answer, err)
	}
	if joined := bytes.Join(got, nil); string(joined) != "RIFF....WAVE" || len(got) < 3 {
		t.Errorf("the pieces %q", got)
	}
	if x == nil || x.Method != http.MethodPost || x.Status != 200 || x.Body != "RIFF....WAVE" || string(x.RequestBody) != `{"text":"hi"}` || x.Err != "" {
		t.Errorf("the exchange %+v", x)
	}

	bad := *c
	bad.Provider = "bad"
	_, _, _, x, err = bad.PostStream(context.Background(), "/v1/tts", []byte(`{}`), func(string, []byte) { t.Error("onChunk called on an error answer") })
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusBadRequest || x.Err == "" {
		t.Errorf("the error answer: %v, %+v", err, x)
	}

	hold := *c
	hold.Provider = "hold"
	ctx, cancel := context.WithCancel(context.Background())
	_, _, answer, _, err = hold.PostStream(ctx, "/v1/tts", []byte(`{}`), func(string, []byte) { cancel() })
	if !errors.Is(err, context.Canceled) || answer != nil {
		t.Errorf("stopped: %q, %v", answer, err)
	}
}
