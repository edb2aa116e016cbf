package promsli

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/slo/promrules"
	"kiban.dev/kiban/internal/testenv"
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
  objective: 99
  sli:
    ratio:
      good: sum(rate(http_requests_total{job="checkout",code="200"}[{{.window}}]))
      total: sum(rate(http_requests_total{job="checkout"}[{{.window}}]))
`

// TestPrometheus runs a real Prometheus that scrapes a counter of 100 good
// and 1 failed request per second and evaluates kiban's rules for one of
// two SLOs; kiban reads both back, through the rule and through the raw
// query.
func TestPrometheus(t *testing.T) {
	exporter := testenv.RequestsExporter(t)

	c, err := catalog.Parse(context.Background(), []catalog.File{{Name: "t.yaml", Data: []byte(tree)}})
	if err != nil {
		t.Fatal(err)
	}
	var ruled []*catalog.SLO
	for _, s := range c.SLOs {
		if s.Name == "availability" {
			ruled = append(ruled, s)
		}
	}
	only := *c
	only.SLOs = ruled
	slos, err := promrules.Generate(&only, promrules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rules, err := promrules.Marshal(slos, promrules.FormatPrometheus, "test")
	if err != nil {
		t.Fatal(err)
	}
	url := testenv.StartPrometheus(t, rules, exporter)
	src, err := New(url, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var got map[time.Duration]Sample
	deadline := time.Now().Add(60 * time.Second)
	for {
		got, err = src.Windows(ctx, c, ruled[0], []time.Duration{5 * time.Minute, time.Hour}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		// Wait for the recording rule (the raw query answers first).
		if r := got[5*time.Minute]; r.OK && r.Events > 0 && strings.HasPrefix(r.Query, "slo:") && got[time.Hour].OK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no data after 60 s: %+v", got)
		}
		time.Sleep(500 * time.Millisecond)
	}
	s5 := got[5*time.Minute]
	if math.Abs(s5.ErrorRatio-1.0/101) > 1e-3 || !strings.HasPrefix(s5.Query, "slo:sli_error:ratio_rate5m") {
		t.Errorf("5m = %+v; want 1/101 from the recording rule", s5)
	}
	// rate() divides by the whole range, so a few seconds of data make a
	// small rate: only check that events are counted.
	if !(s5.Events > 0) {
		t.Errorf("5m events = %v; want some", s5.Events)
	}
	// No rules for the other SLO: its own query answers.
	var unruled *catalog.SLO
	for _, s := range c.SLOs {
		if s.Name == "unruled" {
			unruled = s
		}
	}
	got, err = src.Windows(ctx, c, unruled, []time.Duration{5 * time.Minute}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if r := got[5*time.Minute]; !r.OK || math.Abs(r.ErrorRatio-1.0/101) > 1e-3 || strings.HasPrefix(r.Query, "slo:") {
		t.Errorf("unruled 5m = %+v; want 1/101 from the SLI's own query", r)
	}

	// A backend that is down gives a reason, not a number.
	down, _ := New("http://127.0.0.1:1", time.Second)
	got, err = down.Windows(ctx, c, ruled[0], []time.Duration{5 * time.Minute}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if r := got[5*time.Minute]; r.OK || !strings.Contains(r.Why, "unreachable") {
		t.Errorf("down backend = %+v; want a reason", r)
	}
}
