// Package adminweb is the server-rendered pages of an instance run for a team: the admin page
// (/admin: users, teams and their members, tokens, budgets, the audit log), the usage dashboard
// (/usage, with its CSV and JSON-lines export at /usage/export) and each user's own account page
// (/account: their tokens and what is left of their budgets).
//
// The pages are html/template, with their CSS inline and their charts inline SVG drawn on the
// server: no script, no style, font or image from anywhere else, so they work on a closed network.
// Every form posts (POST/redirect/GET, the outcome in the query's flash), and every change goes
// through admin.Actions — the functions the command line runs — so the page and the command line
// cannot drift, and each is audited with the acting user. A refusal re-renders the form with what
// was typed and says which field and why.
//
// Who is asking is the identity access put in the request's context (access.From). The admin page
// is for the instance's admins (team.User.Admin) only; the dashboard shows an admin everyone's
// usage and anyone else only their own, whatever the query asks; the account page changes only
// its user's tokens, by id, and another's id is not found. Forms posted with an API token instead
// of a signed-in browser are refused, and cross-origin posts too (http.CrossOriginProtection).
package adminweb

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"playground/server/access"
	"playground/server/admin"
	"playground/server/team"
)

// Patterns are the ServeMux patterns the pages answer; mount the handler New returns on each.
var Patterns = []string{"/admin", "/admin/", "/usage", "/usage/", "/account", "/account/"}

// Config is what the pages need.
type Config struct {
	// Store holds the users, teams, tokens, budgets, usage and audit log.
	Store team.Store
	// Log receives the failures that are the server's (never a secret).
	Log *slog.Logger
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// maxForm is the largest form body read.
const maxForm = 64 << 10

// pages serves the pages.
type pages struct {
	cfg Config
	mux *http.ServeMux
}

// New returns the handler of the pages: the admin page, the usage dashboard and its export, and
// the account page (see Patterns). Each request must carry an identity (access.WithIdentity);
// one without is answered 401.
func New(cfg Config) http.Handler {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	p := &pages{cfg: cfg, mux: http.NewServeMux()}
	admin := func(h func(http.ResponseWriter, *http.Request, *access.Identity)) http.HandlerFunc {
		return p.identified(true, h)
	}
	anyone := func(h func(http.ResponseWriter, *http.Request, *access.Identity)) http.HandlerFunc {
		return p.identified(false, h)
	}
	m := p.mux
	m.HandleFunc("GET /admin", admin(p.adminPage))
	for path, act := range adminPosts {
		m.HandleFunc("POST "+path, admin(p.adminPost(act)))
	}
	m.HandleFunc("GET /usage", anyone(p.usagePage))
	m.HandleFunc("GET /usage/export", anyone(p.usageExport))
	m.HandleFunc("GET /account", anyone(p.accountPage))
	m.HandleFunc("POST /account/tokens", anyone(p.accountCreateToken))
	m.HandleFunc("POST /account/tokens/revoke", anyone(p.accountRevokeToken))
	m.HandleFunc("/", anyone(func(w http.ResponseWriter, r *http.Request, id *access.Identity) {
		p.problem(w, r, id, http.StatusNotFound, "No such page", fmt.Sprintf("There is no page %s %s here.", r.Method, r.URL.Path))
	}))
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "403 cross-origin form posts are not allowed", http.StatusForbidden)
	}))
	guarded := cop.Handler(p.mux)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		}
		guarded.ServeHTTP(w, r)
	})
}

// identified runs h with the request's identity: none is 401; a form posted with an API token is
// 403 (the pages are for a signed-in browser); with adminOnly, a user who is not an admin is 403.
func (p *pages) identified(adminOnly bool, h func(http.ResponseWriter, *http.Request, *access.Identity)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := access.From(r.Context())
		switch {
		case id == nil:
			p.problem(w, r, nil, http.StatusUnauthorized, "Sign in first",
				"These pages are for the users of this Playground: sign in, then come back.")
		case r.Method == http.MethodPost && id.Via == "token":
			p.problem(w, r, id, http.StatusForbidden, "Not with an API token",
				"Changes on these pages are made from a signed-in browser, not with a personal API token.")
		case adminOnly && !id.User.Admin:
			p.problem(w, r, id, http.StatusForbidden, "Admins only",
				fmt.Sprintf("The admin page is for this Playground's admins, and %s is not one. Ask an admin to make the change, or to make you an admin.", id.User.Email))
		default:
			h(w, r, id)
		}
	}
}

