package ownership

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"kiban.dev/kiban/internal/catalog"
)

func acme(t testing.TB) *Resolver {
	t.Helper()
	c, err := catalog.Load(context.Background(), "../../examples/acme")
	if err != nil {
		t.Fatalf("load examples/acme: %v", err)
	}
	return New(c)
}

func TestOwner(t *testing.T) {
	r := acme(t)
	tests := []struct {
		service, team, channel, receiver string
	}{
		{"checkout", "shop-checkout", "#team-checkout", "shop-checkout-pager"},
		{"search", "shop-discovery", "#team-discovery", "shop-discovery-pager"},
		{"api-gateway", "sre", "#team-sre", "sre-pager"},
		{"rewards", "membership", "#team-membership", "membership-pager"}, // from the Backstage file
	}
	for _, tt := range tests {
		s, team, err := r.Owner(tt.service)
		if err != nil {
			t.Errorf("Owner(%q): %v", tt.service, err)
			continue
		}
		got := [4]string{s.Name, team.Name, team.Spec.Chat.Channel, team.Spec.Alertmanager.Receiver}
		want := [4]string{tt.service, tt.team, tt.channel, tt.receiver}
		if got != want {
			t.Errorf("Owner(%q) = %q; want %q", tt.service, got, want)
		}
		if len(team.Spec.Members) == 0 {
			t.Errorf("Owner(%q): team %s has no members", tt.service, team.Name)
		}
	}
	if _, _, err := r.Owner("nope"); !errors.Is(err, ErrUnknownService) {
		t.Errorf("Owner(nope) error = %v; want ErrUnknownService", err)
	}
}

func TestWho(t *testing.T) {
	r := acme(t)
	tests := []struct {
		service, concern string
		want             Answer
	}{
		// Organisation default naming a team.
		{"checkout", "database-backup", Answer{Concern: "database-backup", Team: "sre", Via: ViaDefault}},
		// Organisation default "owner".
		{"checkout", "app-alerts", Answer{Concern: "app-alerts", Team: "shop-checkout", Owner: true, Via: ViaDefault}},
		// Service override to "owner".
		{"payments", "database-backup", Answer{Concern: "database-backup", Team: "shop-checkout", Owner: true, Via: ViaService}},
		// Service override to another team.
		{"payments", "security-patching", Answer{Concern: "security-patching", Team: "sre", Via: ViaService}},
		{"warehouse", "kubernetes-cluster", Answer{Concern: "kubernetes-cluster", Team: "data-platform", Owner: true, Via: ViaService}},
		// Backstage annotation kiban.dev/responsibility.on-call.
		{"rewards", "on-call", Answer{Concern: "on-call", Team: "membership", Owner: true, Via: ViaService}},
	}
	for _, tt := range tests {
		got, err := r.Who(tt.service, tt.concern)
		if err != nil {
			t.Errorf("Who(%q, %q): %v", tt.service, tt.concern, err)
			continue
		}
		got.Description = ""
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Who(%q, %q) (-want +got):\n%s", tt.service, tt.concern, diff)
		}
	}
	if _, err := r.Who("checkout", "coffee"); !errors.Is(err, ErrUnknownConcern) {
		t.Errorf("Who(checkout, coffee) error = %v; want ErrUnknownConcern", err)
	}
	if _, err := r.Who("nope", "cost"); !errors.Is(err, ErrUnknownService) {
		t.Errorf("Who(nope, cost) error = %v; want ErrUnknownService", err)
	}
}

func TestMatrix(t *testing.T) {
	r := acme(t)
	m, err := r.Matrix("payments")
	if err != nil {
		t.Fatal(err)
	}
	if len(m) != len(r.Catalog().Concerns) {
		t.Errorf("payments matrix has %d rows; want one per organisation concern (%d)", len(m), len(r.Catalog().Concerns))
	}
	for i := 1; i < len(m); i++ {
		if m[i-1].Concern >= m[i].Concern {
			t.Errorf("matrix not sorted: %q before %q", m[i-1].Concern, m[i].Concern)
		}
	}
	overrides := 0
	for _, a := range m {
		if a.Via == ViaService {
			overrides++
		}
	}
	if overrides != 2 {
		t.Errorf("payments has %d overrides; want 2 (database-backup, security-patching)", overrides)
	}
}

func parse(t testing.TB, src string) *Resolver {
	t.Helper()
	c, err := catalog.Parse(context.Background(), []catalog.File{{Name: "test.yaml", Data: []byte(src)}})
	if err != nil {
		t.Fatal(err)
	}
	return New(c)
}

const resourcesTree = `
apiVersion: kiban.dev/v1
kind: Team
metadata: {name: a}
spec: {}
---
apiVersion: kiban.dev/v1
kind: Service
metadata: {name: warehouse}
spec:
  owner: a
  resources:
    accounts: ["111111111111"]
---
apiVersion: kiban.dev/v1
kind: Service
metadata: {name: ingest}
spec:
  owner: a
  resources:
    tagMatchers:
      - tags: {service: ingest}
        accounts: ["111111111111"]
      - tags: {team: data}
---
apiVersion: kiban.dev/v1
kind: Service
metadata: {name: ingest-prod}
spec:
  owner: a
  resources:
    tagMatchers:
      - tags: {service: ingest, env: prod}
---
apiVersion: kiban.dev/v1
kind: Service
metadata: {name: checkout}
spec:
  owner: a
  resources:
    resourceIds: ["arn:aws:s3:::acme-*"]
    terraform: ["module.checkout.*"]
---
apiVersion: kiban.dev/v1
kind: Service
metadata: {name: receipts}
spec:
  owner: a
  resources:
    resourceIds: ["arn:aws:s3:::acme-receipts*"]
    terraform: ["module.checkout.module.receipts.*"]
---
apiVersion: kiban.dev/v1
kind: Service
metadata: {name: twin-a}
spec:
  owner: a
  resources:
    tagMatchers: [{tags: {app: twin}}]
---
apiVersion: kiban.dev/v1
kind: Service
metadata: {name: twin-b}
spec:
  owner: a
  resources:
    tagMatchers: [{tags: {app: twin}}]
`

