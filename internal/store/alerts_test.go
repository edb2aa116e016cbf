package store

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestAlerts(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		h := func(hour int) time.Time { return time.Date(2026, 11, 20, hour, 0, 0, 0, time.UTC) }
		ptr := func(t time.Time) *time.Time { return &t }

		// A page alert from 1:00 to 3:00, then one from 10:00 still firing;
		// a ticket from 5:00 to 6:00; another SLO's alert.
		if err := s.OpenAlert(ctx, "checkout-availability", "page", "shop", h(1)); err != nil {
			t.Fatal(err)
		}
		// Already open: nothing changes (its start stays 1:00).
		if err := s.OpenAlert(ctx, "checkout-availability", "page", "shop", h(2)); err != nil {
			t.Fatal(err)
		}
		if err := s.ResolveAlert(ctx, "checkout-availability", "page", h(3)); err != nil {
			t.Fatal(err)
		}
		// None open: nothing to resolve.
		if err := s.ResolveAlert(ctx, "checkout-availability", "page", h(4)); err != nil {
			t.Fatal(err)
		}
		if err := s.OpenAlert(ctx, "checkout-availability", "ticket", "shop", h(5).Add(1500*time.Microsecond)); err != nil {
			t.Fatal(err)
		}
		if err := s.ResolveAlert(ctx, "checkout-availability", "ticket", h(6)); err != nil {
			t.Fatal(err)
		}
		if err := s.OpenAlert(ctx, "checkout-availability", "page", "ops", h(10)); err != nil {
			t.Fatal(err)
		}
		if err := s.OpenAlert(ctx, "search-latency", "page", "search", h(2)); err != nil {
			t.Fatal(err)
		}
		if err := s.OpenAlert(ctx, "", "page", "shop", h(2)); err == nil {
			t.Error("OpenAlert without an SLO id: no error")
		}

		got, err := s.Alerts(ctx, "checkout-availability", h(0), h(12))
		if err != nil {
			t.Fatal(err)
		}
		for i := range got {
			got[i].ID = 0
		}
		want := []AlertRecord{
			{SLOID: "checkout-availability", Severity: "page", Team: "ops", StartedAt: h(10)},
			{SLOID: "checkout-availability", Severity: "ticket", Team: "shop", StartedAt: h(5).Add(1500 * time.Microsecond), ResolvedAt: ptr(h(6))},
			{SLOID: "checkout-availability", Severity: "page", Team: "shop", StartedAt: h(1), ResolvedAt: ptr(h(3))},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Alerts over 0:00-12:00 (-want +got):\n%s", diff)
		}

		// Overlapping [from, to): the ones resolved by from and those
		// starting at or after to are left out; a firing one counts.
		for _, tc := range []struct {
			from, to time.Time
			want     []time.Time // their starts
		}{
			{h(3), h(5), nil},
			{h(2), h(5), []time.Time{h(1)}},
			{h(5).Add(time.Millisecond), h(5).Add(2 * time.Millisecond), []time.Time{h(5).Add(1500 * time.Microsecond)}},
			{h(6), h(10), nil},
			{h(11), h(20), []time.Time{h(10)}},
			{h(0), h(1), nil},
		} {
			got, err := s.Alerts(ctx, "checkout-availability", tc.from, tc.to)
			if err != nil {
				t.Fatal(err)
			}
			var starts []time.Time
			for _, a := range got {
				starts = append(starts, a.StartedAt)
			}
			if diff := cmp.Diff(tc.want, starts); diff != "" {
				t.Errorf("Alerts over %s-%s: starts (-want +got):\n%s", tc.from.Format("15:04:05.000"), tc.to.Format("15:04:05.000"), diff)
			}
		}
	})
}
