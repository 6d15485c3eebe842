//go:build !js

package chat

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestExchange: the raw traffic of a run is recorded as sent and as it arrived.
func TestExchange(t *testing.T) {
	body := []byte(`{"model":"m","stream":true,"messages":[]}`)
	tests := []struct {
		name       string
		h          http.Handler
		wantStatus int
		wantEvents []string
		wantBody   string
		wantErr    bool
	}{
		{
			name:       "stream",
			h:          sseHandler(": ping\n\n", "data: "+chunk("Hel", "")+"\n\n", "event: note\ndata: x\n\n", "data: "+chunk("lo", "stop")+"\n\n", "data: [DONE]\n\n"),
			wantStatus: 200,
			wantEvents: []string{chunk("Hel", ""), "note:x", chunk("lo", "stop"), "[DONE]"},
		},
		{
			name: "json",
			h: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("X-Request-Id", "req-7")
				io.WriteString(w, `{"choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}]}`)
			}),
			wantStatus: 200,
			wantBody:   `"content":"hi"`,
		},
		{
			name: "error",
			h: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusTooManyRequests)
				io.WriteString(w, `{"error":{"message":"slow down"}}`)
			}),
			wantStatus: 429,
			wantBody:   "slow down",
			wantErr:    true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, tt.h)
			res, err := c.Complete(context.Background(), body, nil)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Complete error = %v, want error %v", err, tt.wantErr)
			}
			x := res.Exchange
			if x == nil {
				t.Fatal("no exchange recorded")
			}
			if x.Method != "POST" || !strings.HasSuffix(x.URL, "/api/v1/chat/completions") || string(x.RequestBody) != string(body) {
				t.Errorf("request recorded as %s %s %s", x.Method, x.URL, x.RequestBody)
			}
			if x.Status != tt.wantStatus || x.Header["Content-Type"] == "" {
				t.Errorf("status %d, headers %v; want %d and a content type", x.Status, x.Header, tt.wantStatus)
			}
			var got []string
			for i, ev := range x.Events {
				s := ev.Data
				if ev.Name != "" {
					s = ev.Name + ":" + s
				}
				got = append(got, s)
				if i > 0 && ev.At < x.Events[i-1].At {
					t.Errorf("event %d arrived at %v, before the one before it (%v)", i, ev.At, x.Events[i-1].At)
				}
			}
			if strings.Join(got, "\n") != strings.Join(tt.wantEvents, "\n") {
				t.Errorf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.wantEvents, "\n"))
			}
			if !strings.Contains(x.Body, tt.wantBody) {
				t.Errorf("body %q does not contain %q", x.Body, tt.wantBody)
			}
			if tt.wantErr == (x.Err == "") {
				t.Errorf("Err = %q with error %v", x.Err, err)
			}
		})
	}
}

// TestExchangeBound: a stream larger than the bound keeps its first events and counts the rest.
func TestExchangeBound(t *testing.T) {
	x := &Exchange{}
	big := strings.Repeat("x", 1<<20)
	for range 6 {
		x.event(time.Now(), Event{Data: big})
	}
	if len(x.Events) != 4 || x.Dropped != 2 {
		t.Errorf("kept %d events and dropped %d, want 4 and 2", len(x.Events), x.Dropped)
	}
}
