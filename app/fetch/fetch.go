// Package fetch sends HTTP requests with the browser's fetch, through syscall/js, so that the web
// app (GOOS=js) links none of net/http's own transport: no TLS, x509 or socket code, which an
// [http.Client] would bring in as the fallback of its js transport (about 2.5 MB of code).
//
// [Do] is [http.Client.Do] of what the app needs: the method, URL, headers and body of the
// request; a response with its status, headers and a body that streams the chunks as they arrive;
// the request's context aborts the fetch, before the answer or while its body is read. Cookies
// go only to the same origin (fetch's default) and redirects are followed (fetch's default, as
// net/http's js transport does).
//
// Outside GOOS=js (host tests, the server) [Do] is http.DefaultClient.Do.
package fetch

import "net/http"

// Client sends requests with [Do]; its zero value is ready to use. It is a chat.Doer.
type Client struct{}

// Do is [Do].
func (Client) Do(req *http.Request) (*http.Response, error) { return Do(req) }
