package chat

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	neturl "net/url"
	"strings"
	"time"

	"playground/app/fetch"
)

// Limits on bodies read whole by [Client.Complete].
const (
	maxErrorBody      = 64 << 10
	maxCompletionBody = 32 << 20
)

// Doer sends an HTTP request, as [http.Client.Do] does: an *http.Client, or [fetch.Client] in the
// browser, which links no HTTP transport into the web app.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// Client sends chat completion requests to an OpenAI-compatible API.
type Client struct {
	// BaseURL is the API root without the "/v1" part, such as "/api" in the
	// browser (the playground's proxy) or an absolute URL.
	BaseURL string
	// HTTP sends the requests: an *http.Client, or [fetch.Client] (what nil
	// means), the browser's fetch in the web app and http.DefaultClient
	// elsewhere.
	HTTP Doer
	// Provider, when set, names the provider the playground server
	// routes the call to: it is sent as ?provider=NAME, outside the body.
	Provider string
	// Dialect, when set, is the API family Complete speaks (its path and
	// events, see [Responses] and [AnthropicMessages]); nil means OpenAI's
	// chat completions.
	Dialect Dialect
}

// Complete POSTs body, an already-built chat completion request in JSON, to
// BaseURL+"/v1/chat/completions" (with ?provider=Provider when set) and
// returns the assistant's reply.
//
// A "text/event-stream" response is decoded event by event and onUpdate is
// called after each applied event; any other successful response is parsed
// as JSON with [ParseCompletion] and onUpdate is called once. onUpdate may be
// nil. It is called on the calling goroutine, so it must be cheap: store the
// result or schedule a render and return, throttling as needed. The *Result
// passed to it is the one being built; it must not be retained past the call
// without copying, nor modified.
//
// Complete always returns a non-nil *Result holding everything received so
// far, even when it also returns an error:
//   - a non-2xx response yields an [*APIError] built by [ParseError];
//   - an error payload inside the stream yields an [*APIError];
//   - cancelling ctx (the user pressed Stop) yields an error for which
//     errors.Is(err, context.Canceled) holds (or context.DeadlineExceeded);
//   - a stream that ends, or breaks, before both "[DONE]" and a finish
//     reason have arrived yields an error wrapping io.ErrUnexpectedEOF.
//
// Stream payloads that are not valid JSON are skipped and counted in
// [Result.Malformed]. Complete records in the Result when it sent the request,
// when the first text arrived and when it returned, for [ComputeStats].
//
// The raw traffic is recorded in [Result.Exchange].
func (c *Client) Complete(ctx context.Context, body []byte, onUpdate func(*Result)) (*Result, error) {
	res, err := c.complete(ctx, body, onUpdate)
	if err != nil && res.Exchange != nil {
		res.Exchange.Err = err.Error()
	}
	return res, err
}

