package adminweb

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"playground/server/access"
	"playground/server/team"
)

//go:embed templates/*.html
var templateFS embed.FS

// funcs are the templates' helpers.
var funcs = template.FuncMap{
	"money":    func(m team.Money) string { return m.String() },
	"num":      thousands,
	"date":     func(t time.Time) string { return dateOrNever(t, time.DateOnly) },
	"datetime": func(t time.Time) string { return dateOrNever(t, "2006-01-02 15:04 UTC") },
}

// dateOrNever is t in layout (UTC), or "never" when zero.
func dateOrNever(t time.Time, layout string) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format(layout)
}

// thousands writes n with its thousands separated: 1,234,567.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// templates are the pages' templates, each with the layout and the charts.
var templates = func() map[string]*template.Template {
	out := map[string]*template.Template{}
	for _, name := range []string{"admin", "usage", "account", "token", "problem"} {
		out[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/chart.html", "templates/"+name+".html"))
	}
	return out
}()

// base is what every page shows around its content.
type base struct {
	// Title is the page's title.
	Title string
	// Me is who is signed in, nil for no one.
	Me *team.User
	// Active is the page in the navigation: "admin", "usage", "account".
	Active string
	// Flash says what the last action did.
	Flash string
	// SignOut says the identity is a session, which can sign out.
	SignOut bool
}

// newBase is the base of a page for id.
func newBase(r *http.Request, id *access.Identity, title, active string) base {
	b := base{Title: title, Active: active}
	// The flash is shown after this site's own redirect only, not on a page another site links
	// to with words of its choosing.
	if site := r.Header.Get("Sec-Fetch-Site"); site == "" || site == "same-origin" {
		b.Flash = r.URL.Query().Get("done")
	}
	if id != nil {
		u := id.User
		b.Me, b.SignOut = &u, id.Via == "session"
	}
	return b
}

// forms are the forms of a page, by name.
type forms map[string]*form

// Form is the page's form name: the one refused, or an empty one.
func (fs forms) Form(name string) *form {
	if f, ok := fs[name]; ok {
		f.ID = name
		return f
	}
	return &form{ID: name}
}

// render writes the page name with data, at status; a template that fails is an internal error
// (the page is rendered to a buffer first, so a failure writes nothing half-done).
func (p *pages) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	var buf bytes.Buffer
	if err := templates[name].ExecuteTemplate(&buf, "layout", data); err != nil {
		p.cfg.Log.ErrorContext(r.Context(), "rendering a page failed", "page", name, "err", err)
		http.Error(w, "500 rendering the page failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// problemPage is a page that says why the request got nothing else.
type problemPage struct {
	Base    base
	Message string
}

// problem answers with a page of its own at status: its title and message.
func (p *pages) problem(w http.ResponseWriter, r *http.Request, id *access.Identity, status int, title, msg string) {
	b := newBase(r, id, title, "")
	b.Flash = ""
	p.render(w, r, status, "problem", problemPage{Base: b, Message: msg})
}

// Attrs are the attributes that mark the input name as refused: aria-invalid, the error that
// describes it, and the focus.
func (f *form) Attrs(name string) template.HTMLAttr {
	if !f.Invalid(name) {
		return ""
	}
	return template.HTMLAttr(fmt.Sprintf(` aria-invalid="true" aria-describedby="%s-error" autofocus`, template.HTMLEscapeString(f.ID)))
}
