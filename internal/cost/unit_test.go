package cost

import (
	"encoding/json"
	"testing"
	"time"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/ownership"
	"kiban.dev/kiban/internal/store"
)

func TestUnitCosts(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *store.Store, _ *ownership.Resolver) {
		ctx := t.Context()
		c, err := catalog.Load(ctx, "../../examples/acme")
		if err != nil {
			t.Fatal(err)
		}
		// checkout: 900 USD in October 2026 over 3,000,000 good requests
		// (and 12,000 bad ones, which do not count).
		day := store.CostDaily{CostPeriod: store.CostPeriod{Provider: "AWS", BillingAccount: "1", BillingPeriod: "2026-10-01"},
			Day: "2026-10-05", Service: "checkout", Team: "shop-checkout", ServiceCategory: "Compute", ChargeCategory: "Usage",
			Currency: "USD", Billed: "900", Effective: "900", List: "1000", Contracted: "950", Rows: 10}
		err = st.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.ImportCost(ctx, store.CostImport{Source: "t", Format: "test", Periods: []store.CostPeriod{day.CostPeriod},
				Totals: json.RawMessage(`[]`), Actor: "test"}, store.CostData{Daily: []store.CostDaily{day}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		minute := time.Date(2026, 10, 5, 12, 0, 0, 0, time.UTC)
		if err := st.AddBuckets(ctx, store.Ingest{Digest: "d1", Source: "test", Kind: "events", Actor: "test"},
			[]store.Bucket{{Key: catalog.SLIKey("checkout-availability"), Minute: minute, Good: 3_000_000, Total: 3_012_000}}); err != nil {
			t.Fatal(err)
		}
		got, err := UnitCosts(ctx, st, c, time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		var checkout *UnitCost
		for i := range got {
			if got[i].Service == "checkout" {
				checkout = &got[i]
			}
		}
		if checkout == nil || checkout.SLO != "checkout-availability" || checkout.Good != 3_000_000 || checkout.PerMillion == nil || checkout.PerMillion.String() != "300" {
			t.Errorf("checkout = %+v; want 300 USD per million good requests", checkout)
		}
	})
}
