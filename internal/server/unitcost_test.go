package server

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/store"
)

// TestSLOPageUnitCost shows a service's cost per million good requests
// beside the SLO that counts them.
func TestSLOPageUnitCost(t *testing.T) {
	e := newEnv(t, "../../examples/acme")
	ctx := context.Background()
	now := time.Now().UTC()
	day := store.CostDaily{CostPeriod: store.CostPeriod{Provider: "AWS", BillingAccount: "1", BillingPeriod: now.Format("2006-01") + "-01"},
		Day: now.Format(time.DateOnly), Service: "checkout", Team: "shop-checkout", ServiceCategory: "Compute", ChargeCategory: "Usage",
		Currency: "USD", Billed: "120", Effective: "120", List: "150", Contracted: "130", Rows: 1}
	err := e.store.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.ImportCost(ctx, store.CostImport{Source: "t", Format: "test", Periods: []store.CostPeriod{day.CostPeriod},
			Totals: json.RawMessage(`[]`), Actor: "test"}, store.CostData{Daily: []store.CostDaily{day}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.store.AddBuckets(ctx, store.Ingest{Digest: "u1", Source: "test", Kind: "events", Actor: "test"},
		[]store.Bucket{{Key: catalog.SLIKey("checkout-availability"), Minute: now.Truncate(time.Minute), Good: 400_000, Total: 400_100}}); err != nil {
		t.Fatal(err)
	}
	code, body := e.do(t, "GET", "/slos/checkout-availability", "", "")
	if code != 200 || !strings.Contains(body, `<span id="unit-cost">300.00 USD</span>`) {
		t.Errorf("SLO page = %d; want the unit cost 300.00 USD (120 USD / 0.4 M good requests)", code)
	}
	var unit struct {
		Services []struct {
			Service, SLO string
			PerMillion   string `json:"per_million"`
		}
	}
	e.getJSON(t, "/api/v1/cost/unit", &unit)
	found := false
	for _, u := range unit.Services {
		if u.Service == "checkout" && u.SLO == "checkout-availability" && u.PerMillion == "300" {
			found = true
		}
	}
	if !found {
		t.Errorf("/api/v1/cost/unit = %+v", unit.Services)
	}
}
