package server

import (
	"net/http"
	"strings"

	"playground/server/httperr"
)

// allowedMethods are the methods any route of the server answers; the rest are refused before
// routing.
var allowedMethods = map[string]bool{http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodOptions: true}

// guardRequests refuses request targets a browser never sends and a proxy must not interpret:
// absolute-form targets ("POST http://other.host/api/…"), paths with dot segments or encoded
// slashes and backslashes, and unusual methods. It answers in the JSON error shape, before any
// route, redirect or file lookup sees the path.
func (s *Server) guardRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !allowedMethods[r.Method] {
			w.Header().Set("Allow", "GET, HEAD, POST, OPTIONS")
			s.writeError(w, r, httperr.Errorf(httperr.EMethodNotAllowed,
				"Method %s is not allowed.", r.Method))
			return
		}
		if reason := badTarget(r); reason != "" {
			s.writeError(w, r, httperr.Errorf(httperr.EBadRequestTarget,
				"The request target is refused: %s.", reason))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// badTarget says why a request target is refused, or "" when it is fine.
func badTarget(r *http.Request) string {
	if !strings.HasPrefix(r.RequestURI, "/") {
		return "only origin-form targets (a path starting with /) are served"
	}
	raw := r.URL.EscapedPath()
	lower := strings.ToLower(raw)
	for _, enc := range []string{"%2f", "%5c", "%00", "%2e"} {
		if strings.Contains(lower, enc) {
			return "encoded slashes, backslashes, dots and NUL are not allowed in the path"
		}
	}
	if strings.Contains(raw, `\`) {
		return "backslashes are not allowed in the path"
	}
	for _, seg := range strings.Split(r.URL.Path, "/") {
		if seg == "." || seg == ".." {
			return "dot segments are not allowed in the path"
		}
	}
	return ""
}
