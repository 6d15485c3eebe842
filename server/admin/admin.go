// Package admin is the command line of an instance run for a team — every admin action the admin
// page will offer, scriptable:
//
//	playground users add EMAIL [-admin] [-name NAME] [-team NAME [-role member|admin]]
//	playground users list
//	playground users passwd EMAIL  (reads the password from standard input, never a flag)
//	playground teams add NAME
//	playground teams list
//	playground teams add-member -team NAME -user EMAIL [-role member|admin]
//	playground tokens create -user EMAIL [-team NAME] [-name NAME] [-expires 720h]
//	playground tokens list -user EMAIL
//	playground tokens revoke ID
//	playground budgets set (-user EMAIL | -team NAME) -usd 25 -period day|week|month
//	playground budgets list
//	playground usage export [-since T] [-until T] [-user EMAIL] [-team NAME] [-model M] [-format csv|jsonl]
//	playground audit list [-limit N]
//
// Each takes the server's -database (PLAYGROUND_DATABASE). Each change is appended to the audit
// log; a refusal (an unknown user or team, a user added twice, a budget of -3) says why and
// writes nothing. A token's secret is printed once, never stored.
package admin

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"playground/server/auth"
	"playground/server/team"
)

// DefaultDatabase is the SQLite file the server and the command line use when -database and
// PLAYGROUND_DATABASE are not set; it is created on first use.
const DefaultDatabase = "data/playground.db"

// Groups are the command groups Run takes, for main's dispatch.
var Groups = []string{"users", "teams", "tokens", "budgets", "usage", "audit"}

// IsGroup reports whether name is one of Groups.
func IsGroup(name string) bool {
	for _, g := range Groups {
		if g == name {
			return true
		}
	}
	return false
}

// Opener opens the store a -database value names.
type Opener func(database string) (Store, error)

// Store is what the commands need of the store, and its Close.
type Store interface {
	team.Store
	team.Passwords
	Close() error
}

// Env is what a command runs with.
type Env struct {
	// Open opens the store.
	Open Opener
	// Getenv reads the environment (PLAYGROUND_DATABASE).
	Getenv func(string) string
	// Stdin is where users passwd reads the password.
	Stdin io.Reader
	// Stdout and Stderr are the outputs.
	Stdout, Stderr io.Writer
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

func (e Env) now() time.Time {
	if e.Now != nil {
		return e.Now().UTC()
	}
	return time.Now().UTC()
}

// Run runs `playground GROUP VERB ARGS…` (args starts with the group) and returns the exit status:
// 0, 1 for a refusal or a failure (said on Stderr), 2 for a usage error.
func Run(ctx context.Context, args []string, e Env) int {
	if len(args) < 2 {
		fmt.Fprintf(e.Stderr, "usage: playground %s VERB …\n", strings.Join(args, " "))
		return 2
	}
	c := &cmd{Env: e, name: args[0] + " " + args[1]}
	fs := flag.NewFlagSet("playground "+c.name, flag.ContinueOnError)
	fs.SetOutput(e.Stderr)
	c.fs = fs
	def := e.Getenv("PLAYGROUND_DATABASE")
	if def == "" {
		def = DefaultDatabase
	}
	fs.StringVar(&c.database, "database", def, "the store: an SQLite file or a postgres:// URL (env PLAYGROUND_DATABASE)")
	run, ok := commands[c.name]
	if !ok {
		fmt.Fprintf(e.Stderr, "playground: %q is not a command; the commands are:\n%s", c.name, usage)
		return 2
	}
	err := run(ctx, c, args[2:])
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 2
	case errors.As(err, &ue):
		fmt.Fprintf(e.Stderr, "playground %s: %v\n", c.name, err)
		return 2
	}
	msg := team.ErrorMessage(err)
	if msg == "" {
		msg = err.Error() // the operator's own machine: the whole error helps
	}
	fmt.Fprintf(e.Stderr, "playground %s: %s\n", c.name, msg)
	return 1
}

// usage lists the commands.
const usage = `  users add EMAIL [-admin] [-name NAME] [-team NAME [-role member|admin]]
  users list
  users passwd EMAIL   (the password on standard input)
  teams add NAME
  teams list
  teams add-member -team NAME -user EMAIL [-role member|admin]
  tokens create -user EMAIL [-team NAME] [-name NAME] [-expires 720h]
  tokens list -user EMAIL
  tokens revoke ID
  budgets set (-user EMAIL | -team NAME) -usd AMOUNT -period day|week|month
  budgets list
  usage export [-since T] [-until T] [-user EMAIL] [-team NAME] [-model M] [-format csv|jsonl]
  audit list [-limit N]
`

// usageError is a command line that cannot be run as written.
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// cmd is one command being run.
type cmd struct {
	Env
	name     string
	fs       *flag.FlagSet
	database string
	store    Store
}

// parse parses the command's flags and positional arguments (flags may come after them), wanting
// exactly npos of those.
func (c *cmd) parse(args []string, npos int, what string) ([]string, error) {
	var pos []string
	for {
		if err := c.fs.Parse(args); err != nil {
			return nil, err
		}
		if c.fs.NArg() == 0 {
			break
		}
		pos = append(pos, c.fs.Arg(0))
		args = c.fs.Args()[1:]
	}
	if len(pos) != npos {
		return nil, usagef("wants %s, got %d argument(s): %q", what, len(pos), pos)
	}
	return pos, nil
}

// open opens the store; the command closes it.
func (c *cmd) open() error {
	s, err := c.Open(c.database)
	if err != nil {
		return err
	}
	c.store = s
	return nil
}

