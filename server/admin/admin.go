// Package admin is the command line of an instance run for a team — every admin action the admin
// page will offer, scriptable:
//
//	playground users add EMAIL [-admin] [-name NAME] [-team NAME [-role member|admin]]
//	playground users list
//	playground users passwd EMAIL  (reads the password from standard input, never a flag)
//	playground users set-admin EMAIL [-admin=false]
//	playground teams add NAME
//	playground teams list
//	playground teams add-member -team NAME -user EMAIL [-role member|admin]
//	playground teams remove-member -team NAME -user EMAIL
//	playground teams set-role -team NAME -user EMAIL -role admin|member
//	playground tokens create -user EMAIL [-team NAME] [-name NAME] [-expires 720h]
//	playground tokens list -user EMAIL
//	playground tokens revoke ID
//	playground budgets set (-user EMAIL | -team NAME | -token ID) -usd 25 -period day|week|month
//	playground budgets delete (-user EMAIL | -team NAME | -token ID) -period day|week|month
//	playground budgets list
//	playground usage export [-since T] [-until T] [-user EMAIL] [-team NAME] [-model M] [-format csv|jsonl]
//	playground usage prune -before T
//	playground audit list [-limit N]
//
// Each takes the server's -database (PLAYGROUND_DATABASE). Each change is made by Actions, the
// one implementation the admin page (server/adminweb) calls too, and appended to the audit log; a
// refusal (an unknown user or team, a user added twice, a budget of -3) says why and writes
// nothing. A token's secret is printed once, never stored.
package admin

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"playground/server/team"
)

// DefaultDatabase is the SQLite file the server and the command line use when -database and
// PLAYGROUND_DATABASE are not set; it is created on first use.
const DefaultDatabase = "data/playground.db"

// Groups are the command groups Run takes, for main's dispatch.
var Groups = []string{"users", "teams", "tokens", "budgets", "policies", "usage", "audit"}

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
	} else if f := Field(err); f != "" && fs.Lookup(f) != nil {
		msg = "-" + f + ": " + msg // the flag whose value was refused
	}
	fmt.Fprintf(e.Stderr, "playground %s: %s\n", c.name, msg)
	return 1
}

// usage lists the commands.
const usage = `  users add EMAIL [-admin] [-name NAME] [-team NAME [-role member|admin]]
  users list
  users passwd EMAIL   (the password on standard input)
  users set-admin EMAIL [-admin=false]
  teams add NAME
  teams list
  teams add-member -team NAME -user EMAIL [-role member|admin]
  teams remove-member -team NAME -user EMAIL
  teams set-role -team NAME -user EMAIL -role admin|member
  tokens create -user EMAIL [-team NAME] [-name NAME] [-expires 720h]
  tokens list -user EMAIL
  tokens revoke ID
  budgets set (-user EMAIL | -team NAME | -token ID) -usd AMOUNT -period day|week|month
  budgets delete (-user EMAIL | -team NAME | -token ID) -period day|week|month
  budgets list
  policies set (-user EMAIL | -team NAME | -token ID) [-models 'openai/*,…'] [-rpm N] [-tpm N] [-concurrent N]
  policies delete (-user EMAIL | -team NAME | -token ID)
  policies list
  usage export [-since T] [-until T] [-user EMAIL] [-team NAME] [-model M] [-format csv|jsonl]
  usage prune -before T   (keeps the daily sums; never inside the budget periods running)
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

// actions are the admin actions, run from the command line (audited as by it, naming $USER).
func (c *cmd) actions() *Actions {
	via := "the command line"
	if u := c.Getenv("USER"); u != "" {
		via += " (" + u + ")"
	}
	return &Actions{Store: c.store, Via: via, Now: c.now}
}

// commands are the commands by "group verb".
var commands = map[string]func(ctx context.Context, c *cmd, args []string) error{
	"users add":           usersAdd,
	"users list":          usersList,
	"users passwd":        usersPasswd,
	"users set-admin":     usersSetAdmin,
	"teams add":           teamsAdd,
	"teams list":          teamsList,
	"teams add-member":    teamsAddMember,
	"teams remove-member": teamsRemoveMember,
	"teams set-role":      teamsSetRole,
	"tokens create":       tokensCreate,
	"tokens list":         tokensList,
	"tokens revoke":       tokensRevoke,
	"budgets set":         budgetsSet,
	"budgets delete":      budgetsDelete,
	"budgets list":        budgetsList,
	"policies set":        policiesSet,
	"policies delete":     policiesDelete,
	"policies list":       policiesList,
	"usage export":        usageExport,
	"usage prune":         usagePrune,
	"audit list":          auditList,
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
