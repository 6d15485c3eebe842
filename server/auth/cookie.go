package auth

import (
	"net/http"
	"time"
)

// CookieName is the session cookie's name: with the __Host- prefix when it is Secure (bound to
// the host, path /, never set by a subdomain), plain on a loopback http:// dev server.
func CookieName(secure bool) string {
	if secure {
		return "__Host-playground_session"
	}
	return "playground_session"
}

// SessionCookie is the cookie that carries a session's opaque token until expires: HttpOnly
// (no script reads it), SameSite=Lax (cross-site POSTs carry none; the server's cross-origin
// protection refuses them anyway), Secure when the server is reached over https.
func SessionCookie(token string, expires time.Time, secure bool) *http.Cookie {
	return &http.Cookie{
		Name: CookieName(secure), Value: token, Path: "/", Expires: expires.UTC(),
		MaxAge: max(1, int(time.Until(expires).Seconds())), HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode,
	}
}

// ClearCookie ends the session cookie in the browser.
func ClearCookie(secure bool) *http.Cookie {
	return &http.Cookie{Name: CookieName(secure), Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode}
}

// SessionToken is the session token a request carries, "" when none.
func SessionToken(r *http.Request, secure bool) string {
	c, err := r.Cookie(CookieName(secure))
	if err != nil {
		return ""
	}
	return c.Value
}