// audit appends an admin action done from the command line.
func (c *cmd) audit(ctx context.Context, action, target, detail string) error {
	actor := "the command line"
	if u := c.Getenv("USER"); u != "" {
		actor += " (" + u + ")"
	}
	if detail != "" {
		detail += "; "
	}
	e := team.AuditEntry{Action: action, Target: target, Detail: detail + "by " + actor}
	if err := c.store.AppendAudit(ctx, &e); err != nil {
		return fmt.Errorf("writing the audit log: %w", err)
	}
	return nil
}

// commands are the commands by "group verb".
var commands = map[string]func(ctx context.Context, c *cmd, args []string) error{
	"users add":        usersAdd,
	"users list":       usersList,
	"users passwd":     usersPasswd,
	"teams add":        teamsAdd,
	"teams list":       teamsList,
	"teams add-member": teamsAddMember,
	"tokens create":    tokensCreate,
	"tokens list":      tokensList,
	"tokens revoke":    tokensRevoke,
	"budgets set":      budgetsSet,
	"budgets list":     budgetsList,
	"usage export":     usageExport,
	"audit list":       auditList,
}

// withStore parses, opens the store, runs fn and closes the store.
func withStore(c *cmd, args []string, npos int, what string, fn func(pos []string) error) error {
	pos, err := c.parse(args, npos, what)
	if err != nil {
		return err
	}
	if err := c.open(); err != nil {
		return err
	}
	defer c.store.Close()
	return fn(pos)
}

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

// parseTime reads a -since or -until: an RFC 3339 time, a date (UTC), or a duration before now.
func parseTime(flagName, s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339, time.DateTime, time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, team.Errorf(team.EInvalid, "%s: %q is neither a time (2026-12-01, 2026-12-01T10:00:00Z) nor a duration before now (24h)", flagName, s)
}

func usageExport(ctx context.Context, c *cmd, args []string) error {
	since := c.fs.String("since", "", "from this time (2026-12-01, RFC 3339, or 24h ago)")
	until := c.fs.String("until", "", "to this time, excluded")
	email := c.fs.String("user", "", "one user's calls")
	teamName := c.fs.String("team", "", "one team's calls")
	model := c.fs.String("model", "", "one model's calls")
	format := c.fs.String("format", "csv", "csv or jsonl")
	return withStore(c, args, 0, "no argument", func([]string) error {
		if *format != "csv" && *format != "jsonl" {
			return usagef("-format: %q is not csv or jsonl", *format)
		}
		now := c.now()
		var f team.UsageFilter
		var err error
		if f.Since, err = parseTime("since", *since, now); err != nil {
			return err
		}
		if f.Until, err = parseTime("until", *until, now); err != nil {
			return err
		}
		f.Model = *model
		if *email != "" {
			u, err := c.store.FindUserByEmail(ctx, *email)
			if err != nil {
				return err
			}
			f.UserID = u.ID
		}
		if *teamName != "" {
			t, err := c.store.FindTeamByName(ctx, *teamName)
			if err != nil {
				return err
			}
			f.TeamID = t.ID
		}
		return exportUsage(ctx, c.store, f, *format, c.Stdout)
	})
}

// usageColumns are the export's columns.
var usageColumns = []string{"time", "request_id", "user_id", "team_id", "token_id", "provider", "model", "operation", "kind",
	"input_tokens", "output_tokens", "cost_usd", "cost_nano_usd", "status", "duration_ms", "expired"}

// exportUsage writes the records f selects, oldest first, as CSV (with a header) or JSON lines.
func exportUsage(ctx context.Context, s Store, f team.UsageFilter, format string, out io.Writer) error {
	cw := csv.NewWriter(out)
	enc := json.NewEncoder(out)
	if format == "csv" {
		if err := cw.Write(usageColumns); err != nil {
			return err
		}
	}
	err := s.ExportUsage(ctx, f, func(u team.Usage) error {
		row := []string{u.Time.Format(time.RFC3339Nano), u.RequestID, itoa(u.UserID), itoa(u.TeamID), itoa(u.TokenID), u.Provider, u.Model,
			u.Operation, u.Kind, itoa(u.InputTokens), itoa(u.OutputTokens), usdText(u.Cost), itoa(u.Cost.Nano()),
			strconv.Itoa(u.Status), itoa(u.Duration.Milliseconds()), strconv.FormatBool(u.Expired)}
		if format == "csv" {
			return cw.Write(row)
		}
		obj := map[string]any{}
		for i, col := range usageColumns {
			obj[col] = row[i]
		}
		for _, col := range []string{"user_id", "team_id", "token_id", "input_tokens", "output_tokens", "cost_nano_usd", "status", "duration_ms"} {
			n, _ := strconv.ParseInt(obj[col].(string), 10, 64)
			obj[col] = n
		}
		obj["expired"] = u.Expired
		return enc.Encode(obj)
	})
	cw.Flush()
	if err == nil {
		err = cw.Error()
	}
	return err
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// usdText is an amount in dollars with its nine decimals, for spreadsheets: "0.000123000".
func usdText(m team.Money) string {
	n := m.Nano()
	sign := ""
	if n < 0 {
		sign, n = "-", -n
	}
	return fmt.Sprintf("%s%d.%09d", sign, n/int64(team.USD), n%int64(team.USD))
}

func auditList(ctx context.Context, c *cmd, args []string) error {
	limit := c.fs.Int("limit", 50, "how many entries, newest first")
	return withStore(c, args, 0, "no argument", func([]string) error {
		es, err := c.store.ListAudit(ctx, team.AuditFilter{Limit: *limit})
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(c.Stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(w, "TIME\tACTION\tTARGET\tDETAIL")
		for _, e := range es {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", e.Time.Format(time.DateTime), e.Action, e.Target, e.Detail)
		}
		return w.Flush()
	})
}
