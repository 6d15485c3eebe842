package admin

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"playground/server/auth"
	"playground/server/team"
)

func usersAdd(ctx context.Context, c *cmd, args []string) error {
	admin := c.fs.Bool("admin", false, "the user administers the instance")
	name := c.fs.String("name", "", "the name shown")
	teamName := c.fs.String("team", "", "a team to add the user to")
	roleName := c.fs.String("role", "member", "the user's role in -team: member or admin")
	return withStore(c, args, 1, "one EMAIL", func(pos []string) error {
		added, err := c.actions().AddUser(ctx, NewUser{Email: pos[0], Name: *name, Admin: *admin, Team: *teamName, Role: *roleName})
		if added != nil {
			u := added.User
			fmt.Fprintf(c.Stdout, "added user %d %s%s\n", u.ID, u.Email, map[bool]string{true: " (admin)"}[u.Admin])
			if added.Team != nil {
				fmt.Fprintf(c.Stdout, "added %s to team %s as %s\n", u.Email, added.Team.Name, added.Role)
			}
		}
		return err
	})
}

func usersList(ctx context.Context, c *cmd, args []string) error {
	return withStore(c, args, 0, "no argument", func([]string) error {
		users, err := c.store.ListUsers(ctx)
		if err != nil {
			return err
		}
		teams, err := teamNames(ctx, c.store)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(c.Stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tEMAIL\tNAME\tADMIN\tTEAMS\tADDED")
		for _, u := range users {
			ms, err := c.store.ListMemberships(ctx, u.ID)
			if err != nil {
				return err
			}
			var in []string
			for _, m := range ms {
				in = append(in, teams[m.TeamID]+" ("+string(m.Role)+")")
			}
			fmt.Fprintf(w, "%d\t%s\t%s\t%v\t%s\t%s\n", u.ID, u.Email, u.Name, u.Admin, strings.Join(in, ", "), u.CreatedAt.Format(time.DateOnly))
		}
		return w.Flush()
	})
}

// teamNames maps team ids to names.
func teamNames(ctx context.Context, s Store) (map[int64]string, error) {
	ts, err := s.ListTeams(ctx)
	if err != nil {
		return nil, err
	}
	out := map[int64]string{}
	for _, t := range ts {
		out[t.ID] = t.Name
	}
	return out, nil
}

func usersPasswd(ctx context.Context, c *cmd, args []string) error {
	return withStore(c, args, 1, "one EMAIL", func(pos []string) error {
		if c.Stdin == nil {
			return usagef("the password is read from standard input")
		}
		line, err := bufio.NewReader(io.LimitReader(c.Stdin, auth.MaxPasswordBytes+2)).ReadString('\n')
		if err != nil && err != io.EOF {
			return fmt.Errorf("reading the password: %w", err)
		}
		u, err := c.actions().SetPassword(ctx, pos[0], strings.TrimRight(line, "\r\n"))
		if err != nil {
			return err
		}
		fmt.Fprintf(c.Stdout, "set the password of %s\n", u.Email)
		return nil
	})
}

func usersSetAdmin(ctx context.Context, c *cmd, args []string) error {
	admin := c.fs.Bool("admin", true, "true makes the user an admin of the instance, false takes it away")
	return withStore(c, args, 1, "one EMAIL", func(pos []string) error {
		u, err := c.actions().SetAdmin(ctx, pos[0], *admin)
		if err != nil {
			return err
		}
		if u.Admin {
			fmt.Fprintf(c.Stdout, "%s is an admin\n", u.Email)
		} else {
			fmt.Fprintf(c.Stdout, "%s is no longer an admin\n", u.Email)
		}
		return nil
	})
}

func teamsAdd(ctx context.Context, c *cmd, args []string) error {
	return withStore(c, args, 1, "one NAME", func(pos []string) error {
		t, err := c.actions().AddTeam(ctx, pos[0])
		if err != nil {
			return err
		}
		fmt.Fprintf(c.Stdout, "added team %d %s\n", t.ID, t.Name)
		return nil
	})
}

func teamsList(ctx context.Context, c *cmd, args []string) error {
	return withStore(c, args, 0, "no argument", func([]string) error {
		ts, err := c.store.ListTeams(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(c.Stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tNAME\tMEMBERS\tADDED")
		for _, t := range ts {
			ms, err := c.store.ListMembers(ctx, t.ID)
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "%d\t%s\t%d\t%s\n", t.ID, t.Name, len(ms), t.CreatedAt.Format(time.DateOnly))
		}
		return w.Flush()
	})
}

// memberFlags are the -team and -user flags of the membership commands.
func memberFlags(c *cmd) (teamName, email *string) {
	return c.fs.String("team", "", "the team"), c.fs.String("user", "", "the user's email")
}

// withMember is withStore for a membership command, which needs -team and -user.
func withMember(c *cmd, args []string, teamName, email *string, fn func() error) error {
	return withStore(c, args, 0, "no argument (use -team and -user)", func([]string) error {
		if *teamName == "" || *email == "" {
			return usagef("-team and -user are required")
		}
		return fn()
	})
}

func teamsAddMember(ctx context.Context, c *cmd, args []string) error {
	teamName, email := memberFlags(c)
	roleName := c.fs.String("role", "member", "member or admin")
	return withMember(c, args, teamName, email, func() error {
		m, err := c.actions().AddMember(ctx, *teamName, *email, *roleName)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.Stdout, "added %s to team %s as %s\n", m.User.Email, m.Team.Name, m.Role)
		return nil
	})
}

func teamsRemoveMember(ctx context.Context, c *cmd, args []string) error {
	teamName, email := memberFlags(c)
	return withMember(c, args, teamName, email, func() error {
		m, err := c.actions().RemoveMember(ctx, *teamName, *email)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.Stdout, "removed %s from team %s (their tokens billing it are revoked)\n", m.User.Email, m.Team.Name)
		return nil
	})
}

func teamsSetRole(ctx context.Context, c *cmd, args []string) error {
	teamName, email := memberFlags(c)
	roleName := c.fs.String("role", "", "admin or member")
	return withMember(c, args, teamName, email, func() error {
		if *roleName == "" {
			return usagef("-role is required (admin or member)")
		}
		m, err := c.actions().SetRole(ctx, *teamName, *email, *roleName)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.Stdout, "%s is %s of team %s\n", m.User.Email, article(m.Role), m.Team.Name)
		return nil
	})
}

// article is "an admin" or "a member".
func article(r team.Role) string {
	if r == team.Admin {
		return "an admin"
	}
	return "a member"
}
