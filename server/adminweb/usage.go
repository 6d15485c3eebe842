package adminweb

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"playground/server/access"
	"playground/server/admin"
	"playground/server/team"
)

// Limits of the dashboard.
const (
	// defaultDays is how many days the dashboard shows when the query names none: the last 30,
	// today included.
	defaultDays = 30
	// maxDays is the most days the dashboard draws at once (the export has no limit).
	maxDays = 366
)

// usageQuery is the dashboard's filters, as the query has them and as they select.
type usageQuery struct {
	// Since and Until are the first and the last day shown (UTC, inclusive), as YYYY-MM-DD.
	Since, Until string
	// User and Team are the ids of the user and the team whose calls are shown ("" for all);
	// Model the model's.
	User, Team, Model string
	// From and To bound the days: From <= day < To.
	From, To time.Time
	// Filter is what the store is asked: the days, and the user (for anyone but an admin, always
	// themselves), team and model.
	Filter team.UsageFilter
}

// Days is how many days the query shows.
func (q usageQuery) Days() int { return int(q.To.Sub(q.From) / (24 * time.Hour)) }

// values is the query as a URL's, with only what is set, and format when not "".
func (q usageQuery) values(format string) url.Values {
	v := url.Values{}
	if format != "" {
		v.Set("format", format)
	}
	v.Set("since", q.Since)
	v.Set("until", q.Until)
	for _, kv := range [][2]string{{"user", q.User}, {"team", q.Team}, {"model", q.Model}} {
		if kv[1] != "" {
			v.Set(kv[0], kv[1])
		}
	}
	return v
}

// queryError is a filter refused: the field, and why.
type queryError struct {
	field string
	err   error
}

// parseUsageQuery reads the dashboard's filters from r for id at now; limit caps the days (0: no
// cap). The ownership rule is here, for the dashboard and the export alike: anyone but an admin
// sees their own calls only, whatever user the query names. note says when the query asked for
// more than id may see.
func (p *pages) parseUsageQuery(ctx context.Context, r *http.Request, id *access.Identity, now time.Time, limit int) (q usageQuery, note string, qe *queryError) {
	v := r.URL.Query()
	today := team.Day.Start(now)
	q.Since, q.Until = strings.TrimSpace(v.Get("since")), strings.TrimSpace(v.Get("until"))
	q.From, q.To = today.AddDate(0, 0, 1-defaultDays), today.AddDate(0, 0, 1)
	if q.Since != "" {
		d, err := time.Parse(time.DateOnly, q.Since)
		if err != nil {
			return q, "", &queryError{"since", team.Errorf(team.EInvalid, "%q is not a day (YYYY-MM-DD)", q.Since)}
		}
		q.From = d
	}
	if q.Until != "" {
		d, err := time.Parse(time.DateOnly, q.Until)
		if err != nil {
			return q, "", &queryError{"until", team.Errorf(team.EInvalid, "%q is not a day (YYYY-MM-DD)", q.Until)}
		}
		q.To = d.AddDate(0, 0, 1)
	}
	q.Since, q.Until = q.From.Format(time.DateOnly), q.To.AddDate(0, 0, -1).Format(time.DateOnly)
	switch {
	case !q.To.After(q.From):
		return q, "", &queryError{"until", team.Errorf(team.EInvalid, "%s is before the first day, %s", q.Until, q.Since)}
	case limit > 0 && q.Days() > limit:
		return q, "", &queryError{"since", team.Errorf(team.EInvalid, "the dashboard shows at most %d days at once (these are %d); the export has no limit", limit, q.Days())}
	}
	q.Filter = team.UsageFilter{Since: q.From, Until: q.To}

	user, teamText := strings.TrimSpace(v.Get("user")), strings.TrimSpace(v.Get("team"))
	if id.User.Admin {
		if user != "" {
			uid, err := strconv.ParseInt(user, 10, 64)
			if err != nil || uid <= 0 {
				return q, "", &queryError{"user", team.Errorf(team.EInvalid, "%q is not a user id", user)}
			}
			if _, err := p.cfg.Store.FindUser(ctx, uid); err != nil {
				return q, "", &queryError{"user", err}
			}
			q.User, q.Filter.UserID = user, uid
		}
	} else {
		q.Filter.UserID = id.User.ID
		if user != "" && user != strconv.FormatInt(id.User.ID, 10) {
			note = "You see your own usage only: only an admin sees another user's."
		}
	}
	if teamText != "" {
		tid, err := strconv.ParseInt(teamText, 10, 64)
		if err != nil || tid <= 0 {
			return q, note, &queryError{"team", team.Errorf(team.EInvalid, "%q is not a team id", teamText)}
		}
		if id.User.Admin {
			if _, err := p.cfg.Store.FindTeam(ctx, tid); err != nil {
				return q, note, &queryError{"team", err}
			}
		} else if _, err := p.cfg.Store.FindMembership(ctx, tid, id.User.ID); err != nil {
			if team.ErrorCode(err) == team.ENotFound {
				err = team.Errorf(team.ENotFound, "you are not in a team with the id %d", tid)
			}
			return q, note, &queryError{"team", err}
		}
		q.Team, q.Filter.TeamID = teamText, tid
	}
	q.Model = clip(strings.TrimSpace(v.Get("model")), team.MaxNameLen)
	q.Filter.Model = q.Model
	return q, note, nil
}

