package slostatus

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/promsli"
	"kiban.dev/kiban/internal/slo/promrules"
	"kiban.dev/kiban/internal/testenv"
)

// TestHistoryPrometheus samples two SLOs from a real Prometheus scraping
// 100 good and 1 failed request per second, every minute over a 7d window
// (the most samples Prometheus allows a query is 11,000): one through
// kiban's recording rules, one through its own query. The last sample,
// the only one with data after a few seconds, shows the SLI of 100/101, a burn of 9.9x and the budget
// overspent as EvaluatePrometheus has it.
func TestHistoryPrometheus(t *testing.T) {
	exporter := testenv.RequestsExporter(t)
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
  window: {rolling: 7d}
  sli:
    ratio:
      bad: sum(rate(http_requests_total{job="checkout",code=~"5.."}[{{.window}}]))
      total: sum(rate(http_requests_total{job="checkout"}[{{.window}}]))
---
apiVersion: kiban.dev/v1
kind: SLO
metadata: {name: unruled}
spec:
  service: checkout
  objective: 99.9
  window: {rolling: 7d}
  sli:
    ratio:
      good: sum(rate(http_requests_total{job="checkout",code="200"}[{{.window}}]))
      total: sum(rate(http_requests_total{job="checkout"}[{{.window}}]))
`
	c, err := catalog.Parse(context.Background(), []catalog.File{{Name: "t.yaml", Data: []byte(tree)}})
	if err != nil {
		t.Fatal(err)
	}
	ruled, unruled := c.SLOs[0], c.SLOs[1]
	if ruled.Name != "availability" {
		ruled, unruled = unruled, ruled
	}
	only := *c
	only.SLOs = []*catalog.SLO{ruled}
	slos, err := promrules.Generate(&only, promrules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rules, err := promrules.Marshal(slos, promrules.FormatPrometheus, "test")
	if err != nil {
		t.Fatal(err)
	}
	url := testenv.StartPrometheus(t, rules, exporter)
	src, err := promsli.New(url, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	const points = 7 * 24 * 60 // every minute
	ctx := context.Background()
	// ready: the last sample has every figure.
	ready := func(h Timeline) bool {
		if !h.OK || len(h.Points) != points {
			return false
		}
		p := h.Points[points-1]
		return p.SLIOK && p.BurnRateOK && p.Remaining != 1 && p.Events > 0
	}
	for _, s := range []*catalog.SLO{ruled, unruled} {
		var h Timeline
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(500 * time.Millisecond) {
			// Errors until Prometheus listens.
			h, err = HistoryPrometheus(ctx, src, c, s, time.Now(), points)
			if err == nil && ready(h) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: no history from Prometheus after 20 s: err %v, ok %v, last points %+v", s.Name, err, h.OK, h.Points[max(len(h.Points)-1, 0):])
			}
		}
		if !h.WindowStart.Equal(h.At.Add(-7*24*time.Hour)) || !h.WindowEnd.Equal(h.At) || h.Budgeting != catalog.BudgetingOccurrences {
			t.Errorf("%s: window %v – %v, budgeting %q; want the 7 days before at", s.Name, h.WindowStart, h.WindowEnd, h.Budgeting)
		}
		last := h.Points[points-1]
		if !last.At.Equal(h.At) || last.At.Sub(last.From) != time.Minute || !h.Points[0].From.Equal(h.WindowStart) {
			t.Errorf("%s: samples from %v to %v, the last [%v, %v); want 1-minute intervals over the window", s.Name, h.Points[0].From, last.At, last.From, last.At)
		}
		if math.Abs(last.SLI-100.0/101) > 1e-3 {
			t.Errorf("%s: last SLI = %v; want 100/101", s.Name, last.SLI)
		}
		if math.Abs(last.BurnRate-9.9) > 0.2 {
			t.Errorf("%s: last burn rate = %v; want 9.9", s.Name, last.BurnRate)
		}
		if want := 1 - (1.0/101)/0.001; math.Abs(last.Remaining-want) > 0.5 {
			t.Errorf("%s: last remaining = %v; want about %v", s.Name, last.Remaining, want)
		}
		if !(last.Events > 0) {
			t.Errorf("%s: last events = %v; want some", s.Name, last.Events)
		}
		// Long before Prometheus started: no SLI, nothing spent.
		if p := h.Points[0]; p.SLIOK || p.BurnRateOK || p.Remaining != 1 {
			t.Errorf("%s: first sample = %+v; want no data and the budget whole", s.Name, p)
		}
	}

	// Prometheus down: an error that says so.
	down, _ := promsli.New("http://127.0.0.1:1", time.Second)
	if _, err := HistoryPrometheus(ctx, down, c, ruled, time.Now(), 10); err == nil || !strings.Contains(err.Error(), "unreachable") {
		t.Errorf("with Prometheus down: err = %v; want unreachable", err)
	}
}
