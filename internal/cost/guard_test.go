package cost

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/ownership"
	"kiban.dev/kiban/internal/store"
)

func TestGuards(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *store.Store, _ *ownership.Resolver) {
		ctx := t.Context()
		c, err := catalog.Load(ctx, "testdata/org")
		if err != nil {
			t.Fatal(err)
		}
		// Datadog bills growth for 10 hosts a day at 0.50 each for a week,
		// then 26 hosts: an agent installed on every node of a cluster.
		start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		var resources []store.CostResource
		periods := []store.CostPeriod{{Provider: "Datadog", BillingAccount: "dd-1", BillingPeriod: "2026-11-01"}}
		for d := range 8 {
			hosts := 10
			if d == 7 {
				hosts = 26
			}
			for h := range hosts {
				resources = append(resources, store.CostResource{CostPeriod: periods[0], Day: start.AddDate(0, 0, d).Format(time.DateOnly),
					ResourceID: fmt.Sprintf("host-%02d", h), Service: "brightpath", Team: "growth", ServiceName: "Infrastructure Hosts",
					ServiceCategory: "Management and Governance", Tagged: true, Currency: "USD", Billed: "0.5", Effective: "0.5", List: "0.5", Rows: 1})
			}
		}
		err = st.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.ImportCost(ctx, store.CostImport{Source: "t", Format: "test", Periods: periods, Totals: json.RawMessage(`[]`), Actor: "test"},
				store.CostData{ResourceMonths: ResourceMonths(resources)})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		quiet, err := Guards(ctx, st, c, start.AddDate(0, 0, 6))
		if err != nil || len(quiet) != 1 || len(quiet[0].Breaches) != 0 || quiet[0].Resources != 10 {
			t.Fatalf("a normal day = %+v, %v", quiet, err)
		}
		got, err := Guards(ctx, st, c, start.AddDate(0, 0, 7))
		if err != nil {
			t.Fatal(err)
		}
		g := got[0]
		if g.Day != "2026-11-08" || g.Resources != 26 || g.Cost.String() != "13" || g.Usual.String() != "5" || len(g.Breaches) != 2 {
			t.Errorf("guard = %+v", g)
		}
		for range 2 {
			if _, err := NotifyGuards(ctx, st, c, got, ""); err != nil {
				t.Fatal(err)
			}
		}
		if msgs, _ := st.Messages(ctx, "growth", 0); len(msgs) != 1 {
			t.Errorf("%d messages; want one for the breached day", len(msgs))
		}
	})
}
