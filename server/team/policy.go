package team

import (
	"context"
	"fmt"
	"path"
	"strings"
	"time"

	"playground/app/embed"
)

// Policy is what a scope may do besides spend: the models it may run and how fast it may call.
// A call is held to the policies of every scope it is made in (its user, its team, its token).
type Policy struct {
	// Scope is whose policy it is.
	Scope Scope
	// Models are the model patterns (path.Match syntax, e.g. "openai/*") the scope may run, by id
	// or alias; none means any model.
	Models []string
	// RPM is the most calls a minute, TPM the most tokens a minute (a call counts its input
	// estimate and its max_tokens when it starts, what it used when it ends), Concurrent the most
	// calls at once; 0 is no limit.
	RPM, TPM, Concurrent int64
	// UpdatedAt is when it was set (SetPolicy sets it to now when zero).
	UpdatedAt time.Time
}

// MaxPolicyModels bounds a policy's list of patterns.
const MaxPolicyModels = 200

// Validate checks the policy, trimming its patterns and dropping repeated ones: an invalid scope,
// a pattern path.Match cannot read, too many patterns, or a negative limit is an EInvalid error.
func (p *Policy) Validate() error {
	if err := p.Scope.Validate(); err != nil {
		return err
	}
	var models []string
	seen := map[string]bool{}
	for _, m := range p.Models {
		m = strings.TrimSpace(m)
		if m == "" || seen[m] {
			continue
		}
		if err := CheckModelPattern(m); err != nil {
			return err
		}
		seen[m] = true
		models = append(models, m)
	}
	if len(models) > MaxPolicyModels {
		return Errorf(EInvalid, "the %s's policy lists %d model patterns, more than %d", p.Scope, len(models), MaxPolicyModels)
	}
	p.Models = models
	for _, l := range []struct {
		name string
		n    int64
	}{{"rpm", p.RPM}, {"tpm", p.TPM}, {"concurrent", p.Concurrent}} {
		if l.n < 0 {
			return Errorf(EInvalid, "the %s's %s limit is %d: it is 0 (no limit) or more", p.Scope, l.name, l.n)
		}
	}
	return nil
}

// CheckModelPattern refuses a model pattern path.Match cannot read, or one with a comma (lists of
// patterns are written with commas), with an EInvalid error.
func CheckModelPattern(p string) error {
	if p == "" {
		return Errorf(EInvalid, "an empty model pattern matches nothing")
	}
	if strings.ContainsAny(p, ", \t\n") {
		return Errorf(EInvalid, "the model pattern %q has a comma or a space", p)
	}
	if _, err := path.Match(p, ""); err != nil {
		return Errorf(EInvalid, "%q is not a valid model pattern (path.Match syntax: * ? [a-z]): %v", p, err)
	}
	return nil
}

// ParseModelPatterns reads a comma-separated list of model patterns ("" is none: any model).
func ParseModelPatterns(s string) ([]string, error) {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if err := CheckModelPattern(p); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// Allows reports whether the policy lets its scope run the model with id (or one of aliases).
func (p Policy) Allows(id string, aliases ...string) bool {
	return embed.MatchModel(p.Models, id, aliases...)
}

// Refusal is the EForbidden error for a model the policy does not let its scope run.
func (p Policy) Refusal(model string) error {
	return Errorf(EForbidden, "the %s may not run %s: it may run only %s", p.Scope, model, strings.Join(p.Models, ", "))
}

// Empty reports whether the policy allows everything (no patterns, no limits).
func (p Policy) Empty() bool {
	return len(p.Models) == 0 && p.RPM == 0 && p.TPM == 0 && p.Concurrent == 0
}

// String says the policy in one line: "models openai/*, rpm 60, tpm 100000, concurrent 4".
func (p Policy) String() string {
	var parts []string
	if len(p.Models) > 0 {
		parts = append(parts, "models "+strings.Join(p.Models, ","))
	}
	for _, l := range []struct {
		name string
		n    int64
	}{{"rpm", p.RPM}, {"tpm", p.TPM}, {"concurrent", p.Concurrent}} {
		if l.n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", l.name, l.n))
		}
	}
	if len(parts) == 0 {
		return "no limits"
	}
	return strings.Join(parts, ", ")
}

// Policies keeps the scopes' policies.
type Policies interface {
	// SetPolicy sets p (validated), replacing the scope's policy, and sets p.UpdatedAt when zero.
	// An unknown user, team or token is ENotFound.
	SetPolicy(ctx context.Context, p *Policy) error
	// DeletePolicy removes the scope's policy; ENotFound when it has none.
	DeletePolicy(ctx context.Context, scope Scope) error
	// ListPolicies returns the policies of scopes (of every scope when none), by scope.
	ListPolicies(ctx context.Context, scopes ...Scope) ([]Policy, error)
}

// ScopeCondition is the SQL WHERE clause (with its leading " WHERE ", "" for no scopes) that keeps
// the rows of scopes by their scope_kind and scope_id columns, and its arguments; placeholder
// writes the nth (from 1) argument's placeholder ("?" or "$n"). An invalid scope is EInvalid.
func ScopeCondition(scopes []Scope, placeholder func(n int) string) (string, []any, error) {
	if len(scopes) == 0 {
		return "", nil, nil
	}
	var conds []string
	var args []any
	for _, s := range scopes {
		if err := s.Validate(); err != nil {
			return "", nil, err
		}
		args = append(args, string(s.Kind), s.ID)
		conds = append(conds, fmt.Sprintf("(scope_kind = %s AND scope_id = %s)", placeholder(len(args)-1), placeholder(len(args))))
	}
	return " WHERE " + strings.Join(conds, " OR "), args, nil
}
