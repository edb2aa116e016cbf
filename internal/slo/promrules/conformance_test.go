package promrules

// The Sloth conformance suite: kiban's rules for Sloth's own example specs
// and integration inputs (testdata/sloth, copied from Sloth; see
// testdata/sloth/SOURCE.txt) are compared with the rules Sloth generated
// for them, first structurally, then by meaning with a real promtool that
// evaluates both rule sets side by side over the same input series.
//
// Deliberate differences between kiban and Sloth, which the suite allows:
//
//   - sloth_slo_info: sloth_mode is "kiban" (Sloth: cli-gen-prom,
//     cli-gen-openslo…), sloth_version is kiban's version and sloth_spec
//     names the document format kiban read. These three labels are ignored;
//     every other label of sloth_slo_info must match.
//   - The period error ratio (slo:sli_error:ratio_rate<period>) is
//     traffic-weighted by default (errors over the period divided by events
//     over the period), which records two more rules per SLO
//     (slo:sli_bad_events:rate5m and slo:sli_total_events:rate5m). Sloth
//     averages the 5m ratios; kiban does too with PeriodRatioAverage, which
//     this suite always uses and where kiban records no rule Sloth lacks.
//   - Rule order: kiban writes the SLOs by service, then by SLO name (for
//     in-base.yaml: slo02 before slo1; Sloth keeps the file's order), so
//     rules are compared as a set keyed by group, name, window and
//     severity. Within a group kiban's order is Sloth's, but it is not
//     compared.
//   - Expression formatting: whitespace, line breaks and redundant
//     parentheses differ (kiban trims queries and writes `|-` blocks;
//     Sloth wraps an OpenSLO ratio in one more pair). Expressions are
//     compared after Prometheus' parser has read them, without their
//     parentheses (but with one pair around every operand that is an
//     operation), and by evaluation.
//   - Alerts: kiban adds a runbook_url annotation when the SLO or its
//     service in the catalog names a runbook, and the owning team's label
//     (team) when the service is in the catalog. No service here is in a
//     catalog, so labels must be equal; a runbook_url annotation Sloth's
//     alert lacks is tolerated.
//
// Sloth's behaviour the suite holds kiban to, beyond the obvious (the
// structural check fails and says where kiban departs from it):
//
//   - --extra-labels (Options.ExtraLabels) label the recording rules only:
//     Sloth's alert rules do not carry them (the alerts get them anyway,
//     from the SLI series they select).
//   - Burn-rate factors are printed as Sloth computes them, budget percent ×
//     period in hours / 100 / long window in hours: 5.6000000000000005 and
//     2.8000000000000003 for 28d, 1.4000000000000001 for the 7d windows.
//   - Sloth generates no alerts for OpenSLO v1alpha SLOs, whose format has
//     no alerting.
//
// The semantic check runs promtool on sloth.yaml (Sloth's rules as they
// are) and kiban.yaml (kiban's, every recorded metric and alert renamed
// kiban_<name>, in expressions too) with hand-made input series: a healthy
// stretch, an error burst that makes the page and ticket alerts fire, a slow
// burn that makes only the ticket alert fire and, for the counter-based
// cases, two hours without traffic near the end (0/0 ratios: NaN). It
// asserts that every recorded series exists on both sides with the same
// labels and value (NaN included) and that both sets of alerts fire with
// the same labels at the same times. Input series have a sample every 5
// minutes and rules are evaluated every 10 minutes over three days, which
// keeps every range query under promtool's limit of 10000 samples (a 3d
// window holds 865 samples of an input series) and the suite fast.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/slo"
	"kiban.dev/kiban/internal/testenv"
)

const slothDir = "testdata/sloth"

// Scenario timing: samples every 5 minutes and rule evaluations every 10
// minutes for three days. Every check is made at a multiple of
// scenarioEval, when both rule sets have just been evaluated.
const (
	scenarioStep    = 5 * time.Minute
	scenarioEval    = 10 * time.Minute
	scenarioHorizon = 72 * time.Hour
)

// firing is an expectation on an alert of Sloth's (and so kiban's) at one
// time.
type firing struct {
	sloID, alert string
	severity     string // page or ticket
	at           time.Duration
	fires        bool
}

type slothCase struct {
	name string
	// inputs are files under testdata/sloth copied, at the same relative
	// paths, into the tree kiban reads.
	inputs []string
	// want is Sloth's output; a .tpl file is rendered with version "dev".
	want string
	opts Options
	// disableAlerts emulates Sloth's --disable-alerts: the inputs are
	// rewritten with page_alert and ticket_alert disabled in every SLO.
	disableAlerts bool
	// openSLO cases are skipped while the catalog cannot read OpenSLO
	// v1alpha, and run as soon as it can.
	openSLO bool
	// structuralOnly cases are not run under promtool.
	structuralOnly bool
	series         []inputSeries
	firings        []firing
}

