package promrules

import (
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/prometheus/prometheus/model/rulefmt"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

func generateFile(t *testing.T, dir string, opts Options, format string) []byte {
	t.Helper()
	c, err := catalog.Load(context.Background(), dir)
	if err != nil {
		t.Fatalf("load %s: %v", dir, err)
	}
	slos, err := Generate(c, opts)
	if err != nil {
		t.Fatal(err)
	}
	out, err := Marshal(slos, format, "test")
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestGolden pins the rules generated for every kind of SLI: ratio (bad
// and good), latency with low-traffic protection, weighted-average and
// event-weighted journeys, a calendar window and timeslices.
func TestGolden(t *testing.T) {
	for _, format := range []string{FormatPrometheus, FormatPrometheusRule} {
		t.Run(format, func(t *testing.T) {
			got := generateFile(t, "testdata/kiban", Options{}, format)
			path := "testdata/kiban." + format + ".golden.yaml"
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("generated rules differ from %s (-want +got):\n%s", path, diff)
			}
			if format == FormatPrometheus {
				if err := Validate(got); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

// TestPromtool checks the generated rules with a real promtool and runs
// the unit tests in testdata/promtool: for a ratio SLI, a latency SLI and
// a weighted journey, the page alert fires within 30 minutes of a burst
// burning 20x the budget, the ticket alert fires under a 2x slow burn, and
// nothing fires on a healthy series.
func TestPromtool(t *testing.T) {
	promtool := testenv.Promtool(t)
	dir := t.TempDir()
	rules := generateFile(t, "testdata/kiban", Options{}, FormatPrometheus)
	if err := os.WriteFile(filepath.Join(dir, "rules.yaml"), rules, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(promtool, "check", "rules", filepath.Join(dir, "rules.yaml")).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}
	tests, _ := filepath.Glob("testdata/promtool/*.test.yaml")
	if len(tests) < 3 {
		t.Fatalf("found %d promtool suites", len(tests))
	}
	for _, src := range tests {
		name := filepath.Base(src)
		t.Run(strings.TrimSuffix(name, ".test.yaml"), func(t *testing.T) {
			t.Parallel()
			b, err := os.ReadFile(src)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(promtool, "test", "rules", name)
			cmd.Dir = dir
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("promtool test rules %s: %v\n%s", name, err, out)
			}
		})
	}
}

func TestPeriodRatioAverage(t *testing.T) {
	got := string(generateFile(t, "testdata/kiban", Options{PeriodRatio: PeriodRatioAverage}, FormatPrometheus))
	if strings.Contains(got, "slo:sli_bad_events:rate5m") {
		t.Error("the average form still records event rates")
	}
	if !strings.Contains(got, "count_over_time(slo:sli_error:ratio_rate5m") {
		t.Error("the average form does not average the 5m ratios")
	}
	if _, err := Generate(&catalog.Catalog{}, Options{PeriodRatio: "median"}); err == nil {
		t.Error("an unknown period ratio is accepted")
	}
}

// TestCheck makes sure the validation kiban slo rules runs does reject
// what Prometheus would.
func TestCheck(t *testing.T) {
	good := rulefmt.Rule{Record: "slo:x:ratio", Expr: "sum(rate(x[5m]))", Labels: map[string]string{"a": "b"}}
	tests := []struct {
		name string
		rule rulefmt.Rule
		want string
	}{
		{"bad PromQL", rulefmt.Rule{Record: "r", Expr: "sum(rate(x[5m])"}, "unclosed"},
		{"bad template", rulefmt.Rule{Alert: "A", Expr: "up", Annotations: map[string]string{"summary": "{{ .Broken"}}, "template"},
		{"bad record name", rulefmt.Rule{Record: "bad name", Expr: "up"}, "invalid recording rule name"},
	}
	for _, tt := range tests {
		slos := []SLO{{Groups: []rulefmt.RuleGroup{{Name: "g", Rules: []rulefmt.Rule{good, tt.rule}}}}}
		err := Check(slos)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Check = %v; want an error about %q", tt.name, err, tt.want)
		}
	}
	if err := Check([]SLO{{Groups: []rulefmt.RuleGroup{{Name: "g", Rules: []rulefmt.Rule{good}}}}}); err != nil {
		t.Errorf("Check(valid) = %v", err)
	}
	// Everything generated for the test tree passes both checks.
	c, err := catalog.Load(context.Background(), "testdata/kiban")
	if err != nil {
		t.Fatal(err)
	}
	slos, err := Generate(c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(slos); err != nil {
		t.Error(err)
	}
}

// TestJourneyWithRawStep: a weighted-average journey with a raw step has
// no event counts, so its period ratio averages the 5m ratios, and the
// rules stay valid.
func TestJourneyWithRawStep(t *testing.T) {
	tree := `apiVersion: kiban.dev/v1
kind: Journey
metadata: {name: browse}
spec:
  service: shop
  combine: weightedAverage
  steps:
    - name: home
      weight: 1
      sli: {raw: {errorRatio: '1 - avg(avg_over_time(probe_success{target="home"}[{{.window}}]))'}}
    - name: search
      weight: 2
      sli: {ratio: {bad: 'sum(rate(http_requests_total{route="/search",code=~"5.."}[{{.window}}]))', total: 'sum(rate(http_requests_total{route="/search"}[{{.window}}]))'}}
---
apiVersion: kiban.dev/v1
kind: SLO
metadata: {name: browse}
spec: {service: shop, objective: 99, journey: browse}
`
	catalogDocs := "apiVersion: kiban.dev/v1\nkind: Team\nmetadata: {name: t}\nspec: {}\n---\napiVersion: kiban.dev/v1\nkind: Service\nmetadata: {name: shop}\nspec: {owner: t}\n---\n"
	c, err := catalog.Parse(context.Background(), []catalog.File{{Name: "tree.yaml", Data: []byte(catalogDocs + tree)}})
	if err != nil {
		t.Fatal(err)
	}
	slos, err := Generate(c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(slos); err != nil {
		t.Fatal(err)
	}
	out, err := Marshal(slos, FormatPrometheus, "test")
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate(out); err != nil {
		t.Fatal(err)
	}
	if s := string(out); !strings.Contains(s, "count_over_time(slo:sli_error:ratio_rate5m") || strings.Contains(s, "kiban_step") {
		t.Errorf("a journey with a raw step should use the average period ratio and no step events:\n%s", s)
	}
}

// TestPeriodEqualToAlertWindow: a 1d SLO's period is also the 1d ticket
// window; the rule must be recorded once.
func TestPeriodEqualToAlertWindow(t *testing.T) {
	for _, budgeting := range []string{"", "\n  budgeting: {method: timeslices, sliceLength: 1m, goodSliceThreshold: 0.99}"} {
		tree := "apiVersion: kiban.dev/v1\nkind: Team\nmetadata: {name: t}\nspec: {}\n---\napiVersion: kiban.dev/v1\nkind: Service\nmetadata: {name: s}\nspec: {owner: t}\n---\n" +
			"apiVersion: kiban.dev/v1\nkind: SLO\nmetadata: {name: daily}\nspec:\n  service: s\n  objective: 99\n  window: {rolling: 1d}" + budgeting + "\n  sli: {ratio: {bad: 'sum(rate(x{code=\"500\"}[{{.window}}]))', total: 'sum(rate(x[{{.window}}]))'}}\n"
		c, err := catalog.Parse(context.Background(), []catalog.File{{Name: "t.yaml", Data: []byte(tree)}})
		if err != nil {
			t.Fatal(err)
		}
		slos, err := Generate(c, Options{})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, g := range slos[0].Groups {
			for _, r := range g.Rules {
				if r.Record == "slo:sli_error:ratio_rate1d" {
					n++
				}
			}
		}
		if n != 1 {
			t.Errorf("budgeting %q: slo:sli_error:ratio_rate1d recorded %d times; want once", budgeting, n)
		}
		out, _ := Marshal(slos, FormatPrometheus, "test")
		if err := Validate(out); err != nil {
			t.Error(err)
		}
	}
}
