package storetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"playground/server/team"
)

// testUsers: adding users (normalized, unique emails) and finding them.
func testUsers(t *testing.T, open Open) {
	ctx := context.Background()
	db := store(t, open)
	ada := &team.User{Email: " Ada@Example.com ", Name: "Ada"}
	must(t, db.AddUser(ctx, ada))
	if ada.ID == 0 || ada.Email != "ada@example.com" || ada.CreatedAt.IsZero() {
		t.Fatalf("%+v", ada)
	}
	admin := &team.User{Email: "root@example.com", Admin: true, CreatedAt: T0}
	must(t, db.AddUser(ctx, admin))
	tests := []struct {
		name string
		u    team.User
		code string
	}{
		{"another", team.User{Email: "bob@example.com"}, ""},
		{"added twice", team.User{Email: "ada@example.com"}, team.EConflict},
		{"added twice in other case", team.User{Email: "ADA@example.com"}, team.EConflict},
		{"not an email", team.User{Email: "ada"}, team.EInvalid},
		{"a name with control characters", team.User{Email: "eve@example.com", Name: "E\x00ve"}, team.EInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := tt.u
			wantCode(t, db.AddUser(ctx, &u), tt.code)
		})
	}
	got, err := db.FindUser(ctx, ada.ID)
	must(t, err)
	if *got != *ada {
		t.Fatalf("FindUser: %+v, want %+v", got, ada)
	}
	got, err = db.FindUser(ctx, admin.ID)
	must(t, err)
	if *got != *admin || !got.Admin || !got.CreatedAt.Equal(T0) {
		t.Fatalf("FindUser: %+v, want %+v", got, admin)
	}
	got, err = db.FindUserByEmail(ctx, "ADA@example.com")
	must(t, err)
	if got.ID != ada.ID {
		t.Fatalf("FindUserByEmail: %+v", got)
	}
	_, err = db.FindUser(ctx, 999)
	wantCode(t, err, team.ENotFound)
	_, err = db.FindUserByEmail(ctx, "eve@example.com")
	wantCode(t, err, team.ENotFound)
	if msg := team.ErrorMessage(err); msg != "no user has the email eve@example.com" {
		t.Fatalf("message %q", msg)
	}
	users, err := db.ListUsers(ctx)
	must(t, err)
	if len(users) != 3 || users[0].ID != ada.ID || users[1].ID != admin.ID || users[2].Email != "bob@example.com" {
		t.Fatalf("ListUsers: %+v", users)
	}
}

// testTeams: adding teams and members, and listing them both ways.
func testTeams(t *testing.T, open Open) {
	ctx := context.Background()
	db := store(t, open)
	ada, bob := &team.User{Email: "ada@example.com"}, &team.User{Email: "bob@example.com"}
	must(t, db.AddUser(ctx, ada))
	must(t, db.AddUser(ctx, bob))
	lab, ops := &team.Team{Name: "Lab"}, &team.Team{Name: " Ops "}
	must(t, db.AddTeam(ctx, lab))
	must(t, db.AddTeam(ctx, ops))
	if ops.Name != "Ops" || ops.ID == lab.ID {
		t.Fatalf("%+v", ops)
	}
	err := db.AddTeam(ctx, &team.Team{Name: "Lab"})
	wantCode(t, err, team.EConflict)
	if msg := team.ErrorMessage(err); msg != `a team named "Lab" exists already` {
		t.Fatalf("message %q", msg)
	}
	wantCode(t, db.AddTeam(ctx, &team.Team{Name: ""}), team.EInvalid)
	got, err := db.FindTeam(ctx, lab.ID)
	must(t, err)
	if *got != *lab {
		t.Fatalf("FindTeam: %+v", got)
	}
	got, err = db.FindTeamByName(ctx, " Ops")
	must(t, err)
	if *got != *ops {
		t.Fatalf("FindTeamByName: %+v", got)
	}
	_, err = db.FindTeam(ctx, 999)
	wantCode(t, err, team.ENotFound)
	_, err = db.FindTeamByName(ctx, "Nobody")
	wantCode(t, err, team.ENotFound)
	teams, err := db.ListTeams(ctx)
	must(t, err)
	if len(teams) != 2 || teams[1].Name != "Ops" {
		t.Fatalf("ListTeams: %+v", teams)
	}

	members := []struct {
		name string
		m    team.Membership
		code string
	}{
		{"admin", team.Membership{TeamID: lab.ID, UserID: ada.ID, Role: team.Admin}, ""},
		{"member", team.Membership{TeamID: lab.ID, UserID: bob.ID, Role: team.Member}, ""},
		{"in a second team", team.Membership{TeamID: ops.ID, UserID: ada.ID, Role: team.Member}, ""},
		{"added twice", team.Membership{TeamID: lab.ID, UserID: ada.ID, Role: team.Member}, team.EConflict},
		{"no such team", team.Membership{TeamID: 999, UserID: ada.ID, Role: team.Member}, team.ENotFound},
		{"no such user", team.Membership{TeamID: lab.ID, UserID: 999, Role: team.Member}, team.ENotFound},
		{"no such role", team.Membership{TeamID: ops.ID, UserID: bob.ID, Role: "owner"}, team.EInvalid},
	}
	for _, tt := range members {
		t.Run(tt.name, func(t *testing.T) {
			m := tt.m
			wantCode(t, db.AddMember(ctx, &m), tt.code)
		})
	}
	ms, err := db.ListMembers(ctx, lab.ID)
	must(t, err)
	if len(ms) != 2 || ms[0].UserID != ada.ID || ms[0].Role != team.Admin || ms[1].Role != team.Member || ms[0].CreatedAt.IsZero() {
		t.Fatalf("ListMembers: %+v", ms)
	}
	ms, err = db.ListMemberships(ctx, ada.ID)
	must(t, err)
	if len(ms) != 2 || ms[0].TeamID != lab.ID || ms[1].TeamID != ops.ID {
		t.Fatalf("ListMemberships: %+v", ms)
	}
	ms, err = db.ListMemberships(ctx, bob.ID)
	must(t, err)
	if len(ms) != 1 {
		t.Fatalf("ListMemberships: %+v", ms)
	}
	_, err = db.ListMembers(ctx, 999)
	wantCode(t, err, team.ENotFound)
	_, err = db.ListMemberships(ctx, 999)
	wantCode(t, err, team.ENotFound)
	m, err := db.FindMembership(ctx, ops.ID, ada.ID)
	must(t, err)
	if m.Role != team.Member {
		t.Fatalf("FindMembership: %+v", m)
	}
	_, err = db.FindMembership(ctx, ops.ID, bob.ID)
	wantCode(t, err, team.ENotFound)
}