var examplesOpts = Options{ExtraLabels: map[string]string{"cmd": "examplesgen.sh"}}

func slothCases() []slothCase {
	return []slothCase{
		{
			name:    "examples/getting-started",
			inputs:  []string{"examples/getting-started.yml"},
			want:    "examples/_gen/getting-started.yml",
			opts:    examplesOpts,
			series:  httpSeries("myservice"),
			firings: httpFirings("myservice-requests-availability", "MyServiceHighErrorRate"),
		},
		{
			name:   "examples/home-wifi",
			inputs: []string{"examples/home-wifi.yml"},
			want:   "examples/_gen/home-wifi.yml",
			opts:   examplesOpts,
			series: wifiSeries(),
			firings: slices.Concat(
				wifiFirings("home-wifi-good-wifi-client-satisfaction", "GoodWifiClientSatisfaction", true),
				wifiFirings("home-wifi-risk-wifi-client-satisfaction", "RiskWifiClientSatisfaction", false),
			),
		},
		{
			name:   "examples/kubernetes-apiserver",
			inputs: []string{"examples/kubernetes-apiserver.yml"},
			want:   "examples/_gen/kubernetes-apiserver.yml",
			opts:   examplesOpts,
			series: apiserverSeries(),
			firings: slices.Concat(
				httpFirings("k8s-apiserver-requests-availability", "K8sApiserverAvailabilityAlert"),
				httpFirings("k8s-apiserver-requests-latency", "K8sApiserverLatencyAlert"),
			),
		},
		{
			name:   "examples/no-alerts",
			inputs: []string{"examples/no-alerts.yml"},
			want:   "examples/_gen/no-alerts.yml",
			opts:   examplesOpts,
			series: httpSeries("myapp"),
		},
		{
			name:    "examples/raw-home-wifi",
			inputs:  []string{"examples/raw-home-wifi.yml"},
			want:    "examples/_gen/raw-home-wifi.yml",
			opts:    examplesOpts,
			series:  wifiSeries(),
			firings: wifiFirings("home-wifi-wifi-client-satisfaction", "WifiClientSatisfaction", true),
		},
		{
			name:    "examples/openslo-getting-started",
			inputs:  []string{"examples/openslo-getting-started.yml"},
			want:    "examples/_gen/openslo-getting-started.yml",
			opts:    examplesOpts,
			openSLO: true,
			series:  httpSeries("myservice"),
		},
		{
			name:    "integration/out-base",
			inputs:  []string{"integration/testdata/in-base.yaml"},
			want:    "integration/testdata/out-base.yaml.tpl",
			series:  httpSeries("myservice"),
			firings: httpFirings("svc01-slo1", "myServiceAlert"),
		},
		{
			name:          "integration/out-base-no-alerts",
			inputs:        []string{"integration/testdata/in-base.yaml"},
			want:          "integration/testdata/out-base-no-alerts.yaml.tpl",
			disableAlerts: true,
			series:        httpSeries("myservice"),
		},
		{
			name:    "integration/out-base-28d",
			inputs:  []string{"integration/testdata/in-base.yaml"},
			want:    "integration/testdata/out-base-28d.yaml.tpl",
			opts:    Options{DefaultPeriod: 28 * slo.Day},
			series:  httpSeries("myservice"),
			firings: httpFirings("svc01-slo1", "myServiceAlert"),
		},
		{
			name:    "integration/out-base-custom-windows-7d",
			inputs:  []string{"integration/testdata/in-base.yaml", "integration/windows/7d.yaml"},
			want:    "integration/testdata/out-base-custom-windows-7d.yaml.tpl",
			opts:    Options{DefaultPeriod: 7 * slo.Day},
			series:  httpSeries("myservice"),
			firings: httpFirings("svc01-slo1", "myServiceAlert"),
		},
		// Sloth's default alert windows written out (google-30d.yaml,
		// google-28d.yaml) give the rules kiban's built-in windows give.
		{
			name:           "integration/out-base+google-30d",
			inputs:         []string{"integration/testdata/in-base.yaml", "google-30d.yaml"},
			want:           "integration/testdata/out-base.yaml.tpl",
			structuralOnly: true,
		},
		{
			name:           "integration/out-base-28d+google-28d",
			inputs:         []string{"integration/testdata/in-base.yaml", "google-28d.yaml"},
			want:           "integration/testdata/out-base-28d.yaml.tpl",
			opts:           Options{DefaultPeriod: 28 * slo.Day},
			structuralOnly: true,
		},
		{
			name:    "integration/out-openslo",
			inputs:  []string{"integration/testdata/in-openslo.yaml"},
			want:    "integration/testdata/out-openslo.yaml.tpl",
			openSLO: true,
			series:  httpSeries("myservice"),
		},
	}
}

