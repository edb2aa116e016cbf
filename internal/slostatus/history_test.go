package slostatus

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/store"
)

// historyTree adds a timeslices SLO and a calendar SLO to the tree of
// status_test.go.
const historyTree = tree + `---
apiVersion: kiban.dev/v1
kind: SLO
metadata: {name: minutes}
spec:
  service: checkout
  objective: 99
  window: {rolling: 1d}
  budgeting: {method: timeslices, sliceLength: 10m, goodSliceThreshold: 0.99}
  sli: {requests: {route: /api/minutes}}
---
apiVersion: kiban.dev/v1
kind: SLO
metadata: {name: monthly}
spec:
  service: checkout
  objective: 99.9
  window: {calendar: month}
  sli: {requests: {route: /api/monthly}}
`

func historySetup(t *testing.T, buckets []store.Bucket) (*store.Store, *catalog.Catalog) {
	t.Helper()
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "k.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c, err := catalog.Parse(context.Background(), []catalog.File{{Name: "t.yaml", Data: []byte(historyTree)}})
	if err != nil {
		t.Fatal(err)
	}
	if len(buckets) > 0 {
		if err := st.AddBuckets(context.Background(), store.Ingest{Source: "test"}, buckets); err != nil {
			t.Fatal(err)
		}
	}
	return st, c
}

func sloByID(t *testing.T, c *catalog.Catalog, id string) *catalog.SLO {
	t.Helper()
	for _, s := range c.SLOs {
		if s.ID() == id {
			return s
		}
	}
	t.Fatalf("no SLO %s", id)
	return nil
}

// historyOf runs History and Evaluate at the same moment.
func historyOf(t *testing.T, st *store.Store, c *catalog.Catalog, id string, at time.Time, points int) (Timeline, Status) {
	t.Helper()
	s := sloByID(t, c, id)
	h, err := History(context.Background(), st, c, s, at, points)
	if err != nil {
		t.Fatal(err)
	}
	status, err := Evaluate(context.Background(), st, c, s, at)
	if err != nil {
		t.Fatal(err)
	}
	return h, status
}

type wantPoint struct {
	i         int
	remaining float64
	sli       float64 // -1: no data in the interval
	events    float64
	burn      float64 // -1: no data over the hour
}

func checkPoints(t *testing.T, h Timeline, want []wantPoint) {
	t.Helper()
	for _, w := range want {
		p := h.Points[w.i]
		if !near(p.Remaining, w.remaining) {
			t.Errorf("point %d: remaining = %v; want %v", w.i, p.Remaining, w.remaining)
		}
		if w.sli < 0 && p.SLIOK || w.sli >= 0 && (!p.SLIOK || !near(p.SLI, w.sli)) {
			t.Errorf("point %d: SLI = %v (ok %v); want %v", w.i, p.SLI, p.SLIOK, w.sli)
		}
		if !near(p.Events, w.events) {
			t.Errorf("point %d: events = %v; want %v", w.i, p.Events, w.events)
		}
		if w.burn < 0 && p.BurnRateOK || w.burn >= 0 && (!p.BurnRateOK || !near(p.BurnRate, w.burn)) {
			t.Errorf("point %d: 1h burn rate = %v (ok %v); want %v", w.i, p.BurnRate, p.BurnRateOK, w.burn)
		}
	}
}

