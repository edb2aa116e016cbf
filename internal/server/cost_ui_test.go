package server

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"kiban.dev/kiban/internal/cost"
	"kiban.dev/kiban/internal/store"
	"kiban.dev/kiban/internal/testenv"
)

// focusSample is 1,000 real anonymised FOCUS rows of AWS, Microsoft and
// Oracle, September 2024.
const focusSample = "../focus/testdata/focus_sample_1000.csv"

// costOrg adds to Acme two services that claim part of the sample (by
// tags and by a whole account) and a budget for the shop team.
const costOrg = `apiVersion: kiban.dev/v1
kind: Service
metadata:
  name: brightpath
spec:
  owner: shop
  resources:
    tagMatchers:
      - tags: {application: BrightPathMatrix}
---
apiVersion: kiban.dev/v1
kind: Service
metadata:
  name: ledger
spec:
  owner: sre
  resources:
    accounts: ["11353890204"]
---
apiVersion: kiban.dev/v1
kind: CostBudget
metadata:
  name: shop-monthly
spec:
  team: shop
  amount: 3000
  thresholds:
    - actual: 50
    - actual: 100
    - forecast: 100
---
apiVersion: kiban.dev/v1
kind: MonitoringGuard
metadata:
  name: shop-ec2-hosts
spec:
  team: shop
  provider: AWS
  serviceName: Amazon Elastic Compute Cloud
  expectedResources: 2
`

// costNow is the server's clock in the cost tests: early October 2024,
// so that the sample's September is "last month".
var costNow = time.Date(2024, 10, 3, 12, 0, 0, 0, time.UTC)