// TestConformanceSloth runs every case: structural equivalence, then
// semantic equivalence under promtool.
func TestConformanceSloth(t *testing.T) {
	t.Run("promtool-harness", func(t *testing.T) { checkPromtoolHarness(t, testenv.Promtool(t)) })
	for _, c := range slothCases() {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			kibanRules := generateForSloth(t, c)
			slothRules := readSlothRules(t, c.want)
			kibanGroups := parseRuleFile(t, "kiban", kibanRules)
			slothGroups := parseRuleFile(t, "sloth", slothRules)
			sv, kv := slothStructure(t, slothGroups), slothStructure(t, kibanGroups)
			allowKibanExtras(sv, kv)
			if diff := cmp.Diff(sv, kv); diff != "" {
				t.Errorf("kiban's rules differ structurally from Sloth's %s (-sloth +kiban):\n%s%s", c.want, diff, numberHints(sv, kv))
			}
			if !c.structuralOnly {
				runSemantic(t, testenv.Promtool(t), c, slothRules, slothGroups, kibanGroups)
			}
		})
	}
}

// generateForSloth builds the case's tree in a temporary directory, reads
// it and generates kiban's rules in Sloth's (average) form. It skips an
// OpenSLO case while the catalog cannot read OpenSLO.
func generateForSloth(t *testing.T, c slothCase) []byte {
	t.Helper()
	dir := t.TempDir()
	for _, in := range c.inputs {
		b, err := os.ReadFile(filepath.Join(slothDir, in))
		if err != nil {
			t.Fatal(err)
		}
		if c.disableAlerts {
			b = disableSlothAlerts(t, b)
		}
		dst := filepath.Join(dir, filepath.FromSlash(in))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cat, err := catalog.Load(context.Background(), dir)
	if err != nil {
		if c.openSLO && strings.Contains(err.Error(), `unknown apiVersion "openslo/v1alpha"`) {
			t.Skipf("OpenSLO v1alpha: not yet read by the catalog (%v)", err)
		}
		t.Fatalf("load %v: %v", c.inputs, err)
	}
	opts := c.opts
	opts.PeriodRatio = PeriodRatioAverage
	opts.Version = "dev"
	slos, err := Generate(cat, opts)
	if err != nil {
		t.Fatal(err)
	}
	out, err := Marshal(slos, FormatPrometheus, "dev")
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate(out); err != nil {
		t.Fatal(err)
	}
	return out
}

// disableSlothAlerts rewrites a Sloth spec with page_alert and ticket_alert
// disabled in every SLO, as Sloth's --disable-alerts generates.
func disableSlothAlerts(t *testing.T, b []byte) []byte {
	t.Helper()
	var spec map[string]any
	if err := yaml.Unmarshal(b, &spec); err != nil {
		t.Fatal(err)
	}
	slos, _ := spec["slos"].([]any)
	if len(slos) == 0 {
		t.Fatal("disableSlothAlerts: no slos in the spec")
	}
	for _, s := range slos {
		m := s.(map[string]any)
		a, _ := m["alerting"].(map[string]any)
		if a == nil {
			a = map[string]any{}
			m["alerting"] = a
		}
		for _, k := range []string{"page_alert", "ticket_alert"} {
			al, _ := a[k].(map[string]any)
			if al == nil {
				al = map[string]any{}
				a[k] = al
			}
			al["disable"] = true
		}
	}
	out, err := yaml.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// readSlothRules reads Sloth's expected output, rendering a template with
// version "dev".
func readSlothRules(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(slothDir, name))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(name, ".tpl") {
		return b
	}
	tpl, err := template.New(name).Parse(string(b))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var buf bytes.Buffer
	if err := tpl.Execute(&buf, map[string]string{"version": "dev"}); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return buf.Bytes()
}

var conformanceParser = parser.NewParser(parser.Options{})

func parseRuleFile(t *testing.T, who string, b []byte) []rulefmt.RuleGroup {
	t.Helper()
	rgs, errs := rulefmt.Parse(b, false, model.UTF8Validation, conformanceParser, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if len(errs) > 0 {
		t.Fatalf("%s's rules do not parse: %v", who, errs)
	}
	if len(rgs.Groups) == 0 {
		t.Fatalf("%s's rules have no group", who)
	}
	return rgs.Groups
}

// ruleView is what the structural comparison sees of a rule.
type ruleView struct {
	Group       string
	Alert       string
	Record      string
	Labels      map[string]string
	Annotations map[string]string
	// Expr is the expression as Prometheus' parser prints it back, so that
	// whitespace and line breaks do not count.
	Expr string
}

// The sloth_slo_info labels that differ deliberately.
var infoLabelsIgnored = []string{"sloth_mode", "sloth_version", "sloth_spec"}

// slothStructure returns the rules of groups in a canonical order, without
// the sloth_slo_info labels that differ deliberately.
func slothStructure(t *testing.T, groups []rulefmt.RuleGroup) []ruleView {
	t.Helper()
	var out []ruleView
	for _, g := range groups {
		for _, r := range g.Rules {
			e, err := conformanceParser.ParseExpr(r.Expr)
			if err != nil {
				t.Fatalf("group %s, rule %s%s: %v", g.Name, r.Record, r.Alert, err)
			}
			v := ruleView{Group: g.Name, Alert: r.Alert, Record: r.Record, Labels: copyLabels(r.Labels), Annotations: copyLabels(r.Annotations), Expr: unparen(e).String()}
			if r.Record == "sloth_slo_info" {
				for _, l := range infoLabelsIgnored {
					delete(v.Labels, l)
				}
			}
			out = append(out, v)
		}
	}
	slices.SortStableFunc(out, func(a, b ruleView) int { return strings.Compare(a.key(), b.key()) })
	return out
}

// key identifies a rule in its group.
func (v ruleView) key() string {
	return strings.Join([]string{v.Group, v.Record, v.Alert, v.Labels["sloth_window"], v.Labels["sloth_severity"]}, "\x00")
}

// allowKibanExtras drops from kiban's alerts the runbook_url annotation
// kiban may add where Sloth's alert has none.
func allowKibanExtras(sloth, kiban []ruleView) {
	byKey := map[string]ruleView{}
	for _, v := range sloth {
		byKey[v.key()] = v
	}
	for _, k := range kiban {
		if s, ok := byKey[k.key()]; ok && k.Alert != "" {
			if _, set := s.Annotations["runbook_url"]; !set {
				delete(k.Annotations, "runbook_url")
			}
		}
	}
}

var conformanceNumberRE = regexp.MustCompile(`\b\d+(\.\d+)?([eE][-+]?\d+)?\b`)

// numberHints points out the expressions that differ only in the digits of
// their numbers, such as a burn-rate factor printed as 5.6 on one side and
// 5.6000000000000005 on the other.
func numberHints(sloth, kiban []ruleView) string {
	byKey := map[string]ruleView{}
	for _, v := range kiban {
		byKey[v.key()] = v
	}
	var hints []string
	for _, s := range sloth {
		k, ok := byKey[s.key()]
		if !ok || k.Expr == s.Expr || conformanceNumberRE.ReplaceAllString(k.Expr, "N") != conformanceNumberRE.ReplaceAllString(s.Expr, "N") {
			continue
		}
		sn, kn := conformanceNumberRE.FindAllString(s.Expr, -1), conformanceNumberRE.FindAllString(k.Expr, -1)
		var pairs []string
		for i := range sn {
			if p := "Sloth " + sn[i] + ", kiban " + kn[i]; sn[i] != kn[i] && !slices.Contains(pairs, p) {
				pairs = append(pairs, p)
			}
		}
		name := s.Record + s.Alert
		if sev := s.Labels["sloth_severity"]; sev != "" {
			name += " (" + sev + ")"
		}
		hints = append(hints, fmt.Sprintf("  %s %s: %s", s.Group, name, strings.Join(pairs, "; ")))
	}
	if len(hints) == 0 {
		return ""
	}
	return "expressions that differ only in the digits of numbers:\n" + strings.Join(hints, "\n")
}

// unparen drops the parentheses an expression is written with and puts
// back exactly one pair around every operand that is itself an operation,
// so that (1 - (a / b)) and 1 - ((a) / (b)) print alike but (a + b) * c and
// a + b * c do not.
func unparen(e parser.Expr) parser.Expr {
	op := func(e parser.Expr) parser.Expr {
		e = unparen(e)
		switch e.(type) {
		case *parser.BinaryExpr, *parser.UnaryExpr:
			return &parser.ParenExpr{Expr: e}
		}
		return e
	}
	switch n := e.(type) {
	case *parser.ParenExpr:
		return unparen(n.Expr)
	case *parser.BinaryExpr:
		n.LHS, n.RHS = op(n.LHS), op(n.RHS)
	case *parser.UnaryExpr:
		n.Expr = op(n.Expr)
	case *parser.SubqueryExpr:
		n.Expr = op(n.Expr)
	case *parser.AggregateExpr:
		n.Expr = unparen(n.Expr)
		if n.Param != nil {
			n.Param = unparen(n.Param)
		}
	case *parser.Call:
		for i := range n.Args {
			n.Args[i] = unparen(n.Args[i])
		}
	case *parser.StepInvariantExpr:
		n.Expr = unparen(n.Expr)
	}
	return e
}

func copyLabels(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// --- Semantic equivalence under promtool -------------------------------

// kibanPrefix renames kiban's recorded metrics and alerts so that both rule
// sets evaluate side by side.
const kibanPrefix = "kiban_"

type inputSeries struct {
	Series string `yaml:"series"`
	Values string `yaml:"values"`
}

type expSample struct {
	Labels string  `yaml:"labels"`
	Value  float64 `yaml:"value"`
}

type promqlTest struct {
	Expr       string      `yaml:"expr"`
	EvalTime   string      `yaml:"eval_time"`
	ExpSamples []expSample `yaml:"exp_samples"`
}

type promtoolTestGroup struct {
	Name        string        `yaml:"name"`
	Interval    string        `yaml:"interval"`
	InputSeries []inputSeries `yaml:"input_series"`
	PromqlTests []promqlTest  `yaml:"promql_expr_test"`
}

type promtoolTestFile struct {
	RuleFiles          []string            `yaml:"rule_files"`
	EvaluationInterval string              `yaml:"evaluation_interval"`
	GroupEvalOrder     []string            `yaml:"group_eval_order"`
	Tests              []promtoolTestGroup `yaml:"tests"`
}

func promDuration(d time.Duration) string { return model.Duration(d).String() }

// runSemantic evaluates Sloth's and kiban's rules side by side in one
// promtool unit test and fails t with promtool's report.
func runSemantic(t *testing.T, promtool string, c slothCase, slothRules []byte, slothGroups, kibanGroups []rulefmt.RuleGroup) {
	t.Helper()
	// Each of Sloth's alerts must be seen firing, or comparing the alerts
	// proves little.
	for _, g := range slothGroups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				continue
			}
			id, sev := strings.TrimPrefix(g.Name, "sloth-slo-alerts-"), r.Labels["sloth_severity"]
			if !slices.ContainsFunc(c.firings, func(f firing) bool {
				return f.sloID == id && f.alert == r.Alert && f.severity == sev && f.fires
			}) {
				t.Errorf("the case expects Sloth's %s alert %s of SLO %s to fire at no time; add a firing to its scenario", sev, r.Alert, id)
			}
		}
	}
	dir := t.TempDir()
	renamed := renameKiban(t, kibanGroups)
	kb, err := yaml.MarshalWithOptions(struct {
		Groups []rulefmt.RuleGroup `yaml:"groups"`
	}{renamed}, yaml.UseLiteralStyleIfMultiline(true))
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate(kb); err != nil {
		t.Fatalf("renamed kiban rules: %v", err)
	}
	for name, b := range map[string][]byte{"sloth.yaml": slothRules, "kiban.yaml": kb} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	test := promtoolTestFile{
		RuleFiles:          []string{"sloth.yaml", "kiban.yaml"},
		EvaluationInterval: promDuration(scenarioEval),
		GroupEvalOrder:     evalOrder(slothGroups, kibanGroups),
		Tests: []promtoolTestGroup{{
			Name:        c.name,
			Interval:    promDuration(scenarioStep),
			InputSeries: c.series,
			PromqlTests: semanticTests(slothGroups, c.firings),
		}},
	}
	tb, err := yaml.Marshal(test)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "conformance.test.yaml"), tb, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(promtool, "test", "rules", "conformance.test.yaml")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool test rules: Sloth's and kiban's rules do not evaluate the same (kiban's renamed kiban_*): %v\n%s", err, truncateOutput(string(out), 20000))
	}
}

