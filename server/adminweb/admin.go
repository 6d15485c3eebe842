package adminweb

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"playground/server/access"
	"playground/server/admin"
	"playground/server/team"
)

// adminVia names the admin page in the audit log.
const adminVia = "the admin page"

// auditShown is how many audit entries the admin page shows, newest first.
const auditShown = 100

// labels are the inputs' labels, for the refusals that name them.
var labels = map[string]string{
	"email": "Email", "name": "Name", "admin": "Admin", "team": "Team", "role": "Role", "user": "User",
	"password": "Password", "expires": "Expires", "token": "Token", "kind": "Budget of", "who": "Who",
	"usd": "Limit (USD)", "period": "Period", "models": "Models", "rpm": "Calls a minute", "tpm": "Tokens a minute",
	"concurrent": "At once",
}

// expiry is a choice of a token's lifetime.
type expiry struct {
	// Value is the form's value, a Go duration; Label says it for people.
	Value, Label string
}

// expiries are the lifetimes a token may be made with on the pages.
var expiries = []expiry{{"0", "never (until revoked)"}, {"168h", "7 days"}, {"720h", "30 days"}, {"2160h", "90 days"}, {"8760h", "365 days"}}

// parseExpires reads a token's lifetime from the form.
func parseExpires(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, &admin.FieldError{Field: "expires", Err: team.Errorf(team.EInvalid, "%q is not a lifetime (pick one of the list)", s)}
	}
	return d, nil
}

// outcome is what an admin action did: the flash to redirect with, or a token made (whose
// secret is shown on a page of its own, never in a URL).
type outcome struct {
	flash string
	token *admin.CreatedToken
}

// adminAction is one form of the admin page and what posting it does.
type adminAction struct {
	// form is the form's name on the page; anchor its section.
	form, anchor string
	// inputs maps the fields the action's refusals name to the form's inputs, when they differ.
	inputs map[string]string
	// run takes the action.
	run func(ctx context.Context, a *admin.Actions, r *http.Request) (outcome, error)
}

