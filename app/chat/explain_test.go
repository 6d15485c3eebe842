package chat

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

func TestExplain(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{nil, ""},
		{&APIError{Status: 503, Message: "The server has no API key for provider aimlapi. Set AIMLAPI_API_KEY."}, "The server has no API key"},
		{fmt.Errorf("chat: stream: %w", &APIError{Message: "Provider failed"}), "Provider failed"},
		{fmt.Errorf("chat: request stopped: %w", context.Canceled), "Stopped."},
		{fmt.Errorf("chat: request timed out: %w", context.DeadlineExceeded), "took too long"},
		{fmt.Errorf("chat: the stream was cut off before the response was complete: %w", io.ErrUnexpectedEOF), "connection broke"},
		{errors.New("chat: sending request to /api/v1/chat/completions: TypeError: Failed to fetch"), "could not be reached"},
		{errors.New("chat: something else"), "The run failed: something else"},
	}
	for _, tt := range tests {
		got := Explain(tt.err)
		if tt.want == "" && got != "" || !strings.Contains(got, tt.want) || strings.Contains(got, "chat:") {
			t.Errorf("Explain(%v) = %q, want it to contain %q and no package prefix", tt.err, got, tt.want)
		}
	}
}
