package sli

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

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
kind: SLO
metadata: {name: items}
spec:
  service: checkout
  objective: 99.9
  sli:
    requests: {host: shop.example.com, method: GET, route: '/api/items/{id}', latency: 300ms}
---
apiVersion: kiban.dev/v1
kind: SLO
metadata: {name: all}
spec:
  service: checkout
  objective: 99
  sli:
    requests: {goodStatus: [2xx, "304"]}
---
apiVersion: kiban.dev/v1
kind: Journey
metadata: {name: buy}
spec:
  service: checkout
  combine: eventWeighted
  steps:
    - {name: pay, weight: 2, sli: {requests: {method: POST, route: /api/pay}}}
`

func TestMatch(t *testing.T) {
	c, err := catalog.Parse(context.Background(), []catalog.File{{Name: "t.yaml", Data: []byte(tree)}})
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewMatcher(c)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"buy/pay", "checkout-all", "checkout-items"}, m.Keys()); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
	ms := func(d int) time.Duration { return time.Duration(d) * time.Millisecond }
	tests := []struct {
		name string
		req  Request
		want map[string]bool
	}{
		{"fast item", Request{Host: "Shop.Example.com", Method: "GET", Path: "/api/items/42", Status: 200, Duration: ms(120)},
			map[string]bool{"checkout-items": true, "checkout-all": true}},
		{"slow item", Request{Host: "shop.example.com", Method: "GET", Path: "/api/items/42", Status: 200, Duration: ms(900)},
			map[string]bool{"checkout-items": false, "checkout-all": true}},
		{"unknown duration", Request{Host: "shop.example.com", Method: "GET", Path: "/api/items/42", Status: 200, Duration: -1},
			map[string]bool{"checkout-items": false, "checkout-all": true}},
		{"server error", Request{Host: "shop.example.com", Method: "GET", Path: "/api/items/42", Status: 503, Duration: ms(5)},
			map[string]bool{"checkout-items": false, "checkout-all": false}},
		{"client error is good by default", Request{Host: "shop.example.com", Method: "GET", Path: "/api/items/42", Status: 404, Duration: ms(5)},
			map[string]bool{"checkout-items": true, "checkout-all": false}},
		{"other host", Request{Host: "admin.example.com", Method: "GET", Path: "/api/items/42", Status: 304},
			map[string]bool{"checkout-all": true}},
		{"payment", Request{Host: "x", Method: "POST", Path: "/api/pay", Status: 201},
			map[string]bool{"buy/pay": true, "checkout-all": true}},
		{"payment by GET", Request{Host: "x", Method: "GET", Path: "/api/pay", Status: 201},
			map[string]bool{"checkout-all": true}},
	}
	for _, tt := range tests {
		got := map[string]bool{}
		m.Match(tt.req, func(key string, good bool) { got[key] = good })
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestCounter(t *testing.T) {
	c := NewCounter()
	t0 := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	c.Add("a", t0.Add(10*time.Second), true)
	c.Add("a", t0.Add(50*time.Second), false)
	c.Add("a", t0.Add(70*time.Second), true)
	c.AddCounts("b", t0, 5, 7)
	want := []store.Bucket{
		{Key: "a", Minute: t0, Good: 1, Total: 2},
		{Key: "a", Minute: t0.Add(time.Minute), Good: 1, Total: 1},
		{Key: "b", Minute: t0, Good: 5, Total: 7},
	}
	if diff := cmp.Diff(want, c.Buckets()); diff != "" {
		t.Errorf("buckets (-want +got):\n%s", diff)
	}
}

func BenchmarkMatch(b *testing.B) {
	c, err := catalog.Parse(context.Background(), []catalog.File{{Name: "t.yaml", Data: []byte(tree)}})
	if err != nil {
		b.Fatal(err)
	}
	m, _ := NewMatcher(c)
	req := Request{Host: "shop.example.com", Method: "GET", Path: "/api/items/42", Status: 200, Duration: 100 * time.Millisecond}
	n := 0
	for b.Loop() {
		m.Match(req, func(string, bool) { n++ })
	}
}