// adminPosts are the admin page's forms, by the path they post to.
var adminPosts = map[string]adminAction{
	"/admin/users": {form: "user-add", anchor: "users", run: func(ctx context.Context, a *admin.Actions, r *http.Request) (outcome, error) {
		added, err := a.AddUser(ctx, admin.NewUser{Email: trimmed(r, "email"), Name: trimmed(r, "name"), Admin: r.PostForm.Get("admin") != "",
			Team: trimmed(r, "team"), Role: trimmed(r, "role")})
		if err != nil {
			return outcome{}, err
		}
		msg := "Added the user " + added.User.Email
		if added.Team != nil {
			msg += fmt.Sprintf(" to the team %s as %s", added.Team.Name, added.Role)
		}
		return outcome{flash: msg + "."}, nil
	}},
	"/admin/users/admin": {form: "user-admin", anchor: "users", run: func(ctx context.Context, a *admin.Actions, r *http.Request) (outcome, error) {
		yes, err := strconv.ParseBool(trimmed(r, "admin"))
		if err != nil {
			return outcome{}, &admin.FieldError{Field: "admin", Err: team.Errorf(team.EInvalid, "%q is neither true nor false", trimmed(r, "admin"))}
		}
		u, err := a.SetAdmin(ctx, trimmed(r, "user"), yes)
		if err != nil {
			return outcome{}, err
		}
		if u.Admin {
			return outcome{flash: u.Email + " is an admin now."}, nil
		}
		return outcome{flash: u.Email + " is no longer an admin."}, nil
	}},
	"/admin/users/password": {form: "user-password", anchor: "users", run: func(ctx context.Context, a *admin.Actions, r *http.Request) (outcome, error) {
		u, err := a.SetPassword(ctx, trimmed(r, "user"), r.PostForm.Get("password"))
		if err != nil {
			return outcome{}, err
		}
		return outcome{flash: "Set the password of " + u.Email + "."}, nil
	}},
	"/admin/teams": {form: "team-add", anchor: "teams", run: func(ctx context.Context, a *admin.Actions, r *http.Request) (outcome, error) {
		t, err := a.AddTeam(ctx, trimmed(r, "name"))
		if err != nil {
			return outcome{}, err
		}
		return outcome{flash: "Added the team " + t.Name + "."}, nil
	}},
	"/admin/members": {form: "member-add", anchor: "teams", run: func(ctx context.Context, a *admin.Actions, r *http.Request) (outcome, error) {
		m, err := a.AddMember(ctx, trimmed(r, "team"), trimmed(r, "user"), trimmed(r, "role"))
		if err != nil {
			return outcome{}, err
		}
		return outcome{flash: fmt.Sprintf("Added %s to the team %s as %s.", m.User.Email, m.Team.Name, m.Role)}, nil
	}},
	"/admin/members/remove": {form: "member-change", anchor: "teams", run: func(ctx context.Context, a *admin.Actions, r *http.Request) (outcome, error) {
		m, err := a.RemoveMember(ctx, trimmed(r, "team"), trimmed(r, "user"))
		if err != nil {
			return outcome{}, err
		}
		return outcome{flash: fmt.Sprintf("Removed %s from the team %s; their tokens billing it are revoked.", m.User.Email, m.Team.Name)}, nil
	}},
	"/admin/members/role": {form: "member-change", anchor: "teams", run: func(ctx context.Context, a *admin.Actions, r *http.Request) (outcome, error) {
		m, err := a.SetRole(ctx, trimmed(r, "team"), trimmed(r, "user"), trimmed(r, "role"))
		if err != nil {
			return outcome{}, err
		}
		return outcome{flash: fmt.Sprintf("%s is now %s of the team %s.", m.User.Email, m.Role, m.Team.Name)}, nil
	}},
	"/admin/tokens": {form: "token-create", anchor: "tokens", run: func(ctx context.Context, a *admin.Actions, r *http.Request) (outcome, error) {
		exp, err := parseExpires(trimmed(r, "expires"))
		if err != nil {
			return outcome{}, err
		}
		made, err := a.CreateToken(ctx, admin.NewToken{User: trimmed(r, "user"), Team: trimmed(r, "team"), Name: trimmed(r, "name"), Expires: exp})
		if err != nil {
			return outcome{}, err
		}
		return outcome{token: made}, nil
	}},
	"/admin/tokens/revoke": {form: "token-revoke", anchor: "tokens", run: func(ctx context.Context, a *admin.Actions, r *http.Request) (outcome, error) {
		id, err := admin.ParseTokenID(trimmed(r, "token"))
		if err != nil {
			return outcome{}, err
		}
		tok, err := a.RevokeToken(ctx, id, 0)
		if err != nil {
			return outcome{}, err
		}
		return outcome{flash: fmt.Sprintf("Revoked the token %d (%s…).", tok.ID, tok.Display)}, nil
	}},
	"/admin/budgets": {form: "budget-set", anchor: "budgets", inputs: map[string]string{"user": "who", "team": "who", "token": "who"},
		run: func(ctx context.Context, a *admin.Actions, r *http.Request) (outcome, error) {
			b, err := a.SetBudget(ctx, admin.ScopeRef{Kind: trimmed(r, "kind"), Ref: trimmed(r, "who")}, trimmed(r, "usd"), trimmed(r, "period"))
			if err != nil {
				return outcome{}, err
			}
			return outcome{flash: fmt.Sprintf("%s may spend %s a %s.", b.Who, b.Budget.Limit, b.Budget.Period)}, nil
		}},
	"/admin/budgets/delete": {form: "budget-delete", anchor: "budgets", inputs: map[string]string{"user": "who", "team": "who", "token": "who"},
		run: func(ctx context.Context, a *admin.Actions, r *http.Request) (outcome, error) {
			b, err := a.DeleteBudget(ctx, admin.ScopeRef{Kind: trimmed(r, "kind"), Ref: trimmed(r, "who")}, trimmed(r, "period"))
			if err != nil {
				return outcome{}, err
			}
			return outcome{flash: fmt.Sprintf("%s has no budget per %s any more.", b.Who, b.Budget.Period)}, nil
		}},
	"/admin/policies": {form: "policy-set", anchor: "policies", inputs: map[string]string{"user": "who", "team": "who", "token": "who"},
		run: func(ctx context.Context, a *admin.Actions, r *http.Request) (outcome, error) {
			p, err := a.SetPolicy(ctx, admin.ScopeRef{Kind: trimmed(r, "kind"), Ref: trimmed(r, "who")},
				admin.NewPolicy{Models: trimmed(r, "models"), RPM: trimmed(r, "rpm"), TPM: trimmed(r, "tpm"), Concurrent: trimmed(r, "concurrent")})
			if err != nil {
				return outcome{}, err
			}
			return outcome{flash: fmt.Sprintf("%s: %s.", p.Who, p.Policy)}, nil
		}},
	"/admin/policies/delete": {form: "policy-delete", anchor: "policies", inputs: map[string]string{"user": "who", "team": "who", "token": "who"},
		run: func(ctx context.Context, a *admin.Actions, r *http.Request) (outcome, error) {
			p, err := a.DeletePolicy(ctx, admin.ScopeRef{Kind: trimmed(r, "kind"), Ref: trimmed(r, "who")})
			if err != nil {
				return outcome{}, err
			}
			return outcome{flash: p.Who + " may run any model, without limits, again."}, nil
		}},
}

