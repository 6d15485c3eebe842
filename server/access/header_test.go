package access_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"playground/server/access"
	"playground/server/auth"
	"playground/server/sqlite"
	"playground/server/team"
)

// countingDB counts the reads and writes of the teams that groups make.
type countingDB struct {
	*sqlite.DB
	listTeams, addMember atomic.Int32
}

func (d *countingDB) ListTeams(ctx context.Context) ([]team.Team, error) {
	d.listTeams.Add(1)
	return d.DB.ListTeams(ctx)
}

func (d *countingDB) AddMember(ctx context.Context, m *team.Membership) error {
	d.addMember.Add(1)
	return d.DB.AddMember(ctx, m)
}

// headerEnv is -auth header behind a proxy at 10.0.0.1, with the groups header X-Groups.
type headerEnv struct {
	db  *countingDB
	h   http.Handler
	now time.Time
}

func runHeader(t *testing.T, newUsers auth.NewUsers) *headerEnv {
	t.Helper()
	e := &headerEnv{db: &countingDB{DB: openDB(t)}, now: time.Now()}
	e.h = routes(access.New(access.Config{Mode: auth.Header, Store: e.db, TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.1/32")},
		GroupsHeader: "X-Groups", NewUsers: newUsers, Now: func() time.Time { return e.now }}))
	return e
}

// whoami asks the API who calls, from peer, with the proxy's email and groups headers ("" for
// none).
func (e *headerEnv) whoami(peer, email, groups string) (int, string) {
	r := httptest.NewRequest("GET", "/api/whoami", nil)
	r.RemoteAddr = peer + ":4000"
	if email != "" {
		r.Header.Set(auth.DefaultHeader, email)
	}
	if groups != "" {
		r.Header.Set("X-Groups", groups)
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w.Code, w.Body.String()
}

// TestHeaderIdentity: the proxy's header is believed from the trusted peer only; an unknown
// address is refused under refuse and becomes a user under create.
func TestHeaderIdentity(t *testing.T) {
	for _, tt := range []struct {
		name        string
		newUsers    auth.NewUsers
		peer, email string
		status      int
		says        string
	}{
		{"a known user from the proxy", auth.Refuse, "10.0.0.1", "Ada@Example.org", 200, `"email":"ada@example.org"`},
		{"a known user from another peer", auth.Refuse, "10.0.0.2", "ada@example.org", 401, "Sign in through this Playground's sign-in proxy"},
		{"no header", auth.Refuse, "10.0.0.1", "", 401, "Sign in through this Playground's sign-in proxy"},
		{"an unknown user under refuse", auth.Refuse, "10.0.0.1", "eve@example.org", 401, "eve@example.org is not a user of this Playground: ask its admin to add you"},
		{"an unknown user under create", auth.Create, "10.0.0.1", "eve@example.org", 200, `"email":"eve@example.org"`},
		{"an unknown user under create, from another peer", auth.Create, "192.0.2.1", "eve@example.org", 401, "sign-in proxy"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := runHeader(t, tt.newUsers)
			addUser(t, e.db.DB, "ada@example.org")
			if status, body := e.whoami(tt.peer, tt.email, ""); status != tt.status || !strings.Contains(body, tt.says) {
				t.Fatalf("%d %s, want %d saying %q", status, body, tt.status, tt.says)
			}
			users, _ := e.db.ListUsers(context.Background())
			entries, _ := e.db.ListAudit(context.Background(), team.AuditFilter{Action: "user.add"})
			if created := tt.status == 200 && tt.email == "eve@example.org"; len(users) != map[bool]int{false: 1, true: 2}[created] ||
				len(entries) != map[bool]int{false: 0, true: 1}[created] || (created && !strings.HasSuffix(entries[0].Detail, "by header")) {
				t.Errorf("users %+v, audit %+v", users, entries)
			}
		})
	}
}

// TestHeaderGroups: the groups header makes the user a member of the teams it names, from the
// trusted peer only, audited as by header; the teams are read again only when the groups change
// or groupsResync (10 minutes) passes, and written only for a team the user is not in.
func TestHeaderGroups(t *testing.T) {
	e := runHeader(t, auth.Refuse)
	ctx := context.Background()
	ada := addUser(t, e.db.DB, "ada@example.org")
	ml, ops := addTeam(t, e.db.DB, "ML"), addTeam(t, e.db.DB, "Ops")
	teams := func() string {
		t.Helper()
		ms, err := e.db.ListMemberships(ctx, ada.ID)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range ms {
			out = append(out, fmt.Sprintf("%d:%s", m.TeamID, m.Role))
		}
		return strings.Join(out, " ")
	}
	steps := []struct {
		name, peer, groups string
		teams              string // the memberships after
		reads, writes      int32  // ListTeams and AddMember calls so far
		advance            time.Duration
	}{
		{"from another peer", "192.0.2.1", "ML", "", 0, 0, 0},
		{"ML and a group naming no team", "10.0.0.1", "ML, Nobody", fmt.Sprintf("%d:member", ml.ID), 1, 1, 0},
		{"the same groups again", "10.0.0.1", "ML, Nobody", fmt.Sprintf("%d:member", ml.ID), 1, 1, 0},
		{"the same groups in another order", "10.0.0.1", "Nobody,ML", fmt.Sprintf("%d:member", ml.ID), 1, 1, 0},
		{"Ops too", "10.0.0.1", "ML, Ops", fmt.Sprintf("%d:member %d:member", ml.ID, ops.ID), 2, 2, 0},
		{"no groups: nothing removed", "10.0.0.1", "", fmt.Sprintf("%d:member %d:member", ml.ID, ops.ID), 2, 2, 0},
		{"unchanged after the resync period: read, not written", "10.0.0.1", "ML, Ops", fmt.Sprintf("%d:member %d:member", ml.ID, ops.ID), 3, 2, 11 * time.Minute},
	}
	for _, s := range steps {
		e.now = e.now.Add(s.advance)
		status, body := e.whoami(s.peer, "ada@example.org", s.groups)
		if want := map[bool]int{true: 401, false: 200}[s.peer != "10.0.0.1"]; status != want {
			t.Fatalf("%s: %d %s", s.name, status, body)
		}
		if got := teams(); got != s.teams || e.db.listTeams.Load() != s.reads || e.db.addMember.Load() != s.writes {
			t.Errorf("%s: teams %q (want %q), %d reads, %d writes (want %d, %d)", s.name, got, s.teams, e.db.listTeams.Load(), e.db.addMember.Load(), s.reads, s.writes)
		}
	}
	entries, err := e.db.ListAudit(ctx, team.AuditFilter{Action: "team.add_member"})
	if err != nil || len(entries) != 2 || entries[0].Detail != "ada@example.org as member, from the group Ops; by header" ||
		entries[1].Target != fmt.Sprintf("team %d", ml.ID) {
		t.Fatalf("the audit log: %+v, %v", entries, err)
	}
}
