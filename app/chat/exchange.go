package chat

import (
	"net/http"
	"time"
)

// Bounds on what an [Exchange] keeps, so a very long stream cannot grow it without limit.
const (
	maxExchangeBytes = 4 << 20 // event data and bodies, in total
	maxExchangeBody  = 64 << 10
)

// Exchange is the raw traffic of one request, for the playground's inspector: the request as sent
// and the response as it arrived.
type Exchange struct {
	// Method and URL are the request line.
	Method, URL string
	// RequestBody is the body sent.
	RequestBody []byte
	// Status is the response status code; 0 if no response arrived.
	Status int
	// Header holds the response headers worth showing (content type, request ids, rate limits).
	Header map[string]string
	// Events are the server-sent events in the order they arrived, for a streamed response.
	Events []RawEvent
	// Body is the response body of a response that was not a stream (an answer or an error),
	// cut at 64 KiB.
	Body string
	// Dropped counts the events not kept once the exchange reached its size bound (4 MiB).
	Dropped int
	// Err is how the exchange ended when it failed ("" when it succeeded).
	Err string

	size int
}

// RawEvent is one server-sent event as it arrived.
type RawEvent struct {
	// At is the time since the request was sent.
	At time.Duration
	// Name is the event's "event:" field, "" for the default type.
	Name string
	// Data is the event's data.
	Data string
}

// shownHeaders are the response headers an Exchange keeps.
var shownHeaders = []string{"Content-Type", "Retry-After", "X-Request-Id", "Request-Id", "Openai-Model", "Openai-Processing-Ms",
	"X-Ratelimit-Limit-Requests", "X-Ratelimit-Remaining-Requests", "X-Ratelimit-Limit-Tokens", "X-Ratelimit-Remaining-Tokens"}

func (x *Exchange) response(resp *http.Response) {
	x.Status = resp.StatusCode
	for _, k := range shownHeaders {
		if v := resp.Header.Get(k); v != "" {
			if x.Header == nil {
				x.Header = map[string]string{}
			}
			x.Header[k] = v
		}
	}
}

func (x *Exchange) event(started time.Time, ev Event) {
	if x.size+len(ev.Data) > maxExchangeBytes {
		x.Dropped++
		return
	}
	x.size += len(ev.Data)
	x.Events = append(x.Events, RawEvent{At: time.Since(started), Name: ev.Name, Data: ev.Data})
}

func (x *Exchange) body(b []byte) {
	if len(b) > maxExchangeBody {
		b = b[:maxExchangeBody]
	}
	x.Body = string(b)
}
