package team

import (
	"context"
	"time"
)

// Users keeps the users.
type Users interface {
	// AddUser adds u (validated, its email normalized) and sets its ID and CreatedAt. An email
	// already in use is an EConflict error.
	AddUser(ctx context.Context, u *User) error
	// FindUser returns the user with id; ENotFound when there is none.
	FindUser(ctx context.Context, id int64) (*User, error)
	// FindUserByEmail returns the user with email (normalized first); ENotFound when there is none.
	FindUserByEmail(ctx context.Context, email string) (*User, error)
	// ListUsers returns every user, by id.
	ListUsers(ctx context.Context) ([]User, error)
	// SetAdmin makes the user an admin of the instance (admin true) or not; ENotFound for an
	// unknown user.
	SetAdmin(ctx context.Context, userID int64, admin bool) error
}

// Teams keeps the teams and their members.
type Teams interface {
	// AddTeam adds t (validated) and sets its ID and CreatedAt. A name already in use is an
	// EConflict error.
	AddTeam(ctx context.Context, t *Team) error
	// FindTeam returns the team with id; ENotFound when there is none.
	FindTeam(ctx context.Context, id int64) (*Team, error)
	// FindTeamByName returns the team called name (trimmed); ENotFound when there is none.
	FindTeamByName(ctx context.Context, name string) (*Team, error)
	// ListTeams returns every team, by id.
	ListTeams(ctx context.Context) ([]Team, error)
	// AddMember adds m.UserID to m.TeamID with m.Role, and sets m.CreatedAt when zero. An unknown
	// team or user is ENotFound, an invalid role EInvalid, a user already in the team EConflict.
	AddMember(ctx context.Context, m *Membership) error
	// FindMembership returns the user's membership of the team; ENotFound when not a member.
	FindMembership(ctx context.Context, teamID, userID int64) (*Membership, error)
	// ListMembers returns the team's members, by user id; ENotFound for an unknown team.
	ListMembers(ctx context.Context, teamID int64) ([]Membership, error)
	// ListMemberships returns the teams the user is in, by team id; ENotFound for an unknown user.
	ListMemberships(ctx context.Context, userID int64) ([]Membership, error)
	// RemoveMember takes the user out of the team, and revokes (at the store's clock) the user's
	// tokens that bill it, in one transaction: a token can bill only a team its user is in.
	// ENotFound when the user is not a member.
	RemoveMember(ctx context.Context, teamID, userID int64) error
	// SetMemberRole changes the user's role in the team; EInvalid for an invalid role, ENotFound
	// when the user is not a member. Setting the role the member has is not an error.
	SetMemberRole(ctx context.Context, teamID, userID int64, role Role) error
}

// Tokens keeps personal API tokens (their hashes).
type Tokens interface {
	// CreateToken stores t (validated; see NewToken) and sets its ID. An unknown user or team is
	// ENotFound; a team the user is not in is EInvalid; a hash already stored is EConflict.
	CreateToken(ctx context.Context, t *Token) error
	// FindToken returns the token with id, revoked or expired too; ENotFound when there is none.
	FindToken(ctx context.Context, id int64) (*Token, error)
	// FindTokenByHash returns the token whose secret has hash, when it opens calls at now: an
	// unknown hash is ENotFound, a revoked or expired token EUnauthorized.
	FindTokenByHash(ctx context.Context, hash string, now time.Time) (*Token, error)
	// RevokeToken revokes the token with id at now; ENotFound when there is none. Revoking a
	// revoked token keeps its first revocation and is not an error.
	RevokeToken(ctx context.Context, id int64, now time.Time) error
	// ListTokens returns the user's tokens, revoked and expired ones too, by id; ENotFound for an
	// unknown user.
	ListTokens(ctx context.Context, userID int64) ([]Token, error)
}

// Sessions keeps server-side sessions (their hashes).
type Sessions interface {
	// CreateSession stores s (validated; see NewSession) and sets its ID. An unknown user is
	// ENotFound.
	CreateSession(ctx context.Context, s *Session) error
	// FindSession returns the session whose secret has hash, when it is live at now: an unknown
	// hash is ENotFound, an ended session EUnauthorized.
	FindSession(ctx context.Context, hash string, now time.Time) (*Session, error)
	// TouchSession marks the session used at now, which pushes its idle end back (never past its
	// absolute end): ENotFound for an unknown hash, EUnauthorized for an ended session.
	TouchSession(ctx context.Context, hash string, now time.Time) error
	// DeleteSession ends the session (signing out); an unknown hash is not an error.
	DeleteSession(ctx context.Context, hash string) error
	// DeleteUserSessions ends every session of the user (signing out everywhere) and returns how
	// many there were.
	DeleteUserSessions(ctx context.Context, userID int64) (int, error)
	// DeleteExpiredSessions removes the sessions ended at now and returns how many.
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error)
}