// adminPost serves the post of one admin form: the action, then a redirect to the page with what
// it did (or, for a token, the page that shows its secret once); a refusal re-renders the page
// with the form as typed and the refusal.
func (p *pages) adminPost(act adminAction) func(http.ResponseWriter, *http.Request, *access.Identity) {
	return func(w http.ResponseWriter, r *http.Request, id *access.Identity) {
		err := postForm(r)
		var out outcome
		if err == nil {
			out, err = act.run(r.Context(), p.actions(id, adminVia), r)
		}
		if err != nil {
			p.failed(w, r, id, err, func(status int, _ string) {
				p.showAdmin(w, r, id, status, forms{act.form: refused(r, err, act.inputs, labels)})
			})
			return
		}
		if out.token != nil {
			p.showToken(w, r, id, out.token, "/admin#tokens", "the admin page")
			return
		}
		seeOther(w, r, "/admin", out.flash, act.anchor)
	}
}

// adminData is what the admin page shows.
type adminData struct {
	Base base
	forms
	// Users are every user, with their teams.
	Users []userRow
	// Teams are every team, with its members.
	Teams []teamRow
	// Tokens are every user's tokens.
	Tokens []tokenRow
	// Budgets are every budget, with what is spent and left.
	Budgets []budgetRow
	// Policies are every policy: the models a scope may run and its rate limits.
	Policies []policyRow
	// Audit is the latest of the audit log, newest first.
	Audit []auditRow
	// Emails and TeamNames are the choices of the forms' selects.
	Emails, TeamNames []string
	// Periods and Expiries are the budget periods and the tokens' lifetimes.
	Periods  []team.Period
	Expiries []expiry
}

// userRow is a user with their teams ("ML (admin)").
type userRow struct {
	team.User
	Teams []string
}

// teamRow is a team with its members.
type teamRow struct {
	team.Team
	Members []memberRow
}

// memberRow is a member of a team.
type memberRow struct {
	Email string
	Role  team.Role
}

// tokenRow is a token with its user, team and state.
type tokenRow struct {
	team.Token
	Email, TeamName string
	// Open says it opens calls; State says why not when it does not.
	Open  bool
	State string
}

// budgetRow is a budget with its scope named for people and as the forms name it.
type budgetRow struct {
	team.BudgetStatus
	// Who names the scope; Kind and Ref are the budget form's values for it.
	Who, Kind, Ref string
}

// policyRow is a policy with its scope named for people and as the forms name it.
type policyRow struct {
	team.Policy
	// Who names the scope; Kind and Ref are the policy form's values for it.
	Who, Kind, Ref string
}

// scopeNames names a scope for people (who) and as the budget and policy forms take it (ref).
func scopeNames(s team.Scope, emails, teamNames map[int64]string) (who, ref string) {
	switch s.Kind {
	case team.ScopeUser:
		return emails[s.ID], emails[s.ID]
	case team.ScopeTeam:
		return "team " + teamNames[s.ID], teamNames[s.ID]
	}
	return s.String(), strconv.FormatInt(s.ID, 10)
}

// auditRow is an audit entry with its actor's email.
type auditRow struct {
	team.AuditEntry
	Actor string
}

func (p *pages) adminPage(w http.ResponseWriter, r *http.Request, id *access.Identity) {
	p.showAdmin(w, r, id, http.StatusOK, nil)
}

// showAdmin renders the admin page at status with the forms fs (the refused one).
func (p *pages) showAdmin(w http.ResponseWriter, r *http.Request, id *access.Identity, status int, fs forms) {
	d, err := p.loadAdmin(r.Context())
	if err != nil {
		p.internal(w, r, id, err)
		return
	}
	d.Base = newBase(r, id, "Admin", "admin")
	if fs != nil {
		d.Base.Flash = ""
	}
	d.forms = fs
	p.render(w, r, status, "admin", d)
}