func (c *Client) complete(ctx context.Context, body []byte, onUpdate func(*Result)) (*Result, error) {
	res := &Result{Started: time.Now()}
	x := &Exchange{Method: http.MethodPost, RequestBody: body}
	res.Exchange = x
	defer func() { res.Finished = time.Now() }()
	user := onUpdate
	onUpdate = func(r *Result) {
		if r.FirstToken.IsZero() && (r.Content != "" || r.Reasoning != "") {
			r.FirstToken = time.Now()
		}
		if user != nil {
			user(r)
		}
	}
	hc := c.doer()
	path := "/v1/chat/completions"
	if c.Dialect != nil {
		path = c.Dialect.Path()
	}
	url := strings.TrimRight(c.BaseURL, "/") + path
	if c.Provider != "" {
		url += "?provider=" + neturl.QueryEscape(c.Provider)
	}
	x.URL = url
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return res, fmt.Errorf("chat: building request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream, application/json")
	resp, err := hc.Do(req)
	if err != nil {
		if cerr := ctxError(ctx); cerr != nil {
			return res, cerr
		}
		return res, fmt.Errorf("chat: sending request to %s: %w", url, err)
	}
	defer resp.Body.Close()
	x.response(resp)
	// Under GOOS=js, net/http stops watching ctx once the headers have arrived, and a read of the
	// stream waits for the next bytes whatever ctx says; closing the body on cancel makes Stop
	// end the read (and so the upstream request) at once. (fetch.Client aborts the stream on
	// cancel itself; the close is for any other Doer.)
	stopClose := context.AfterFunc(ctx, func() { resp.Body.Close() })
	defer stopClose()

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		b, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		x.body(b)
		if err != nil {
			if cerr := ctxError(ctx); cerr != nil {
				return res, cerr
			}
		}
		return res, ParseError(resp.StatusCode, b)
	}

	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt == "text/event-stream" {
		return res, c.stream(ctx, resp.Body, res, onUpdate)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxCompletionBody))
	x.body(b)
	if err != nil {
		if cerr := ctxError(ctx); cerr != nil {
			return res, cerr
		}
		return res, fmt.Errorf("chat: reading response: %w", err)
	}
	parse := ParseCompletion
	if c.Dialect != nil {
		parse = c.Dialect.ParseAnswer
	}
	r, err := parse(b)
	if err != nil {
		return res, err
	}
	r.Started, r.Exchange = res.Started, x
	*res = r
	onUpdate(res)
	return res, nil
}

// stream decodes an event stream into res.
func (c *Client) stream(ctx context.Context, body io.Reader, res *Result, onUpdate func(*Result)) error {
	dec := NewDecoder(body)
	for {
		ev, err := dec.Next()
		if err != nil {
			if cerr := ctxError(ctx); cerr != nil {
				return cerr
			}
			if errors.Is(err, ErrEventTooLarge) {
				return err
			}
			if res.FinishReason != "" {
				// The answer is complete; only the trailer (usage,
				// [DONE]) is missing.
				return nil
			}
			if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
				return fmt.Errorf("chat: the stream was cut off before the response was complete: %w", io.ErrUnexpectedEOF)
			}
			return fmt.Errorf("chat: the stream was cut off before the response was complete: %w: %w", io.ErrUnexpectedEOF, err)
		}
		res.Exchange.event(res.Started, ev)
		var err2 error
		switch {
		case c.Dialect != nil && strings.TrimSpace(ev.Data) == "[DONE]":
			res.Done = true // some routers end every stream so
		case c.Dialect != nil:
			err2 = c.Dialect.ApplyEvent(res, ev.Name, []byte(ev.Data))
		case ev.Name == "error":
			return ParseError(0, []byte(ev.Data))
		default:
			err2 = res.ApplyChunk([]byte(ev.Data))
		}
		if err := err2; err != nil {
			var apiErr *APIError
			if errors.As(err, &apiErr) {
				return apiErr
			}
			res.Malformed++
			continue
		}
		onUpdate(res)
		if res.Done {
			return nil
		}
	}
}

// doer is c.HTTP, or fetch.Client when it is nil.
func (c *Client) doer() Doer {
	if c.HTTP != nil {
		return c.HTTP
	}
	return fetch.Client{}
}

// ctxError returns a descriptive error wrapping ctx.Err() once ctx is done,
// or nil.
func ctxError(ctx context.Context) error {
	err := ctx.Err()
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("chat: request stopped: %w", err)
	}
	return fmt.Errorf("chat: request timed out: %w", err)
}

// Post sends body, a JSON request, to BaseURL+path (with ?provider=Provider when set) and returns
// the whole answer: its status, its content type and its body (up to 32 MiB; longer is an error).
// It is the call of operations that answer with one JSON document (images, embeddings). A non-2xx
// answer yields an [*APIError] built by [ParseError]; the raw traffic is recorded in the returned
// Exchange either way.
func (c *Client) Post(ctx context.Context, path string, body []byte) (status int, contentType string, answer []byte, x *Exchange, err error) {
	return c.do(ctx, http.MethodPost, path, "application/json", body, nil)
}

