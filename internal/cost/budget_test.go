package cost

import (
	"cmp"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/ownership"
	"kiban.dev/kiban/internal/store"
)

// weekly is a cost series with weekday 100 and weekend 40, from from up
// to (not including) to.
func weekly(from, to time.Time) map[string]decimal.Decimal {
	out := map[string]decimal.Decimal{}
	for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
		v := decimal.NewFromInt(100)
		if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
			v = decimal.NewFromInt(40)
		}
		out[d.Format(time.DateOnly)] = v
	}
	return out
}

func TestForecastMonth(t *testing.T) {
	// November 2026: 30 days, 9 weekend days; data through the 15th.
	asOf := time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC)
	daily := weekly(time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC))
	want := decimal.NewFromInt(21*100 + 9*40) // the whole month at the weekly pattern
	f := ForecastMonth(daily, asOf)
	if !f.MonthEnd.Equal(want) || f.Through != "2026-11-15" || !f.Actual.Equal(decimal.NewFromInt(10*100+5*40)) {
		t.Errorf("forecast = %+v; want month end %s", f, want)
	}
	// A one-day spike five times the usual cost moves the forecast by the
	// spike only, not by a mean that would carry it into every day left.
	daily["2026-11-10"] = decimal.NewFromInt(500)
	f = ForecastMonth(daily, asOf)
	if !f.MonthEnd.Equal(want.Add(decimal.NewFromInt(400))) {
		t.Errorf("with a spike: month end %s; want %s", f.MonthEnd, want.Add(decimal.NewFromInt(400)))
	}
	// No data this month: the forecast is the pattern of the weeks before.
	f = ForecastMonth(weekly(time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)),
		time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC))
	if !f.Actual.IsZero() || !f.MonthEnd.Equal(want) {
		t.Errorf("start of month: %+v; want month end %s", f, want)
	}
}

func TestBudgets(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *store.Store, _ *ownership.Resolver) {
		ctx := t.Context()
		c, err := catalog.Load(ctx, "testdata/org")
		if err != nil {
			t.Fatal(err)
		}
		// growth spends 100 a weekday, 40 a weekend day; budget 3000 a month.
		var daily []store.CostDaily
		for d, v := range weekly(time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)) {
			daily = append(daily, store.CostDaily{CostPeriod: store.CostPeriod{Provider: "AWS", BillingAccount: "1", BillingPeriod: d[:8] + "01"},
				Day: d, Service: "brightpath", Team: "growth", ServiceCategory: "Compute", ChargeCategory: "Usage", Currency: "USD",
				Billed: v.String(), Effective: v.String(), List: v.String(), Contracted: v.String(), Rows: 1})
		}
		err = st.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.ImportCost(ctx, store.CostImport{Source: "t", Format: "test", Periods: []store.CostPeriod{
				{Provider: "AWS", BillingAccount: "1", BillingPeriod: "2026-10-01"}, {Provider: "AWS", BillingAccount: "1", BillingPeriod: "2026-11-01"}},
				Totals: json.RawMessage(`[]`), Actor: "test"}, store.CostData{Daily: daily})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		statuses, err := Budgets(ctx, st, c, time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC))
		if err != nil || len(statuses) != 1 {
			t.Fatalf("budgets = %+v, %v", statuses, err)
		}
		s := statuses[0]
		// 1200 of 3000 spent (40%); forecast 2460 (82%): nothing crossed.
		if s.Owner != "growth" || s.ActualPercent != 40 || s.ForecastPercent != 82 || len(s.Crossed) != 0 {
			t.Errorf("status = %+v", s)
		}
		// With a budget of 2000: actual 60% crosses 50%; forecast 123% crosses 100%.
		c.CostBudgets[0].Spec.Amount = "2000"
		statuses, _ = Budgets(ctx, st, c, time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC))
		if got := fmt.Sprint(statuses[0].Crossed); got != "[actual 50% forecast 100%]" {
			t.Errorf("crossed = %s", got)
		}
		for range 2 {
			n, err := NotifyBudgets(ctx, st, c, statuses, "https://kiban.example")
			if err != nil {
				t.Fatal(err)
			}
			msgs, _ := st.Messages(ctx, "growth", 0)
			if len(msgs) != 2 || (n != 2 && n != 0) {
				t.Errorf("queued %d, outbox has %d; want 2 messages once", n, len(msgs))
			}
		}
	})
}

