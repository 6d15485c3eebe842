package team

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"playground/server/httperr"
)

func TestUserValidate(t *testing.T) {
	u := User{Email: "  Ada@Example.COM ", Name: " Ada "}
	if err := u.Validate(); err != nil || u.Email != "ada@example.com" || u.Name != "Ada" {
		t.Fatalf("%+v %v", u, err)
	}
	for _, email := range []string{"", "ada", "@example.com", "ada@", "a b@example.com", "a@b@c", "<a@b>", strings.Repeat("a", MaxNameLen) + "@x"} {
		u := User{Email: email}
		if err := u.Validate(); ErrorCode(err) != EInvalid {
			t.Errorf("email %q: %v, want invalid", email, err)
		}
	}
	u = User{Email: "a@b", Name: "bad\x00name"}
	if err := u.Validate(); ErrorCode(err) != EInvalid {
		t.Errorf("a control character: %v", err)
	}
}

func TestTeamValidate(t *testing.T) {
	tm := Team{Name: " Research "}
	if err := tm.Validate(); err != nil || tm.Name != "Research" {
		t.Fatalf("%+v %v", tm, err)
	}
	for _, name := range []string{"", "   ", strings.Repeat("x", MaxNameLen+1), "a\nb"} {
		tm := Team{Name: name}
		if err := tm.Validate(); ErrorCode(err) != EInvalid {
			t.Errorf("name %q: %v, want invalid", name, err)
		}
	}
}

func TestRole(t *testing.T) {
	for _, s := range []string{"admin", "member"} {
		if r, err := ParseRole(s); err != nil || string(r) != s {
			t.Errorf("ParseRole(%q) = %q, %v", s, r, err)
		}
	}
	if _, err := ParseRole("owner"); ErrorCode(err) != EInvalid || !strings.Contains(err.Error(), `"owner"`) {
		t.Errorf("ParseRole(owner): %v", err)
	}
}

func TestNormalizeScopes(t *testing.T) {
	got, err := NormalizeScopes([]Scope{TokenScope(9), UserScope(3), TeamScope(1), UserScope(3)})
	if err != nil || !slices.Equal(got, []Scope{TeamScope(1), TokenScope(9), UserScope(3)}) {
		t.Fatalf("%v %v", got, err)
	}
	if got := CallScopes(3, 0, 9); !slices.Equal(got, []Scope{UserScope(3), TokenScope(9)}) {
		t.Fatalf("CallScopes: %v", got)
	}
	for name, scopes := range map[string][]Scope{
		"none":         nil,
		"two users":    {UserScope(1), UserScope(2)},
		"unknown kind": {{Kind: "org", ID: 1}},
		"zero id":      {UserScope(0)},
	} {
		if _, err := NormalizeScopes(scopes); ErrorCode(err) != EInvalid {
			t.Errorf("%s: %v, want invalid", name, err)
		}
	}
}

func TestBudgetValidate(t *testing.T) {
	ok := Budget{Scope: TeamScope(1), Period: Month, Limit: 25 * USD}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string]Budget{
		"negative":   {Scope: TeamScope(1), Period: Month, Limit: -3},
		"period":     {Scope: TeamScope(1), Period: "year", Limit: 1},
		"scope":      {Scope: Scope{"org", 1}, Period: Day, Limit: 1},
		"over limit": {Scope: TeamScope(1), Period: Day, Limit: MaxMoney + 1},
	} {
		if err := b.Validate(); ErrorCode(err) != EInvalid {
			t.Errorf("%s: %v, want invalid", name, err)
		}
	}
	st := BudgetStatus{Budget: ok, Spent: 20 * USD, Reserved: 10 * USD}
	if st.Left() != 0 {
		t.Errorf("Left over the limit: %s", st.Left())
	}
}

func TestErrors(t *testing.T) {
	reset := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	e := BudgetExceeded(Refusal{Scope: TeamScope(3), Period: Day, Limit: 10 * USD, Left: 40 * Cent, Wanted: USD, ResetsAt: reset})
	for _, want := range []string{"team 3", "$10.00 per day", "$0.40 left", "$1.00", "2026-12-02 00:00 UTC"} {
		if !strings.Contains(e.Message, want) {
			t.Errorf("%q lacks %q", e.Message, want)
		}
	}
	wrapped := fmt.Errorf("reserving: %w", e)
	if ErrorCode(wrapped) != EBudgetExceeded || ErrorMessage(wrapped) != e.Message {
		t.Fatalf("wrapped: %q %q", ErrorCode(wrapped), ErrorMessage(wrapped))
	}
	var got *Error
	if !errors.As(wrapped, &got) || got.Budget.Left != 40*Cent || !got.Budget.ResetsAt.Equal(reset) {
		t.Fatalf("%+v", got)
	}
	if ErrorCode(errors.New("disk")) != "" || ErrorMessage(errors.New("disk")) != "" {
		t.Fatal("a foreign error has no code")
	}
}

// TestCodesInHTTPTable: every domain code is in the server's table, with the status it is meant
// to have.
func TestCodesInHTTPTable(t *testing.T) {
	want := map[string]int{ENotFound: 404, EConflict: 409, EInvalid: 400, EUnauthorized: 401, EBudgetExceeded: 429, EForbidden: 403, ERateLimited: 429}
	if len(want) != len(Codes) {
		t.Fatalf("%d codes, %d checked", len(Codes), len(want))
	}
	for _, c := range Codes {
		if !httperr.Known(c) || httperr.Lookup(c).Status != want[c] {
			t.Errorf("%s: known %v, %+v, want status %d", c, httperr.Known(c), httperr.Lookup(c), want[c])
		}
	}
}

func TestUsageAndAuditValidate(t *testing.T) {
	for name, u := range map[string]Usage{
		"tokens":   {InputTokens: -1},
		"duration": {Duration: -time.Second},
		"cost":     {Cost: -1},
	} {
		if err := u.Validate(); ErrorCode(err) != EInvalid {
			t.Errorf("%s: %v, want invalid", name, err)
		}
	}
	if err := (&AuditEntry{}).Validate(); ErrorCode(err) != EInvalid {
		t.Errorf("no action: %v", err)
	}
	if PageLimit(0) != DefaultUsageLimit || PageLimit(5) != 5 || PageLimit(1e6) != MaxUsageLimit {
		t.Error("PageLimit")
	}
}