func truncateOutput(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + fmt.Sprintf("\n… (%d more bytes)", len(s)-n)
}

// evalOrder evaluates every SLI recording group first, then the metadata
// groups, then the alerts, so that both rule sets read fresh values (by
// default promtool evaluates groups in a random order).
func evalOrder(groups ...[]rulefmt.RuleGroup) []string {
	var out []string
	for _, kind := range []string{"sloth-slo-sli-recordings-", "sloth-slo-meta-recordings-", "sloth-slo-alerts-", ""} {
		for _, gs := range groups {
			for _, g := range gs {
				if strings.HasPrefix(g.Name, kind) && !slices.Contains(out, g.Name) {
					out = append(out, g.Name)
				}
			}
		}
	}
	return out
}

// renameKiban prefixes every metric kiban records and every alert it
// defines with kiban_, in the rules' names and in their expressions.
func renameKiban(t *testing.T, groups []rulefmt.RuleGroup) []rulefmt.RuleGroup {
	t.Helper()
	recorded := map[string]bool{}
	for _, g := range groups {
		for _, r := range g.Rules {
			if r.Record != "" {
				recorded[r.Record] = true
			}
		}
	}
	out := make([]rulefmt.RuleGroup, len(groups))
	for i, g := range groups {
		g.Rules = slices.Clone(g.Rules)
		for j, r := range g.Rules {
			expr, err := prefixSelectors(r.Expr, recorded)
			if err != nil {
				t.Fatalf("group %s, rule %s%s: %v", g.Name, r.Record, r.Alert, err)
			}
			r.Expr = expr
			if r.Record != "" {
				r.Record = kibanPrefix + r.Record
			}
			if r.Alert != "" {
				r.Alert = kibanPrefix + r.Alert
			}
			g.Rules[j] = r
		}
		out[i] = g
	}
	return out
}

