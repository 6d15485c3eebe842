package admin

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"playground/server/sqlite"
	"playground/server/team"
)

// newActions are the actions of ada, an admin, on a new store holding her and the team ML.
func newActions(t *testing.T) (*Actions, *sqlite.DB) {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "p.db"))
	must(t, err)
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	ada := &team.User{Email: "ada@example.org", Admin: true}
	must(t, db.AddUser(ctx, ada))
	must(t, db.AddTeam(ctx, &team.Team{Name: "ML"}))
	now := time.Date(2026, 12, 16, 10, 0, 0, 0, time.UTC)
	return &Actions{Store: db, Actor: ada, Via: "the admin page", Now: func() time.Time { return now }}, db
}

// TestActionFields: each refusal names the input that caused it, with its code.
func TestActionFields(t *testing.T) {
	a, _ := newActions(t)
	ctx := context.Background()
	if _, err := a.AddUser(ctx, NewUser{Email: "bob@example.org"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		run   func() error
		field string
		code  string
	}{
		{"a bad email", func() error { _, err := a.AddUser(ctx, NewUser{Email: "nope"}); return err }, "email", team.EInvalid},
		{"an email taken", func() error { _, err := a.AddUser(ctx, NewUser{Email: "BOB@example.org"}); return err }, "email", team.EConflict},
		{"a bad name", func() error { _, err := a.AddUser(ctx, NewUser{Email: "eve@example.org", Name: "e\x00"}); return err }, "name", team.EInvalid},
		{"an unknown team", func() error { _, err := a.AddUser(ctx, NewUser{Email: "eve@example.org", Team: "Nope"}); return err }, "team", team.ENotFound},
		{"a bad role", func() error { _, err := a.AddUser(ctx, NewUser{Email: "eve@example.org", Role: "boss"}); return err }, "role", team.EInvalid},
		{"a short password", func() error { _, err := a.SetPassword(ctx, "bob@example.org", "short"); return err }, "password", team.EInvalid},
		{"a password for nobody", func() error { _, err := a.SetPassword(ctx, "zed@example.org", "long enough password"); return err }, "user", team.ENotFound},
		{"an empty team name", func() error { _, err := a.AddTeam(ctx, " "); return err }, "name", team.EInvalid},
		{"a team name taken", func() error { _, err := a.AddTeam(ctx, "ML"); return err }, "name", team.EConflict},
		{"a member of no team", func() error { _, err := a.AddMember(ctx, "", "bob@example.org", ""); return err }, "team", team.EInvalid},
		{"an unknown member", func() error { _, err := a.AddMember(ctx, "ML", "zed@example.org", ""); return err }, "user", team.ENotFound},
		{"removing a non-member", func() error { _, err := a.RemoveMember(ctx, "ML", "bob@example.org"); return err }, "user", team.ENotFound},
		{"no role", func() error { _, err := a.SetRole(ctx, "ML", "bob@example.org", ""); return err }, "role", team.EInvalid},
		{"a negative expiry", func() error {
			_, err := a.CreateToken(ctx, NewToken{User: "bob@example.org", Expires: -time.Hour})
			return err
		}, "expires", team.EInvalid},
		{"a token billing a team not theirs", func() error {
			_, err := a.CreateToken(ctx, NewToken{User: "bob@example.org", Team: "ML"})
			return err
		}, "team", team.EInvalid},
		{"a bad token id", func() error { _, err := ParseTokenID("0"); return err }, "token", team.EInvalid},
		{"an unknown token", func() error { _, err := a.RevokeToken(ctx, 99, 0); return err }, "token", team.ENotFound},
		{"a bad amount", func() error { _, err := a.SetBudget(ctx, ScopeRef{"user", "bob@example.org"}, "-1", "day"); return err }, "usd", team.EInvalid},
		{"a bad period", func() error { _, err := a.SetBudget(ctx, ScopeRef{"user", "bob@example.org"}, "1", "year"); return err }, "period", team.EInvalid},
		{"a bad scope kind", func() error { _, err := a.SetBudget(ctx, ScopeRef{"org", "x"}, "1", "day"); return err }, "kind", team.EInvalid},
		{"a budget of nobody", func() error { _, err := a.SetBudget(ctx, ScopeRef{"user", "zed@example.org"}, "1", "day"); return err }, "user", team.ENotFound},
		{"a budget of no team", func() error { _, err := a.SetBudget(ctx, ScopeRef{"team", "Nope"}, "1", "day"); return err }, "team", team.ENotFound},
		{"a budget of no token", func() error { _, err := a.SetBudget(ctx, ScopeRef{"token", "7"}, "1", "day"); return err }, "token", team.ENotFound},
		{"deleting no budget", func() error { _, err := a.DeleteBudget(ctx, ScopeRef{"user", "bob@example.org"}, "day"); return err }, "period", team.ENotFound},
		{"pruning without a time", func() error { _, err := a.PruneUsage(ctx, time.Time{}); return err }, "before", team.EInvalid},
		{"pruning this month", func() error { _, err := a.PruneUsage(ctx, a.now().Add(-time.Hour)); return err }, "before", team.EInvalid},
		{"taking one's own admin rights", func() error { _, err := a.SetAdmin(ctx, "ada@example.org", false); return err }, "admin", team.EInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run()
			if Field(err) != tt.field || team.ErrorCode(err) != tt.code || team.ErrorMessage(err) == "" {
				t.Fatalf("%v: field %q code %q, want field %q code %q", err, Field(err), team.ErrorCode(err), tt.field, tt.code)
			}
		})
	}
}

