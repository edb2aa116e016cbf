package catalog

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeLargeTree writes an organisation of the given size: 50 teams, a
// responsibility matrix and services spread over files of 100 services,
// each with links, dependencies, resources and overrides, as a big
// organisation's tree would hold.
func writeLargeTree(tb testing.TB, dir string, services int) {
	tb.Helper()
	var teams strings.Builder
	for i := range 50 {
		fmt.Fprintf(&teams, `---
apiVersion: kiban.dev/v1
kind: Team
metadata:
  name: team-%02d
  title: Team %02d
spec:
  parent: %s
  email: team-%02d@example.com
  members:
    - {user: lead-%02d, name: Lead %02d, email: lead-%02d@example.com, role: lead}
    - {user: eng-%02d, name: Engineer %02d, role: engineer}
  chat: {channel: "#team-%02d", webhookEnv: WEBHOOK_%02d}
  alertmanager: {receiver: team-%02d-pager}
`, i, i, parentOf(i), i, i, i, i, i, i, i, i, i)
	}
	teams.WriteString(`---
apiVersion: kiban.dev/v1
kind: Responsibilities
metadata: {name: defaults}
spec:
  concerns:
    - {name: kubernetes-cluster, team: team-00, description: Clusters}
    - {name: database-backup, team: team-00}
    - {name: app-alerts, team: owner}
    - {name: on-call, team: owner}
    - {name: cost, team: owner}
`)
	if err := os.WriteFile(filepath.Join(dir, "teams.yaml"), []byte(teams.String()), 0o644); err != nil {
		tb.Fatal(err)
	}
	for f := 0; f*100 < services; f++ {
		var b strings.Builder
		for i := f * 100; i < min((f+1)*100, services); i++ {
			deps := ""
			if i > 0 {
				deps = fmt.Sprintf("[svc-%05d, svc-%05d]", i-1, i/2)
				if i/2 == i-1 {
					deps = fmt.Sprintf("[svc-%05d]", i-1)
				}
			} else {
				deps = "[]"
			}
			fmt.Fprintf(&b, `---
apiVersion: kiban.dev/v1
kind: Service
metadata:
  name: svc-%05d
  title: Service %d
  description: Handles part %d of the business.
  labels: {tier: "%d"}
spec:
  owner: team-%02d
  tier: %d
  type: service
  lifecycle: production
  product: product-%d
  links:
    repo: https://git.example.com/svc-%05d
    runbook: https://runbooks.example.com/svc-%05d
    dashboards:
      - {title: Overview, url: "https://grafana.example.com/d/svc-%05d"}
  dependsOn: %s
  resources:
    tagMatchers:
      - tags: {service: svc-%05d, env: "*"}
    terraform: ["module.svc_%05d.*"]
  responsibilities:
    database-backup: owner
`, i, i, i, i%4+1, i%50, i%4+1, i%7, i, i, i, deps, i, i)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("services-%03d.yaml", f)), []byte(b.String()), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}

func parentOf(i int) string {
	if i == 0 {
		return `""`
	}
	return fmt.Sprintf("team-%02d", i/10)
}

// BenchmarkLint5000 measures kiban lint on 5,000 services; the target is
// under one second.
func BenchmarkLint5000(b *testing.B) {
	dir := b.TempDir()
	writeLargeTree(b, dir, 5000)
	b.ResetTimer()
	for b.Loop() {
		c, err := Load(context.Background(), dir)
		if err != nil {
			b.Fatal(err)
		}
		if len(c.Services) != 5000 {
			b.Fatalf("%d services", len(c.Services))
		}
	}
}

func TestLargeTreeLoads(t *testing.T) {
	if testing.Short() {
		t.Skip("large tree")
	}
	dir := t.TempDir()
	writeLargeTree(t, dir, 1000)
	c, err := Load(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Services) != 1000 || len(c.Teams) != 50 || len(c.Warnings) != 0 {
		t.Fatalf("got %d services, %d teams, %d warnings", len(c.Services), len(c.Teams), len(c.Warnings))
	}
}
