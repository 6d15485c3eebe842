package admin

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"playground/server/auth"
	"playground/server/team"
)

// Actions are the admin actions — check the input, change the store, append the change to the
// audit log — in the one implementation that both the command line and the admin page
// (server/adminweb) call, so that the two cannot drift. Each returns what it changed, or an error:
// a coded one (see team.Error) for a refusal, a *FieldError when one input caused it. Actions
// check no permission: their caller decides who may run them.
type Actions struct {
	// Store is where the changes go.
	Store team.Store
	// Actor is who acts, for the audit log: a signed-in user, or nil for the command line.
	Actor *team.User
	// Via says where the action was taken, for the audit log: "the command line (ops)", "the
	// admin page".
	Via string
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// FieldError is a refusal that one input caused: the form field or flag (without its dash) Field
// names, and the coded error Err that says why.
type FieldError struct {
	// Field is the input's name: "email", "name", "team", "user", "role", "password", "expires",
	// "token", "kind", "usd", "period", "before".
	Field string
	// Err is the refusal, a *team.Error (or one wrapping it).
	Err error
}

// Error is the refusal's message.
func (e *FieldError) Error() string { return e.Err.Error() }

// Unwrap is the refusal, so team.ErrorCode and team.ErrorMessage read it.
func (e *FieldError) Unwrap() error { return e.Err }

// Field is the input err's refusal names, "" when it names none.
func Field(err error) string {
	var fe *FieldError
	if errors.As(err, &fe) {
		return fe.Field
	}
	return ""
}

// field is err as the refusal of the input name; an internal error (one without a code) is
// returned as it is, for it is no input's fault.
func field(name string, err error) error {
	if err == nil || team.ErrorCode(err) == "" {
		return err
	}
	return &FieldError{Field: name, Err: err}
}

func (a *Actions) now() time.Time {
	if a.Now != nil {
		return a.Now().UTC()
	}
	return time.Now().UTC()
}

// audit appends the action to the audit log, naming the actor in its detail.
func (a *Actions) audit(ctx context.Context, action, target, detail string) error {
	by := a.Via
	var actorID int64
	if a.Actor != nil {
		actorID = a.Actor.ID
		by = a.Actor.Email
		if a.Via != "" {
			by += " on " + a.Via
		}
	}
	if by == "" {
		by = "an unnamed actor"
	}
	if detail != "" {
		detail += "; "
	}
	e := team.AuditEntry{ActorID: actorID, Action: action, Target: target, Detail: detail + "by " + by}
	if err := a.Store.AppendAudit(ctx, &e); err != nil {
		return fmt.Errorf("writing the audit log: %w", err)
	}
	return nil
}

// parseRole parses a role, "" being member.
func parseRole(s string) (team.Role, error) {
	if strings.TrimSpace(s) == "" {
		return team.Member, nil
	}
	r, err := team.ParseRole(strings.TrimSpace(s))
	return r, field("role", err)
}

// findUser finds the user with email, refusing an empty one; the refusal names the field.
func (a *Actions) findUser(ctx context.Context, name, email string) (*team.User, error) {
	if strings.TrimSpace(email) == "" {
		return nil, field(name, team.Errorf(team.EInvalid, "no user given: give their email"))
	}
	u, err := a.Store.FindUserByEmail(ctx, email)
	if err != nil {
		return nil, field(name, err)
	}
	return u, nil
}

// findTeam finds the team called teamName, refusing an empty name; the refusal names the field.
func (a *Actions) findTeam(ctx context.Context, name, teamName string) (*team.Team, error) {
	if strings.TrimSpace(teamName) == "" {
		return nil, field(name, team.Errorf(team.EInvalid, "no team given: give its name"))
	}
	t, err := a.Store.FindTeamByName(ctx, teamName)
	if err != nil {
		return nil, field(name, err)
	}
	return t, nil
}

// NewUser is a user to add.
type NewUser struct {
	// Email and Name are the user's; Name may be empty.
	Email, Name string
	// Admin makes the user an admin of the instance.
	Admin bool
	// Team, when not empty, is a team to add the user to, with Role ("" for member).
	Team, Role string
}

// AddedUser is what AddUser did.
type AddedUser struct {
	// User is the user added.
	User team.User
	// Team is the team they were added to, nil for none.
	Team *team.Team
	// Role is their role in Team.
	Role team.Role
}

// AddUser adds a user (audited as user.add) and, when in.Team is set, adds them to that team
// (team.add_member). An unknown team adds no user.
func (a *Actions) AddUser(ctx context.Context, in NewUser) (*AddedUser, error) {
	role, err := parseRole(in.Role)
	if err != nil {
		return nil, err
	}
	u := team.User{Email: in.Email, Admin: in.Admin}
	if err := u.Validate(); err != nil {
		return nil, field("email", err)
	}
	u.Name = in.Name
	if err := u.Validate(); err != nil {
		return nil, field("name", err)
	}
	var t *team.Team
	if strings.TrimSpace(in.Team) != "" {
		if t, err = a.findTeam(ctx, "team", in.Team); err != nil {
			return nil, err
		}
	}
	if err := a.Store.AddUser(ctx, &u); err != nil {
		return nil, field("email", err)
	}
	detail := u.Email
	if u.Admin {
		detail += ", admin"
	}
	if err := a.audit(ctx, "user.add", fmt.Sprintf("user %d", u.ID), detail); err != nil {
		return nil, err
	}
	out := &AddedUser{User: u}
	if t != nil {
		if _, err := a.addMember(ctx, t, &u, role); err != nil {
			return out, err
		}
		out.Team, out.Role = t, role
	}
	return out, nil
}

// SetPassword sets the password of the user with email (audited as user.password): its argon2id
// hash is stored, never the password.
func (a *Actions) SetPassword(ctx context.Context, email, password string) (*team.User, error) {
	hash, err := auth.HashPassword(password)
	if err != nil {
		why, refused := strings.CutPrefix(err.Error(), "password: ")
		if !refused {
			return nil, fmt.Errorf("hashing the password: %w", err)
		}
		return nil, field("password", team.Errorf(team.EInvalid, "the password %s", why))
	}
	u, err := a.findUser(ctx, "user", email)
	if err != nil {
		return nil, err
	}
	if err := a.Store.SetPassword(ctx, u.ID, hash); err != nil {
		return nil, field("user", err)
	}
	if err := a.audit(ctx, "user.password", fmt.Sprintf("user %d", u.ID), u.Email); err != nil {
		return nil, err
	}
	return u, nil
}

// SetAdmin makes the user with email an admin of the instance, or not (audited as user.admin).
// The actor cannot take their own admin rights away: another admin can, so an instance is never
// left without one by its own admin page.
func (a *Actions) SetAdmin(ctx context.Context, email string, admin bool) (*team.User, error) {
	u, err := a.findUser(ctx, "user", email)
	if err != nil {
		return nil, err
	}
	if !admin && a.Actor != nil && a.Actor.ID == u.ID {
		return nil, field("admin", team.Errorf(team.EInvalid, "you cannot take away your own admin rights; another admin can"))
	}
	if err := a.Store.SetAdmin(ctx, u.ID, admin); err != nil {
		return nil, field("user", err)
	}
	u.Admin = admin
	detail := u.Email + " is an admin"
	if !admin {
		detail = u.Email + " is no longer an admin"
	}
	if err := a.audit(ctx, "user.admin", fmt.Sprintf("user %d", u.ID), detail); err != nil {
		return nil, err
	}
	return u, nil
}

// AddTeam adds a team called name (audited as team.add).
func (a *Actions) AddTeam(ctx context.Context, name string) (*team.Team, error) {
	t := team.Team{Name: name}
	if err := a.Store.AddTeam(ctx, &t); err != nil {
		return nil, field("name", err)
	}
	if err := a.audit(ctx, "team.add", fmt.Sprintf("team %d", t.ID), t.Name); err != nil {
		return nil, err
	}
	return &t, nil
}

// Member is a user's place in a team, as an action changed it.
type Member struct {
	// Team is the team.
	Team team.Team
	// User is the member.
	User team.User
	// Role is the role they have now (for RemoveMember: the role they had).
	Role team.Role
}

// findMember finds the team and the user of a membership action.
func (a *Actions) findMember(ctx context.Context, teamName, email string) (*team.Team, *team.User, error) {
	t, err := a.findTeam(ctx, "team", teamName)
	if err != nil {
		return nil, nil, err
	}
	u, err := a.findUser(ctx, "user", email)
	if err != nil {
		return nil, nil, err
	}
	return t, u, nil
}

// AddMember adds the user with email to the team called teamName with role ("" for member),
// audited as team.add_member.
func (a *Actions) AddMember(ctx context.Context, teamName, email, role string) (*Member, error) {
	r, err := parseRole(role)
	if err != nil {
		return nil, err
	}
	t, u, err := a.findMember(ctx, teamName, email)
	if err != nil {
		return nil, err
	}
	return a.addMember(ctx, t, u, r)
}

// addMember adds u to t with role, audited.
func (a *Actions) addMember(ctx context.Context, t *team.Team, u *team.User, role team.Role) (*Member, error) {
	m := team.Membership{TeamID: t.ID, UserID: u.ID, Role: role}
	if err := a.Store.AddMember(ctx, &m); err != nil {
		if team.ErrorCode(err) == team.EConflict {
			return nil, field("user", team.Errorf(team.EConflict, "%s is in the team %s already", u.Email, t.Name))
		}
		return nil, field("user", err)
	}
	if err := a.audit(ctx, "team.add_member", fmt.Sprintf("team %d", t.ID), fmt.Sprintf("%s as %s", u.Email, role)); err != nil {
		return nil, err
	}
	return &Member{Team: *t, User: *u, Role: role}, nil
}

// notMember is the refusal of an action on a membership that does not exist.
func notMember(u *team.User, t *team.Team) error {
	return field("user", team.Errorf(team.ENotFound, "%s is not in the team %s", u.Email, t.Name))
}

// orNotMember is err, or notMember when err says the membership does not exist.
func orNotMember(err error, u *team.User, t *team.Team) error {
	if team.ErrorCode(err) == team.ENotFound {
		return notMember(u, t)
	}
	return err
}

// membership finds the team called teamName, the user with email and the user's place in it.
func (a *Actions) membership(ctx context.Context, teamName, email string) (*team.Team, *team.User, *team.Membership, error) {
	t, u, err := a.findMember(ctx, teamName, email)
	if err != nil {
		return nil, nil, nil, err
	}
	m, err := a.Store.FindMembership(ctx, t.ID, u.ID)
	if err != nil {
		return nil, nil, nil, orNotMember(err, u, t)
	}
	return t, u, m, nil
}

// RemoveMember takes the user with email out of the team called teamName (audited as
// team.remove_member); their tokens billing the team are revoked with it (see team.Teams).
func (a *Actions) RemoveMember(ctx context.Context, teamName, email string) (*Member, error) {
	t, u, m, err := a.membership(ctx, teamName, email)
	if err != nil {
		return nil, err
	}
	if err := a.Store.RemoveMember(ctx, t.ID, u.ID); err != nil {
		return nil, orNotMember(err, u, t)
	}
	if err := a.audit(ctx, "team.remove_member", fmt.Sprintf("team %d", t.ID), fmt.Sprintf("%s, who was %s", u.Email, m.Role)); err != nil {
		return nil, err
	}
	return &Member{Team: *t, User: *u, Role: m.Role}, nil
}

// SetRole sets the role of the user with email in the team called teamName (audited as
// team.set_role).
func (a *Actions) SetRole(ctx context.Context, teamName, email, role string) (*Member, error) {
	if strings.TrimSpace(role) == "" {
		return nil, field("role", team.Errorf(team.EInvalid, "no role given: admin or member"))
	}
	r, err := parseRole(role)
	if err != nil {
		return nil, err
	}
	t, u, m, err := a.membership(ctx, teamName, email)
	if err != nil {
		return nil, err
	}
	if err := a.Store.SetMemberRole(ctx, t.ID, u.ID, r); err != nil {
		if team.ErrorCode(err) == team.ENotFound {
			return nil, notMember(u, t)
		}
		return nil, field("role", err)
	}
	if err := a.audit(ctx, "team.set_role", fmt.Sprintf("team %d", t.ID), fmt.Sprintf("%s: %s → %s", u.Email, m.Role, r)); err != nil {
		return nil, err
	}
	return &Member{Team: *t, User: *u, Role: r}, nil
}

// NewToken is a personal API token to create.
type NewToken struct {
	// User is the email of the token's user.
	User string
	// Team is the name of the team its calls are billed to, one the user is in; "" for none.
	Team string
	// Name says what it is for.
	Name string
	// Expires is how long it opens calls; 0 until it is revoked.
	Expires time.Duration
}

// CreatedToken is a token CreateToken made.
type CreatedToken struct {
	// Secret is the token itself: shown once, never stored.
	Secret string
	// Token is what is stored (its hash).
	Token team.Token
	// User is its user.
	User team.User
	// Team is the team it bills, nil for none.
	Team *team.Team
}

// CreateToken makes a personal API token (audited as token.create, without its secret).
func (a *Actions) CreateToken(ctx context.Context, in NewToken) (*CreatedToken, error) {
	if in.Expires < 0 {
		return nil, field("expires", team.Errorf(team.EInvalid, "expires: %s is negative; give how long the token opens calls, e.g. 720h", in.Expires))
	}
	u, err := a.findUser(ctx, "user", in.User)
	if err != nil {
		return nil, err
	}
	var t *team.Team
	if strings.TrimSpace(in.Team) != "" {
		if t, err = a.findTeam(ctx, "team", in.Team); err != nil {
			return nil, err
		}
	}
	now := a.now()
	var until time.Time
	if in.Expires > 0 {
		until = now.Add(in.Expires)
	}
	var teamID int64
	if t != nil {
		teamID = t.ID
	}
	secret, tok, err := team.NewToken(u.ID, teamID, in.Name, now, until)
	if err != nil {
		return nil, field("name", err)
	}
	if err := a.Store.CreateToken(ctx, &tok); err != nil {
		if team.ErrorCode(err) == team.EInvalid && t != nil {
			return nil, field("team", team.Errorf(team.EInvalid, "%s is not in the team %s, so a token of theirs cannot bill it", u.Email, t.Name))
		}
		return nil, err
	}
	if err := a.audit(ctx, "token.create", fmt.Sprintf("token %d", tok.ID), fmt.Sprintf("for %s, %s…", u.Email, tok.Display)); err != nil {
		return nil, err
	}
	return &CreatedToken{Secret: secret, Token: tok, User: *u, Team: t}, nil
}

// ParseTokenID reads a token's id as typed; anything but a whole number above 0 is refused.
func ParseTokenID(s string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || id <= 0 {
		return 0, field("token", team.Errorf(team.EInvalid, "%q is not a token id (a whole number, see tokens list)", s))
	}
	return id, nil
}

// RevokeToken revokes the token with id (audited as token.revoke). With owner not 0 only that
// user's token is revoked: another's is ENotFound, as if it did not exist, so that a member
// cannot learn which ids are taken.
func (a *Actions) RevokeToken(ctx context.Context, id, owner int64) (*team.Token, error) {
	tok, err := a.Store.FindToken(ctx, id)
	if err == nil && owner != 0 && tok.UserID != owner {
		err = team.Errorf(team.ENotFound, "no token has the id %d", id)
	}
	if err != nil {
		return nil, field("token", err)
	}
	now := a.now()
	if err := a.Store.RevokeToken(ctx, id, now); err != nil {
		return nil, field("token", err)
	}
	if tok.RevokedAt.IsZero() {
		tok.RevokedAt = now
	}
	detail := tok.Display + "…"
	if u, err := a.Store.FindUser(ctx, tok.UserID); err == nil {
		detail = fmt.Sprintf("of %s, %s…", u.Email, tok.Display)
	}
	if err := a.audit(ctx, "token.revoke", fmt.Sprintf("token %d", id), detail); err != nil {
		return nil, err
	}
	return tok, nil
}

// ScopeRef names a budget's scope as typed: Kind is "user", "team" or "token", Ref the user's
// email, the team's name or the token's id.
type ScopeRef struct {
	// Kind is "user", "team" or "token".
	Kind string
	// Ref is the user's email, the team's name or the token's id.
	Ref string
}

// BudgetChange is a budget an action set or deleted.
type BudgetChange struct {
	// Budget is the budget (for DeleteBudget: its scope and period).
	Budget team.Budget
	// Who names its scope for people: "ada@example.org", "team ML", "token 3 (pg_abcdef…)".
	Who string
}

// ResolveScope finds the scope ref names, and how to name it for people. A bad kind is refused
// naming the field "kind", an unknown user, team or token naming the kind.
func (a *Actions) ResolveScope(ctx context.Context, ref ScopeRef) (team.Scope, string, error) {
	switch team.ScopeKind(strings.TrimSpace(ref.Kind)) {
	case team.ScopeUser:
		u, err := a.findUser(ctx, "user", ref.Ref)
		if err != nil {
			return team.Scope{}, "", err
		}
		return team.UserScope(u.ID), u.Email, nil
	case team.ScopeTeam:
		t, err := a.findTeam(ctx, "team", ref.Ref)
		if err != nil {
			return team.Scope{}, "", err
		}
		return team.TeamScope(t.ID), "team " + t.Name, nil
	case team.ScopeToken:
		id, err := ParseTokenID(ref.Ref)
		if err != nil {
			return team.Scope{}, "", err
		}
		tok, err := a.Store.FindToken(ctx, id)
		if err != nil {
			return team.Scope{}, "", field("token", err)
		}
		return team.TokenScope(tok.ID), fmt.Sprintf("token %d (%s…)", tok.ID, tok.Display), nil
	}
	return team.Scope{}, "", field("kind", team.Errorf(team.EInvalid, "%q is not a budget scope (user, team or token)", ref.Kind))
}

// SetBudget sets the limit of ref's scope per period (audited as budget.set): usd is an amount of
// US dollars as typed ("25", "0.50"), period day, week or month.
func (a *Actions) SetBudget(ctx context.Context, ref ScopeRef, usd, period string) (*BudgetChange, error) {
	limit, err := team.ParseUSD(usd)
	if err != nil {
		return nil, field("usd", err)
	}
	p, err := team.ParsePeriod(strings.TrimSpace(period))
	if err != nil {
		return nil, field("period", err)
	}
	scope, who, err := a.ResolveScope(ctx, ref)
	if err != nil {
		return nil, err
	}
	b := team.Budget{Scope: scope, Period: p, Limit: limit}
	if err := a.Store.SetBudget(ctx, &b); err != nil {
		return nil, field(ref.Kind, err)
	}
	if err := a.audit(ctx, "budget.set", scope.String(), fmt.Sprintf("%s a %s", limit, p)); err != nil {
		return nil, err
	}
	return &BudgetChange{Budget: b, Who: who}, nil
}

// DeleteBudget removes ref's scope's budget per period (audited as budget.delete).
func (a *Actions) DeleteBudget(ctx context.Context, ref ScopeRef, period string) (*BudgetChange, error) {
	p, err := team.ParsePeriod(strings.TrimSpace(period))
	if err != nil {
		return nil, field("period", err)
	}
	scope, who, err := a.ResolveScope(ctx, ref)
	if err != nil {
		return nil, err
	}
	if err := a.Store.DeleteBudget(ctx, scope, p); err != nil {
		if team.ErrorCode(err) == team.ENotFound {
			return nil, field("period", team.Errorf(team.ENotFound, "%s has no budget per %s", who, p))
		}
		return nil, err
	}
	if err := a.audit(ctx, "budget.delete", scope.String(), "per "+string(p)); err != nil {
		return nil, err
	}
	return &BudgetChange{Budget: team.Budget{Scope: scope, Period: p}, Who: who}, nil
}

// PruneUsage deletes the usage records that started before before (audited as usage.prune), in
// batches (see team.UsageLog.DeleteUsageBefore); the daily rollup, and so the usage dashboard,
// keeps their sums. A time after team.PruneLimit is refused: the records of the budget periods
// running are what a budget set mid-period counts.
func (a *Actions) PruneUsage(ctx context.Context, before time.Time) (int, error) {
	if before.IsZero() {
		return 0, field("before", team.Errorf(team.EInvalid, "no time given: the records before it are deleted"))
	}
	if limit := team.PruneLimit(a.now()); before.After(limit) {
		return 0, field("before", team.Errorf(team.EInvalid,
			"before: %s is inside the budget periods running; give a time no later than %s (the start of this week or month, whichever is first)",
			before.UTC().Format(time.RFC3339), limit.Format(time.RFC3339)))
	}
	n, err := a.Store.DeleteUsageBefore(ctx, before, 0)
	if err != nil {
		return n, err
	}
	if err := a.audit(ctx, "usage.prune", "usage log", fmt.Sprintf("%d records before %s", n, before.UTC().Format(time.RFC3339))); err != nil {
		return n, err
	}
	return n, nil
}
