package catalog

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestOpenSLOConformance checks the exact diagnostics, with file, line,
// column and field path, for the official OpenSLO examples, Sloth's
// OpenSLO v1alpha files and kiban's own fixtures. The official examples
// break the official SDK's own validation in places: they load, with
// warnings.
func TestOpenSLOConformance(t *testing.T) {
	tests := []struct {
		dir      string
		wantLoad bool
		slos     int
	}{
		// Every official v1 SLO is skipped: their metric sources are "Any"
		// or queries without {{.window}}.
		{dir: "spec-repo", wantLoad: true},
		{dir: "go-sdk-v1", wantLoad: true},
		{dir: "sloth", wantLoad: true, slos: 5},
		{dir: "mapped", wantLoad: true, slos: 7},
		{dir: "broken"},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			c, got := lintOutput(t, filepath.Join("testdata/openslo", tt.dir))
			golden(t, filepath.Join("testdata/openslo", tt.dir+".golden"), got)
			if !tt.wantLoad {
				if c != nil || !strings.Contains(got, ": error: ") {
					t.Errorf("the broken tree loads; want errors:\n%s", got)
				}
				return
			}
			if c == nil {
				t.Fatalf("the tree does not load:\n%s", got)
			}
			if len(c.SLOs) != tt.slos {
				t.Errorf("%d SLOs; want %d", len(c.SLOs), tt.slos)
			}
		})
	}
}

// TestOpenSLOOfficialExamplesLoadTogether loads every official example in
// one tree, as kiban slo rules would.
func TestOpenSLOOfficialExamplesLoadTogether(t *testing.T) {
	var files []File
	for _, dir := range []string{"spec-repo", "go-sdk-v1", "sloth"} {
		files = append(files, readDir(t, filepath.Join("testdata/openslo", dir))...)
	}
	c, err := Parse(context.Background(), files)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	var ids []string
	for _, s := range c.SLOs {
		ids = append(ids, s.ID())
	}
	want := []string{"home-wifi-good-wifi-client-satisfaction", "home-wifi-risk-wifi-client-satisfaction", "my-service-sloth-slo-my-service-0", "myservice-requests-availability", "svc01-slo1-0"}
	if diff := cmp.Diff(want, ids); diff != "" {
		t.Errorf("SLOs (-want +got):\n%s", diff)
	}
	if c.Documents != 25 {
		t.Errorf("Documents = %d; want 25 (the SDK's lists count one document per item)", c.Documents)
	}
}

// mappedSLO is what a test checks of a mapped SLO.
type mappedSLO struct {
	ID        string
	Title     string
	Objective float64
	Window    SLOWindow
	Budgeting Budgeting
	// SLI is ratio, raw or journey, with its queries.
	SLI     string
	Queries []string
	Labels  map[string]string
}

func summarize(s *SLO) mappedSLO {
	m := mappedSLO{ID: s.ID(), Title: s.Title, Objective: s.Spec.Objective, Window: s.Spec.Window, Budgeting: s.Spec.Budgeting, Labels: s.Spec.Labels}
	switch {
	case s.Spec.Journey != "":
		m.SLI, m.Queries = "journey", []string{s.Spec.Journey}
	case s.Spec.SLI.Ratio != nil:
		r := s.Spec.SLI.Ratio
		m.SLI = "ratio"
		for _, q := range []struct{ name, q string }{{"good", r.Good}, {"bad", r.Bad}, {"total", r.Total}} {
			if q.q != "" {
				m.Queries = append(m.Queries, q.name+": "+strings.TrimSpace(q.q))
			}
		}
	case s.Spec.SLI.Raw != nil:
		m.SLI, m.Queries = "raw", []string{s.Spec.SLI.Raw.ErrorRatio}
	}
	return m
}

