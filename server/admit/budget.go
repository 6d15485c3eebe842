package admit

import (
	"fmt"
	"playground/app/embed"
	"playground/server/httperr"
	"sync"
	"time"
)

// Spend is what one run used, as the budget counts it.
type Spend struct {
	// Tokens are the tokens the provider reported (or the server's estimate for chat-likes).
	Tokens int64
	// USD and Credits are what the provider reported the run cost.
	USD, Credits float64
}

// Budget is the embeds' daily budget, in tokens, US dollars and AI/ML API credits (each 0: none).
// A run reserves the tokens it may use at most before it starts and settles what it used when it
// ends, so runs in flight together cannot overspend the token budget. What a run costs in money
// is known only from the provider's answer: a run is refused once the money budget is spent, and
// runs in flight together may go over it by what they cost.
type Budget struct {
	limit   int64   // tokens
	usd     float64 // US dollars
	credits float64
	now     func() time.Time

	mu             sync.Mutex
	day            string // the UTC date the counts are for
	used, reserved int64
	usedUSD        float64
	usedCredits    float64
}

// NewBudget returns a budget of tokens, US dollars and credits per UTC day (each 0: none).
func NewBudget(tokens int64, usd, credits float64) *Budget {
	return &Budget{limit: tokens, usd: usd, credits: credits, now: time.Now}
}

// Counts returns the tokens used today and those reserved by runs in flight.
func (b *Budget) Counts() (used, reserved int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.rollLocked()
	return b.used, b.reserved
}

func (b *Budget) rollLocked() {
	if day := b.now().UTC().Format(time.DateOnly); day != b.day {
		b.day, b.used, b.usedUSD, b.usedCredits = day, 0, 0, 0
	}
}

// Left is what is left of today's token budget; 0 without a budget.
func (b *Budget) Left() int64 {
	if b.limit <= 0 {
		return 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.rollLocked()
	return max(b.limit-b.used-b.reserved, 0)
}

// LeftMoney is what is left of today's dollar and credit budgets (0 for a budget not set).
func (b *Budget) LeftMoney() (usd, credits float64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.rollLocked()
	if b.usd > 0 {
		usd = max(b.usd-b.usedUSD, 0)
	}
	if b.credits > 0 {
		credits = max(b.credits-b.usedCredits, 0)
	}
	return usd, credits
}

// Reserve sets n tokens aside for a run, or returns the refusal to answer with (the token budget
// cannot hold n, or a money budget is spent). settle must be called with what the run used once
// it ends.
func (b *Budget) Reserve(n int64) (settle func(Spend), _ *httperr.Error) {
	if b.limit <= 0 && b.usd <= 0 && b.credits <= 0 {
		return func(Spend) {}, nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.rollLocked()
	now := b.now().UTC()
	midnight := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, time.UTC)
	wait := midnight.Sub(now)
	refuse := func(msg string) *httperr.Error {
		return &httperr.Error{Code: httperr.EEmbedBudgetSpent, RetryAfter: int(wait.Seconds()) + 1, Message: msg}
	}
	switch {
	case b.usd > 0 && b.usedUSD >= b.usd:
		return nil, refuse(fmt.Sprintf("This widget's shared daily budget of %s is used up; it resets at 00:00 UTC (in %s). Open the full playground to go on.",
			embed.USD(b.usd), wait.Round(time.Minute)))
	case b.credits > 0 && b.usedCredits >= b.credits:
		return nil, refuse(fmt.Sprintf("This widget's shared daily budget of %s credits is used up; it resets at 00:00 UTC (in %s). Open the full playground to go on.",
			embed.Count(int64(b.credits)), wait.Round(time.Minute)))
	}
	if b.limit > 0 {
		left := b.limit - b.used - b.reserved
		if n > left || left <= 0 {
			msg := fmt.Sprintf("This widget's shared daily budget of %s tokens is used up; it resets at 00:00 UTC (in %s). Open the full playground to go on.",
				embed.Count(b.limit), wait.Round(time.Minute))
			if left > 0 {
				msg = fmt.Sprintf("This run could use up to %s tokens, and %s are left of this widget's shared daily budget. Lower max_tokens or shorten the conversation, or come back after 00:00 UTC (in %s).",
					embed.Count(n), embed.Count(left), wait.Round(time.Minute))
			}
			return nil, refuse(msg)
		}
		b.reserved += n
	} else {
		n = 0
	}
	day := b.day
	var once sync.Once
	return func(used Spend) {
		once.Do(func() {
			b.mu.Lock()
			defer b.mu.Unlock()
			b.reserved -= n
			b.rollLocked()
			if b.day == day {
				b.used += used.Tokens
				b.usedUSD += used.USD
				b.usedCredits += used.Credits
			}
		})
	}, nil
}