// TestHistoryOccurrences: 99.9% over 30 days, 120 samples of 6 hours.
// 2,000 good requests in the first sample, 2 errors in 1,000 in the
// second, 1 in 1,000 in the last half hour: 3 errors in 4,000 requests,
// 0.075% against a 0.1% budget.
func TestHistoryOccurrences(t *testing.T) {
	at := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	start := at.Add(-30 * 24 * time.Hour)
	st, c := historySetup(t, []store.Bucket{
		{Key: "checkout-availability", Minute: start.Add(time.Hour), Good: 2000, Total: 2000},
		{Key: "checkout-availability", Minute: start.Add(6*time.Hour + 10*time.Minute), Good: 998, Total: 1000},
		{Key: "checkout-availability", Minute: at.Add(-30 * time.Minute), Good: 999, Total: 1000},
	})
	h, status := historyOf(t, st, c, "checkout-availability", at, 120)
	if !h.OK || len(h.Points) != 120 || !h.WindowStart.Equal(start) || !h.PeriodEnd.Equal(at) {
		t.Fatalf("history: ok %v, %d points, window from %s to %s", h.OK, len(h.Points), h.WindowStart, h.PeriodEnd)
	}
	if p := h.Points[0]; !p.From.Equal(start) || !p.At.Equal(start.Add(6*time.Hour)) {
		t.Errorf("first sample covers %s to %s; want 6 hours from %s", p.From, p.At, start)
	}
	if p := h.Points[119]; !p.At.Equal(at) {
		t.Errorf("last sample ends at %s; want %s", p.At, at)
	}
	checkPoints(t, h, []wantPoint{
		// Nothing spent yet: 2,000 good requests.
		{i: 0, remaining: 1, sli: 1, events: 2000, burn: -1},
		// 2 errors of the window's 4,000 requests: 0.05%, half the budget.
		{i: 1, remaining: 0.5, sli: 0.998, events: 1000, burn: -1},
		{i: 50, remaining: 0.5, sli: -1, events: 0, burn: -1},
		// 3 errors: 0.075%, a quarter left; the last hour burns at 0.1%/0.1%.
		{i: 119, remaining: 0.25, sli: 0.999, events: 1000, burn: 1},
	})
	if !near(h.Points[119].Remaining, status.Remaining) {
		t.Errorf("last remaining %v differs from the status' %v", h.Points[119].Remaining, status.Remaining)
	}
}

// TestHistoryJourney: the weighted-average journey buy (cart 1, pay 3) at
// 99.5%: the cart alone in the first sample, then both steps at 1% errors.
func TestHistoryJourney(t *testing.T) {
	at := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	start := at.Add(-30 * 24 * time.Hour)
	st, c := historySetup(t, []store.Bucket{
		{Key: "buy/cart", Minute: start.Add(time.Hour), Good: 1000, Total: 1000},
		{Key: "buy/cart", Minute: at.Add(-10 * time.Minute), Good: 990, Total: 1000},
		{Key: "buy/pay", Minute: at.Add(-10 * time.Minute), Good: 99, Total: 100},
	})
	h, status := historyOf(t, st, c, "checkout-buy", at, 120)
	if !h.OK || len(h.Points) != 120 || len(h.Steps) != 2 || h.Steps[1] != "pay" {
		t.Fatalf("history: ok %v, %d points, steps %v", h.OK, len(h.Points), h.Steps)
	}
	// Over the window: cart 10 errors in 2,000 (0.5%), pay 1 in 100 (1%):
	// (1×0.5% + 3×1%)/4 = 0.875% against 0.5%, so -75% left.
	checkPoints(t, h, []wantPoint{
		{i: 0, remaining: 1, sli: 1, events: 1000, burn: -1},
		{i: 119, remaining: -0.75, sli: 0.99, events: 1100, burn: 2},
	})
	if !near(h.Points[119].Remaining, status.Remaining) {
		t.Errorf("last remaining %v differs from the status' %v", h.Points[119].Remaining, status.Remaining)
	}
	first, last := h.Points[0].Steps, h.Points[119].Steps
	if len(first) != 2 || !first[0].OK || !near(first[0].SLI, 1) || first[1].OK {
		t.Errorf("first sample's steps = %+v; want cart at 100%% and pay without data", first)
	}
	if len(last) != 2 || !near(last[0].SLI, 0.99) || !near(last[1].SLI, 0.99) || !near(last[1].Events, 100) {
		t.Errorf("last sample's steps = %+v; want both at 99%%", last)
	}
}

