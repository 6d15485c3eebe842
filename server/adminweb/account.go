package adminweb

import (
	"fmt"
	"net/http"
	"time"

	"playground/server/access"
	"playground/server/admin"
	"playground/server/team"
)

// accountVia names the account page in the audit log.
const accountVia = "the account page"

// accountData is what the account page shows: the user's tokens, a form to make one, and what
// is left of the budgets that hold their calls.
type accountData struct {
	Base base
	forms
	// Tokens are the user's tokens.
	Tokens []tokenRow
	// Teams are the names of the user's teams, which a token may bill.
	Teams []string
	// Expiries are the tokens' lifetimes.
	Expiries []expiry
	// Budgets are what is left of the budgets that hold the user's calls.
	Budgets []budgetView
}

func (p *pages) accountPage(w http.ResponseWriter, r *http.Request, id *access.Identity) {
	p.showAccount(w, r, id, http.StatusOK, nil)
}

// showAccount renders the account page at status with the forms fs (the refused one).
func (p *pages) showAccount(w http.ResponseWriter, r *http.Request, id *access.Identity, status int, fs forms) {
	ctx, s, now := r.Context(), p.cfg.Store, p.now()
	d := accountData{Base: newBase(r, id, "Your account", "account"), forms: fs, Expiries: expiries}
	if fs != nil {
		d.Base.Flash = ""
	}
	ms, err := s.ListMemberships(ctx, id.User.ID)
	if err != nil {
		p.internal(w, r, id, fmt.Errorf("listing the teams of user %d: %w", id.User.ID, err))
		return
	}
	teamNames := map[int64]string{}
	for _, m := range ms {
		t, err := s.FindTeam(ctx, m.TeamID)
		if err != nil {
			p.internal(w, r, id, fmt.Errorf("finding team %d: %w", m.TeamID, err))
			return
		}
		teamNames[t.ID] = t.Name
		d.Teams = append(d.Teams, t.Name)
	}
	toks, err := s.ListTokens(ctx, id.User.ID)
	if err != nil {
		p.internal(w, r, id, fmt.Errorf("listing the tokens of user %d: %w", id.User.ID, err))
		return
	}
	for _, t := range toks {
		row := newTokenRow(t, id.User.Email, teamNames, now)
		if t.TeamID != 0 && row.TeamName == "" {
			row.TeamName = fmt.Sprintf("team %d", t.TeamID) // a team the user has left
		}
		d.Tokens = append(d.Tokens, row)
	}
	if d.Budgets, err = p.budgetsOf(ctx, id.User, id.User.ID, now); err != nil {
		p.internal(w, r, id, err)
		return
	}
	p.render(w, r, status, "account", d)
}

// accountCreateToken serves POST /account/tokens: a token of the user's own, billing one of their
// teams or none; its secret is shown once.
func (p *pages) accountCreateToken(w http.ResponseWriter, r *http.Request, id *access.Identity) {
	err := postForm(r)
	var made *admin.CreatedToken
	if err == nil {
		var exp time.Duration
		if exp, err = parseExpires(trimmed(r, "expires")); err == nil {
			made, err = p.actions(id, accountVia).CreateToken(r.Context(), admin.NewToken{
				User: id.User.Email, Team: trimmed(r, "team"), Name: trimmed(r, "name"), Expires: exp})
		}
	}
	if err != nil {
		p.failed(w, r, id, err, func(status int, _ string) {
			p.showAccount(w, r, id, status, forms{"token-create": refused(r, err, nil, labels)})
		})
		return
	}
	p.showToken(w, r, id, made, "/account", "your account")
}

// accountRevokeToken serves POST /account/tokens/revoke: the user's own token, by id; another's
// id is not found (404), as if there were none.
func (p *pages) accountRevokeToken(w http.ResponseWriter, r *http.Request, id *access.Identity) {
	err := postForm(r)
	var tok *team.Token
	if err == nil {
		var tid int64
		if tid, err = admin.ParseTokenID(trimmed(r, "token")); err == nil {
			tok, err = p.actions(id, accountVia).RevokeToken(r.Context(), tid, id.User.ID)
		}
	}
	if err != nil {
		p.failed(w, r, id, err, func(status int, _ string) {
			p.showAccount(w, r, id, status, forms{"token-revoke": refused(r, err, nil, labels)})
		})
		return
	}
	seeOther(w, r, "/account", fmt.Sprintf("Revoked the token %d (%s…).", tok.ID, tok.Display), "tokens")
}
