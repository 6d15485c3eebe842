package limittest

import (
	"context"
	"testing"
	"time"

	"playground/server/ratelimit"
)

// Benchmark measures one call's Admit and Done against two rules (a user's and a team's, each with
// all three limits, high enough never to refuse) at the wall clock: serially, and from parallel
// goroutines (b.RunParallel) on one limiter.
func Benchmark(b *testing.B, open Open) {
	l := limiter(b, open, 0)
	rules := []ratelimit.Rule{
		{Key: Key(b, "user"), RPM: 1e12, TPM: 1e15, Concurrent: 1e6},
		{Key: Key(b, "team"), RPM: 1e12, TPM: 1e15, Concurrent: 1e6},
	}
	call := func() error {
		ctx := context.Background()
		a, err := l.Admit(ctx, newID(), rules, 500, time.Now())
		if err != nil {
			return err
		}
		return a.Done(ctx, 300, time.Now())
	}
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := call(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := call(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