// TestHistoryTimeslices: 99% of 10-minute slices over a day (144 slices,
// a budget of 1.44 slices), 24 samples of an hour.
func TestHistoryTimeslices(t *testing.T) {
	at := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	start := at.Add(-24 * time.Hour)
	st, c := historySetup(t, []store.Bucket{
		{Key: "checkout-minutes", Minute: start.Add(5 * time.Minute), Good: 90, Total: 100},   // slice 0: bad
		{Key: "checkout-minutes", Minute: start.Add(65 * time.Minute), Good: 100, Total: 100}, // slice 6: good
		{Key: "checkout-minutes", Minute: at.Add(-15 * time.Minute), Good: 98, Total: 100},    // slice 142: bad
	})
	h, status := historyOf(t, st, c, "checkout-minutes", at, 24)
	if !h.OK || len(h.Points) != 24 || h.Budgeting != catalog.BudgetingTimeslices {
		t.Fatalf("history: ok %v, %d points, budgeting %s", h.OK, len(h.Points), h.Budgeting)
	}
	checkPoints(t, h, []wantPoint{
		// Slices 0-5: one bad (the empty ones are good); 1 of 1.44 spent.
		{i: 0, remaining: 1 - 1/1.44, sli: 5.0 / 6, events: 100, burn: 10},
		{i: 1, remaining: 1 - 1/1.44, sli: 1, events: 100, burn: 0},
		{i: 10, remaining: 1 - 1/1.44, sli: -1, events: 0, burn: -1},
		// Two bad slices: 142/144 good, 2 of 1.44 spent.
		{i: 23, remaining: 1 - 2/1.44, sli: 5.0 / 6, events: 100, burn: 2},
	})
	if !near(status.SLI, 142.0/144) || !near(h.Points[23].Remaining, status.Remaining) {
		t.Errorf("last remaining %v; the status has %v with SLI %v", h.Points[23].Remaining, status.Remaining, status.SLI)
	}
}

// TestHistoryCalendar: an hour into a calendar month, the samples are the
// minutes so far.
func TestHistoryCalendar(t *testing.T) {
	at := time.Date(2026, 11, 1, 1, 0, 0, 0, time.UTC)
	st, c := historySetup(t, []store.Bucket{
		{Key: "checkout-monthly", Minute: at.Add(-10 * time.Minute), Good: 999, Total: 1000},
	})
	h, status := historyOf(t, st, c, "checkout-monthly", at, 120)
	if !h.OK || len(h.Points) != 60 || !h.PeriodEnd.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("history: ok %v, %d points, period ends %s; want 60 points to December", h.OK, len(h.Points), h.PeriodEnd)
	}
	checkPoints(t, h, []wantPoint{
		{i: 0, remaining: 1, sli: -1, events: 0, burn: -1},
		{i: 50, remaining: 0, sli: 0.999, events: 1000, burn: 1},
		{i: 59, remaining: 0, sli: -1, events: 0, burn: 1},
	})
	if !near(h.Points[59].Remaining, status.Remaining) {
		t.Errorf("last remaining %v differs from the status' %v", h.Points[59].Remaining, status.Remaining)
	}
}

func TestHistoryNoData(t *testing.T) {
	st, c := historySetup(t, nil)
	at := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	for _, id := range []string{"checkout-availability", "checkout-buy", "checkout-minutes"} {
		h, err := History(context.Background(), st, c, sloByID(t, c, id), at, 0)
		if err != nil {
			t.Fatal(err)
		}
		if h.OK || len(h.Points) != DefaultPoints {
			t.Errorf("%s: ok %v, %d points; want no data in %d points", id, h.OK, len(h.Points), DefaultPoints)
		}
		for _, p := range h.Points {
			if p.SLIOK || p.BurnRateOK || p.Remaining != 0 {
				t.Errorf("%s: sample %+v without data", id, p)
				break
			}
		}
	}
}
