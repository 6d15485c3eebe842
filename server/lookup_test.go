package server

import (
	"context"
	"errors"
	"strings"
	"testing"

	"playground/server/catalogapi"
	"playground/server/httperr"
)

// TestUnknownProviderEverywhere: every route that takes ?provider= finds the model through the
// one lookup, so an unknown provider is the same 404 unknown_provider, naming it, on each; the
// prerendered pages' backend gives the same coded error.
func TestUnknownProviderEverywhere(t *testing.T) {
	e := runLive(t, nil)
	chat := `{"model":"gryphe/mythomax-l2-13b","messages":[{"role":"user","content":"hi"}]}`
	tests := []struct {
		name, method, path, body string
	}{
		{"model call", "POST", "/api/v1/chat/completions?provider=nope", chat},
		{"images call", "POST", "/api/v1/images/generations?provider=nope", `{"model":"flux/schnell","prompt":"a cat"}`},
		{"form", "GET", "/api/models/gryphe/mythomax-l2-13b?provider=nope", ""},
		{"form of an operation", "GET", "/api/models/gryphe/mythomax-l2-13b?provider=nope&op=/v1/chat/completions", ""},
		{"embed form", "GET", "/api/embed/models/gryphe/mythomax-l2-13b?provider=nope", ""},
		{"embed call", "POST", "/api/embed/v1/chat/completions?provider=nope", chat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := len(e.fake.Requests()) + len(e.fake2.Requests())
			resp, body := e.do(t, tt.method, tt.path, tt.body, nil)
			msg, code := errorMessage(t, body)
			if got, want := resp.StatusCode, 404; got != want {
				t.Fatalf("status %d, want %d: %s", got, want, body)
			}
			if code != httperr.EUnknownProvider || !strings.Contains(msg, `"nope"`) || !strings.Contains(msg, "aimlapi, deepinfra") {
				t.Fatalf("code %s, message %q", code, msg)
			}
			if m := len(e.fake.Requests()) + len(e.fake2.Requests()); m != n {
				t.Fatalf("%d upstream calls", m-n)
			}
		})
	}
	t.Run("prerendering backend", func(t *testing.T) {
		for _, b := range []catalogapi.Backend{e.s.catalog.Backend(), e.s.catalog.EmbedBackend()} {
			_, err := b.Form(context.Background(), "gryphe/mythomax-l2-13b", "nope", "")
			var he *httperr.Error
			if !errors.As(err, &he) || he.Code != httperr.EUnknownProvider || he.Status() != 404 {
				t.Fatalf("Form: %v", err)
			}
		}
	})
}
