package admin

import (
	"context"
	"fmt"
	"strconv"
	"text/tabwriter"

	"playground/server/team"
)

// scopeFlags are the flags naming the one scope a command acts on: -user EMAIL, -team NAME or
// -token ID.
type scopeFlags struct {
	email, team *string
	token       *int64
}

// addScopeFlags adds the scope flags to c's flag set; what says what the scope is given for.
func (c *cmd) addScopeFlags(what string) scopeFlags {
	return scopeFlags{
		email: c.fs.String("user", "", "a user's "+what),
		team:  c.fs.String("team", "", "a team's "+what),
		token: c.fs.Int64("token", 0, "a token's "+what+", by id"),
	}
}

// resolve finds the scope the flags name, and says it for a person ("ada@example.com",
// "team Lab", "token 12").
func (f scopeFlags) resolve(ctx context.Context, s Store) (team.Scope, string, error) {
	n := 0
	for _, set := range []bool{*f.email != "", *f.team != "", *f.token != 0} {
		if set {
			n++
		}
	}
	if n != 1 {
		return team.Scope{}, "", usagef("give one of -user EMAIL, -team NAME or -token ID")
	}
	switch {
	case *f.email != "":
		u, err := s.FindUserByEmail(ctx, *f.email)
		if err != nil {
			return team.Scope{}, "", err
		}
		return team.UserScope(u.ID), u.Email, nil
	case *f.team != "":
		t, err := s.FindTeamByName(ctx, *f.team)
		if err != nil {
			return team.Scope{}, "", err
		}
		return team.TeamScope(t.ID), "team " + t.Name, nil
	}
	t, err := s.FindToken(ctx, *f.token)
	if err != nil {
		return team.Scope{}, "", err
	}
	return team.TokenScope(t.ID), "token " + strconv.FormatInt(t.ID, 10), nil
}

func policiesSet(ctx context.Context, c *cmd, args []string) error {
	scope := c.addScopeFlags("policy")
	models := c.fs.String("models", "", "the model patterns it may run, comma-separated (e.g. 'openai/*,claude-*'); none: any model")
	rpm := c.fs.Int64("rpm", 0, "the most calls a minute (0: no limit)")
	tpm := c.fs.Int64("tpm", 0, "the most tokens a minute (0: no limit)")
	concurrent := c.fs.Int64("concurrent", 0, "the most calls at once (0: no limit)")
	return withStore(c, args, 0, "no argument", func([]string) error {
		s, who, err := scope.resolve(ctx, c.store)
		if err != nil {
			return err
		}
		pats, err := team.ParseModelPatterns(*models)
		if err != nil {
			return team.Errorf(team.EInvalid, "-models: %s", team.ErrorMessage(err))
		}
		p := team.Policy{Scope: s, Models: pats, RPM: *rpm, TPM: *tpm, Concurrent: *concurrent}
		if err := c.store.SetPolicy(ctx, &p); err != nil {
			return err
		}
		if err := c.audit(ctx, "policy.set", s.String(), p.String()); err != nil {
			return err
		}
		fmt.Fprintf(c.Stdout, "%s: %s\n", who, p)
		return nil
	})
}

func policiesDelete(ctx context.Context, c *cmd, args []string) error {
	scope := c.addScopeFlags("policy")
	return withStore(c, args, 0, "no argument", func([]string) error {
		s, who, err := scope.resolve(ctx, c.store)
		if err != nil {
			return err
		}
		if err := c.store.DeletePolicy(ctx, s); err != nil {
			return err
		}
		if err := c.audit(ctx, "policy.delete", s.String(), ""); err != nil {
			return err
		}
		fmt.Fprintf(c.Stdout, "%s: no policy (any model, no limits)\n", who)
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
