package access

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"playground/server/auth"
	"playground/server/team"
)

// The actors the audit log names for what a sign-in does by itself.
const (
	viaHeader = "header"
	viaOIDC   = "oidc"
)

// signInUser is the user with email, who signed in through via (viaHeader, viaOIDC). An address
// no user has is refused (EUnauthorized, "ask its admin to add you") under auth.Refuse; under
// auth.Create it becomes a new user called name (left empty when the name is not one the store
// takes), in no team, and the audit log says so.
func (a *Access) signInUser(ctx context.Context, email, name, via string) (*team.User, error) {
	u, err := a.cfg.Store.FindUserByEmail(ctx, email)
	if err == nil {
		return u, nil
	}
	if team.ErrorCode(err) != team.ENotFound {
		return nil, fmt.Errorf("access: finding the user %s: %w", email, err)
	}
	if a.cfg.NewUsers != auth.Create {
		return nil, team.Errorf(team.EUnauthorized, "%s is not a user of this Playground: ask its admin to add you", email)
	}
	u = &team.User{Email: email, Name: name}
	if probe := *u; probe.Validate() != nil {
		u.Name = "" // the address is checked by AddUser; a name it would refuse is dropped
	}
	if err := a.cfg.Store.AddUser(ctx, u); err != nil {
		if team.ErrorCode(err) == team.EConflict { // another request made them first
			if u, err = a.cfg.Store.FindUserByEmail(ctx, email); err == nil {
				return u, nil
			}
		}
		return nil, fmt.Errorf("access: adding the user %s on their first sign-in: %w", email, err)
	}
	e := team.AuditEntry{Action: "user.add", Target: fmt.Sprintf("user %d", u.ID), Detail: u.Email + " on their first sign-in; by " + via}
	if err := a.cfg.Store.AppendAudit(ctx, &e); err != nil {
		return nil, fmt.Errorf("access: writing the audit log: %w", err)
	}
	return u, nil
}

// joinTeams makes the user a member of every team named by one of groups (the exact name) that
// they are not in yet, each addition written to the audit log as done by via (viaHeader,
// viaOIDC). A group that names no team is ignored.
//
// It only ever adds: a membership is never removed, nor a role changed, because a group is
// missing — what an admin made (or an earlier group added) stays until an admin undoes it.
func (a *Access) joinTeams(ctx context.Context, u *team.User, groups []string, via string) error {
	if len(groups) == 0 {
		return nil
	}
	teams, err := a.cfg.Store.ListTeams(ctx)
	if err != nil {
		return fmt.Errorf("access: listing the teams: %w", err)
	}
	byName := make(map[string]team.Team, len(teams))
	for _, t := range teams {
		byName[t.Name] = t
	}
	ms, err := a.cfg.Store.ListMemberships(ctx, u.ID)
	if err != nil {
		return fmt.Errorf("access: the teams of user %d: %w", u.ID, err)
	}
	in := make(map[int64]bool, len(ms))
	for _, m := range ms {
		in[m.TeamID] = true
	}
	for _, g := range groups {
		t, ok := byName[strings.TrimSpace(g)]
		if !ok || in[t.ID] {
			continue
		}
		in[t.ID] = true
		m := team.Membership{TeamID: t.ID, UserID: u.ID, Role: team.Member}
		if err := a.cfg.Store.AddMember(ctx, &m); err != nil {
			if team.ErrorCode(err) == team.EConflict { // another request added them first
				continue
			}
			return fmt.Errorf("access: adding user %d to the team %s: %w", u.ID, t.Name, err)
		}
		e := team.AuditEntry{Action: "team.add_member", Target: fmt.Sprintf("team %d", t.ID),
			Detail: fmt.Sprintf("%s as %s, from the group %s; by %s", u.Email, team.Member, t.Name, via)}
		if err := a.cfg.Store.AppendAudit(ctx, &e); err != nil {
			return fmt.Errorf("access: writing the audit log: %w", err)
		}
	}
	return nil
}

// groupsResync is how long the header mode trusts that a user's unchanged groups are still
// teams they are in: after it, they are checked again (a team an admin added since is joined).
const groupsResync = 10 * time.Minute

// maxGroupsSeen bounds groupsSeen; past it, it starts over (every user is checked once more).
const maxGroupsSeen = 10_000

// groupsSeen remembers, per user, which proxy groups were last made teams and when, so that the
// header mode reads the teams only when a user's groups change (or groupsResync passes), not on
// every request.
type groupsSeen struct {
	mu sync.Mutex
	m  map[int64]groupsMark
}

// groupsMark is one user's last groups (sorted, one a line) and when they were made teams.
type groupsMark struct {
	sig string
	at  time.Time
}

// headerGroups makes the proxy's groups teams of the user (see joinTeams) when they differ from
// the ones last made so, or groupsResync has passed; else it does nothing, not even a read.
func (a *Access) headerGroups(ctx context.Context, u *team.User, groups []string, now time.Time) error {
	if a.cfg.GroupsHeader == "" || len(groups) == 0 {
		return nil
	}
	sorted := slices.Clone(groups)
	slices.Sort(sorted)
	sig := strings.Join(slices.Compact(sorted), "\n")
	a.groups.mu.Lock()
	last, ok := a.groups.m[u.ID]
	a.groups.mu.Unlock()
	if ok && last.sig == sig && now.Sub(last.at) < groupsResync {
		return nil
	}
	if err := a.joinTeams(ctx, u, groups, viaHeader); err != nil {
		return err
	}
	a.groups.mu.Lock()
	if len(a.groups.m) >= maxGroupsSeen {
		clear(a.groups.m)
	}
	a.groups.m[u.ID] = groupsMark{sig: sig, at: now}
	a.groups.mu.Unlock()
	return nil
}