// testTokens: creating, finding, expiring and revoking tokens.
func testTokens(t *testing.T, open Open) {
	ctx := context.Background()
	f := NewFixture(t, store(t, open))
	db := f.DB
	got, err := db.FindTokenByHash(ctx, team.HashSecret(f.TokenSecret), T0)
	must(t, err)
	if *got != *f.Tok {
		t.Fatalf("FindTokenByHash: %+v, want %+v", got, f.Tok)
	}
	if got.Hash == f.TokenSecret || strings.Contains(got.Hash, f.TokenSecret[3:]) {
		t.Fatal("the secret is stored")
	}

	make := func(userID, teamID int64, expires time.Time) team.Token {
		_, tok, err := team.NewToken(userID, teamID, "x", T0, expires)
		must(t, err)
		return tok
	}
	dup := make(f.Ada.ID, 0, time.Time{})
	dup.Hash = f.Tok.Hash
	tests := []struct {
		name string
		tok  team.Token
		code string
	}{
		{"no team", make(f.Bob.ID, 0, time.Time{}), ""},
		{"expiring", make(f.Ada.ID, f.Lab.ID, T0.Add(time.Hour)), ""},
		{"unknown user", make(999, 0, time.Time{}), team.ENotFound},
		{"unknown team", make(f.Ada.ID, 999, time.Time{}), team.ENotFound},
		{"a team the user is not in", make(f.Bob.ID, f.Lab.ID, time.Time{}), team.EInvalid},
		{"the same hash", dup, team.EConflict},
		{"a bad hash", func() team.Token { x := make(f.Ada.ID, 0, time.Time{}); x.Hash = "nope"; return x }(), team.EInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := tt.tok
			wantCode(t, db.CreateToken(ctx, &tok), tt.code)
			if tt.code == "" && tok.ID == 0 {
				t.Fatal("no id")
			}
		})
	}
	list, err := db.ListTokens(ctx, f.Ada.ID)
	must(t, err)
	if len(list) != 2 || list[0].ID != f.Tok.ID || list[1].ExpiresAt.IsZero() || list[1].TeamID != f.Lab.ID {
		t.Fatalf("ListTokens: %+v", list)
	}
	for _, tok := range list {
		if strings.Contains(tok.Hash+tok.Display+tok.Name, f.TokenSecret) {
			t.Fatal("the secret is stored")
		}
	}
	bobs, err := db.ListTokens(ctx, f.Bob.ID)
	must(t, err)
	if len(bobs) != 1 || bobs[0].TeamID != 0 {
		t.Fatalf("ListTokens: %+v", bobs)
	}
	_, err = db.ListTokens(ctx, 999)
	wantCode(t, err, team.ENotFound)

	// The expiring token opens calls until its expiry.
	_, err = db.FindTokenByHash(ctx, list[1].Hash, T0.Add(59*time.Minute))
	must(t, err)
	_, err = db.FindTokenByHash(ctx, list[1].Hash, T0.Add(time.Hour))
	wantCode(t, err, team.EUnauthorized)
	_, err = db.FindTokenByHash(ctx, team.HashSecret("pg_unknown"), T0)
	wantCode(t, err, team.ENotFound)

	// Revoking: once, then idempotent, keeping the first time.
	must(t, db.RevokeToken(ctx, f.Tok.ID, T0.Add(time.Minute)))
	must(t, db.RevokeToken(ctx, f.Tok.ID, T0.Add(time.Hour)))
	wantCode(t, db.RevokeToken(ctx, 999, T0), team.ENotFound)
	_, err = db.FindTokenByHash(ctx, f.Tok.Hash, T0.Add(2*time.Minute))
	wantCode(t, err, team.EUnauthorized)
	got, err = db.FindToken(ctx, f.Tok.ID)
	must(t, err)
	if !got.RevokedAt.Equal(T0.Add(time.Minute)) {
		t.Fatalf("revoked at %v", got.RevokedAt)
	}
	_, err = db.FindToken(ctx, 999)
	wantCode(t, err, team.ENotFound)
}

