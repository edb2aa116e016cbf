package store

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestBuckets(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		m := func(min int) time.Time { return time.Date(2026, 11, 20, 10, min, 0, 0, time.UTC) }
		first := []Bucket{
			{Key: "checkout-availability", Minute: m(0), Good: 90, Total: 100},
			{Key: "checkout-availability", Minute: m(0), Good: 10, Total: 10}, // same minute: added
			{Key: "checkout-availability", Minute: m(1), Good: 5, Total: 5},
			{Key: "checkout/payment", Minute: m(1), Good: 1, Total: 2},
		}
		if err := s.AddBuckets(ctx, Ingest{Digest: "d1", Source: "a.log", Kind: "logs", Actor: "test", Lines: 4, Records: 4}, first); err != nil {
			t.Fatal(err)
		}
		// The same content again: refused, nothing added.
		if err := s.AddBuckets(ctx, Ingest{Digest: "d1", Source: "a-again.log", Kind: "logs", Actor: "test"}, first); !errors.Is(err, ErrDuplicate) {
			t.Fatalf("re-ingest error = %v; want ErrDuplicate", err)
		}
		// More for an existing minute: counts add up.
		if err := s.AddBuckets(ctx, Ingest{Digest: "d2", Source: "b.log", Kind: "logs", Actor: "test"}, []Bucket{{Key: "checkout-availability", Minute: m(1), Good: 1, Total: 3}}); err != nil {
			t.Fatal(err)
		}
		// A bad bucket fails the whole batch.
		if err := s.AddBuckets(ctx, Ingest{Digest: "d3", Source: "c.log", Kind: "logs", Actor: "test"}, []Bucket{
			{Key: "checkout-availability", Minute: m(2), Good: 1, Total: 1},
			{Key: "checkout-availability", Minute: m(3), Good: 2, Total: 1},
		}); !errors.Is(err, ErrInvalid) {
			t.Fatalf("bad bucket error = %v; want ErrInvalid", err)
		}
		got, err := s.Buckets(ctx, []string{"checkout-availability", "checkout/payment"}, m(0), m(5))
		if err != nil {
			t.Fatal(err)
		}
		want := []Bucket{
			{Key: "checkout-availability", Minute: m(0), Good: 100, Total: 110},
			{Key: "checkout-availability", Minute: m(1), Good: 6, Total: 8},
			{Key: "checkout/payment", Minute: m(1), Good: 1, Total: 2},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("buckets (-want +got):\n%s", diff)
		}
		// The range is [from, to).
		got, err = s.Buckets(ctx, []string{"checkout-availability"}, m(1), m(1).Add(30*time.Second))
		if err != nil || len(got) != 1 || got[0].Minute != m(1) {
			t.Errorf("Buckets in [1m, 1m30s) = %v, %v; want the minute 1 bucket", got, err)
		}
		got, err = s.Buckets(ctx, []string{"checkout-availability"}, m(0), m(1))
		if err != nil || len(got) != 1 || got[0].Minute != m(0) {
			t.Errorf("Buckets in [0m, 1m) = %v, %v; want the minute 0 bucket only", got, err)
		}
		// Many buckets in one call (several statements).
		var many []Bucket
		for i := range 1200 {
			many = append(many, Bucket{Key: "bulk", Minute: m(0).Add(time.Duration(i) * time.Minute), Good: 1, Total: 1})
		}
		if err := s.AddBuckets(ctx, Ingest{Source: "bulk"}, many); err != nil {
			t.Fatal(err)
		}
		got, err = s.Buckets(ctx, []string{"bulk"}, m(0), m(0).Add(24*time.Hour))
		if err != nil || len(got) != 1200 {
			t.Errorf("bulk buckets = %d, %v; want 1200", len(got), err)
		}
	})
}