// option is a choice of a select.
type option struct {
	Value, Label string
	Selected     bool
}

// budgetView is a budget with its scope named for the viewer.
type budgetView struct {
	team.BudgetStatus
	Who string
}

// usageData is what the dashboard shows.
type usageData struct {
	Base base
	// Form is the filters as typed, with the one refused.
	Form *form
	// Q is the filters as they select; Note says when the query asked for more than may be seen.
	Q    usageQuery
	Note string
	// Everyone says the viewer is an admin, who sees everyone's usage.
	Everyone bool
	// Users, Teams and Models are the filters' choices.
	Users, Teams []option
	Models       []string
	// Total sums the calls shown.
	Total team.UsageTotal
	// Charts are the charts, each with its table.
	Charts []chart
	// Budgets are what is left of the budgets of the user shown (of everyone, for an admin who
	// filters no user).
	Budgets []budgetView
	// ExportCSV and ExportJSONL are the export's links, with the same filters.
	ExportCSV, ExportJSONL string
}

func (p *pages) usagePage(w http.ResponseWriter, r *http.Request, id *access.Identity) {
	ctx, now := r.Context(), p.now()
	d := usageData{Base: newBase(r, id, "Usage", "usage"), Everyone: id.User.Admin, Form: &form{ID: "filters", Values: r.URL.Query()}}
	q, note, qe := p.parseUsageQuery(ctx, r, id, now, maxDays)
	d.Q, d.Note = q, note
	if err := p.usageChoices(ctx, id, &d); err != nil {
		p.internal(w, r, id, err)
		return
	}
	if qe != nil {
		if team.ErrorCode(qe.err) == "" {
			p.internal(w, r, id, qe.err)
			return
		}
		d.Form.Field, d.Form.Error = qe.field, labelOf(qe.field)+": "+team.ErrorMessage(qe.err)
		p.render(w, r, status(qe.err), "usage", d)
		return
	}
	if err := p.loadUsage(ctx, id, now, &d); err != nil {
		p.internal(w, r, id, err)
		return
	}
	d.ExportCSV = "/usage/export?" + q.values("csv").Encode()
	d.ExportJSONL = "/usage/export?" + q.values("jsonl").Encode()
	p.render(w, r, http.StatusOK, "usage", d)
}

// labelOf is the label of a filter.
func labelOf(field string) string {
	switch field {
	case "since":
		return "From"
	case "until":
		return "To"
	}
	if l := labels[field]; l != "" {
		return l
	}
	return field
}

// usageChoices fills the filters' choices: every user and team for an admin, the viewer's teams
// for anyone else.
func (p *pages) usageChoices(ctx context.Context, id *access.Identity, d *usageData) error {
	s := p.cfg.Store
	sel := d.Form.Values
	if id.User.Admin {
		users, err := s.ListUsers(ctx)
		if err != nil {
			return fmt.Errorf("listing the users: %w", err)
		}
		for _, u := range users {
			v := strconv.FormatInt(u.ID, 10)
			d.Users = append(d.Users, option{Value: v, Label: u.Email, Selected: sel.Get("user") == v})
		}
		teams, err := s.ListTeams(ctx)
		if err != nil {
			return fmt.Errorf("listing the teams: %w", err)
		}
		for _, t := range teams {
			v := strconv.FormatInt(t.ID, 10)
			d.Teams = append(d.Teams, option{Value: v, Label: t.Name, Selected: sel.Get("team") == v})
		}
		return nil
	}
	ms, err := s.ListMemberships(ctx, id.User.ID)
	if err != nil {
		return fmt.Errorf("listing the teams of user %d: %w", id.User.ID, err)
	}
	for _, m := range ms {
		t, err := s.FindTeam(ctx, m.TeamID)
		if err != nil {
			return fmt.Errorf("finding team %d: %w", m.TeamID, err)
		}
		v := strconv.FormatInt(t.ID, 10)
		d.Teams = append(d.Teams, option{Value: v, Label: t.Name, Selected: sel.Get("team") == v})
	}
	return nil
}