// testSessions: sessions live until idle or absolute end; signing out ends them.
func testSessions(t *testing.T, open Open) {
	ctx := context.Background()
	f := NewFixture(t, store(t, open))
	db := f.DB
	p := team.SessionPolicy{Idle: time.Hour, Absolute: 3 * time.Hour}
	secret, s, err := team.NewSession(f.Ada.ID, T0, p)
	must(t, err)
	must(t, db.CreateSession(ctx, &s))
	hash := team.HashSecret(secret)
	got, err := db.FindSession(ctx, hash, T0.Add(time.Minute))
	must(t, err)
	if *got != s {
		t.Fatalf("FindSession: %+v, want %+v", got, s)
	}
	_, other, err := team.NewSession(999, T0, p)
	must(t, err)
	wantCode(t, db.CreateSession(ctx, &other), team.ENotFound)
	dup := s
	wantCode(t, db.CreateSession(ctx, &dup), team.EConflict)

	// Idle: used every 50 minutes, it lives to its absolute end and no further.
	for at := T0.Add(50 * time.Minute); at.Before(T0.Add(3 * time.Hour)); at = at.Add(50 * time.Minute) {
		must(t, db.TouchSession(ctx, hash, at))
		_, err := db.FindSession(ctx, hash, at.Add(49*time.Minute))
		if at.Add(49 * time.Minute).Before(T0.Add(3 * time.Hour)) {
			must(t, err)
		} else {
			wantCode(t, err, team.EUnauthorized)
		}
	}
	// Touching it back in time does not shorten it.
	must(t, db.TouchSession(ctx, hash, T0.Add(time.Minute)))
	if got, err := db.FindSession(ctx, hash, T0.Add(150*time.Minute)); err != nil || !got.SeenAt.Equal(T0.Add(150*time.Minute)) {
		t.Fatalf("after touching back in time: %+v %v", got, err)
	}
	_, err = db.FindSession(ctx, hash, T0.Add(3*time.Hour))
	wantCode(t, err, team.EUnauthorized)
	wantCode(t, db.TouchSession(ctx, hash, T0.Add(3*time.Hour)), team.EUnauthorized)
	wantCode(t, db.TouchSession(ctx, team.HashSecret("pgs_x"), T0), team.ENotFound)
	_, err = db.FindSession(ctx, team.HashSecret("pgs_x"), T0)
	wantCode(t, err, team.ENotFound)

	// Unused for an hour, a second session ends.
	secret2, s2, err := team.NewSession(f.Ada.ID, T0, p)
	must(t, err)
	must(t, db.CreateSession(ctx, &s2))
	_, err = db.FindSession(ctx, team.HashSecret(secret2), T0.Add(time.Hour))
	wantCode(t, err, team.EUnauthorized)

	// Cleaning up: both have ended 3 hours on; a fresh one stays.
	secret3, s3, err := team.NewSession(f.Bob.ID, T0.Add(150*time.Minute), p)
	must(t, err)
	must(t, db.CreateSession(ctx, &s3))
	n, err := db.DeleteExpiredSessions(ctx, T0.Add(3*time.Hour))
	must(t, err)
	if n != 2 {
		t.Fatalf("%d sessions removed, want 2", n)
	}
	_, err = db.FindSession(ctx, team.HashSecret(secret3), T0.Add(150*time.Minute))
	must(t, err)

	// Signing out.
	must(t, db.DeleteSession(ctx, team.HashSecret(secret3)))
	must(t, db.DeleteSession(ctx, team.HashSecret(secret3)))
	_, err = db.FindSession(ctx, team.HashSecret(secret3), T0.Add(150*time.Minute))
	wantCode(t, err, team.ENotFound)
	for range 2 {
		_, s, err := team.NewSession(f.Bob.ID, T0, p)
		must(t, err)
		must(t, db.CreateSession(ctx, &s))
	}
	if n, err := db.DeleteUserSessions(ctx, f.Bob.ID); err != nil || n != 2 {
		t.Fatalf("DeleteUserSessions: %d %v", n, err)
	}
	if n, err := db.DeleteUserSessions(ctx, f.Bob.ID); err != nil || n != 0 {
		t.Fatalf("DeleteUserSessions again: %d %v", n, err)
	}
}

