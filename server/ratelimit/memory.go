package ratelimit

import (
	"context"
	"sort"
	"sync"
	"time"
)

// Memory is a Limiter in the process's memory, for a server with one replica. It is safe for
// concurrent use (one mutex guards it: an Admit and its Done of two rules take about 1.5 µs). Its memory is
// bounded by the keys in use: a key whose buckets have all left the window and that holds no
// concurrent slot is forgotten, at most a minute (of the nows passed) later.
type Memory struct {
	// Lease is how long a concurrent slot whose Done never comes stays taken; 0 means
	// DefaultLease. Set it before the first Admit.
	Lease time.Duration

	mu sync.Mutex
	// scopes are the keys' counts.
	scopes map[string]*scope
	// sweepAt is when (unix milliseconds) idle scopes are next forgotten.
	sweepAt int64
}

var _ Limiter = (*Memory)(nil)

// NewMemory returns an empty Memory with the DefaultLease.
func NewMemory() *Memory { return &Memory{Lease: DefaultLease} }

// scope is one key's counts.
type scope struct {
	// buckets are the RPM and TPM counts of the last WindowSeconds seconds, the second s at
	// index s mod WindowSeconds.
	buckets [WindowSeconds]bucket
	// leases are the concurrent slots: call id → when (unix milliseconds) its lease ends.
	leases map[string]int64
}

// bucket is one second's counts.
type bucket struct {
	// sec is the second (unix) counted; reqs and tokens its RPM and TPM counts.
	sec, reqs, tokens int64
	// used reports whether the bucket holds counts at all.
	used bool
}

// at is the bucket of the second sec, or nil when it holds none.
func (s *scope) at(sec int64) *bucket {
	b := &s.buckets[mod(sec)]
	if !b.used || b.sec != sec {
		return nil
	}
	return b
}

// add counts reqs and tokens in the second sec.
func (s *scope) add(sec, reqs, tokens int64) {
	b := &s.buckets[mod(sec)]
	if !b.used || b.sec != sec {
		*b = bucket{sec: sec, used: true}
	}
	b.reqs += reqs
	b.tokens += tokens
}

// window sums the counts of the buckets in the window at the second sec, with tokens choosing
// the TPM counts over the RPM ones, and returns them with the buckets, oldest first.
func (s *scope) window(sec int64, tokens bool) (int64, []secCount) {
	var total int64
	var list []secCount
	for i := range s.buckets {
		b := &s.buckets[i]
		if !b.used || b.sec <= sec-WindowSeconds {
			continue
		}
		n := b.reqs
		if tokens {
			n = b.tokens
		}
		total += n
		list = append(list, secCount{b.sec, n})
	}
	return total, list
}

// idle reports whether the scope holds nothing at the second sec (its expired leases removed).
func (s *scope) idle(sec int64) bool {
	if len(s.leases) > 0 {
		return false
	}
	for i := range s.buckets {
		if b := &s.buckets[i]; b.used && b.sec > sec-WindowSeconds {
			return false
		}
	}
	return true
}

// expire removes the leases that ended by nowMS.
func (s *scope) expire(nowMS int64) {
	for id, end := range s.leases {
		if end <= nowMS {
			delete(s.leases, id)
		}
	}
}

// secCount is one bucket's count of one kind.
type secCount struct{ sec, n int64 }

// retryAfter is how long after nowMS (milliseconds) enough of the oldest buckets in list, which
// sum to total, have left the window for need more to fit max; need must be at most max.
func retryAfter(list []secCount, total, need, max, nowMS int64) int64 {
	sort.Slice(list, func(i, j int) bool { return list[i].sec < list[j].sec })
	for _, c := range list {
		total -= c.n
		if total+need <= max {
			return (c.sec+WindowSeconds)*1000 - nowMS
		}
	}
	return WindowSeconds * 1000
}

// mod is sec's bucket index.
func mod(sec int64) int64 { return ((sec % WindowSeconds) + WindowSeconds) % WindowSeconds }

