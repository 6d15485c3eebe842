package admin

import (
	"context"
	"fmt"
	"strconv"
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
		if *expires < 0 {
			return team.Errorf(team.EInvalid, "expires: %s is negative; give how long the token opens calls, e.g. 720h", *expires)
		}
		u, err := c.store.FindUserByEmail(ctx, *email)
		if err != nil {
			return err
		}
		var teamID int64
		if *teamName != "" {
			t, err := c.store.FindTeamByName(ctx, *teamName)
			if err != nil {
				return err
			}
			teamID = t.ID
		}
		now := c.now()
		var until time.Time
		if *expires > 0 {
			until = now.Add(*expires)
		}
		secret, tok, err := team.NewToken(u.ID, teamID, *name, now, until)
		if err != nil {
			return err
		}
		if err := c.store.CreateToken(ctx, &tok); err != nil {
			return err
		}
		if err := c.audit(ctx, "token.create", fmt.Sprintf("token %d", tok.ID), fmt.Sprintf("for %s, %s…", u.Email, tok.Display)); err != nil {
			return err
		}
		fmt.Fprintf(c.Stderr, "token %d for %s — shown once, store it now:\n", tok.ID, u.Email)
		fmt.Fprintln(c.Stdout, secret)
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
		id, err := strconv.ParseInt(pos[0], 10, 64)
		if err != nil || id <= 0 {
			return team.Errorf(team.EInvalid, "%q is not a token id (a whole number, see tokens list)", pos[0])
		}
		if err := c.store.RevokeToken(ctx, id, c.now()); err != nil {
			return err
		}
		if err := c.audit(ctx, "token.revoke", fmt.Sprintf("token %d", id), ""); err != nil {
			return err
		}
		fmt.Fprintf(c.Stdout, "revoked token %d\n", id)
		return nil
	})
}

func budgetsSet(ctx context.Context, c *cmd, args []string) error {
	email := c.fs.String("user", "", "a user's budget")
	teamName := c.fs.String("team", "", "a team's budget")
	usd := c.fs.String("usd", "", "the limit in US dollars, e.g. 25 or 0.50")
	periodName := c.fs.String("period", "", "day, week or month (UTC)")
	return withStore(c, args, 0, "no argument", func([]string) error {
		if (*email == "") == (*teamName == "") {
			return usagef("give one of -user EMAIL or -team NAME")
		}
		if *usd == "" || *periodName == "" {
			return usagef("-usd and -period are required")
		}
		limit, err := team.ParseUSD(*usd)
		if err != nil {
			return err
		}
		period, err := team.ParsePeriod(*periodName)
		if err != nil {
			return err
		}
		var scope team.Scope
		var who string
		if *email != "" {
			u, err := c.store.FindUserByEmail(ctx, *email)
			if err != nil {
				return err
			}
			scope, who = team.UserScope(u.ID), u.Email
		} else {
			t, err := c.store.FindTeamByName(ctx, *teamName)
			if err != nil {
				return err
			}
			scope, who = team.TeamScope(t.ID), "team "+t.Name
		}
		b := team.Budget{Scope: scope, Period: period, Limit: limit}
		if err := c.store.SetBudget(ctx, &b); err != nil {
			return err
		}
		if err := c.audit(ctx, "budget.set", scope.String(), fmt.Sprintf("%s a %s", limit, period)); err != nil {
			return err
		}
		fmt.Fprintf(c.Stdout, "%s may spend %s a %s\n", who, limit, period)
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