// loadAdmin reads what the admin page shows.
func (p *pages) loadAdmin(ctx context.Context) (*adminData, error) {
	s, now := p.cfg.Store, p.now()
	d := &adminData{Periods: team.Periods, Expiries: expiries}
	users, err := s.ListUsers(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing the users: %w", err)
	}
	teams, err := s.ListTeams(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing the teams: %w", err)
	}
	emails, teamNames := map[int64]string{}, map[int64]string{}
	for _, u := range users {
		emails[u.ID] = u.Email
		d.Emails = append(d.Emails, u.Email)
	}
	in := map[int64][]string{}
	for _, t := range teams {
		teamNames[t.ID] = t.Name
		d.TeamNames = append(d.TeamNames, t.Name)
		ms, err := s.ListMembers(ctx, t.ID)
		if err != nil {
			return nil, fmt.Errorf("listing the members of team %d: %w", t.ID, err)
		}
		row := teamRow{Team: t}
		for _, m := range ms {
			row.Members = append(row.Members, memberRow{Email: emails[m.UserID], Role: m.Role})
			in[m.UserID] = append(in[m.UserID], fmt.Sprintf("%s (%s)", t.Name, m.Role))
		}
		d.Teams = append(d.Teams, row)
	}
	for _, u := range users {
		d.Users = append(d.Users, userRow{User: u, Teams: in[u.ID]})
		toks, err := s.ListTokens(ctx, u.ID)
		if err != nil {
			return nil, fmt.Errorf("listing the tokens of user %d: %w", u.ID, err)
		}
		for _, t := range toks {
			d.Tokens = append(d.Tokens, newTokenRow(t, u.Email, teamNames, now))
		}
	}
	bs, err := s.ListBudgets(ctx, now)
	if err != nil {
		return nil, fmt.Errorf("listing the budgets: %w", err)
	}
	for _, b := range bs {
		row := budgetRow{BudgetStatus: b, Kind: string(b.Scope.Kind)}
		row.Who, row.Ref = scopeNames(b.Scope, emails, teamNames)
		d.Budgets = append(d.Budgets, row)
	}
	ps, err := s.ListPolicies(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing the policies: %w", err)
	}
	for _, pol := range ps {
		row := policyRow{Policy: pol, Kind: string(pol.Scope.Kind)}
		row.Who, row.Ref = scopeNames(pol.Scope, emails, teamNames)
		d.Policies = append(d.Policies, row)
	}
	es, err := s.ListAudit(ctx, team.AuditFilter{Limit: auditShown})
	if err != nil {
		return nil, fmt.Errorf("listing the audit log: %w", err)
	}
	for _, e := range es {
		actor := "the server or the command line"
		if e.ActorID != 0 {
			actor = emails[e.ActorID]
			if actor == "" {
				actor = fmt.Sprintf("user %d", e.ActorID)
			}
		}
		d.Audit = append(d.Audit, auditRow{AuditEntry: e, Actor: actor})
	}
	return d, nil
}

// newTokenRow is t as the token lists show it.
func newTokenRow(t team.Token, email string, teamNames map[int64]string, now time.Time) tokenRow {
	row := tokenRow{Token: t, Email: email, Open: true, State: "open"}
	if t.TeamID != 0 {
		row.TeamName = teamNames[t.TeamID]
	}
	if err := t.Check(now); err != nil {
		row.Open = false
		switch {
		case !t.RevokedAt.IsZero():
			row.State = "revoked " + t.RevokedAt.UTC().Format(time.DateOnly)
		default:
			row.State = "expired"
		}
	}
	return row
}

// tokenPage shows a token just made, its secret once.
type tokenPage struct {
	Base base
	// Token is the token made.
	Token *admin.CreatedToken
	// Back is where to go next, and BackLabel its name.
	Back, BackLabel string
}

// showToken answers a token's creation with the page that shows its secret, once: it is in no
// URL, no log and no store, and the page is not cached.
func (p *pages) showToken(w http.ResponseWriter, r *http.Request, id *access.Identity, made *admin.CreatedToken, back, backLabel string) {
	p.render(w, r, http.StatusOK, "token", tokenPage{Base: newBase(r, id, "Token created", ""), Token: made, Back: back, BackLabel: backLabel})
}