// floorDiv is a/b rounded down.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// Admit implements Limiter.
func (m *Memory) Admit(ctx context.Context, callID string, rules []Rule, tokens int64, now time.Time) (Admission, error) {
	if err := Validate(callID, rules, tokens); err != nil {
		return nil, err
	}
	nowMS := now.UnixMilli()
	sec := floorDiv(nowMS, 1000)
	lease := m.Lease
	if lease <= 0 {
		lease = DefaultLease
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.scopes == nil {
		m.scopes = map[string]*scope{}
	}
	m.sweep(nowMS, sec)
	// Check every rule first: a refusal counts nothing.
	for _, r := range rules {
		if !r.Limited() {
			continue
		}
		s := m.scopes[r.Key]
		if s == nil {
			if r.TPM > 0 && tokens > r.TPM {
				return nil, &Refusal{Key: r.Key, Limit: LimitTPM, Max: r.TPM}
			}
			continue
		}
		if r.RPM > 0 {
			if total, list := s.window(sec, false); total+1 > r.RPM {
				return nil, &Refusal{Key: r.Key, Limit: LimitRPM, Max: r.RPM, RetryAfter: ms(retryAfter(list, total, 1, r.RPM, nowMS))}
			}
		}
		if r.TPM > 0 {
			if tokens > r.TPM {
				return nil, &Refusal{Key: r.Key, Limit: LimitTPM, Max: r.TPM}
			}
			if total, list := s.window(sec, true); total+tokens > r.TPM {
				return nil, &Refusal{Key: r.Key, Limit: LimitTPM, Max: r.TPM, RetryAfter: ms(retryAfter(list, total, tokens, r.TPM, nowMS))}
			}
		}
		if r.Concurrent > 0 {
			s.expire(nowMS)
			if _, ok := s.leases[callID]; ok {
				return nil, DuplicateCall(callID, r.Key)
			}
			if int64(len(s.leases)) >= r.Concurrent {
				return nil, &Refusal{Key: r.Key, Limit: LimitConcurrent, Max: r.Concurrent, RetryAfter: ConcurrentRetryAfter}
			}
		}
	}
	a := &memoryAdmission{m: m, callID: callID, sec: sec, tokens: tokens}
	for _, r := range rules {
		if !r.Limited() {
			continue
		}
		s := m.scopes[r.Key]
		if s == nil {
			s = &scope{}
			m.scopes[r.Key] = s
		}
		var reqs, toks int64
		if r.RPM > 0 {
			reqs = 1
		}
		if r.TPM > 0 {
			toks = tokens
			a.tpm = append(a.tpm, r.Key)
		}
		if r.RPM > 0 || r.TPM > 0 {
			// Even a call of no tokens makes its second's bucket, which its Done corrects.
			s.add(sec, reqs, toks)
		}
		if r.Concurrent > 0 {
			if s.leases == nil {
				s.leases = map[string]int64{}
			}
			s.leases[callID] = nowMS + lease.Milliseconds()
			a.concurrent = append(a.concurrent, r.Key)
		}
	}
	return a, nil
}

// sweep forgets the idle scopes, once a minute.
func (m *Memory) sweep(nowMS, sec int64) {
	if nowMS < m.sweepAt {
		return
	}
	m.sweepAt = nowMS + Window.Milliseconds()
	for k, s := range m.scopes {
		s.expire(nowMS)
		if s.idle(sec) {
			delete(m.scopes, k)
		}
	}
}

// Len is how many keys the Memory holds counts of, for tests of its bound.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.scopes)
}

// ms is n milliseconds.
func ms(n int64) time.Duration { return time.Duration(n) * time.Millisecond }

// memoryAdmission is an Admission of a Memory.
type memoryAdmission struct {
	m      *Memory
	callID string
	// sec is the second the call was counted in; tokens its estimate.
	sec, tokens int64
	// tpm and concurrent are the keys the call counted tokens against and holds a slot of.
	tpm, concurrent []string
	// done reports whether Done was called (guarded by m.mu).
	done bool
}

// Done implements Admission.
func (a *memoryAdmission) Done(ctx context.Context, usedTokens int64, now time.Time) error {
	if err := ValidateDone(usedTokens); err != nil {
		return err
	}
	m := a.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if a.done {
		return nil
	}
	a.done = true
	if delta := usedTokens - a.tokens; delta != 0 {
		for _, k := range a.tpm {
			if s := m.scopes[k]; s != nil {
				if b := s.at(a.sec); b != nil {
					b.tokens += delta
				}
			}
		}
	}
	for _, k := range a.concurrent {
		if s := m.scopes[k]; s != nil {
			delete(s.leases, a.callID)
		}
	}
	return nil
}
