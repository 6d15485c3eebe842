package upstream

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"

	"playground/app/chat"
	"playground/server/httperr"
)

// responseHeaders are the upstream response headers passed back to the browser.
// X-Aimlapi-Usd-Spent is what AI/ML API says the call cost, which the meter reads.
var responseHeaders = []string{"Content-Type", "Content-Length", "Retry-After", "X-Request-Id", "Openai-Processing-Ms", "X-Aimlapi-Usd-Spent"}

// transportError maps a failure to reach the provider (no answer in time, no connection) to the
// error the browser gets.
func (u *Upstream) transportError(err error) *httperr.Error {
	var refused *httperr.Error
	if errors.As(err, &refused) {
		return refused // the request's own body refused on the way (an upload's file, see formcall)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded) {
		return &httperr.Error{Code: httperr.EUpstreamTimeout,
			Message: fmt.Sprintf("Provider %s did not start answering in time. The model may be overloaded or still loading: try again in a moment, or pick another model.", u.name),
			Err:     err}
	}
	return &httperr.Error{Code: httperr.EUpstreamUnreachable,
		Message: fmt.Sprintf("Could not reach provider %s (%s). Check the server's network and the provider's base URL, then try again.", u.name, u.base.Redacted()),
		Err:     err}
}

// modifyResponse keeps the allowed response headers, refuses redirects and turns upstream
// errors into the server's JSON envelope.
func (u *Upstream) modifyResponse(resp *http.Response) error {
	kept := http.Header{}
	for _, name := range responseHeaders {
		if v := resp.Header.Values(name); len(v) > 0 {
			kept[http.CanonicalHeaderKey(name)] = v
		}
	}
	resp.Header = kept
	resp.Header.Set("Cache-Control", "no-store")
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		resp.Header.Set("X-Accel-Buffering", "no")
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		// Never follow, nor pass on, a redirect: it could send the browser, or the key, elsewhere.
		resp.Body.Close()
		return u.replaceWithError(resp, &httperr.Error{Code: httperr.EUpstreamRedirect,
			Message: fmt.Sprintf("Provider %s answered with a redirect (%d), which the playground does not follow. The operator should check the provider's base URL.", u.name, resp.StatusCode)})
	}
	if resp.StatusCode < 400 {
		return nil
	}
	// Turn upstream errors into our envelope with a message that says what to do.
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	e := u.upstreamError(resp.StatusCode, body)
	if resp.StatusCode == http.StatusTooManyRequests {
		// Pass the provider's Retry-After on; AI/ML API sends none, so suggest one.
		e.RetryAfter = 5
		if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && ra > 0 && ra < 3600 {
			e.RetryAfter = ra
		}
	}
	return u.replaceWithError(resp, e)
}

// replaceWithError turns an upstream response into one of our JSON errors.
func (u *Upstream) replaceWithError(resp *http.Response, e *httperr.Error) error {
	resp.Header.Del("Retry-After")
	if e.RetryAfter > 0 {
		resp.Header.Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	b := httperr.Body(e)
	resp.Body = io.NopCloser(bytes.NewReader(b))
	resp.ContentLength = int64(len(b))
	resp.Header.Set("Content-Type", "application/json")
	resp.Header.Set("Content-Length", strconv.Itoa(len(b)))
	resp.StatusCode = e.Status()
	return nil
}

// upstreamError maps an upstream failure to the status and message the browser gets. Bodies of
// authentication failures are never echoed: they may carry hints about the key.
func (u *Upstream) upstreamError(status int, body []byte) *httperr.Error {
	detail := chat.ParseError(status, body).Message
	switch {
	case status == http.StatusUnauthorized:
		return &httperr.Error{Code: httperr.EUpstreamUnauthorized,
			Message: fmt.Sprintf("Provider %s rejected the server's API key (401). The operator should check %s.", u.name, u.keySource)}
	case status == http.StatusForbidden:
		return &httperr.Error{Code: httperr.EUpstreamForbidden,
			Message: fmt.Sprintf("Provider %s refused the request (403): the account behind the server's key may be out of credits or not allowed to use this model.", u.name)}
	case status == http.StatusTooManyRequests:
		return &httperr.Error{Code: httperr.EUpstreamRateLimited,
			Message: fmt.Sprintf("Provider %s is rate-limiting requests (429): wait a little and run again. Provider said: %s", u.name, detail)}
	case status >= 500:
		return &httperr.Error{Code: httperr.UpstreamCode(status),
			Message: fmt.Sprintf("Provider %s failed (%d): %s. Try again, or pick another model.", u.name, status, detail)}
	default:
		return &httperr.Error{Code: httperr.UpstreamCode(status),
			Message: fmt.Sprintf("Provider %s refused the request (%d): %s", u.name, status, detail)}
	}
}
