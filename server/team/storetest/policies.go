package storetest

import (
	"context"
	"reflect"
	"testing"

	"playground/server/team"
)

// testPolicies: a policy is set, replaced, listed by scope and deleted; a bad one or an unknown
// scope's is refused and writes nothing.
func testPolicies(t *testing.T, open Open) {
	ctx := context.Background()
	f := NewFixture(t, store(t, open))
	db := f.DB
	lab := &team.Policy{Scope: team.TeamScope(f.Lab.ID), Models: []string{" openai/* ", "claude-*", "openai/*"}, RPM: 60, TPM: 100000, Concurrent: 4, UpdatedAt: T0}
	must(t, db.SetPolicy(ctx, lab))
	if want := []string{"openai/*", "claude-*"}; !reflect.DeepEqual(lab.Models, want) {
		t.Errorf("the patterns were kept as %q, want %q", lab.Models, want)
	}
	must(t, db.SetPolicy(ctx, &team.Policy{Scope: team.UserScope(f.Ada.ID), RPM: 10, UpdatedAt: T0}))
	must(t, db.SetPolicy(ctx, &team.Policy{Scope: team.UserScope(f.Bob.ID), TPM: 5, UpdatedAt: T0}))

	got, err := db.ListPolicies(ctx, f.Scopes()...)
	must(t, err)
	want := []team.Policy{
		{Scope: team.TeamScope(f.Lab.ID), Models: []string{"openai/*", "claude-*"}, RPM: 60, TPM: 100000, Concurrent: 4, UpdatedAt: T0},
		{Scope: team.UserScope(f.Ada.ID), RPM: 10, UpdatedAt: T0},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Ada's call's policies:\n got %+v\nwant %+v", got, want)
	}
	if all, err := db.ListPolicies(ctx); err != nil || len(all) != 3 {
		t.Errorf("every policy: %+v, %v", all, err)
	}

	// Replacing: the new policy, whole.
	must(t, db.SetPolicy(ctx, &team.Policy{Scope: team.TeamScope(f.Lab.ID), Models: []string{"mistral/*"}, UpdatedAt: T0}))
	if got, err := db.ListPolicies(ctx, team.TeamScope(f.Lab.ID)); err != nil || len(got) != 1 || got[0].RPM != 0 || !reflect.DeepEqual(got[0].Models, []string{"mistral/*"}) {
		t.Errorf("the replaced policy: %+v, %v", got, err)
	}

	for name, p := range map[string]team.Policy{
		"negative rpm":  {Scope: team.UserScope(f.Ada.ID), RPM: -1},
		"bad pattern":   {Scope: team.UserScope(f.Ada.ID), Models: []string{"openai/["}},
		"comma":         {Scope: team.UserScope(f.Ada.ID), Models: []string{"a,b"}},
		"unknown kind":  {Scope: team.Scope{Kind: "org", ID: 1}},
		"unknown scope": {Scope: team.UserScope(f.Ada.ID + 100)},
	} {
		err := db.SetPolicy(ctx, &p)
		code := team.EInvalid
		if name == "unknown scope" {
			code = team.ENotFound
		}
		if team.ErrorCode(err) != code {
			t.Errorf("%s: %v, want %s", name, err, code)
		}
	}
	if got, err := db.ListPolicies(ctx, team.UserScope(f.Ada.ID)); err != nil || len(got) != 1 || got[0].RPM != 10 {
		t.Errorf("a refused policy changed Ada's: %+v, %v", got, err)
	}

	must(t, db.DeletePolicy(ctx, team.UserScope(f.Ada.ID)))
	wantCode(t, db.DeletePolicy(ctx, team.UserScope(f.Ada.ID)), team.ENotFound)
	if got, err := db.ListPolicies(ctx, team.UserScope(f.Ada.ID)); err != nil || len(got) != 0 {
		t.Errorf("after deleting: %+v, %v", got, err)
	}
}