// testAudit: appending entries and listing them by filter and page, newest first.
func testAudit(t *testing.T, open Open) {
	ctx := context.Background()
	db := store(t, open)
	entries := []team.AuditEntry{
		{Time: T0, ActorID: 1, Action: "user.add", Target: "user 2"},
		{Time: T0.Add(time.Minute), ActorID: 1, Action: "budget.set", Target: "team 1", Detail: "$25.00 per month"},
		{Time: T0.Add(2 * time.Minute), Action: "reservation.expire", Target: "req-1"},
	}
	for i := range entries {
		must(t, db.AppendAudit(ctx, &entries[i]))
	}
	wantCode(t, db.AppendAudit(ctx, &team.AuditEntry{}), team.EInvalid)
	stamped := team.AuditEntry{Action: "x"}
	must(t, db.AppendAudit(ctx, &stamped))
	if stamped.Time.IsZero() || stamped.ID <= entries[2].ID {
		t.Fatalf("%+v", stamped)
	}
	tests := []struct {
		name string
		f    team.AuditFilter
		want []int64
	}{
		{"all", team.AuditFilter{}, []int64{stamped.ID, entries[2].ID, entries[1].ID, entries[0].ID}},
		{"actor", team.AuditFilter{ActorID: 1}, []int64{entries[1].ID, entries[0].ID}},
		{"action", team.AuditFilter{Action: "budget.set"}, []int64{entries[1].ID}},
		{"time", team.AuditFilter{Since: T0.Add(time.Minute), Until: T0.Add(2 * time.Minute)}, []int64{entries[1].ID}},
		{"page", team.AuditFilter{Limit: 2, BeforeID: entries[2].ID}, []int64{entries[1].ID, entries[0].ID}},
		{"limit", team.AuditFilter{Limit: 1}, []int64{stamped.ID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := db.ListAudit(ctx, tt.f)
			must(t, err)
			var ids []int64
			for _, e := range got {
				ids = append(ids, e.ID)
			}
			if !equalIDs(ids, tt.want) {
				t.Fatalf("ids %v, want %v", ids, tt.want)
			}
		})
	}
	got, err := db.ListAudit(ctx, team.AuditFilter{Action: "budget.set"})
	must(t, err)
	if got[0] != entries[1] {
		t.Fatalf("%+v, want %+v", got[0], entries[1])
	}
}

// testPasswords: a user's password hash is set and read back by email; an unknown user or email is
// ENotFound; a user without one has "".
func testPasswords(t *testing.T, open Open) {
	s, _ := open(t)
	ctx := context.Background()
	u := &team.User{Email: "ada@example.org"}
	if err := s.AddUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if _, hash, err := s.PasswordHash(ctx, "ada@example.org"); err != nil || hash != "" {
		t.Errorf("no password yet: %q %v", hash, err)
	}
	const h = "$argon2id$v=19$m=65536,t=3,p=2$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5"
	if err := s.SetPassword(ctx, u.ID, h); err != nil {
		t.Fatal(err)
	}
	got, hash, err := s.PasswordHash(ctx, " ADA@example.org ")
	if err != nil || hash != h || got.ID != u.ID {
		t.Errorf("PasswordHash = %+v %q %v", got, hash, err)
	}
	if err := s.SetPassword(ctx, u.ID+99, h); team.ErrorCode(err) != team.ENotFound {
		t.Errorf("SetPassword of an unknown user: %v", err)
	}
	if _, _, err := s.PasswordHash(ctx, "eve@example.org"); team.ErrorCode(err) != team.ENotFound {
		t.Errorf("PasswordHash of an unknown email: %v", err)
	}
}