// actions are the admin actions taken by id on the page via.
func (p *pages) actions(id *access.Identity, via string) *admin.Actions {
	u := id.User
	return &admin.Actions{Store: p.cfg.Store, Actor: &u, Via: via, Now: p.cfg.Now}
}

// now is the clock, in UTC.
func (p *pages) now() time.Time { return p.cfg.Now().UTC() }

// status is the HTTP status of a refusal's code.
func status(err error) int {
	switch team.ErrorCode(err) {
	case team.ENotFound:
		return http.StatusNotFound
	case team.EConflict:
		return http.StatusConflict
	case team.EUnauthorized:
		return http.StatusUnauthorized
	case team.EBudgetExceeded:
		return http.StatusTooManyRequests
	}
	return http.StatusBadRequest
}

// internal answers a failure that is the server's: logged, and said without its detail.
func (p *pages) internal(w http.ResponseWriter, r *http.Request, id *access.Identity, err error) {
	p.cfg.Log.ErrorContext(r.Context(), "a page failed", "path", r.URL.Path, "err", err)
	p.problem(w, r, id, http.StatusInternalServerError, "Something failed", "Something failed on the server; try again. The server's log says more.")
}

// failed answers err: a refusal re-renders with it (by rerender), any other failure is internal.
func (p *pages) failed(w http.ResponseWriter, r *http.Request, id *access.Identity, err error, rerender func(status int, msg string)) {
	if team.ErrorCode(err) == "" {
		p.internal(w, r, id, err)
		return
	}
	rerender(status(err), team.ErrorMessage(err))
}

// seeOther redirects to path with a flash message: POST/redirect/GET.
func seeOther(w http.ResponseWriter, r *http.Request, path, flash, anchor string) {
	q := url.Values{}
	if flash != "" {
		q.Set("done", clip(flash, 300))
	}
	target := path
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	if anchor != "" {
		target += "#" + anchor
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// clip cuts s to at most n bytes, on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8Start(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// form is a form's state on a page: what was typed, and the refusal when there was one.
type form struct {
	// ID names the form on its page (its error's id is ID-error).
	ID string
	// Values is what was typed.
	Values url.Values
	// Field names the input refused; Error says why, with its label.
	Field, Error string
}

// Get is the value typed in the input name.
func (f *form) Get(name string) string {
	if f == nil || f.Values == nil {
		return ""
	}
	return f.Values.Get(name)
}

// Is reports whether the input name holds value (a select's option, a radio).
func (f *form) Is(name, value string) bool { return f.Get(name) == value }

// Invalid reports whether the input name was refused.
func (f *form) Invalid(name string) bool { return f != nil && f.Field == name }

// refused is the form posted as r with err's refusal, its field mapped to the form's input by
// inputs (a field not there is the form's own) and labelled by labels.
func refused(r *http.Request, err error, inputs map[string]string, labels map[string]string) *form {
	f := &form{Values: r.PostForm}
	field := admin.Field(err)
	if in, ok := inputs[field]; ok {
		field = in
	}
	f.Field = field
	msg := team.ErrorMessage(err)
	if label := labels[field]; label != "" {
		msg = label + ": " + msg
	}
	f.Error = msg
	return f
}

// postForm parses r's form; a body too large or unreadable is a refusal.
func postForm(r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return team.Errorf(team.EInvalid, "the form is larger than %d bytes", maxForm)
		}
		return team.Errorf(team.EInvalid, "the form could not be read")
	}
	return nil
}

// trimmed is the form value name, trimmed.
func trimmed(r *http.Request, name string) string { return strings.TrimSpace(r.PostForm.Get(name)) }
