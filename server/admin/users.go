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
		role, err := team.ParseRole(*roleName)
		if err != nil {
			return err
		}
		// The team is found first: an unknown one adds no user.
		var t *team.Team
		if *teamName != "" {
			if t, err = c.store.FindTeamByName(ctx, *teamName); err != nil {
				return err
			}
		}
		u := team.User{Email: pos[0], Name: *name, Admin: *admin}
		if err := c.store.AddUser(ctx, &u); err != nil {
			return err
		}
		detail := u.Email
		if u.Admin {
			detail += ", admin"
		}
		if err := c.audit(ctx, "user.add", fmt.Sprintf("user %d", u.ID), detail); err != nil {
			return err
		}
		fmt.Fprintf(c.Stdout, "added user %d %s%s\n", u.ID, u.Email, map[bool]string{true: " (admin)"}[u.Admin])
		if t != nil {
			return c.addMember(ctx, t, &u, role)
		}
		return nil
	})
}

// addMember adds u to t with role, audited.
func (c *cmd) addMember(ctx context.Context, t *team.Team, u *team.User, role team.Role) error {
	m := team.Membership{TeamID: t.ID, UserID: u.ID, Role: role}
	if err := c.store.AddMember(ctx, &m); err != nil {
		return err
	}
	if err := c.audit(ctx, "team.add_member", fmt.Sprintf("team %d", t.ID), fmt.Sprintf("%s as %s", u.Email, role)); err != nil {
		return err
	}
	fmt.Fprintf(c.Stdout, "added %s to team %s as %s\n", u.Email, t.Name, role)
	return nil
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
		pw := strings.TrimRight(line, "\r\n")
		hash, err := auth.HashPassword(pw)
		if err != nil {
			return team.Errorf(team.EInvalid, "%v", err)
		}
		u, err := c.store.FindUserByEmail(ctx, pos[0])
		if err != nil {
			return err
		}
		if err := c.store.SetPassword(ctx, u.ID, hash); err != nil {
			return err
		}
		if err := c.audit(ctx, "user.password", fmt.Sprintf("user %d", u.ID), u.Email); err != nil {
			return err
		}
		fmt.Fprintf(c.Stdout, "set the password of %s\n", u.Email)
		return nil
	})
}

func teamsAdd(ctx context.Context, c *cmd, args []string) error {
	return withStore(c, args, 1, "one NAME", func(pos []string) error {
		t := team.Team{Name: pos[0]}
		if err := c.store.AddTeam(ctx, &t); err != nil {
			return err
		}
		if err := c.audit(ctx, "team.add", fmt.Sprintf("team %d", t.ID), t.Name); err != nil {
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

func teamsAddMember(ctx context.Context, c *cmd, args []string) error {
	teamName := c.fs.String("team", "", "the team")
	email := c.fs.String("user", "", "the user's email")
	roleName := c.fs.String("role", "member", "member or admin")
	return withStore(c, args, 0, "no argument (use -team and -user)", func([]string) error {
		if *teamName == "" || *email == "" {
			return usagef("-team and -user are required")
		}
		role, err := team.ParseRole(*roleName)
		if err != nil {
			return err
		}
		t, err := c.store.FindTeamByName(ctx, *teamName)
		if err != nil {
			return err
		}
		u, err := c.store.FindUserByEmail(ctx, *email)
		if err != nil {
			return err
		}
		return c.addMember(ctx, t, u, role)
	})
}