// Send is Post of a body of another type: the multipart/form-data request of an upload (see
// package upload), with its boundary in bodyType.
func (c *Client) Send(ctx context.Context, path, bodyType string, body []byte) (status int, contentType string, answer []byte, x *Exchange, err error) {
	return c.do(ctx, http.MethodPost, path, bodyType, body, nil)
}

// PostStream is [Client.Post] that also hands a successful (2xx) answer's body to onChunk piece by
// piece as it arrives, with the answer's content type: the call of operations whose answer is
// worth using before it ends, such as audio to play as it downloads. onChunk runs on the calling
// goroutine and must be quick; it must not modify chunk, which stays valid after the call. The
// whole answer is returned as Post returns it, under the same limit.
func (c *Client) PostStream(ctx context.Context, path string, body []byte, onChunk func(contentType string, chunk []byte)) (status int, contentType string, answer []byte, x *Exchange, err error) {
	return c.do(ctx, http.MethodPost, path, "application/json", body, onChunk)
}

// Get fetches BaseURL+path (path may hold a query; ?provider= or &provider= is added when
// Provider is set) like Post: the poll of a job.
func (c *Client) Get(ctx context.Context, path string) (status int, contentType string, answer []byte, x *Exchange, err error) {
	return c.do(ctx, http.MethodGet, path, "", nil, nil)
}

// do is Post, Send, PostStream and Get.
func (c *Client) do(ctx context.Context, method, path, bodyType string, body []byte, onChunk func(string, []byte)) (status int, contentType string, answer []byte, x *Exchange, err error) {
	x = &Exchange{Method: method, RequestBody: body}
	defer func() {
		if err != nil {
			x.Err = err.Error()
		}
	}()
	hc := c.doer()
	url := strings.TrimRight(c.BaseURL, "/") + path
	if c.Provider != "" {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		url += sep + "provider=" + neturl.QueryEscape(c.Provider)
	}
	x.URL = url
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return 0, "", nil, x, fmt.Errorf("building request: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", bodyType)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		if cerr := ctxError(ctx); cerr != nil {
			return 0, "", nil, x, cerr
		}
		return 0, "", nil, x, fmt.Errorf("sending request to %s: %w", url, err)
	}
	defer resp.Body.Close()
	x.response(resp)
	stopClose := context.AfterFunc(ctx, func() { resp.Body.Close() })
	defer stopClose()
	ct := resp.Header.Get("Content-Type")
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		onChunk = nil
	}
	answer, err = readChunks(io.LimitReader(resp.Body, maxCompletionBody+1), func(b []byte) {
		if onChunk != nil {
			onChunk(ct, b)
		}
	})
	x.body(answer)
	// Under GOOS=js a body closed by the cancel above may read as a clean end: a stopped call is
	// stopped whatever the read said.
	if cerr := ctxError(ctx); cerr != nil {
		return resp.StatusCode, "", nil, x, cerr
	}
	if err != nil {
		return resp.StatusCode, "", nil, x, fmt.Errorf("reading the answer: %w", err)
	}
	if len(answer) > maxCompletionBody {
		return resp.StatusCode, "", nil, x, fmt.Errorf("the answer is larger than %d MiB", maxCompletionBody>>20)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, "", answer, x, ParseError(resp.StatusCode, answer)
	}
	return resp.StatusCode, ct, answer, x, nil
}

// readChunks is io.ReadAll that calls onChunk with each piece read. The pieces are never written
// again: a buffer that grows is copied, the bytes handed out stay as they were.
func readChunks(r io.Reader, onChunk func([]byte)) ([]byte, error) {
	b := make([]byte, 0, 32<<10)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		if n > 0 {
			onChunk(b[len(b) : len(b)+n : len(b)+n])
			b = b[:len(b)+n]
		}
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}