// prefixSelectors inserts kiban_ before every selector of a metric in names,
// leaving the rest of the expression as it is written.
func prefixSelectors(expr string, names map[string]bool) (string, error) {
	e, err := conformanceParser.ParseExpr(expr)
	if err != nil {
		return "", err
	}
	var starts []int
	var bad error
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		vs, ok := n.(*parser.VectorSelector)
		if !ok || !names[vs.Name] {
			return nil
		}
		start := int(vs.PosRange.Start)
		if !strings.HasPrefix(expr[start:], vs.Name) {
			bad = fmt.Errorf("selector of %s at %d is not written name{…}: %q", vs.Name, start, expr[start:min(len(expr), start+40)])
		}
		starts = append(starts, start)
		return nil
	})
	if bad != nil {
		return "", bad
	}
	slices.Sort(starts)
	for _, s := range slices.Backward(starts) {
		expr = expr[:s] + kibanPrefix + expr[s:]
	}
	return expr, nil
}

// semanticTests lists promtool expressions that must return nothing
// unless Sloth's and kiban's rules differ, and the firing expectations.
func semanticTests(slothGroups []rulefmt.RuleGroup, firings []firing) []promqlTest {
	// Recorded names by SLO, and alert names, in Sloth's order.
	type sloRecords struct {
		id    string
		names []string
	}
	var slos []*sloRecords
	var alerts []string
	for _, g := range slothGroups {
		for _, r := range g.Rules {
			if r.Alert != "" {
				if !slices.Contains(alerts, r.Alert) {
					alerts = append(alerts, r.Alert)
				}
				continue
			}
			id := r.Labels["sloth_id"]
			i := slices.IndexFunc(slos, func(s *sloRecords) bool { return s.id == id })
			if i < 0 {
				slos = append(slos, &sloRecords{id: id})
				i = len(slos) - 1
			}
			if !slices.Contains(slos[i].names, r.Record) {
				slos[i].names = append(slos[i].names, r.Record)
			}
		}
	}

	none := []expSample{}
	var tests []promqlTest
	add := func(at time.Duration, expr string) {
		tests = append(tests, promqlTest{Expr: expr, EvalTime: promDuration(at), ExpSamples: none})
	}
	// Recorded series: at the start, every 2 hours, and around the
	// scenario's changes.
	times := []time.Duration{0, 10 * time.Minute, time.Hour}
	for at := 2 * time.Hour; at <= scenarioHorizon; at += 2 * time.Hour {
		times = append(times, at)
	}
	times = append(times, 20*time.Hour+10*time.Minute, 21*time.Hour+30*time.Minute, 40*time.Hour+30*time.Minute, 66*time.Hour+10*time.Minute, 68*time.Hour+10*time.Minute)
	slices.Sort(times)
	for _, at := range times {
		for _, s := range slos {
			sel := `{sloth_id="` + s.id + `"}`
			for _, m := range s.names {
				a, b := m+sel, kibanPrefix+m+sel
				match := ""
				if m == "sloth_slo_info" {
					match = " ignoring (" + strings.Join(infoLabelsIgnored, ", ") + ")"
				}
				// The same series on both sides…
				add(at, a+" unless"+match+" "+b)
				add(at, b+" unless"+match+" "+a)
				// …with the same values…
				add(at, "abs("+a+" -"+match+" "+b+") > 1e-9")
				// …NaN where the other is NaN…
				add(at, "("+a+" != "+a+") unless"+match+" ("+b+" != "+b+")")
				add(at, "("+b+" != "+b+") unless"+match+" ("+a+" != "+a+")")
				// …and the series exist once there is data.
				if at >= 10*time.Minute {
					add(at, "absent("+a+")")
				}
			}
		}
	}
	// Alerts: the same ones, with the same labels, at every evaluation.
	for at := time.Duration(0); at <= scenarioHorizon; at += scenarioEval {
		for _, a := range alerts {
			s, k := `ALERTS{alertname="`+a+`"}`, `ALERTS{alertname="`+kibanPrefix+a+`"}`
			add(at, s+" unless ignoring (alertname) "+k)
			add(at, k+" unless ignoring (alertname) "+s)
		}
	}
	// The scenario makes the alerts fire (or not) when expected, on both
	// sides.
	for _, f := range firings {
		expr := `count(ALERTS{alertname=~"` + f.alert + `|` + kibanPrefix + f.alert + `", sloth_id="` + f.sloID + `", sloth_severity="` + f.severity + `", alertstate="firing"})`
		exp := none
		if f.fires {
			exp = []expSample{{Labels: "{}", Value: 2}}
		}
		tests = append(tests, promqlTest{Expr: expr, EvalTime: promDuration(f.at), ExpSamples: exp})
	}
	return tests
}