func TestSharedCost(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *store.Store, _ *ownership.Resolver) {
		ctx := t.Context()
		c, err := catalog.Load(ctx, "../../examples/acme")
		if err != nil {
			t.Fatal(err)
		}
		// postgres-shared (examples/acme) splits its cost in proportion to
		// its users' own; here 100 USD, with checkout spending 300 and
		// inventory 100 of their own, the others nothing.
		p := store.CostPeriod{Provider: "AWS", BillingAccount: "1", BillingPeriod: "2026-10-01"}
		mk := func(service, team, effective string) store.CostDaily {
			return store.CostDaily{CostPeriod: p, Day: "2026-10-07", Service: service, Team: team, ServiceCategory: "Databases",
				ChargeCategory: "Usage", Currency: "USD", Billed: effective, Effective: effective, List: effective, Contracted: effective, Rows: 1}
		}
		daily := []store.CostDaily{mk("postgres-shared", "sre", "100"), mk("checkout", "shop-checkout", "300"), mk("inventory", "shop-checkout", "100")}
		err = st.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.ImportCost(ctx, store.CostImport{Source: "t", Format: "test", Periods: []store.CostPeriod{p},
				Totals: json.RawMessage(`[]`), Actor: "test"}, store.CostData{Daily: daily})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		sc := c.Services[slicesIndex(c, "postgres-shared")].Spec.SharedCost
		if sc == nil {
			t.Fatal("examples/acme: postgres-shared declares no sharedCost")
		}
		month := ReportQuery{From: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Catalog: c}
		q := month
		q.Service = "checkout"
		r, err := Build(ctx, st, q)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{catalog.SplitProportional: "375", catalog.SplitEven: "350"}[sc.Split]
		if want == "" {
			t.Skipf("postgres-shared splits by %s", sc.Split)
		}
		if len(r.Totals) != 1 || r.Totals[0].Effective.String() != want || len(r.SharedIn) != 1 || r.SharedIn[0].Key != "postgres-shared" {
			t.Errorf("checkout = %v, shared in %v; want %s", r.Totals, r.SharedIn, want)
		}
		org, err := Build(ctx, st, month)
		if err != nil {
			t.Fatal(err)
		}
		if org.Totals[0].Effective.String() != "500" {
			t.Errorf("organisation total = %s; the split must not change it", org.Totals[0].Effective)
		}
		for _, l := range org.ByService {
			if l.Key == "postgres-shared" {
				t.Errorf("postgres-shared still has %s after the split", l.Effective)
			}
		}

		// Shares that do not divide evenly (the last takes the remainder):
		// every team's and service's view adds up as the organisation's
		// view splits it, though each reads and splits only what it needs.
		sep := store.CostPeriod{Provider: "AWS", BillingAccount: "1", BillingPeriod: "2026-09-01"}
		var sepDays []store.CostDaily
		for _, x := range [][3]string{{"postgres-shared", "sre", "100"}, {"checkout", "shop-checkout", "3"},
			{"membership-api", "membership", "7"}, {"etl-scheduler", "data-platform", "11"}, {"billing", "membership", "0.013"}} {
			d := mk(x[0], x[1], x[2])
			d.CostPeriod, d.Day = sep, "2026-09-07"
			sepDays = append(sepDays, d)
		}
		err = st.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.ImportCost(ctx, store.CostImport{Source: "t", Format: "test", Periods: []store.CostPeriod{sep},
				Totals: json.RawMessage(`[]`), Actor: "test"}, store.CostData{Daily: sepDays})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		september := ReportQuery{From: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), Catalog: c}
		orgSep, err := Build(ctx, st, september)
		if err != nil {
			t.Fatal(err)
		}
		if orgSep.Totals[0].Effective.String() != "121.013" {
			t.Errorf("organisation total in September = %s; want 121.013", orgSep.Totals[0].Effective)
		}
		byTeam, byService := map[string]string{}, map[string]string{}
		for _, l := range orgSep.ByTeam {
			byTeam[l.Key] = l.Effective.String()
		}
		for _, l := range orgSep.ByService {
			byService[l.Key] = l.Effective.String()
		}
		// own is the effective cost of a selection's own view.
		own := func(team, service string) string {
			q := september
			q.Team, q.Service = team, service
			r, err := Build(ctx, st, q)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Totals) == 0 {
				return "0"
			}
			return r.Totals[0].Effective.String()
		}
		for _, team := range c.Teams {
			if got, want := own(team.Name, ""), cmp.Or(byTeam[team.Name], "0"); got != want {
				t.Errorf("team %s: %s in its own view, %s in the organisation's", team.Name, got, want)
			}
		}
		for _, svc := range c.Services {
			if got, want := own("", svc.Name), cmp.Or(byService[svc.Name], "0"); got != want {
				t.Errorf("service %s: %s in its own view, %s in the organisation's", svc.Name, got, want)
			}
		}
	})
}

func slicesIndex(c *catalog.Catalog, name string) int {
	for i, s := range c.Services {
		if s.Name == name {
			return i
		}
	}
	return -1
}

func TestBudgetDay(t *testing.T) {
	now := time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC)
	for month, want := range map[string]time.Time{
		"":        now,
		"2026-11": now,
		"2026-10": time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC),
		"2027-01": now,
	} {
		if got, err := BudgetDay(month, now); err != nil || !got.Equal(want) {
			t.Errorf("BudgetDay(%q) = %v, %v; want %v", month, got, err, want)
		}
	}
	if _, err := BudgetDay("October", now); err == nil {
		t.Error("a month that is not YYYY-MM is accepted")
	}
}