func TestResourcePrecedence(t *testing.T) {
	r := parse(t, resourcesTree)
	tests := []struct {
		name string
		res  Resource
		want Match
		none bool
	}{
		{name: "whole account", res: Resource{Account: "111111111111"},
			want: Match{Service: "warehouse", Team: "a", Rule: RuleAccount, Pattern: "111111111111"}},
		{name: "tags beat the account", res: Resource{Account: "111111111111", Tags: map[string]string{"service": "ingest"}},
			want: Match{Service: "ingest", Team: "a", Rule: RuleTags, Pattern: "service=ingest in 111111111111"}},
		{name: "more tags beat fewer", res: Resource{Account: "111111111111", Tags: map[string]string{"service": "ingest", "env": "prod"}},
			want: Match{Service: "ingest-prod", Team: "a", Rule: RuleTags, Pattern: "env=prod,service=ingest"}},
		{name: "account limit applies", res: Resource{Account: "222222222222", Tags: map[string]string{"service": "ingest"}}, none: true},
		{name: "resource id beats tags", res: Resource{ID: "arn:aws:s3:::acme-logs", Tags: map[string]string{"team": "data"}},
			want: Match{Service: "checkout", Team: "a", Rule: RuleResourceID, Pattern: "arn:aws:s3:::acme-*"}},
		{name: "longer id pattern wins", res: Resource{ID: "arn:aws:s3:::acme-receipts-eu"},
			want: Match{Service: "receipts", Team: "a", Rule: RuleResourceID, Pattern: "arn:aws:s3:::acme-receipts*"}},
		{name: "terraform beats resource id", res: Resource{Terraform: "module.checkout.aws_s3_bucket.this", ID: "arn:aws:s3:::acme-receipts"},
			want: Match{Service: "checkout", Team: "a", Rule: RuleTerraform, Pattern: "module.checkout.*"}},
		{name: "nested module is more specific", res: Resource{Terraform: `module.checkout.module.receipts.aws_s3_bucket.this["eu"]`},
			want: Match{Service: "receipts", Team: "a", Rule: RuleTerraform, Pattern: "module.checkout.module.receipts.*"}},
		{name: "unmatched terraform falls through to tags", res: Resource{Terraform: "module.other.x", Tags: map[string]string{"team": "data"}},
			want: Match{Service: "ingest", Team: "a", Rule: RuleTags, Pattern: "team=data"}},
		{name: "tie reported", res: Resource{Tags: map[string]string{"app": "twin"}},
			want: Match{Service: "twin-a", Team: "a", Rule: RuleTags, Pattern: "app=twin", Others: []string{"twin-b"}}},
		{name: "nothing", res: Resource{Account: "999"}, none: true},
		{name: "empty", res: Resource{}, none: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := r.Resource(tt.res)
			if ok == tt.none {
				t.Fatalf("Resource(%+v) matched = %v (%+v); want %v", tt.res, ok, got, !tt.none)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Resource(%+v) (-want +got):\n%s", tt.res, diff)
			}
		})
	}
}

func TestGlob(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"module.checkout.*", "module.checkout.aws_sqs_queue.orders", true},
		{"module.checkout.*", "module.checkout", false},
		{"module.checkout*", "module.checkout", true},
		{"module.checkout.*", "module.checkoutx.a", false},
		{"*.bucket", "aws_s3.bucket", true},
		{"a*b*c", "abc", true},
		{"a*b*c", "axxbyyc", true},
		{"a*b*c", "acb", false},
		{"ab*ba", "aba", false},
		{"exact", "exact", true},
		{"exact", "exactly", false},
		{"*", "", true},
	}
	for _, tt := range tests {
		if got := compileGlob(tt.pattern).match(tt.s); got != tt.want {
			t.Errorf("glob %q match %q = %v; want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}

func BenchmarkResource(b *testing.B) {
	r := acme(b)
	res := Resource{Account: "318274650912", Tags: map[string]string{"service": "checkout", "env": "prod"}, ID: "arn:aws:ec2:eu-west-1:318274650912:instance/i-0abc"}
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := r.Resource(res); !ok {
			b.Fatal("no match")
		}
	}
}

func TestServiceForLabels(t *testing.T) {
	r := acme(t)
	tests := []struct {
		labels map[string]string
		want   string
	}{
		{map[string]string{"alertname": "KubePodCrashLooping", "namespace": "checkout", "pod": "checkout-7d9"}, "checkout"},
		{map[string]string{"alertname": "KubePodCrashLooping", "namespace": "search"}, ""},
		{map[string]string{"alertname": "Watchdog"}, ""},
	}
	for _, tt := range tests {
		s, ok := r.ServiceForLabels(tt.labels)
		got := ""
		if ok {
			got = s.Name
		}
		if got != tt.want {
			t.Errorf("ServiceForLabels(%v) = %q; want %q", tt.labels, got, tt.want)
		}
	}
}
