package access

import (
	"errors"
	"html/template"
	"net/http"
	"strings"
	"sync"

	"playground/server/auth"
	"playground/server/oidc"
	"playground/server/team"
)

// CallbackPath is the route the OpenID Connect provider sends the browser back to (-auth oidc);
// -oidc-redirect-url must name it.
const CallbackPath = "/auth/callback"

// Register adds the sign-in routes of the mode to mux: under local, GET and POST /login and POST
// /logout; under oidc, GET /login (to the provider), GET CallbackPath and POST /logout; none
// under the other modes. form wraps the routes that take a form post (cross-origin protection).
// Every route Register adds must be an open one (see Require).
func (a *Access) Register(mux *http.ServeMux, form func(http.Handler) http.Handler) {
	switch a.cfg.Mode {
	case auth.Local:
		mux.HandleFunc("GET /login", a.LoginPage)
		mux.Handle("POST /login", form(http.HandlerFunc(a.Login)))
	case auth.OIDC:
		mux.HandleFunc("GET /login", a.OIDCLogin)
		mux.HandleFunc("GET "+CallbackPath, a.OIDCCallback)
	default:
		return
	}
	mux.Handle("POST /logout", form(http.HandlerFunc(a.Logout)))
}

// loginPage is the sign-in page: no script, the app's stylesheet. Under local it is the form of
// an email and a password; under oidc, a button that goes to the provider (after a failed or an
// ended sign-in; /login itself goes straight there).
var loginPage = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · Playground</title><link rel="stylesheet" href="/web/app.css"></head>
<body class="login-page"><main class="login">
<h1>Playground</h1>
{{if .OIDC}}<form method="get" action="/login" class="login-form">
<input type="hidden" name="next" value="{{.Next}}">
{{if .Note}}<p data-testid="login-note">{{.Note}}</p>{{end}}
{{if .Error}}<p class="pg-error" role="alert" data-testid="login-error">{{.Error}}</p>{{end}}
<button type="submit" class="btn btn-primary" data-testid="login-submit">Sign in{{if .Error}} again{{end}}</button>
</form>{{else}}<form method="post" action="/login" class="login-form">
<input type="hidden" name="next" value="{{.Next}}">
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required value="{{.Email}}" class="input" data-testid="login-email">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required class="input" data-testid="login-password">
{{if .Error}}<p class="pg-error" role="alert" data-testid="login-error">{{.Error}}</p>{{end}}
<button type="submit" class="btn btn-primary" data-testid="login-submit">Sign in</button>
</form>{{end}}</main></body></html>`))

// loginData is what the page shows.
type loginData struct {
	// OIDC shows the oidc page, else the local form.
	OIDC bool
	// Next is where the sign-in returns; Email the address typed (local).
	Next, Email string
	// Note says something that is not an error (signed out); Error what went wrong.
	Note, Error string
}

// LoginPage serves GET /login (local mode).
func (a *Access) LoginPage(w http.ResponseWriter, r *http.Request) {
	a.showLogin(w, http.StatusOK, loginData{Next: safeNext(r.URL.Query().Get("next"))})
}

func (a *Access) showLogin(w http.ResponseWriter, status int, d loginData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = loginPage.Execute(w, d)
}

// safeNext keeps a sign-in's return path on this site: a path, never another host.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.HasPrefix(next, "/login") || strings.HasPrefix(next, CallbackPath) {
		return "/"
	}
	return next
}

// errBadLogin is what a failed sign-in says, whichever part was wrong.
const errBadLogin = "That email and password do not match a user of this Playground."

// errServer is what a sign-in that failed on the server's side says.
const errServer = "Signing in failed on the server; try again."

// Login serves POST /login (local mode): the email and password checked against the stored
// argon2id hash (the same work whether or not the user exists), then a session and its cookie.
// A failure says so without saying which part was wrong, and keeps the email typed.
func (a *Access) Login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if err := r.ParseForm(); err != nil {
		a.showLogin(w, http.StatusBadRequest, loginData{Next: "/", Error: "The sign-in form could not be read."})
		return
	}
	email, pw, next := strings.TrimSpace(r.PostForm.Get("email")), r.PostForm.Get("password"), safeNext(r.PostForm.Get("next"))
	fail := func(status int, msg string) {
		a.showLogin(w, status, loginData{Next: next, Email: email, Error: msg})
	}
	u, hash, err := a.cfg.Store.PasswordHash(r.Context(), email)
	switch {
	case err != nil && team.ErrorCode(err) != team.ENotFound:
		a.log(r, "sign-in failed", "err", err)
		fail(http.StatusInternalServerError, errServer)
		return
	case err != nil || hash == "":
		_ = auth.CheckPassword(dummyHash(), pw) // as much work as a real check
		fail(http.StatusUnauthorized, errBadLogin)
		return
	}
	if err := auth.CheckPassword(hash, pw); err != nil {
		if !errors.Is(err, auth.ErrMismatch) {
			a.log(r, "sign-in failed: the stored hash cannot be read", "user", u.ID, "err", err)
		}
		fail(http.StatusUnauthorized, errBadLogin)
		return
	}
	if err := a.startSession(w, r, u.ID); err != nil {
		a.log(r, "sign-in failed: making the session", "user", u.ID, "err", err)
		fail(http.StatusInternalServerError, errServer)
		return
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// startSession makes a session of the user in the store and sets its cookie on w: every sign-in
// (local and oidc) ends here.
func (a *Access) startSession(w http.ResponseWriter, r *http.Request, userID int64) error {
	secret, s, err := team.NewSession(userID, a.cfg.Now(), a.cfg.Sessions)
	if err != nil {
		return err
	}
	if err := a.cfg.Store.CreateSession(r.Context(), &s); err != nil {
		return err
	}
	http.SetCookie(w, auth.SessionCookie(secret, s.ExpiresAt, a.secure(r)))
	return nil
}

// signedOut is the query /logout sends an oidc browser to /login with: the page then says so
// instead of going to the provider, which would sign the browser straight back in.
const signedOut = "signed_out"

// OIDCLogin serves GET /login (oidc mode): it sends the browser to the provider, to come back to
// CallbackPath and then to next (made safe). After a sign-out it shows the sign-in page instead.
func (a *Access) OIDCLogin(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	if r.URL.Query().Has(signedOut) {
		a.showLogin(w, http.StatusOK, loginData{OIDC: true, Next: next, Note: "You have signed out of Playground."})
		return
	}
	to, err := a.cfg.OIDC.Begin(w, next, a.secure(r))
	if err != nil {
		a.log(r, "oidc sign-in failed: beginning", "err", err)
		a.showLogin(w, http.StatusInternalServerError, loginData{OIDC: true, Next: next, Error: errServer})
		return
	}
	http.Redirect(w, r, to, http.StatusFound)
}

// OIDCCallback serves GET CallbackPath (oidc mode): the provider's answer is checked (see
// oidc.Provider.Finish), its email made a user (see NewUsers) and its groups teams (see
// joinTeams), and a session begins, as the local sign-in's does; the browser goes on to the page
// the sign-in began from. A failure shows the sign-in page saying why, and is logged without a
// code, a token or a secret.
func (a *Access) OIDCCallback(w http.ResponseWriter, r *http.Request) {
	claims, next, err := a.cfg.OIDC.Finish(w, r, a.secure(r))
	next = safeNext(next)
	fail := func(status int, msg string) {
		a.showLogin(w, status, loginData{OIDC: true, Next: next, Error: msg})
	}
	if err != nil {
		var oe *oidc.Error
		if errors.As(err, &oe) {
			a.log(r, "oidc sign-in refused", "err", err)
			fail(http.StatusUnauthorized, oe.Message)
			return
		}
		a.log(r, "oidc sign-in failed", "err", err)
		fail(http.StatusInternalServerError, errServer)
		return
	}
	ctx := r.Context()
	u, err := a.signInUser(ctx, claims.Email, claims.Name, viaOIDC)
	if err != nil {
		if msg := team.ErrorMessage(err); msg != "" {
			a.log(r, "oidc sign-in refused", "email", claims.Email, "err", err)
			fail(http.StatusForbidden, msg)
			return
		}
		a.log(r, "oidc sign-in failed: finding the user", "email", claims.Email, "err", err)
		fail(http.StatusInternalServerError, errServer)
		return
	}
	if err := a.joinTeams(ctx, u, claims.Groups, viaOIDC); err != nil {
		a.log(r, "oidc sign-in failed: adding the user to their groups' teams", "user", u.ID, "err", err)
		fail(http.StatusInternalServerError, errServer)
		return
	}
	if err := a.startSession(w, r, u.ID); err != nil {
		a.log(r, "oidc sign-in failed: making the session", "user", u.ID, "err", err)
		fail(http.StatusInternalServerError, errServer)
		return
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// Logout serves POST /logout: the session ends in the store and the cookie in the browser. (Under
// oidc the provider's own session goes on: the sign-in page then waits for a click.)
func (a *Access) Logout(w http.ResponseWriter, r *http.Request) {
	if secret := sessionSecret(r); secret != "" {
		if err := a.cfg.Store.DeleteSession(r.Context(), team.HashSecret(secret)); err != nil {
			a.log(r, "sign-out: ending the session", "err", err)
		}
	}
	http.SetCookie(w, auth.ClearCookie(true))
	http.SetCookie(w, auth.ClearCookie(false))
	to := "/login"
	if a.cfg.Mode == auth.OIDC {
		to += "?" + signedOut
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func (a *Access) log(r *http.Request, msg string, args ...any) {
	if a.cfg.Log != nil {
		a.cfg.Log.WarnContext(r.Context(), msg, args...)
	}
}

// dummyHash is checked when the user does not exist, so a sign-in takes as long either way.
var dummyHash = sync.OnceValue(func() string {
	h, err := auth.HashPassword("not a password anyone has")
	if err != nil {
		panic(err)
	}
	return h
})
