package admin

import (
	"context"
	"strings"
	"testing"
)

// TestPolicies: a policy set for a team, a user and a token is listed, replaced and deleted, and
// audited; bad input says which flag and why, and writes nothing.
func TestPolicies(t *testing.T) {
	e := newEnv(t)
	e.ok("teams", "add", "ML")
	e.ok("users", "add", "ada@example.org", "-team", "ML")
	e.ok("tokens", "create", "-user", "ada@example.org", "-team", "ML")
	if out := e.ok("policies", "set", "-team", "ML", "-models", "openai/*, claude-*", "-rpm", "60", "-tpm", "100000"); out != "team ML: models openai/*,claude-*, rpm 60, tpm 100000\n" {
		t.Errorf("policies set: %q", out)
	}
	e.ok("policies", "set", "-user", "ada@example.org", "-concurrent", "2")
	e.ok("policies", "set", "-token", "1", "-rpm", "5")
	out := e.ok("policies", "list")
	for _, want := range []string{"team 1", "models openai/*,claude-*, rpm 60, tpm 100000", "user 1", "concurrent 2", "token 1", "rpm 5"} {
		if !strings.Contains(out, want) {
			t.Errorf("policies list lacks %q:\n%s", want, out)
		}
	}
	e.ok("policies", "delete", "-user", "ada@example.org")
	if out := e.ok("policies", "list"); strings.Contains(out, "user 1") {
		t.Errorf("the deleted policy is listed:\n%s", out)
	}

	for _, tt := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"policies", "set", "-rpm", "5"}, 2, "give one of -user EMAIL, -team NAME or -token ID"},
		{[]string{"policies", "set", "-team", "ML", "-user", "ada@example.org"}, 2, "give one of"},
		{[]string{"policies", "set", "-team", "ML", "-rpm", "abc"}, 1, `-rpm: "abc" is not a whole number`},
		{[]string{"policies", "set", "-team", "ML", "-rpm", "-3"}, 1, `-rpm: "-3" is negative (0 is no limit)`},
		{[]string{"policies", "set", "-team", "ML", "-models", "openai/["}, 1, `-models: "openai/[" is not a valid model pattern`},
		{[]string{"policies", "set", "-team", "Nope"}, 1, `no team is called "Nope"`},
		{[]string{"policies", "set", "-token", "9"}, 1, "9"},
		{[]string{"policies", "delete", "-user", "ada@example.org"}, 1, "has no policy"},
	} {
		code, _, errs := e.run(tt.args...)
		if code != tt.code || !strings.Contains(errs, tt.says) {
			t.Errorf("%v: exit %d %q, want %d saying %q", tt.args, code, errs, tt.code, tt.says)
		}
	}
	db := e.store()
	ps, err := db.ListPolicies(context.Background())
	if err != nil || len(ps) != 2 || ps[0].RPM != 60 {
		t.Errorf("the refusals changed the policies: %+v %v", ps, err)
	}
	audit := e.ok("audit", "list")
	if strings.Count(audit, "policy.set") != 3 || !strings.Contains(audit, "policy.delete") {
		t.Errorf("the audit log:\n%s", audit)
	}
}