// TestOpenSLOMapping checks the kiban SLOs of each fixture. The official
// examples are read with their "Any" placeholders replaced by PromQL, so
// that the rest of their mapping is checked too.
func TestOpenSLOMapping(t *testing.T) {
	const (
		good  = `sum(rate(http_requests_total{code!~"5.."}[{{.window}}]))`
		total = `sum(rate(http_requests_total[{{.window}}]))`
		p99   = `histogram_quantile(0.99, sum by (le) (rate(search_seconds_bucket[5m])))`
	)
	promAny := func(query string) map[string]string {
		return map[string]string{"type: Any": "type: Prometheus", "query: Any": "query: " + query}
	}
	ratio := func(extra map[string]string) map[string]string {
		// The first "query: Any" is good's, the second total's: see
		// below.
		r := map[string]string{"type: Any": "type: Prometheus"}
		for k, v := range extra {
			r[k] = v
		}
		return r
	}
	nyWeek := SLOWindow{Calendar: "week", TimeZone: "America/New_York"}
	nyMonth := SLOWindow{Calendar: "month", TimeZone: "America/New_York"}
	ratioQueries := []string{"good: " + good, "total: " + total}
	tests := []struct {
		name     string
		files    []string
		rewrite  map[string]string
		wantErr  string // a diagnostic the tree must fail with
		want     []mappedSLO
		journeys int
	}{
		{
			name:    "spec-repo occurrences (thresholdMetric)",
			files:   []string{"spec-repo/budgeting-method__occurences-slo.yaml"},
			rewrite: promAny(p99),
			want: []mappedSLO{{
				ID: "web-shop-search-slo", Title: "Searching time", Objective: 99, Window: SLOWindow{Rolling: "2w"},
				Budgeting: Budgeting{Method: BudgetingOccurrences}, SLI: "raw",
				Queries: []string{"1 - avg_over_time(((" + p99 + ") < bool 500)[{{.window}}:1m])"},
			}},
		},
		{
			name:    "spec-repo RatioTimeslices without timeSliceTarget",
			files:   []string{"spec-repo/budgeting-method__ratio-timeslices.yaml"},
			rewrite: ratio(nil),
			wantErr: `budgeting-method__ratio-timeslices.yaml:31:7: error: spec.objectives[0]: missing field "timeSliceTarget": kiban cannot average the slices' ratios`,
		},
		{
			name:    "spec-repo RatioTimeslices with timeSliceTarget",
			files:   []string{"spec-repo/budgeting-method__ratio-timeslices.yaml"},
			rewrite: ratio(map[string]string{"timeSliceWindow: 1m": "timeSliceWindow: 1m\n      timeSliceTarget: 0.9"}),
			want: []mappedSLO{{
				ID: "web-shop-main-page", Title: "Main page availability", Objective: 99, Window: SLOWindow{Rolling: "2w"},
				Budgeting: Budgeting{Method: BudgetingTimeslices, SliceLength: "1m", GoodSliceThreshold: 0.9}, SLI: "ratio", Queries: ratioQueries,
			}},
		},
		{
			name:    "spec-repo Timeslices, calendar 1m (a minute)",
			files:   []string{"spec-repo/budgeting-method__timeslices-slo.yaml"},
			rewrite: ratio(nil),
			wantErr: "budgeting-method__timeslices-slo.yaml:27:17: error: spec.timeWindow[0].duration: calendar window 1m is not supported (m is minutes: a month is 1M)",
		},
		{
			name:    "spec-repo Timeslices, calendar 1M, two objectives",
			files:   []string{"spec-repo/budgeting-method__timeslices-slo.yaml"},
			rewrite: ratio(map[string]string{"duration: 1m #": "duration: 1M #"}),
			want: []mappedSLO{
				{
					ID: "web-availability-service-availability-internal-objective", Title: "Reflaction of out availability SLA: Internal objective",
					Objective: 99.5, Window: nyMonth, Budgeting: Budgeting{Method: BudgetingTimeslices, SliceLength: "1m", GoodSliceThreshold: 0.99},
					SLI: "ratio", Queries: ratioQueries,
				},
				{
					ID: "web-availability-service-availability-sla", Title: "Reflaction of out availability SLA: SLA",
					Objective: 99, Window: nyMonth, Budgeting: Budgeting{Method: BudgetingTimeslices, SliceLength: "1m", GoodSliceThreshold: 0.99},
					SLI: "ratio", Queries: ratioQueries,
				},
			},
		},
		{
			name:    "spec-repo low traffic, calendar week",
			files:   []string{"spec-repo/treat-low-traffic-as-equally-important__timeslices-slo.yaml"},
			rewrite: ratio(nil),
			want: []mappedSLO{{
				ID: "web-availability-service-availability", Title: "SLO for this important service", Objective: 99.95, Window: nyWeek,
				Budgeting: Budgeting{Method: BudgetingTimeslices, SliceLength: "1m", GoodSliceThreshold: 0.95}, SLI: "ratio", Queries: ratioQueries,
			}},
		},
		{
			name:  "go-sdk slos.yaml",
			files: []string{"go-sdk-v1/slos.yaml"},
			rewrite: map[string]string{
				`query: sum(http_requests{k8s_cluster="prod",component="web",code=~"2xx|4xx"})`: `query: sum(rate(http_requests{component="web",code=~"2..|4.."}[{{.window}}]))`,
				`query: sum(http_requests{k8s_cluster="prod",component="web"})`:                 `query: sum(rate(http_requests{component="web"}[{{.window}}]))`,
			},
			want: []mappedSLO{{
				ID: "web-web-availability", Title: "SLO for web availability", Objective: 99.5, Window: nyWeek,
				Budgeting: Budgeting{Method: BudgetingTimeslices, SliceLength: "1m", GoodSliceThreshold: 0.95}, SLI: "ratio",
				Queries: []string{`good: sum(rate(http_requests{component="web",code=~"2..|4.."}[{{.window}}]))`, `total: sum(rate(http_requests{component="web"}[{{.window}}]))`},
				Labels:  map[string]string{"env": "prod", "team": "team-a,team-b"},
			}},
		},
		{
			name:  "go-sdk decode_v1_slos.yaml, no time window",
			files: []string{"go-sdk-v1/decode_v1_slos.yaml"},
			rewrite: map[string]string{
				`query: http_requests_total{status_code="200"}`: `query: sum(rate(http_requests_total{status_code="200"}[{{.window}}]))`,
				`query: http_requests_total{}`:                  `query: sum(rate(http_requests_total[{{.window}}]))`,
			},
			want: []mappedSLO{{
				ID: "foo-foo-slo", Title: "Foo SLO", Objective: 98, Budgeting: Budgeting{Method: BudgetingOccurrences}, SLI: "ratio",
				Queries: []string{`good: sum(rate(http_requests_total{status_code="200"}[{{.window}}]))`, "total: " + total},
			}},
		},
		{
			name:  "Sloth's OpenSLO v1alpha",
			files: []string{"sloth/in-openslo.yaml", "sloth/openslo-getting-started.yml"},
			want: []mappedSLO{
				{
					ID: "my-service-sloth-slo-my-service-0", Title: "Requests Availability", Objective: 99.9, Window: SLOWindow{Rolling: "30d"},
					Budgeting: Budgeting{Method: BudgetingOccurrences}, SLI: "ratio",
					Queries: []string{
						`good: sum(rate(http_request_duration_seconds_count{job="myservice",code!~"(5..|429)"}[{{.window}}]))`,
						`total: sum(rate(http_request_duration_seconds_count{job="myservice"}[{{.window}}]))`,
					},
				},
				{
					ID: "svc01-slo1-0", Title: "Integration test SLO1", Objective: 99.9, Window: SLOWindow{Rolling: "30d"},
					Budgeting: Budgeting{Method: BudgetingOccurrences}, SLI: "ratio",
					Queries: []string{
						`good: sum(rate(http_request_duration_seconds_count{job="myservice",code!~"(5..|429)"}[{{.window}}]))`,
						`total: sum(rate(http_request_duration_seconds_count{job="myservice"}[{{.window}}]))`,
					},
				},
			},
		},
		{
			name:     "kiban's fixtures: indicatorRef, DataSource, raw, threshold, composite",
			files:    []string{"mapped/composite.yaml", "mapped/slis.yaml", "mapped/slos.yaml"},
			journeys: 1,
			want: []mappedSLO{
				{
					ID: "checkout-availability", Title: "Checkout availability", Objective: 99.9, Window: SLOWindow{Rolling: "28d"},
					Budgeting: Budgeting{Method: BudgetingOccurrences}, SLI: "ratio",
					Queries: []string{
						`good: sum(rate(http_requests_total{job="checkout",code!~"5.."}[{{.window}}]))`,
						`total: sum(rate(http_requests_total{job="checkout"}[{{.window}}]))`,
					},
					Labels: map[string]string{"tier": "1", "owners": "shop,payments", "cost_centre": "retail"},
				},
				{
					ID: "checkout-checkout-journey", Title: "Checkout journey", Objective: 99.9, Window: SLOWindow{Rolling: "28d"},
					Budgeting: Budgeting{Method: BudgetingOccurrences}, SLI: "journey", Queries: []string{"checkout-journey"},
				},
				{
					ID: "checkout-payments", Objective: 99.5, Window: SLOWindow{Calendar: "month", TimeZone: "Europe/Paris"},
					Budgeting: Budgeting{Method: BudgetingOccurrences}, SLI: "ratio",
					Queries: []string{`bad: sum(rate(payments_total{result="error"}[{{.window}}]))`, `total: sum(rate(payments_total[{{.window}}]))`},
				},
				{
					ID: "home-wifi-wifi", Objective: 95, Window: SLOWindow{Rolling: "1w"},
					Budgeting: Budgeting{Method: BudgetingTimeslices, SliceLength: "5m", GoodSliceThreshold: 0.9}, SLI: "raw",
					Queries: []string{"1 - (sum(sum_over_time(client_satisfaction_ratio[{{.window}}]))\n/\nsum(count_over_time(client_satisfaction_ratio[{{.window}}])))"},
				},
				{
					ID: "orders-order-lag", Objective: 99, Window: SLOWindow{Rolling: "7d"}, Budgeting: Budgeting{Method: BudgetingOccurrences}, SLI: "raw",
					Queries: []string{`1 - avg_over_time(((sum(max_over_time(kafka_consumergroup_lag{consumergroup="orders"}[2m]))) <= bool 100)[{{.window}}:1m])`},
				},
				{
					ID: "search-search-latency-acceptable", Title: "Search latency: Acceptable", Objective: 99.9, Window: SLOWindow{Rolling: "30d"},
					Budgeting: Budgeting{Method: BudgetingOccurrences}, SLI: "raw",
					Queries: []string{"1 - avg_over_time(((histogram_quantile(0.99, sum by (le) (rate(search_duration_seconds_bucket[5m])))) < bool 1)[{{.window}}:1m])"},
				},
				{
					ID: "search-search-latency-fast", Title: "Search latency: Fast", Objective: 95, Window: SLOWindow{Rolling: "30d"},
					Budgeting: Budgeting{Method: BudgetingOccurrences}, SLI: "raw",
					Queries: []string{"1 - avg_over_time(((histogram_quantile(0.99, sum by (le) (rate(search_duration_seconds_bucket[5m])))) < bool 0.3)[{{.window}}:1m])"},
				},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var files []File
			for _, name := range tt.files {
				path := filepath.Join("testdata/openslo", name)
				b, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				src := string(b)
				for _, k := range sortedKeys(tt.rewrite) {
					if !strings.Contains(src, k) {
						t.Fatalf("%s does not contain %q", path, k)
					}
					src = strings.ReplaceAll(src, k, tt.rewrite[k])
				}
				// The ratio examples say "query: Any" for good and total.
				src = strings.Replace(src, "query: Any", "query: '"+good+"'", 1)
				src = strings.Replace(src, "query: Any", "query: '"+total+"'", 1)
				files = append(files, File{Name: path, Data: []byte(src)})
			}
			c, err := Parse(context.Background(), files)
			if tt.wantErr != "" {
				var cerr *Error
				if !errors.As(err, &cerr) {
					t.Fatalf("Parse = %v; want an error %q", err, tt.wantErr)
				}
				var all []string
				for _, d := range cerr.Diagnostics {
					all = append(all, d.String())
				}
				if !slices.ContainsFunc(all, func(s string) bool { return strings.Contains(s, tt.wantErr) }) {
					t.Errorf("diagnostics:\n%s\nwant one containing %q", strings.Join(all, "\n"), tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			var got []mappedSLO
			for _, s := range c.SLOs {
				if s.Source.Format != "openslo" {
					t.Errorf("%s: format %q; want openslo", s.ID(), s.Source.Format)
				}
				got = append(got, summarize(s))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("SLOs (-want +got):\n%s", diff)
			}
			if len(c.Journeys) != tt.journeys {
				t.Errorf("%d journeys; want %d", len(c.Journeys), tt.journeys)
			}
		})
	}
}

// TestOpenSLOComposite checks that a composite SLO becomes a journey of
// its objectives, weighted by compositeWeight, and an SLO of the journey.
func TestOpenSLOComposite(t *testing.T) {
	c, err := Parse(context.Background(), readDir(t, "testdata/openslo/mapped"))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Journeys) != 1 {
		t.Fatalf("%d journeys; want 1", len(c.Journeys))
	}
	j := c.Journeys[0]
	want := JourneySpec{
		Service: "checkout", Description: "Add to cart, then pay", Combine: CombineWeightedAverage,
		Steps: []JourneyStep{
			{Name: "add-to-cart", Description: "Add to cart", Weight: 1, SLI: &SLI{Ratio: &RatioSLI{
				Bad:   `sum(rate(http_requests_total{route="/cart",code=~"5.."}[{{.window}}]))`,
				Total: `sum(rate(http_requests_total{route="/cart"}[{{.window}}]))`,
			}}},
			// No displayName: the step is named after its SLI.
			{Name: "payment-errors", Weight: 3, SLI: &SLI{Ratio: &RatioSLI{
				Bad:   `sum(rate(payments_total{result="error"}[{{.window}}]))`,
				Total: `sum(rate(payments_total[{{.window}}]))`,
			}}},
		},
	}
	if j.Name != "checkout-journey" || j.Title != "Checkout journey" || j.Source.Format != "openslo" {
		t.Errorf("journey %q title %q format %q", j.Name, j.Title, j.Source.Format)
	}
	if diff := cmp.Diff(want, j.Spec); diff != "" {
		t.Errorf("journey (-want +got):\n%s", diff)
	}
	// Diagnostics about a step point at its objective.
	if got := j.SourcePath("steps[1].weight"); got != "spec.objectives[1].compositeWeight" {
		t.Errorf("SourcePath(steps[1].weight) = %q", got)
	}
	if got := j.SourcePath("steps[0].sli.ratio.bad"); got != "spec.objectives[0].indicator.spec.ratioMetric.bad.metricSource.spec.query" {
		t.Errorf("SourcePath(steps[0].sli.ratio.bad) = %q", got)
	}
	// The SLI of another object is reported at the reference.
	if got := j.SourcePath("steps[1].sli.ratio.bad"); got != "spec.objectives[1].indicatorRef" {
		t.Errorf("SourcePath(steps[1].sli.ratio.bad) = %q", got)
	}
	var warned bool
	for _, d := range c.Warnings {
		if strings.HasSuffix(d.File, "composite.yaml") && d.Line == 35 && strings.Contains(d.Message, "different targets") {
			warned = true
		}
	}
	if !warned {
		t.Errorf("no warning about the objectives' different targets:\n%v", c.Warnings)
	}
}

// TestOpenSLOIndicatorRefAcrossFiles resolves an SLO's indicatorRef to an
// SLI of another file, and reports it at the reference when the SLI is
// not there.
func TestOpenSLOIndicatorRefAcrossFiles(t *testing.T) {
	slos := readDir(t, "testdata/openslo/mapped/slos.yaml")
	slis := readDir(t, "testdata/openslo/mapped/slis.yaml")
	_, err := Parse(context.Background(), slos)
	var cerr *Error
	if !errors.As(err, &cerr) {
		t.Fatalf("Parse without the SLIs = %v; want errors", err)
	}
	var got []string
	for _, d := range cerr.Diagnostics.Errors() {
		got = append(got, d.String())
	}
	want := []string{
		`testdata/openslo/mapped/slos.yaml:17:17: error: spec.indicatorRef: indicatorRef "http-availability" is not an SLI defined in the tree`,
		`testdata/openslo/mapped/slos.yaml:32:17: error: spec.indicatorRef: indicatorRef "payment-errors" is not an SLI defined in the tree`,
		`testdata/openslo/mapped/slos.yaml:51:17: error: spec.indicatorRef: indicatorRef "wifi-satisfaction" is not an SLI defined in the tree`,
		`testdata/openslo/mapped/slos.yaml:67:17: error: spec.indicatorRef: indicatorRef "queue-lag" is not an SLI defined in the tree`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}

	// In either order, the references resolve.
	for _, files := range [][]File{append(slices.Clone(slos), slis...), append(slices.Clone(slis), slos...)} {
		c, err := Parse(context.Background(), files)
		if err != nil {
			t.Fatalf("Parse: %v", err)
		}
		if len(c.SLOs) != 6 {
			t.Errorf("%d SLOs; want 6", len(c.SLOs))
		}
		for _, s := range c.SLOs {
			if s.Spec.SLI == nil {
				t.Errorf("%s has no SLI", s.ID())
			}
		}
		a := c.SLOs[slices.IndexFunc(c.SLOs, func(s *SLO) bool { return s.Name == "availability" })]
		// The metric source's type comes from the DataSource it names.
		if a.Spec.SLI.Ratio == nil || !strings.Contains(a.Spec.SLI.Ratio.Good, `job="checkout"`) {
			t.Errorf("availability SLI = %+v", a.Spec.SLI)
		}
		if got := a.SourcePath("sli.ratio.good"); got != "spec.indicatorRef" {
			t.Errorf("SourcePath(sli.ratio.good) = %q; want spec.indicatorRef", got)
		}
		if got := a.SourcePath("objective"); got != "spec.objectives[0].target" {
			t.Errorf("SourcePath(objective) = %q", got)
		}
	}
}

// TestOpenSLOSkippedSLIDoesNotBlock: an SLI that no evaluated SLO uses
// does not block the tree, even when it is broken.
func TestOpenSLOSkippedSLIDoesNotBlock(t *testing.T) {
	src := `apiVersion: openslo/v1
kind: SLI
metadata:
  name: broken
spec:
  ratioMetric:
    counter: maybe
    good:
      metricSource:
        type: Datadog
        spec:
          query: sum:trace.http.request.hits{*}.as_count()
    total:
      metricSource:
        type: Datadog
        spec:
          query: sum:trace.http.request.hits{*}.as_count()
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: dd
spec:
  service: web
  indicatorRef: broken
  budgetingMethod: Occurrences
  timeWindow: [{duration: 28d, isRolling: true}]
  objectives: [{target: 0.99}]
`
	c, err := Parse(context.Background(), []File{{Name: "dd.yaml", Data: []byte(src)}})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	var got []string
	for _, d := range c.Warnings {
		got = append(got, d.String())
	}
	want := []string{
		`dd.yaml:7:14: warning: spec.ratioMetric.counter: expected true or false, found a string "maybe"`,
		`dd.yaml:10:15: warning: spec.ratioMetric.good.metricSource.type: metric source type "Datadog" is not Prometheus: kiban evaluates PromQL only; SLO "dd" is skipped`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}

// TestOpenSLODuplicateSLI: a reference to an SLI defined twice is
// ambiguous.
func TestOpenSLODuplicateSLI(t *testing.T) {
	sli := "apiVersion: openslo/v1\nkind: SLI\nmetadata: {name: avail}\nspec:\n  ratioMetric:\n    good: {metricSource: {type: Prometheus, spec: {query: 'sum(rate(ok[{{.window}}]))'}}}\n    total: {metricSource: {type: Prometheus, spec: {query: 'sum(rate(all[{{.window}}]))'}}}\n"
	slo := "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: web}\nspec:\n  service: web\n  indicatorRef: avail\n  budgetingMethod: Occurrences\n  timeWindow: [{duration: 28d, isRolling: true}]\n  objectives: [{target: 0.99}]\n"
	files := []File{{Name: "a.yaml", Data: []byte(sli)}, {Name: "b.yaml", Data: []byte(sli)}, {Name: "slo.yaml", Data: []byte(slo)}}
	_, err := Parse(context.Background(), files)
	var cerr *Error
	if !errors.As(err, &cerr) {
		t.Fatalf("Parse = %v; want an error", err)
	}
	var got []string
	for _, d := range cerr.Diagnostics {
		got = append(got, d.String())
	}
	want := []string{
		`b.yaml:3:18: warning: metadata.name: duplicate SLI "avail"; first defined at a.yaml:1; this one is ignored`,
		`slo.yaml:6:17: error: spec.indicatorRef: indicatorRef "avail" is ambiguous: SLI "avail" is defined at a.yaml:1 and at b.yaml:1`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("diagnostics (-want +got):\n%s", diff)
	}
}

// TestImportOpenSLO checks the kiban documents printed for OpenSLO and
// Sloth files; the CLI test loads them back.
func TestImportOpenSLO(t *testing.T) {
	for _, tt := range []struct {
		format, dir string
	}{{FormatOpenSLO, "mapped"}, {FormatSloth, "sloth"}} {
		conv, err := ConvertSLOs(context.Background(), readDir(t, filepath.Join("testdata/openslo", tt.dir)), tt.format)
		if err != nil {
			t.Fatal(err)
		}
		if conv.Diagnostics.HasErrors() {
			t.Fatalf("%s: diagnostics: %v", tt.dir, conv.Diagnostics)
		}
		for _, d := range conv.Diagnostics {
			if strings.Contains(d.Message, "not in the catalog") {
				t.Errorf("import warns about the catalog, which it does not have: %v", d)
			}
		}
		out, err := MarshalSLODocuments(conv.Journeys, conv.SLOs)
		if err != nil {
			t.Fatal(err)
		}
		golden(t, filepath.Join("testdata/openslo", "import-"+tt.dir+".golden.yaml"), string(out))
	}
	// OpenSLO v1 is not Sloth's: import sloth leaves it out.
	conv, err := ConvertSLOs(context.Background(), readDir(t, "testdata/openslo/mapped"), FormatSloth)
	if err != nil || len(conv.SLOs) != 0 {
		t.Errorf("import sloth of OpenSLO v1 = %d SLOs, %v; want none", len(conv.SLOs), err)
	}
	if _, err := ConvertSLOs(context.Background(), nil, "nobl9"); err == nil {
		t.Error("unknown format accepted")
	}
}

func TestPercentOf(t *testing.T) {
	for in, want := range map[float64]float64{0.999: 99.9, 0.9995: 99.95, 0.98: 98, 0.5: 50, 0.99999: 99.999, 0: 0, 0.123456789: 12.3456789} {
		if got := percentOf(in); got != want {
			t.Errorf("percentOf(%v) = %v; want %v", in, got, want)
		}
	}
}

func TestOpenSLONames(t *testing.T) {
	for in, want := range map[string]string{"Good experience": "good-experience", "SLA": "sla", "  Foo -- Bar!": "foo-bar", "été": "t", "": ""} {
		if got := slug(in); got != want {
			t.Errorf("slug(%q) = %q; want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"team": "team", "cost-centre": "cost_centre", "openslo.com/tier": "openslo_com_tier", "1st": "_1st", "": "_"} {
		if got := promLabelName(in); got != want {
			t.Errorf("promLabelName(%q) = %q; want %q", in, got, want)
		}
	}
}

// FuzzParseOpenSLO feeds arbitrary bytes seeded with OpenSLO documents
// to the loader: it must not panic, and a failure must be a list of
// diagnostics that each name the file.
func FuzzParseOpenSLO(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/openslo/*/*.y*ml")
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("- apiVersion: openslo/v1\n- - apiVersion: openslo/v1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkParse(t, data)
		// Whatever the input, the import never fails differently.
		if _, err := ConvertSLOs(context.Background(), []File{{Name: "fuzz.yaml", Data: data}}, FormatOpenSLO); err != nil {
			t.Fatal(err)
		}
	})
}