// TestActionsAudit: each action is audited with its actor's id and name, and where it was taken.
func TestActionsAudit(t *testing.T) {
	a, db := newActions(t)
	ctx := context.Background()
	added, err := a.AddUser(ctx, NewUser{Email: "bob@example.org", Team: "ML", Role: "member"})
	must(t, err)
	if added.Team == nil || added.Team.Name != "ML" || added.Role != team.Member {
		t.Fatalf("%+v", added)
	}
	_, err = a.SetRole(ctx, "ML", "bob@example.org", "admin")
	must(t, err)
	made, err := a.CreateToken(ctx, NewToken{User: "bob@example.org", Team: "ML", Name: "ci"})
	must(t, err)
	_, err = a.SetBudget(ctx, ScopeRef{"token", "1"}, "3", "day")
	must(t, err)
	_, err = a.RevokeToken(ctx, made.Token.ID, 0)
	must(t, err)
	m, err := a.RemoveMember(ctx, "ML", "bob@example.org")
	must(t, err)
	if m.Role != team.Admin {
		t.Fatalf("removed %+v", m)
	}
	_, err = a.SetAdmin(ctx, "bob@example.org", true)
	must(t, err)
	es, err := db.ListAudit(ctx, team.AuditFilter{})
	must(t, err)
	var actions []string
	for _, e := range es {
		if e.ActorID != a.Actor.ID || !strings.HasSuffix(e.Detail, "by ada@example.org on the admin page") || strings.Contains(e.Detail, made.Secret) {
			t.Errorf("entry %+v", e)
		}
		actions = append(actions, e.Action)
	}
	if got := strings.Join(actions, " "); got != "user.admin team.remove_member token.revoke budget.set token.create team.set_role team.add_member user.add" {
		t.Errorf("audited %s", got)
	}
}

// TestRevokeOwnToken: with an owner, another user's token is not found, and stays open.
func TestRevokeOwnToken(t *testing.T) {
	a, db := newActions(t)
	ctx := context.Background()
	_, err := a.AddUser(ctx, NewUser{Email: "bob@example.org"})
	must(t, err)
	adas, err := a.CreateToken(ctx, NewToken{User: "ada@example.org"})
	must(t, err)
	bobs, err := a.CreateToken(ctx, NewToken{User: "bob@example.org"})
	must(t, err)
	bob, _ := db.FindUserByEmail(ctx, "bob@example.org")
	_, err = a.RevokeToken(ctx, adas.Token.ID, bob.ID)
	if team.ErrorCode(err) != team.ENotFound || team.ErrorMessage(err) != "no token has the id 1" {
		t.Fatalf("revoking another's token: %v", err)
	}
	if tok, _ := db.FindToken(ctx, adas.Token.ID); !tok.RevokedAt.IsZero() {
		t.Fatal("another's token was revoked")
	}
	if _, err := a.RevokeToken(ctx, bobs.Token.ID, bob.ID); err != nil {
		t.Fatal(err)
	}
}