// loadUsage reads the daily rollup for d.Q and draws the charts, and reads the budgets shown.
func (p *pages) loadUsage(ctx context.Context, id *access.Identity, now time.Time, d *usageData) error {
	s, f := p.cfg.Store, d.Q.Filter
	byDay, err := s.UsageByDay(ctx, f, team.GroupDay)
	if err != nil {
		return fmt.Errorf("the usage by day: %w", err)
	}
	days, spend, tokens := []time.Time{}, []int64{}, []int64{}
	at := map[time.Time]team.UsageBucket{}
	for _, b := range byDay {
		at[b.Day] = b
		d.Total.Calls += b.Calls
		d.Total.InputTokens += b.InputTokens
		d.Total.OutputTokens += b.OutputTokens
		d.Total.Cost += b.Cost
	}
	for day := d.Q.From; day.Before(d.Q.To); day = day.AddDate(0, 0, 1) {
		b := at[day]
		days, spend, tokens = append(days, day), append(spend, b.Cost.Nano()), append(tokens, b.InputTokens+b.OutputTokens)
	}
	money := func(n int64) string { return team.Money(n).String() }
	d.Charts = append(d.Charts,
		dayChart("spend-day", "Spend per day", "Spend", days, spend, money),
		dayChart("tokens-day", "Tokens per day (input and output)", "Tokens", days, tokens, thousands))

	emails := map[int64]string{id.User.ID: id.User.Email}
	if id.User.Admin {
		for _, o := range d.Users {
			uid, _ := strconv.ParseInt(o.Value, 10, 64)
			emails[uid] = o.Label
		}
		if f.UserID == 0 {
			byUser, err := s.UsageByDay(ctx, f, team.GroupUser)
			if err != nil {
				return fmt.Errorf("the usage by user: %w", err)
			}
			var labels []string
			var values []int64
			for _, b := range byUser {
				labels, values = append(labels, nameOr(emails[b.UserID], "user", b.UserID)), append(values, b.Cost.Nano())
			}
			d.Charts = append(d.Charts, categoryChart("spend-user", "Spend per user", "User", "Spend", labels, values, money))
		}
	}
	teams, err := s.ListTeams(ctx)
	if err != nil {
		return fmt.Errorf("listing the teams: %w", err)
	}
	teamNames := map[int64]string{0: "no team"}
	for _, t := range teams {
		teamNames[t.ID] = t.Name
	}
	byTeam, err := s.UsageByDay(ctx, f, team.GroupTeam)
	if err != nil {
		return fmt.Errorf("the usage by team: %w", err)
	}
	var labels []string
	var values []int64
	for _, b := range byTeam {
		labels, values = append(labels, nameOr(teamNames[b.TeamID], "team", b.TeamID)), append(values, b.Cost.Nano())
	}
	d.Charts = append(d.Charts, categoryChart("spend-team", "Spend per team", "Team", "Spend", labels, values, money))
	byModel, err := s.UsageByDay(ctx, f, team.GroupModel)
	if err != nil {
		return fmt.Errorf("the usage by model: %w", err)
	}
	labels, values = nil, nil
	for _, b := range byModel {
		name := b.Model
		if name == "" {
			name = "(no model: expired reservations)"
		} else {
			d.Models = append(d.Models, b.Model)
		}
		labels, values = append(labels, name), append(values, b.Cost.Nano())
	}
	slices.Sort(d.Models)
	d.Charts = append(d.Charts, categoryChart("spend-model", "Spend per model", "Model", "Spend", labels, values, money))

	switch {
	case f.UserID != 0:
		u := id.User
		if f.UserID != u.ID {
			found, err := s.FindUser(ctx, f.UserID)
			if err != nil {
				return fmt.Errorf("finding user %d: %w", f.UserID, err)
			}
			u = *found
		}
		d.Budgets, err = p.budgetsOf(ctx, u, id.User.ID, now)
	default:
		d.Budgets, err = p.allBudgets(ctx, emails, teamNames, now)
	}
	return err
}