// Budgets keeps budgets and holds calls' costs against them: reserve, then settle.
type Budgets interface {
	// SetBudget sets b (validated) — the limit of b.Scope per b.Period — replacing the scope's
	// budget for that period, and sets b.UpdatedAt when zero. An unknown user, team or token is
	// ENotFound. What was spent in the current period still counts against a new limit.
	SetBudget(ctx context.Context, b *Budget) error
	// DeleteBudget removes the scope's budget for the period; ENotFound when there is none.
	DeleteBudget(ctx context.Context, scope Scope, period Period) error
	// ListBudgets returns the budgets of scopes (of every scope when none), with what was spent and
	// reserved in their periods at now, by scope and period.
	ListBudgets(ctx context.Context, now time.Time, scopes ...Scope) ([]BudgetStatus, error)

	// Reserve holds amount, a call's largest possible cost, against every budget of every scope,
	// in one transaction, for the call requestID made at now. When any budget would go over, it
	// holds nothing and returns an EBudgetExceeded error whose Budget names the scope, what is left
	// and when it resets. An unknown user, team or token is ENotFound; a request id already
	// reserved or settled is EConflict; a negative amount EInvalid. A scope without a budget holds
	// nothing but is recorded, so its usage row names it.
	Reserve(ctx context.Context, requestID string, scopes []Scope, amount Money, now time.Time) error
	// Settle charges cost, what the call really cost, to the budgets its reservation held,
	// releases the rest of the reservation and writes u (its RequestID and Cost set from the
	// arguments; its zero user, team and token from the reservation's scopes; its zero Time the
	// reservation's) to the usage log, in one transaction. A cost over the reservation is charged
	// in full: it was spent. Settling a request again, or one whose reservation expired, changes
	// nothing and is not an error; a request never reserved is ENotFound; a negative cost EInvalid.
	Settle(ctx context.Context, requestID string, cost Money, u Usage) error
	// ExpireReservations settles every reservation made more than olderThan before now as if the
	// call cost its whole reservation (its usage row marked Expired), and returns how many.
	ExpireReservations(ctx context.Context, olderThan time.Duration, now time.Time) (int, error)
}

// UsageLog reads the usage records that Settle and ExpireReservations write, and the daily rollup
// they keep beside them (in the same transaction): one row per UTC day, user, team, model and
// provider with its calls, tokens and cost, which outlives the records (see DeleteUsageBefore).
type UsageLog interface {
	// ListUsage returns the records f selects, newest first, at most f's PageLimit.
	ListUsage(ctx context.Context, f UsageFilter) ([]Usage, error)
	// ExportUsage calls fn with every record f selects, oldest first, stopping at fn's first
	// error, which it returns.
	ExportUsage(ctx context.Context, f UsageFilter, fn func(Usage) error) error
	// TotalUsage sums the records f selects.
	TotalUsage(ctx context.Context, f UsageFilter) (UsageTotal, error)
	// UsageByDay sums the daily rollup by day, user, team or model: the days that f's [Since,
	// Until) touches (day precision: Since counts from its day's start, Until up to the end of
	// the day before it, or of its own day when it is not a midnight), and f's user, team,
	// provider and model. The buckets of GroupDay are oldest first; the others dearest first, then
	// by key. f's TokenID is EInvalid (the rollup is not kept per token), as is an unknown group;
	// its Limit and BeforeID are ignored.
	UsageByDay(ctx context.Context, f UsageFilter, by UsageGroup) ([]UsageBucket, error)
	// DeleteUsageBefore deletes the usage records that started before before, oldest first, in
	// batches of batch (DefaultPruneBatch when not positive), each its own short transaction, and
	// returns how many; the daily rollup keeps their sums. A zero before is EInvalid. On an error
	// the batches done stay done, and their count is returned with it.
	DeleteUsageBefore(ctx context.Context, before time.Time, batch int) (int, error)
}

// Audit is the append-only audit log.
type Audit interface {
	// AppendAudit appends e (validated) and sets its ID, and its Time when zero.
	AppendAudit(ctx context.Context, e *AuditEntry) error
	// ListAudit returns the entries f selects, newest first, at most f's PageLimit.
	ListAudit(ctx context.Context, f AuditFilter) ([]AuditEntry, error)
}

// Passwords keeps the users' password hashes, for the local sign-in (-auth local).
type Passwords interface {
	// SetPassword sets the user's password hash (an argon2id PHC string, see server/auth); ENotFound
	// for an unknown user.
	SetPassword(ctx context.Context, userID int64, hash string) error
	// PasswordHash returns the user with email and their password hash ("" when none is set);
	// ENotFound for an unknown email.
	PasswordHash(ctx context.Context, email string) (*User, string, error)
}

// Store is all of the domain's storage. server/sqlite and server/postgres implement it, and
// server/team/storetest holds them to one contract.
type Store interface {
	Users
	Teams
	Tokens
	Sessions
	Budgets
	UsageLog
	Audit
	Passwords
	Policies
	Jobs
}
