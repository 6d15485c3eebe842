package admin

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"

	"playground/server/team"
)

// PolicyChange is a policy an action set or deleted.
type PolicyChange struct {
	// Policy is the policy (for DeletePolicy: its scope).
	Policy team.Policy
	// Who names its scope for people (see BudgetChange.Who).
	Who string
}

// NewPolicy is a policy as typed: the model patterns comma-separated, the limits as numbers ("" is
// 0, no limit).
type NewPolicy struct {
	Models, RPM, TPM, Concurrent string
}

// SetPolicy sets ref's scope's policy (audited as policy.set), replacing the one it had.
func (a *Actions) SetPolicy(ctx context.Context, ref ScopeRef, in NewPolicy) (*PolicyChange, error) {
	models, err := team.ParseModelPatterns(in.Models)
	if err != nil {
		return nil, field("models", err)
	}
	p := team.Policy{Models: models}
	for _, l := range []struct {
		name, text string
		to         *int64
	}{{"rpm", in.RPM, &p.RPM}, {"tpm", in.TPM, &p.TPM}, {"concurrent", in.Concurrent, &p.Concurrent}} {
		if t := strings.TrimSpace(l.text); t != "" {
			n, err := strconv.ParseInt(t, 10, 64)
			if err != nil {
				return nil, field(l.name, team.Errorf(team.EInvalid, "%q is not a whole number", t))
			}
			if n < 0 {
				return nil, field(l.name, team.Errorf(team.EInvalid, "%q is negative (0 is no limit)", t))
			}
			*l.to = n
		}
	}
	scope, who, err := a.ResolveScope(ctx, ref)
	if err != nil {
		return nil, err
	}
	p.Scope = scope
	if err := a.Store.SetPolicy(ctx, &p); err != nil {
		return nil, field(ref.Kind, err)
	}
	if err := a.audit(ctx, "policy.set", scope.String(), p.String()); err != nil {
		return nil, err
	}
	return &PolicyChange{Policy: p, Who: who}, nil
}

// DeletePolicy removes ref's scope's policy (audited as policy.delete): any model, no limits.
func (a *Actions) DeletePolicy(ctx context.Context, ref ScopeRef) (*PolicyChange, error) {
	scope, who, err := a.ResolveScope(ctx, ref)
	if err != nil {
		return nil, err
	}
	if err := a.Store.DeletePolicy(ctx, scope); err != nil {
		if team.ErrorCode(err) == team.ENotFound {
			return nil, field(ref.Kind, team.Errorf(team.ENotFound, "%s has no policy", who))
		}
		return nil, err
	}
	if err := a.audit(ctx, "policy.delete", scope.String(), ""); err != nil {
		return nil, err
	}
	return &PolicyChange{Policy: team.Policy{Scope: scope}, Who: who}, nil
}

func policiesSet(ctx context.Context, c *cmd, args []string) error {
	scope := newScopeFlags(c, "policy")
	models := c.fs.String("models", "", "the model patterns it may run, comma-separated (e.g. 'openai/*,claude-*'); none: any model")
	rpm := c.fs.String("rpm", "", "the most calls a minute (0: no limit)")
	tpm := c.fs.String("tpm", "", "the most tokens a minute (0: no limit)")
	concurrent := c.fs.String("concurrent", "", "the most calls at once (0: no limit)")
	return withStore(c, args, 0, "no argument", func([]string) error {
		ref, err := scope.ref()
		if err != nil {
			return err
		}
		ch, err := c.actions().SetPolicy(ctx, ref, NewPolicy{Models: *models, RPM: *rpm, TPM: *tpm, Concurrent: *concurrent})
		if err != nil {
			return err
		}
		fmt.Fprintf(c.Stdout, "%s: %s\n", ch.Who, ch.Policy)
		return nil
	})
}

func policiesDelete(ctx context.Context, c *cmd, args []string) error {
	scope := newScopeFlags(c, "policy")
	return withStore(c, args, 0, "no argument", func([]string) error {
		ref, err := scope.ref()
		if err != nil {
			return err
		}
		ch, err := c.actions().DeletePolicy(ctx, ref)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.Stdout, "%s: no policy (any model, no limits)\n", ch.Who)
		return nil
	})
}

func policiesList(ctx context.Context, c *cmd, args []string) error {
	return withStore(c, args, 0, "no argument", func([]string) error {
		ps, err := c.store.ListPolicies(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(c.Stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(w, "SCOPE\tPOLICY")
		for _, p := range ps {
			fmt.Fprintf(w, "%s\t%s\n", p.Scope, p)
		}
		return w.Flush()
	})
}
