package store

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// BenchmarkSearchPostmortems searches a library of 5,000 postmortems of
// about 4 KB each (SQLite FTS5): a two-word query with a team filter.
func BenchmarkSearchPostmortems(b *testing.B) {
	s := openStore(b, "sqlite:"+filepath.Join(b.TempDir(), "kiban.db"))
	ctx := b.Context()
	words := strings.Fields(`database connection pool exhausted timeout deploy rollback certificate expired
		cache eviction latency regression queue backlog consumer lag dns resolution failure quota exceeded
		memory leak garbage collection pause disk full replication lag failover load balancer health check`)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const n = 5000
	err := s.InTx(ctx, func(tx *Tx) error {
		for i := range n {
			var body strings.Builder
			for j := range 600 {
				body.WriteString(words[(i*7+j*13)%len(words)])
				body.WriteByte(' ')
			}
			in := Incident{Title: fmt.Sprintf("Incident %d: %s %s", i, words[i%len(words)], words[(i+3)%len(words)]),
				Severity: 1 + i%4, Status: IncidentClosed, Team: fmt.Sprintf("team-%d", i%20), Services: []string{fmt.Sprintf("svc-%d", i%100)},
				OpenedBy: "bench", StartedAt: t0.Add(time.Duration(i) * time.Hour), OpenedAt: t0.Add(time.Duration(i) * time.Hour)}
			id, err := tx.InsertIncident(ctx, in)
			if err != nil {
				return err
			}
			if _, err := tx.SavePostmortem(ctx, Postmortem{IncidentID: id, Status: PostmortemPublished, Body: body.String(),
				CauseCategory: "software", Tags: []string{words[i%len(words)]}}, in.Title); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		hits, err := s.SearchPostmortems(ctx, PostmortemQuery{Text: "replication failover", Team: "team-3", Limit: 20})
		if err != nil || len(hits) == 0 {
			b.Fatalf("%d hits, %v", len(hits), err)
		}
	}
}