// checkPromtoolHarness makes sure an empty exp_samples means "no result":
// promtool must fail on an expression that returns a sample.
func checkPromtoolHarness(t *testing.T, promtool string) {
	t.Helper()
	dir := t.TempDir()
	rules := "groups:\n- name: g\n  rules:\n  - record: r\n    expr: vector(1)\n"
	if err := os.WriteFile(filepath.Join(dir, "rules.yaml"), []byte(rules), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(expr string) (string, error) {
		b, err := yaml.Marshal(promtoolTestFile{
			RuleFiles: []string{"rules.yaml"}, EvaluationInterval: "5m",
			Tests: []promtoolTestGroup{{Name: "harness", Interval: "5m", InputSeries: []inputSeries{{Series: "x", Values: "1 1"}},
				PromqlTests: []promqlTest{{Expr: expr, EvalTime: "5m", ExpSamples: []expSample{}}}}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "t.yaml"), b, 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(promtool, "test", "rules", "t.yaml")
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := run("r unless r"); err != nil {
		t.Fatalf("promtool harness: an empty result does not pass: %v\n%s", err, out)
	}
	if out, err := run("r"); err == nil || !strings.Contains(out, "FAILED") {
		t.Fatalf("promtool harness: exp_samples: [] accepts a result (%v):\n%s", err, out)
	}
}

// --- Scenarios ---------------------------------------------------------

// scenarioLevel is a piecewise-constant function of time, built from its
// value at 0 with to and ramp.
type scenarioLevel []levelChange

type levelChange struct {
	from time.Duration
	v    float64
}

func scenarioHours(h float64) time.Duration { return time.Duration(h * float64(time.Hour)) }

func lv(v0 float64) scenarioLevel { return scenarioLevel{{0, v0}} }

// to makes the level v from hour h on.
func (l scenarioLevel) to(h, v float64) scenarioLevel {
	return append(slices.Clip(l), levelChange{scenarioHours(h), v})
}

// ramp makes the level go from v0 at hour h0 to v1 at hour h1 in steps of
// one sample, so that thresholds between v0 and v1 are crossed at
// different times.
func (l scenarioLevel) ramp(h0, h1, v0, v1 float64) scenarioLevel {
	l = slices.Clip(l)
	n := int((scenarioHours(h1) - scenarioHours(h0)) / scenarioStep)
	for i := range n {
		l = append(l, levelChange{scenarioHours(h0) + time.Duration(i)*scenarioStep, v0 + (v1-v0)*float64(i)/float64(n-1)})
	}
	return l
}

func (l scenarioLevel) at(t time.Duration) float64 {
	v := math.NaN()
	for _, c := range l {
		if t >= c.from {
			v = c.v
		}
	}
	return v
}

// counterSeries is a counter growing at perSecond: over each step, at the rate
// of the step's start.
func counterSeries(series string, perSecond scenarioLevel) inputSeries {
	var b strings.Builder
	var v float64
	for t := time.Duration(0); t <= scenarioHorizon; t += scenarioStep {
		if t > 0 {
			b.WriteByte(' ')
			v += perSecond.at(t-scenarioStep) * scenarioStep.Seconds()
		}
		b.WriteString(strconv.FormatFloat(v, 'f', -1, 64))
	}
	return inputSeries{Series: series, Values: b.String()}
}

// gaugeSeries is a gauge of value l; NaN means no sample.
func gaugeSeries(series string, l scenarioLevel) inputSeries {
	var b strings.Builder
	for t := time.Duration(0); t <= scenarioHorizon; t += scenarioStep {
		if t > 0 {
			b.WriteByte(' ')
		}
		if v := l.at(t); math.IsNaN(v) {
			b.WriteByte('_')
		} else {
			b.WriteString(strconv.FormatFloat(v, 'f', -1, 64))
		}
	}
	return inputSeries{Series: series, Values: b.String()}
}

// The counter scenarios, over three days, per second:
//
//	           0h   12h  20h–21h  24h  30h–34h     34h   40h   66h–68h  68h
//	requests   100  60            100                          0        100
//	5xx        0.02      8 (burst)     0.1→3 ramp  0.02  0.15  0        0.02
//
// and 0.01 429s a second but between 66h and 68h. Against a 99.9%
// objective, the burst burns the budget over 100 times too fast (page and
// ticket fire), the ramp goes from 1x to 30x (crossing every threshold at
// its own time), the slow burn from 40h is 1.5x (ticket only), and the two
// hours without traffic make every short window's ratio 0/0 (NaN), and the
// period's ratio NaN from then on.
var (
	scenarioTraffic = lv(100).to(12, 60).to(24, 100).to(66, 0).to(68, 100)
	scenario5xx     = lv(0.02).to(20, 8).to(21, 0.02).ramp(30, 34, 0.1, 3).to(34, 0.02).to(40, 0.15).to(66, 0).to(68, 0.02)
	scenario429     = lv(0.01).to(66, 0).to(68, 0.01)
)

// httpSeries is the counter scenario on http_request_duration_seconds_count
// of a job, with 200s, 500s and 429s.
func httpSeries(job string) []inputSeries {
	return []inputSeries{
		counterSeries(`http_request_duration_seconds_count{job="`+job+`",code="200"}`, scenarioTraffic),
		counterSeries(`http_request_duration_seconds_count{job="`+job+`",code="500"}`, scenario5xx),
		counterSeries(`http_request_duration_seconds_count{job="`+job+`",code="429"}`, scenario429),
	}
}

// httpFirings: nothing fires at 18h; page and ticket fire at 21h, at the end
// of the burst; only the ticket fires at 50h, in the slow burn.
func httpFirings(sloID, alert string) []firing {
	return []firing{
		{sloID, alert, "page", 18 * time.Hour, false},
		{sloID, alert, "ticket", 18 * time.Hour, false},
		{sloID, alert, "page", 21 * time.Hour, true},
		{sloID, alert, "ticket", 21 * time.Hour, true},
		{sloID, alert, "page", 50 * time.Hour, false},
		{sloID, alert, "ticket", 50 * time.Hour, true},
	}
}

// apiserverSeries is the counter scenario for the Kubernetes API server:
// requests by code for availability, and request durations by verb for
// latency (99%): 0.3% of the GETs are slower than 0.4s, half of them
// between 20h and 21h (page and ticket), from 1% to 25% between 30h and
// 34h, 2.5% from 40h (ticket only). WATCHes are always slow and do not
// count.
func apiserverSeries() []inputSeries {
	get := lv(60).to(66, 0).to(68, 60)
	list := lv(10).to(66, 0).to(68, 10)
	watch := lv(5).to(66, 0).to(68, 5)
	getFast := lv(59.82).to(20, 30).to(21, 59.82).ramp(30, 34, 59.4, 45).to(34, 59.82).to(40, 58.5).to(66, 0).to(68, 59.82)
	return []inputSeries{
		counterSeries(`apiserver_request_total{code="200"}`, scenarioTraffic),
		counterSeries(`apiserver_request_total{code="500"}`, scenario5xx),
		counterSeries(`apiserver_request_total{code="429"}`, scenario429),
		counterSeries(`apiserver_request_duration_seconds_count{verb="GET"}`, get),
		counterSeries(`apiserver_request_duration_seconds_count{verb="LIST"}`, list),
		counterSeries(`apiserver_request_duration_seconds_count{verb="WATCH"}`, watch),
		counterSeries(`apiserver_request_duration_seconds_bucket{verb="GET",le="0.4"}`, getFast),
		counterSeries(`apiserver_request_duration_seconds_bucket{verb="LIST",le="0.4"}`, list),
		counterSeries(`apiserver_request_duration_seconds_bucket{verb="WATCH",le="0.4"}`, lv(0)),
		counterSeries(`apiserver_request_duration_seconds_bucket{verb="GET",le="+Inf"}`, get),
		counterSeries(`apiserver_request_duration_seconds_bucket{verb="LIST",le="+Inf"}`, list),
		counterSeries(`apiserver_request_duration_seconds_bucket{verb="WATCH",le="+Inf"}`, watch),
	}
}

// wifiSeries is the Wi-Fi scenario: unifipoller_client_satisfaction_ratio
// of four clients, then five from 30h. Healthy at first (every client
// above 0.75, an average error of 2.75–4%); every client at 0.2 between 20h
// and 22h (page and ticket fire for all three SLOs); every client sliding
// down to 0.1 between 30h and 34h (one by one below 0.75 and 0.5, the
// average error from 4% to 90%); one client at 0.6 from 40h (a quarter of
// the clients below 0.75 and an average error of about 12%: ticket only,
// and nothing for the risk SLO).
func wifiSeries() []inputSeries {
	client := func(mac string, l scenarioLevel) inputSeries {
		return gaugeSeries(`unifipoller_client_satisfaction_ratio{mac="`+mac+`"}`, l)
	}
	std := func(v float64) scenarioLevel {
		return lv(v).to(20, 0.2).to(22, v).ramp(30, 34, v, 0.1).to(34, v)
	}
	return []inputSeries{
		client("aa:aa", std(0.99)),
		client("bb:bb", std(0.98)),
		client("cc:cc", std(0.97)),
		client("dd:dd", lv(0.9).to(10, 0.95).to(20, 0.2).to(22, 0.95).ramp(30, 34, 0.95, 0.1).to(34, 0.95).to(40, 0.6)),
		client("ee:ee", lv(math.NaN()).to(30, 0.85)),
	}
}

// wifiFirings: nothing fires at 18h; page and ticket fire at 21h30, in the
// burst; at 50h only the ticket fires, or nothing for the risk SLO
// (slowBurn false).
func wifiFirings(sloID, alert string, slowBurn bool) []firing {
	return []firing{
		{sloID, alert, "page", 18 * time.Hour, false},
		{sloID, alert, "ticket", 18 * time.Hour, false},
		{sloID, alert, "page", 21*time.Hour + 30*time.Minute, true},
		{sloID, alert, "ticket", 21*time.Hour + 30*time.Minute, true},
		{sloID, alert, "page", 50 * time.Hour, false},
		{sloID, alert, "ticket", 50 * time.Hour, slowBurn},
	}
}
