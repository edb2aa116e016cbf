package gate

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/store"
)

const tree = `apiVersion: kiban.dev/v1
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
kind: Service
metadata: {name: search}
spec: {owner: shop}
---
apiVersion: kiban.dev/v1
kind: SLO
metadata: {name: availability}
spec:
  service: checkout
  objective: 99
  window: {rolling: 7d}
  sli: {requests: {route: /api/checkout}}
---
apiVersion: kiban.dev/v1
kind: SLO
metadata: {name: availability}
spec:
  service: search
  objective: 99
  window: {rolling: 7d}
  sli: {requests: {route: /api/search}}
---
apiVersion: kiban.dev/v1
kind: ErrorBudgetPolicy
metadata: {name: shop}
spec:
  services: [checkout]
  thresholds:
    - {below: 25, actions: [notify], message: tell the owners}
    - {below: 0, actions: [notify, freeze], message: only fixes may ship}
`

// setup stores, for each SLO, 1,000 requests with bad failures.
func setup(t *testing.T, bad map[string]int64) (*store.Store, *catalog.Catalog, time.Time) {
	t.Helper()
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "k.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c, err := catalog.Parse(context.Background(), []catalog.File{{Name: "t.yaml", Data: []byte(tree)}})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	var buckets []store.Bucket
	for key, b := range bad {
		buckets = append(buckets, store.Bucket{Key: key, Minute: at.Add(-2 * time.Hour), Good: 1000 - b, Total: 1000})
	}
	if err := st.AddBuckets(context.Background(), store.Ingest{Source: "test"}, buckets); err != nil {
		t.Fatal(err)
	}
	return st, c, at
}

func TestDecide(t *testing.T) {
	tests := []struct {
		name    string
		bad     map[string]int64
		req     Request
		allow   bool
		reason  string
		actions []string
	}{
		// 1% budget: 5 bad of 1,000 spends half of it.
		{"healthy", map[string]int64{"checkout-availability": 5}, Request{Service: "checkout"}, true,
			"allowed: checkout-availability has 50.0% of its error budget left, above every threshold of policy shop", nil},
		{"under 25%: notify only", map[string]int64{"checkout-availability": 8}, Request{Service: "checkout"}, true,
			"allowed: checkout-availability has 20.0% of its error budget left (under 25%): tell the owners; policy shop: notify", []string{"notify"}},
		{"exhausted: freeze", map[string]int64{"checkout-availability": 30}, Request{Service: "checkout"}, false,
			"blocked: checkout-availability has none (-200.0%) of its error budget left (under exhausted): only fixes may ship; policy shop freezes releases except fixes (--change fix)", []string{"notify", "freeze"}},
		{"a fix passes the freeze", map[string]int64{"checkout-availability": 30}, Request{Service: "checkout", Change: ChangeFix}, true,
			"allowed: a fix may ship through the freeze; checkout-availability has none (-200.0%)", []string{"notify", "freeze"}},
		{"built-in policy: exhausted blocks", map[string]int64{"search-availability": 10}, Request{Service: "search"}, false,
			"blocked: search-availability has none (0.0%) of its error budget left (under exhausted): the error budget is exhausted; policy built-in", []string{"freeze"}},
		{"no data does not block", map[string]int64{}, Request{Service: "checkout"}, true,
			"allowed: no SLO of checkout has data to judge (no data yet for checkout-availability)", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, c, at := setup(t, tt.bad)
			tt.req.At = at
			d, err := Decide(context.Background(), st, c, tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if d.Allow != tt.allow || !strings.HasPrefix(d.Reason, tt.reason) {
				t.Errorf("Decide = %v %q; want %v %q", d.Allow, d.Reason, tt.allow, tt.reason)
			}
			if strings.Join(d.Actions, ",") != strings.Join(tt.actions, ",") {
				t.Errorf("actions = %v; want %v", d.Actions, tt.actions)
			}
		})
	}
	st, c, at := setup(t, nil)
	if _, err := Decide(context.Background(), st, c, Request{Service: "nope", At: at}); err == nil {
		t.Error("unknown service accepted")
	}
	if _, err := Decide(context.Background(), st, c, Request{Service: "checkout", Journey: "nope", At: at}); err == nil {
		t.Error("unknown journey accepted")
	}
}
