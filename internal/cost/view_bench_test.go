package cost

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/store"
)

// BenchmarkTeamView builds a team's (shop-checkout's) cost report over 13
// months, with the shared-cost split of the example organisation, from
// its 23 services x 3 service categories x 2 charge categories a day
// (54,510 daily rows, 2.5 times the example data's) and 80 resources a
// service a month (23,920 resource months), in SQLite.
//
//	go test -run '^$' -bench TeamView ./internal/cost
func BenchmarkTeamView(b *testing.B) {
	ctx := b.Context()
	slog.SetDefault(slog.New(slog.DiscardHandler))
	cat, err := catalog.Load(ctx, "../../examples/acme")
	if err != nil {
		b.Fatal(err)
	}
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(b.TempDir(), "view.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	first := time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)
	for m := range 13 {
		start := first.AddDate(0, m, 0)
		period := store.CostPeriod{Provider: "AWS", BillingAccount: "1", BillingPeriod: start.Format(time.DateOnly)}
		var data store.CostData
		var resources []store.CostResource
		for i, svc := range cat.Services {
			for d := start; d.Before(start.AddDate(0, 1, 0)); d = d.AddDate(0, 0, 1) {
				day := d.Format(time.DateOnly)
				for c, category := range []string{"Compute", "Storage", "Networking"} {
					for _, charge := range []string{"Usage", "Tax"} {
						v := decimal.New(int64(1000+37*i+11*c+d.Day()), -2).String()
						data.Daily = append(data.Daily, store.CostDaily{CostPeriod: period, Day: day, Service: svc.Name, Team: svc.Spec.Owner,
							ServiceCategory: category, ChargeCategory: charge, Currency: "USD", Billed: v, Effective: v, List: v, Contracted: v, Rows: 24})
					}
				}
				for r := range 80 {
					v := decimal.New(int64(100+r*3+d.Day()), -3).String()
					resources = append(resources, store.CostResource{CostPeriod: period, Day: day, ResourceID: fmt.Sprintf("%s/r-%d", svc.Name, r),
						Service: svc.Name, Team: svc.Spec.Owner, ServiceName: "Amazon EC2", ServiceCategory: "Compute", Tagged: true,
						Currency: "USD", Billed: v, Effective: v, List: v, Rows: 24})
				}
			}
		}
		data.ResourceMonths = ResourceMonths(resources)
		if err := st.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.ImportCost(ctx, store.CostImport{Source: "bench", Format: "test", Periods: []store.CostPeriod{period},
				Totals: json.RawMessage(`[]`), Actor: "bench"}, data)
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
	q := ReportQuery{Team: "shop-checkout", From: first, To: first.AddDate(0, 13, 0), Catalog: cat}
	b.ResetTimer()
	for b.Loop() {
		r, err := Build(ctx, st, q)
		if err != nil {
			b.Fatal(err)
		}
		if len(r.ByMonth) != 13 || len(r.SharedIn) == 0 {
			b.Fatalf("report has %d months and shared-in %v", len(r.ByMonth), r.SharedIn)
		}
	}
}
