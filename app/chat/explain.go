package chat

import (
	"context"
	"errors"
	"io"
	"strings"
)

// Explain turns an error from [Client.Complete] into what to tell the user: what happened and what
// to do, without the package prefixes and wrapping of the error chain. An API error is told in the
// server's (or provider's) own words, which already say what to do.
func Explain(err error) string {
	var api *APIError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &api):
		msg := strings.TrimSpace(api.Message)
		if msg == "" {
			msg = statusMessage(api.Status)
		}
		return msg
	case errors.Is(err, context.Canceled):
		return "Stopped."
	case errors.Is(err, context.DeadlineExceeded):
		return "The model took too long to answer, so the request was abandoned. Run again, or ask for a shorter answer."
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "The connection broke before the answer was complete; the text above is what arrived. Run again to retry."
	case strings.Contains(err.Error(), "chat: sending request"):
		return "The playground server could not be reached. Check that it is running and your network is up, then run again."
	case strings.Contains(err.Error(), "chat: reading response"):
		return "The answer could not be read to the end; the text above is what arrived. Run again to retry."
	}
	return "The run failed: " + strings.TrimPrefix(err.Error(), "chat: ")
}