// newCostEnv serves a copy of Acme with costOrg, on the clock costNow.
func newCostEnv(t *testing.T, dbURL string) *env {
	t.Helper()
	dir := copyTree(t)
	if err := os.WriteFile(filepath.Join(dir, "services", "zz-cost.yaml"), []byte(costOrg), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	srv, err := New(ctx, Config{ConfigDir: dir, Store: st, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now: func() time.Time { return costNow }})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := srv.current().cat.Service("brightpath"); !ok {
		t.Fatalf("the catalog did not load: %v", srv.status().LastErrors)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &env{srv: srv, ts: ts, store: st, dir: dir}
}

// importSample imports the FOCUS sample as the server would.
func importSample(t *testing.T, e *env) {
	t.Helper()
	f, err := os.Open(focusSample)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := cost.Import(context.Background(), e.store, f, cost.Options{Source: "focus_sample_1000.csv", Actor: "test",
		Resolver: e.srv.current().res}); err != nil {
		t.Fatal(err)
	}
}

// element returns the HTML of the element with an id, from its start tag
// to its end tag, or "" when there is none.
func element(page, id string) string {
	i := strings.Index(page, ` id="`+id+`"`)
	if i < 0 {
		return ""
	}
	start := strings.LastIndex(page[:i], "<")
	name := regexp.MustCompile(`^<([a-zA-Z0-9]+)`).FindStringSubmatch(page[start:])[1]
	open, end := regexp.MustCompile(`<`+name+`[\s>]`), "</"+name+">"
	depth, pos := 0, start
	for {
		o := open.FindStringIndex(page[pos:])
		c := strings.Index(page[pos:], end)
		if c < 0 {
			return page[start:]
		}
		if o != nil && o[0] < c {
			depth++
			pos += o[1]
			continue
		}
		depth--
		pos += c + len(end)
		if depth == 0 {
			return page[start:pos]
		}
	}
}

var tags = regexp.MustCompile(`<[^>]*>`)

// text is an element's text, its spaces collapsed.
func text(page, id string) string {
	return strings.Join(strings.Fields(html.UnescapeString(tags.ReplaceAllString(element(page, id), " "))), " ")
}

func usd(d decimal.Decimal) string { return d.StringFixed(2) + " USD" }

func TestCostPage(t *testing.T) {
	test := func(t *testing.T, e *env) {
		ctx := context.Background()
		cat := e.srv.current().cat

		// Nothing imported: the page says how to import.
		code, body := e.do(t, "GET", "/cost", "", "")
		if code != http.StatusOK || element(body, "cost-empty") == "" || !strings.Contains(body, "kiban cost import --config") {
			t.Fatalf("GET /cost before any import = %d, without the import instructions:\n%.600s", code, text(body, "cost-empty"))
		}

		importSample(t, e)
		sep, oct := time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 10, 1, 0, 0, 0, 0, time.UTC)
		want, err := cost.Build(ctx, e.store, cost.ReportQuery{From: sep, To: oct, Catalog: cat})
		if err != nil {
			t.Fatal(err)
		}
		if len(want.Totals) != 1 || len(want.Unallocated) != 1 || len(want.TopUntagged) == 0 {
			t.Fatalf("report = %+v", want)
		}
		tot := want.Totals[0]

		code, body = e.do(t, "GET", "/cost?month=2024-09", "", "")
		if code != http.StatusOK {
			t.Fatalf("GET /cost?month=2024-09 = %d:\n%s", code, body)
		}
		for id, w := range map[string]string{
			"cost-total-effective": usd(tot.Effective),
			"cost-total-billed":    usd(tot.Billed),
			"cost-total-list":      usd(tot.List),
			"cost-savings":         usd(tot.Savings()),
			"cost-period":          "September 2024",
		} {
			if got := text(body, id); got != w {
				t.Errorf("#%s = %q; cost.Build says %q", id, got, w)
			}
		}
		// The unallocated cost, its share and the resources behind it.
		un := want.Unallocated[0]
		share := un.Effective.Div(tot.Effective).InexactFloat64() * 100
		if got := text(body, "cost-unallocated"); !strings.Contains(got, usd(un.Effective)) || !strings.Contains(got, fmt.Sprintf("%.1f%%", share)) {
			t.Errorf("#cost-unallocated = %q; want %s, %.1f%% of the total", got, usd(un.Effective), share)
		}
		top := element(body, "top-unallocated")
		if n := strings.Count(top, "<tr data-resource="); n != len(want.TopUntagged) || !strings.Contains(top, html.EscapeString(want.TopUntagged[0].ResourceID)) {
			t.Errorf("#top-unallocated has %d rows, want %d starting with %s", n, len(want.TopUntagged), want.TopUntagged[0].ResourceID)
		}
		// Breakdowns: one row per group, as in the report.
		for id, lines := range map[string][]cost.Line{"by-provider": want.ByProvider, "by-service-category": want.ByServiceCategory,
			"by-charge-category": want.ByChargeCategory, "by-team": want.ByTeam, "by-service": want.ByService} {
			el := element(body, id)
			if n := strings.Count(el, "<tr data-key="); n != len(lines) {
				t.Errorf("#%s has %d rows; the report %d", id, n, len(lines))
				continue
			}
			first := lines[0]
			if !strings.Contains(el, `data-key="`+html.EscapeString(first.Key)+`"`) || !strings.Contains(el, first.Effective.StringFixed(2)) {
				t.Errorf("#%s lacks its first line %s %s", id, first.Key, first.Effective.StringFixed(2))
			}
		}
		if el := element(body, "by-team"); !strings.Contains(el, `href="/cost?month=2024-09&amp;team=shop"`) {
			t.Errorf("#by-team does not link to the shop team's cost:\n%s", el)
		}
		if n := strings.Count(element(body, "top-resources"), "<tr data-resource="); n != len(want.TopResources) || n != 10 {
			t.Errorf("#top-resources has %d rows; want %d", n, len(want.TopResources))
		}
		// Charts: a bar per day with data, and the six months to September.
		daily := element(body, "cost-daily")
		if n := strings.Count(daily, `<rect class="col`); n != len(want.Daily) || n != 30 {
			t.Errorf("#cost-daily has %d bars; the report has %d days", n, len(want.Daily))
		}
		if !strings.HasPrefix(daily, "<svg") || !strings.Contains(daily, `data-key="2024-09-30"`) {
			t.Errorf("#cost-daily = %.300s", daily)
		}
		months := element(body, "cost-months")
		if n := strings.Count(months, `<rect class="col sel"`); n != 1 || !strings.Contains(months, `data-key="2024-09"`) || strings.Count(months, `class="tick" x=`) < 6 {
			t.Errorf("#cost-months: %d highlighted bars; want September only:\n%s", n, months)
		}
		if !strings.Contains(body, `href="/api/v1/cost/report?month=2024-09"`) {
			t.Error("no link to the report's JSON")
		}
		if element(body, "cost-budget") == "" || !strings.Contains(text(body, "cost-budget"), "shop-monthly") {
			t.Errorf("the organisation view lists no budget")
		}
		// Commitments: coverage and each commitment as cost.Commitments
		// computes them for the month.
		commit, err := cost.Commitments(ctx, e.store, sep, oct)
		if err != nil || len(commit.Coverage) == 0 || len(commit.Commitments) == 0 {
			t.Fatalf("commitments of the sample = %+v, %v", commit, err)
		}
		cov := element(body, "commitment-coverage")
		if n := strings.Count(cov, "<tr data-key="); n != len(commit.Coverage) {
			t.Errorf("#commitment-coverage has %d rows; want %d", n, len(commit.Coverage))
		}
		c0 := commit.Coverage[0]
		if !strings.Contains(cov, c0.Covered.StringFixed(2)) || !strings.Contains(cov, fmt.Sprintf("%.1f%%", *c0.Coverage*100)) {
			t.Errorf("#commitment-coverage lacks %s covered at %.1f%%:\n%s", c0.Covered.StringFixed(2), *c0.Coverage*100, cov)
		}
		if n := strings.Count(element(body, "commitment-list"), "<tr data-commitment="); n != len(commit.Commitments) {
			t.Errorf("#commitment-list has %d rows; want %d", n, len(commit.Commitments))
		}
		// The monitoring guard, as cost.Guards evaluates it at the month's end.
		all, err := cost.Guards(ctx, e.store, cat, time.Date(2024, 9, 30, 0, 0, 0, 0, time.UTC))
		var guards []cost.GuardStatus
		for _, g := range all {
			if g.Name == "shop-ec2-hosts" {
				guards = append(guards, g)
			}
		}
		if err != nil || len(guards) != 1 || guards[0].Day == "" {
			t.Fatalf("guards = %+v, %v", all, err)
		}
		g := element(body, "guard-table")
		if !strings.Contains(g, `data-guard="shop-ec2-hosts"`) || !strings.Contains(g, fmt.Sprintf("%d <span class=\"muted\">of 2</span>", guards[0].Resources)) ||
			!strings.Contains(g, guards[0].Day) {
			t.Errorf("#guard-table does not show %d resources on %s:\n%s", guards[0].Resources, guards[0].Day, g)
		}
		if len(guards[0].Breaches) > 0 && !strings.Contains(text(body, "guard-table"), guards[0].Breaches[0]) {
			t.Errorf("#guard-table lacks the breach %q", guards[0].Breaches[0])
		}

		// The JSON the page links to has the same totals.
		var api cost.Report
		e.getJSON(t, "/api/v1/cost/report?month=2024-09", &api)
		if !api.Totals[0].Effective.Equal(tot.Effective) {
			t.Errorf("JSON effective %s, page %s", api.Totals[0].Effective, tot.Effective)
		}

		// A team: its totals, its services and its budget.
		wantShop, err := cost.Build(ctx, e.store, cost.ReportQuery{Team: "shop", From: sep, To: oct, Catalog: cat})
		if err != nil {
			t.Fatal(err)
		}
		code, body = e.do(t, "GET", "/cost?team=shop&month=2024-09", "", "")
		if code != http.StatusOK || len(wantShop.Totals) != 1 || text(body, "cost-total-effective") != usd(wantShop.Totals[0].Effective) {
			t.Fatalf("team shop = %d, #cost-total-effective %q; want %v", code, text(body, "cost-total-effective"), wantShop.Totals)
		}
		if element(body, "cost-unallocated") != "" || element(body, "by-team") != "" || !strings.Contains(element(body, "by-service"), `data-key="brightpath"`) {
			t.Error("a team view shows the unallocated cost or teams, or not its services")
		}
		if element(body, "cost-commitments") != "" || !strings.Contains(element(body, "guard-table"), `data-guard="shop-ec2-hosts"`) {
			t.Error("a team view shows the organisation's commitments, or not its monitoring guard")
		}
		budgets, err := cost.Budgets(ctx, e.store, cat, time.Date(2024, 9, 30, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		var b cost.BudgetStatus
		for _, x := range budgets {
			if x.Name == "shop-monthly" {
				b = x
			}
		}
		got := text(body, "cost-budget")
		if b.Name != "shop-monthly" || !strings.Contains(got, fmt.Sprintf("%.1f%%", b.ActualPercent)) || !strings.Contains(got, fmt.Sprintf("%.1f%%", b.ForecastPercent)) ||
			!strings.Contains(got, "3000.00 USD") || (len(b.Crossed) > 0 && !strings.Contains(got, b.Crossed[0])) {
			t.Errorf("#cost-budget = %q; want %+v", got, b)
		}

		// A service.
		wantLedger, err := cost.Build(ctx, e.store, cost.ReportQuery{Service: "ledger", From: sep, To: oct, Catalog: cat})
		if err != nil {
			t.Fatal(err)
		}
		code, body = e.do(t, "GET", "/cost?service=ledger&month=2024-09", "", "")
		if code != http.StatusOK || text(body, "cost-total-effective") != usd(wantLedger.Totals[0].Effective) || element(body, "by-service") != "" {
			t.Errorf("service ledger = %d, #cost-total-effective %q; want %s", code, text(body, "cost-total-effective"), usd(wantLedger.Totals[0].Effective))
		}

		// A range of days: a slot per day, a bar per day with data.
		code, body = e.do(t, "GET", "/cost?from=2024-07-01&to=2024-10-01", "", "")
		if !strings.Contains(element(body, "filters"), `name="to" value="2024-10-01"`) ||
			!strings.Contains(body, `href="/cost?from=2024-07-01&amp;to=2024-10-01" title="Jul 1 – Sep 30, 2024" aria-current="page"`) {
			t.Error("the range view does not show its range in the form and quick links")
		}
		if code != http.StatusOK || strings.Count(element(body, "cost-daily"), `<rect class="col`) != 30 ||
			strings.Count(element(body, "cost-daily"), `<g class="slot"`) != 30 || text(body, "cost-total-effective") != usd(tot.Effective) {
			t.Errorf("range = %d, effective %q", code, text(body, "cost-total-effective"))
		}

		// A month without cost says where the cost is.
		code, body = e.do(t, "GET", "/cost?month=2024-06", "", "")
		if code != http.StatusOK || !strings.Contains(element(body, "cost-nodata"), `href="/cost?month=2024-09"`) {
			t.Errorf("an empty month = %d: %q", code, text(body, "cost-nodata"))
		}

		// Mistakes.
		for _, c := range []struct {
			path string
			code int
			msg  string
		}{
			{"/cost?month=2024-13", http.StatusBadRequest, `month: "2024-13" is not a month, YYYY-MM`},
			{"/cost?month=2024-09&from=2024-09-01&to=2024-10-01", http.StatusBadRequest, "give a month, or from and to, not both"},
			{"/cost?from=2024-10-01&to=2024-09-01", http.StatusBadRequest, "from must be before to"},
			{"/cost?from=2020-01-01&to=2024-09-01", http.StatusBadRequest, "longer than 366 days"},
			{"/cost?team=nobody", http.StatusNotFound, `No team named "nobody"`},
			{"/cost?service=nothing", http.StatusNotFound, `No service named "nothing"`},
		} {
			code, body := e.do(t, "GET", c.path, "", "")
			if code != c.code || !strings.Contains(html.UnescapeString(body), c.msg) {
				t.Errorf("GET %s = %d; want %d with %q", c.path, code, c.code, c.msg)
			}
		}

		// The team and service pages: this month (October, nothing yet)
		// and last month, with the budget.
		code, body = e.do(t, "GET", "/teams/shop", "", "")
		sec := text(body, "team-cost")
		if code != http.StatusOK || text(body, "cost-last-month") != usd(wantShop.Totals[0].Effective) || text(body, "cost-this-month") != "nothing yet" ||
			!strings.Contains(sec, "shop-monthly") || !strings.Contains(element(body, "team-cost"), `href="/cost?team=shop"`) {
			t.Errorf("team page = %d, cost section %q; want last month %s", code, sec, usd(wantShop.Totals[0].Effective))
		}
		code, body = e.do(t, "GET", "/services/ledger", "", "")
		if code != http.StatusOK || text(body, "cost-last-month") != usd(wantLedger.Totals[0].Effective) || !strings.Contains(element(body, "service-cost"), `href="/cost?service=ledger"`) {
			t.Errorf("service page = %d, cost section %q", code, text(body, "service-cost"))
		}
		if _, body = e.do(t, "GET", "/services/checkout", "", ""); !strings.Contains(text(body, "service-cost"), "No cost allocated to this service") {
			t.Errorf("a service without cost: %q", text(body, "service-cost"))
		}

		// An anomaly: brightpath's synthetic category costs 100 a day for
		// eight weeks, and 400 on September 20.
		addSpike(t, e)
		found, err := cost.DetectAnomalies(ctx, e.store, sep, oct, cost.AnomalyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var spike *cost.Anomaly
		for i, a := range found {
			if a.Service == "brightpath" && a.ServiceCategory == "Synthetic" {
				spike = &found[i]
			}
		}
		if spike == nil || spike.Day != "2024-09-20" {
			t.Fatalf("anomalies = %+v", found)
		}
		for _, path := range []string{"/cost?month=2024-09", "/cost?service=brightpath&month=2024-09", "/cost?team=shop&month=2024-09"} {
			_, body = e.do(t, "GET", path, "", "")
			row := text(body, "cost-anomalies")
			if !strings.Contains(row, "2024-09-20 brightpath Synthetic "+spike.Cost.StringFixed(2)+" vs "+usd(spike.Expected)) ||
				!strings.Contains(row, "+"+usd(spike.Excess)) || !strings.Contains(row, "i-spiky") {
				t.Errorf("%s: #cost-anomalies = %q; want %+v", path, row, *spike)
			}
		}
		if _, body = e.do(t, "GET", "/cost?service=ledger&month=2024-09", "", ""); element(body, "no-anomalies") == "" {
			t.Errorf("ledger lists another service's anomaly: %q", text(body, "cost-anomalies"))
		}
	}
	t.Run("sqlite", func(t *testing.T) { test(t, newCostEnv(t, "sqlite:"+filepath.Join(t.TempDir(), "kiban.db"))) })
	t.Run("postgres", func(t *testing.T) { test(t, newCostEnv(t, testenv.PostgresURL(t))) })
}

// addSpike stores August and September 2024 of a synthetic category of
// brightpath, its own billing account: 100 a day, 400 on September 20.
func addSpike(t *testing.T, e *env) {
	t.Helper()
	ctx := context.Background()
	var data store.CostData
	var resources []store.CostResource
	periods := []store.CostPeriod{{Provider: "Test", BillingAccount: "spike", BillingPeriod: "2024-08-01"},
		{Provider: "Test", BillingAccount: "spike", BillingPeriod: "2024-09-01"}}
	for d := time.Date(2024, 8, 1, 0, 0, 0, 0, time.UTC); d.Month() <= time.September; d = d.AddDate(0, 0, 1) {
		amount := "100"
		if d.Format(time.DateOnly) == "2024-09-20" {
			amount = "400"
		}
		per := periods[int(d.Month()-time.August)]
		day := d.Format(time.DateOnly)
		data.Daily = append(data.Daily, store.CostDaily{CostPeriod: per, Day: day, Service: "brightpath", Team: "shop", ServiceCategory: "Synthetic",
			ChargeCategory: "Usage", Currency: "USD", Billed: amount, Effective: amount, List: amount, Contracted: amount, Rows: 1})
		resources = append(resources, store.CostResource{CostPeriod: per, Day: day, ResourceID: "i-spiky", SubAccount: "spike",
			Service: "brightpath", Team: "shop", ServiceName: "Synthetic Compute", ServiceCategory: "Synthetic", Tagged: true, Currency: "USD",
			Billed: amount, Effective: amount, List: amount, Rows: 1})
	}
	data.ResourceMonths = cost.ResourceMonths(resources)
	err := e.store.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.ImportCost(ctx, store.CostImport{Source: "spike", Format: "test", Periods: periods, Totals: json.RawMessage(`[]`),
			Tolerated: json.RawMessage(`[]`), Actor: "test"}, data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
