package slostatus

import (
	"context"
	"math"
	"path/filepath"
	"testing"
	"time"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/store"
)

const tree = `apiVersion: kiban.dev/v1
kind: Team
metadata: {name: shop}
spec: {}
---
apiVersion: kiban.dev/v1
kind: Service
metadata: {name: checkout}
spec: {owner: shop}
---
apiVersion: kiban.dev/v1
kind: SLO
metadata: {name: availability}
spec:
  service: checkout
  objective: 99.9
  window: {rolling: 30d}
  sli:
    requests: {route: /api/checkout}
---
apiVersion: kiban.dev/v1
kind: Journey
metadata: {name: buy}
spec:
  service: checkout
  combine: weightedAverage
  steps:
    - {name: cart, weight: 1, sli: {requests: {route: /api/cart}}}
    - {name: pay, weight: 3, sli: {requests: {route: /api/pay}}}
---
apiVersion: kiban.dev/v1
kind: SLO
metadata: {name: buy}
spec: {service: checkout, objective: 99.5, journey: buy}
---
apiVersion: kiban.dev/v1
kind: SLO
metadata: {name: quiet}
spec:
  service: checkout
  objective: 99
  sli: {requests: {route: /api/quiet}}
`

func setup(t *testing.T) (*store.Store, *catalog.Catalog) {
	t.Helper()
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "k.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c, err := catalog.Parse(context.Background(), []catalog.File{{Name: "t.yaml", Data: []byte(tree)}})
	if err != nil {
		t.Fatal(err)
	}
	return st, c
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// TestEvaluate: two days at 1,000 requests a minute with 0.05% errors,
// then an hour at 2% errors (20x the 0.1% budget).
func TestEvaluate(t *testing.T) {
	st, c := setup(t)
	at := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	var buckets []store.Bucket
	for m := at.Add(-49 * time.Hour); m.Before(at); m = m.Add(time.Minute) {
		bad := int64(0)
		if m.Minute()%2 == 0 {
			bad = 1 // 0.05% on average
		}
		if !m.Before(at.Add(-time.Hour)) {
			bad = 20 // 2%
		}
		buckets = append(buckets, store.Bucket{Key: "checkout-availability", Minute: m, Good: 1000 - bad, Total: 1000})
	}
	if err := st.AddBuckets(context.Background(), store.Ingest{Source: "test"}, buckets); err != nil {
		t.Fatal(err)
	}
	s := c.SLOs[0]
	if s.ID() != "checkout-availability" {
		t.Fatalf("first SLO is %s", s.ID())
	}
	got, err := Evaluate(context.Background(), st, c, s, at)
	if err != nil {
		t.Fatal(err)
	}
	if !got.OK || got.Team != "shop" {
		t.Fatalf("status = %+v", got)
	}
	// 48h at 0.05% + 1h at 2%: bad = 48*60*0.5 + 60*20 = 1440 + 1200.
	wantBad := 48.0*60*0.5 + 60*20
	wantTotal := 49.0 * 60 * 1000
	if !near(got.Total, wantTotal) || !near(got.SLI, 1-wantBad/wantTotal) {
		t.Errorf("SLI = %v over %v events; want %v over %v", got.SLI, got.Total, 1-wantBad/wantTotal, wantTotal)
	}
	wantRemaining := 1 - (wantBad/wantTotal)/0.001
	if !near(got.Remaining, wantRemaining) {
		t.Errorf("remaining = %v; want %v", got.Remaining, wantRemaining)
	}
	if !near(got.RemainingMinutes, wantRemaining*0.001*30*24*60) {
		t.Errorf("remaining minutes = %v", got.RemainingMinutes)
	}
	rates := map[string]BurnRate{}
	for _, r := range got.BurnRates {
		rates[r.Window] = r
	}
	if r := rates["1h"]; !near(r.BurnRate, 20) || !near(r.Events, 60000) {
		t.Errorf("1h burn rate = %+v; want 20x over 60,000 events", r)
	}
	if r := rates["5m"]; !near(r.BurnRate, 20) {
		t.Errorf("5m burn rate = %+v; want 20x", r)
	}
	firing := map[string]bool{}
	for _, a := range got.Alerts {
		firing[a.Name] = a.Firing
	}
	// Page quick (14.4x over 1h and 5m) fires; page slow needs 6x over
	// 6h: (5h at 0.5x + 1h at 20x)/6 = 3.75x, so it does not.
	if !firing["page-quick"] || firing["page-slow"] {
		t.Errorf("alerts = %+v; want page-quick only among pages", got.Alerts)
	}
	if got.Exhaustion == nil || got.Exhaustion.Seconds <= 0 {
		t.Errorf("time to exhaustion = %+v", got.Exhaustion)
	}
}

func TestJourneyShares(t *testing.T) {
	st, c := setup(t)
	at := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	m := at.Add(-10 * time.Minute)
	if err := st.AddBuckets(context.Background(), store.Ingest{Source: "test"}, []store.Bucket{
		{Key: "buy/cart", Minute: m, Good: 990, Total: 1000}, // 1% errors, weight 1
		{Key: "buy/pay", Minute: m, Good: 99, Total: 100},    // 1% errors, weight 3
	}); err != nil {
		t.Fatal(err)
	}
	var s *catalog.SLO
	for _, x := range c.SLOs {
		if x.Spec.Journey == "buy" {
			s = x
		}
	}
	got, err := Evaluate(context.Background(), st, c, s, at)
	if err != nil {
		t.Fatal(err)
	}
	// Weighted average: (1*1% + 3*1%)/4 = 1%.
	if !got.OK || !near(got.SLI, 0.99) || len(got.Steps) != 2 {
		t.Fatalf("journey status = %+v", got)
	}
	if !near(got.Steps[0].Share, 0.25) || !near(got.Steps[1].Share, 0.75) {
		t.Errorf("shares = %v, %v; want 0.25 and 0.75 (by weight)", got.Steps[0].Share, got.Steps[1].Share)
	}
}

func TestNoData(t *testing.T) {
	st, c := setup(t)
	all, err := EvaluateAll(context.Background(), st, c, "checkout", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 {
		t.Fatalf("%d statuses", len(all))
	}
	for _, s := range all {
		if s.OK || s.NoData == "" {
			t.Errorf("%s: OK %v, no data %q; want no data with a reason", s.ID, s.OK, s.NoData)
		}
		for _, a := range s.Alerts {
			if a.Firing {
				t.Errorf("%s: alert %s fires without data", s.ID, a.Name)
			}
		}
	}
}
