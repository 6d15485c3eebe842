package admin

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"playground/server/team"
)

func tokensCreate(ctx context.Context, c *cmd, args []string) error {
	email := c.fs.String("user", "", "the token's user")
	teamName := c.fs.String("team", "", "the team its calls are billed to (one the user is in)")
	name := c.fs.String("name", "", "what the token is for")
	expires := c.fs.Duration("expires", 0, "how long it opens calls, e.g. 720h (0: until revoked)")
	return withStore(c, args, 0, "no argument (use -user)", func([]string) error {
		if *email == "" {
			return usagef("-user is required")
		}
		made, err := c.actions().CreateToken(ctx, NewToken{User: *email, Team: *teamName, Name: *name, Expires: *expires})
		if err != nil {
			return err
		}
		fmt.Fprintf(c.Stderr, "token %d for %s — shown once, store it now:\n", made.Token.ID, made.User.Email)
		fmt.Fprintln(c.Stdout, made.Secret)
		return nil
	})
}

func tokensList(ctx context.Context, c *cmd, args []string) error {
	email := c.fs.String("user", "", "whose tokens")
	return withStore(c, args, 0, "no argument (use -user)", func([]string) error {
		if *email == "" {
			return usagef("-user is required")
		}
		u, err := c.store.FindUserByEmail(ctx, *email)
		if err != nil {
			return err
		}
		ts, err := c.store.ListTokens(ctx, u.ID)
		if err != nil {
			return err
		}
		now := c.now()
		w := tabwriter.NewWriter(c.Stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tNAME\tSTARTS\tCREATED\tEXPIRES\tSTATE")
		for _, t := range ts {
			state := "open"
			if err := t.Check(now); err != nil {
				state = "closed: " + team.ErrorMessage(err)
			}
			exp := "never"
			if !t.ExpiresAt.IsZero() {
				exp = t.ExpiresAt.Format(time.DateTime)
			}
			fmt.Fprintf(w, "%d\t%s\t%s…\t%s\t%s\t%s\n", t.ID, t.Name, t.Display, t.CreatedAt.Format(time.DateTime), exp, state)
		}
		return w.Flush()
	})
}

func tokensRevoke(ctx context.Context, c *cmd, args []string) error {
	return withStore(c, args, 1, "one token ID", func(pos []string) error {
		id, err := ParseTokenID(pos[0])
		if err != nil {
			return err
		}
		if _, err := c.actions().RevokeToken(ctx, id, 0); err != nil {
			return err
		}
		fmt.Fprintf(c.Stdout, "revoked token %d\n", id)
		return nil
	})
}

// scopeFlags are the -user, -team and -token flags that name the scope of a budget or a policy.
type scopeFlags struct{ user, team, token *string }

// newScopeFlags adds the scope flags to c's flag set; what says what the scope is given for.
func newScopeFlags(c *cmd, what string) scopeFlags {
	return scopeFlags{
		user:  c.fs.String("user", "", "a user's "+what),
		team:  c.fs.String("team", "", "a team's "+what),
		token: c.fs.String("token", "", "a token's "+what+", by its id"),
	}
}

// ref is the one scope the flags name; more or fewer is a usage error.
func (f scopeFlags) ref() (ScopeRef, error) {
	var refs []ScopeRef
	for _, r := range []ScopeRef{{"user", *f.user}, {"team", *f.team}, {"token", *f.token}} {
		if r.Ref != "" {
			refs = append(refs, r)
		}
	}
	if len(refs) != 1 {
		return ScopeRef{}, usagef("give one of -user EMAIL, -team NAME or -token ID")
	}
	return refs[0], nil
}

func budgetsSet(ctx context.Context, c *cmd, args []string) error {
	scope := newScopeFlags(c, "budget")
	usd := c.fs.String("usd", "", "the limit in US dollars, e.g. 25 or 0.50")
	periodName := c.fs.String("period", "", "day, week or month (UTC)")
	return withStore(c, args, 0, "no argument", func([]string) error {
		ref, err := scope.ref()
		if err != nil {
			return err
		}
		if *usd == "" || *periodName == "" {
			return usagef("-usd and -period are required")
		}
		b, err := c.actions().SetBudget(ctx, ref, *usd, *periodName)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.Stdout, "%s may spend %s a %s\n", b.Who, b.Budget.Limit, b.Budget.Period)
		return nil
	})
}

func budgetsDelete(ctx context.Context, c *cmd, args []string) error {
	scope := newScopeFlags(c, "budget")
	periodName := c.fs.String("period", "", "day, week or month (UTC)")
	return withStore(c, args, 0, "no argument", func([]string) error {
		ref, err := scope.ref()
		if err != nil {
			return err
		}
		if *periodName == "" {
			return usagef("-period is required")
		}
		b, err := c.actions().DeleteBudget(ctx, ref, *periodName)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.Stdout, "%s has no budget per %s any more\n", b.Who, b.Budget.Period)
		return nil
	})
}

func budgetsList(ctx context.Context, c *cmd, args []string) error {
	return withStore(c, args, 0, "no argument", func([]string) error {
		bs, err := c.store.ListBudgets(ctx, c.now())
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(c.Stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(w, "SCOPE\tPERIOD\tLIMIT\tSPENT\tHELD\tLEFT\tRESETS")
		for _, b := range bs {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", b.Scope, b.Period, b.Limit, b.Spent, b.Reserved, b.Left(), b.ResetsAt.Format(time.DateTime))
		}
		return w.Flush()
	})
}