// nameOr is name, or "kind id" when the name is not known.
func nameOr(name, kind string, id int64) string {
	if name != "" {
		return name
	}
	return fmt.Sprintf("%s %d", kind, id)
}

// budgetsOf are the budgets that hold u's calls — their own, their teams', their tokens' — named
// for the viewer me.
func (p *pages) budgetsOf(ctx context.Context, u team.User, me int64, now time.Time) ([]budgetView, error) {
	s := p.cfg.Store
	who := map[team.Scope]string{team.UserScope(u.ID): u.Email}
	if u.ID == me {
		who[team.UserScope(u.ID)] = "you"
	}
	ms, err := s.ListMemberships(ctx, u.ID)
	if err != nil {
		return nil, fmt.Errorf("listing the teams of user %d: %w", u.ID, err)
	}
	for _, m := range ms {
		t, err := s.FindTeam(ctx, m.TeamID)
		if err != nil {
			return nil, fmt.Errorf("finding team %d: %w", m.TeamID, err)
		}
		who[team.TeamScope(t.ID)] = "team " + t.Name
	}
	toks, err := s.ListTokens(ctx, u.ID)
	if err != nil {
		return nil, fmt.Errorf("listing the tokens of user %d: %w", u.ID, err)
	}
	for _, t := range toks {
		if t.Check(now) == nil {
			who[team.TokenScope(t.ID)] = fmt.Sprintf("token %d (%s…)", t.ID, t.Display)
		}
	}
	scopes := make([]team.Scope, 0, len(who))
	for sc := range who {
		scopes = append(scopes, sc)
	}
	bs, err := s.ListBudgets(ctx, now, scopes...)
	if err != nil {
		return nil, fmt.Errorf("listing the budgets: %w", err)
	}
	out := make([]budgetView, 0, len(bs))
	for _, b := range bs {
		out = append(out, budgetView{BudgetStatus: b, Who: who[b.Scope]})
	}
	return out, nil
}

// allBudgets are every budget, named by emails and teamNames.
func (p *pages) allBudgets(ctx context.Context, emails, teamNames map[int64]string, now time.Time) ([]budgetView, error) {
	bs, err := p.cfg.Store.ListBudgets(ctx, now)
	if err != nil {
		return nil, fmt.Errorf("listing the budgets: %w", err)
	}
	out := make([]budgetView, 0, len(bs))
	for _, b := range bs {
		who := b.Scope.String()
		switch b.Scope.Kind {
		case team.ScopeUser:
			who = nameOr(emails[b.Scope.ID], "user", b.Scope.ID)
		case team.ScopeTeam:
			if name := teamNames[b.Scope.ID]; name != "" {
				who = "team " + name
			}
		}
		out = append(out, budgetView{BudgetStatus: b, Who: who})
	}
	return out, nil
}

// usageExport serves /usage/export: the usage log's records the dashboard's filters select, as
// CSV or JSON lines (admin.ExportUsage, the command line's export), under the dashboard's
// ownership rule.
func (p *pages) usageExport(w http.ResponseWriter, r *http.Request, id *access.Identity) {
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "csv"
	}
	if !admin.IsExportFormat(format) {
		http.Error(w, fmt.Sprintf("format: %q is not csv or jsonl", format), http.StatusBadRequest)
		return
	}
	q, _, qe := p.parseUsageQuery(r.Context(), r, id, p.now(), 0)
	if qe != nil {
		if team.ErrorCode(qe.err) == "" {
			p.internal(w, r, id, qe.err)
			return
		}
		http.Error(w, labelOf(qe.field)+": "+team.ErrorMessage(qe.err), status(qe.err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", admin.ExportContentType(format))
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="usage-%s-to-%s.%s"`, q.Since, q.Until, format))
	if err := admin.ExportUsage(r.Context(), p.cfg.Store, q.Filter, format, w); err != nil {
		// The status is sent: the file ends short, and the log says why.
		p.cfg.Log.ErrorContext(r.Context(), "exporting the usage failed", "err", err)
	}
}
