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

// TestEvaluatePrometheus reads an SLO's status from a real Prometheus
// scraping 100 good and 1 failed request per second: 1/101 errors against
// a 0.1% budget, a burn of 9.9x.
func TestEvaluatePrometheus(t *testing.T) {
	exporter := testenv.RequestsExporter(t)
	tree := `apiVersion: kiban.dev/v1
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
`
	c, err := catalog.Parse(context.Background(), []catalog.File{{Name: "t.yaml", Data: []byte(tree)}})
	if err != nil {
		t.Fatal(err)
	}
	slos, err := promrules.Generate(c, promrules.Options{})
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
	st, _ := setup(t) // an empty store: the status must come from Prometheus
	var got Status
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(500 * time.Millisecond) {
		all, err := EvaluateAllWith(context.Background(), st, src, c, "checkout", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		got = all[0]
		if got.OK && strings.HasPrefix(got.Queries["30d"], "slo:") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no status from Prometheus after 60 s: %+v", got)
		}
	}
	if !strings.HasPrefix(got.Source, "prometheus ") || math.Abs(got.SLI-100.0/101) > 1e-3 {
		t.Errorf("status = source %q SLI %v; want prometheus and 100/101", got.Source, got.SLI)
	}
	if want := 1 - (1.0/101)/0.001; math.Abs(got.Remaining-want) > 0.5 {
		t.Errorf("remaining = %v; want about %v", got.Remaining, want)
	}
	for _, b := range got.BurnRates {
		if b.Window == "5m" && (!b.OK || math.Abs(b.BurnRate-9.9) > 0.2) {
			t.Errorf("5m burn = %+v; want 9.9x", b)
		}
	}
	for _, a := range got.Alerts {
		if a.Name == "page-quick" && a.Firing {
			t.Error("page-quick fires at 9.9x; its threshold is 14.4x")
		}
	}

	// Prometheus down: the store's reason stays, nothing is made up.
	down, _ := promsli.New("http://127.0.0.1:1", time.Second)
	all, err := EvaluateAllWith(context.Background(), st, down, c, "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if all[0].OK || !strings.Contains(all[0].NoData, "unreachable") {
		t.Errorf("with Prometheus down: %+v; want no data and why", all[0])
	}
}
