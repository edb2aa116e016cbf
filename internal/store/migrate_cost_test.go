package store

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestMigrateCostDays moves cost per day and per resource and day written
// by the schema of version 7 into version 8's rows per billing period,
// and back down.
func TestMigrateCostDays(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		p, err := s.migrations()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.DownTo(ctx, 7); err != nil {
			t.Fatalf("down to 7 with no data: %v", err)
		}
		old := [][]any{
			{"r1", "2026-10-01", "1.5", "1.25", "2", 1},
			{"r1", "2026-10-02", "-0.5", "-0.5", "0", 2},
			{"r2", "2026-10-02", "7", "7", "7", 24},
		}
		for _, r := range old {
			if _, err := s.db.ExecContext(ctx, `INSERT INTO cost_resources (provider, billing_account, billing_period, day,
				resource_id, resource_name, sub_account, service, team, service_name, service_category, tagged, currency,
				billed, effective, list, rows, import_id) VALUES ('AWS', '1', '2026-10-01', $1, $2, 'name', 'sub', 'svc', 'team',
				'EC2', 'Compute', TRUE, 'USD', $3, $4, $5, $6, 1)`, r[1], r[0], r[2], r[3], r[4], r[5]); err != nil {
				t.Fatal(err)
			}
		}
		for _, r := range [][]any{{"r1", "1", "0.75", "2", 3}, {"r2", "7", "7", "7", 24}, {"r3", "0", "0", "0", 0}} {
			if _, err := s.db.ExecContext(ctx, `INSERT INTO cost_resource_months (provider, billing_account, billing_period,
				resource_id, resource_name, sub_account, service, team, service_name, service_category, tagged, currency,
				billed, effective, list, rows, import_id) VALUES ('AWS', '1', '2026-10-01', $1, 'name', 'sub', 'svc', 'team',
				'EC2', 'Compute', TRUE, 'USD', $2, $3, $4, $5, 1)`, r...); err != nil {
				t.Fatal(err)
			}
		}
		oldDaily := [][]any{
			{"2026-10-01", "api", "Compute", "1.5", "1.25", "2", "0", 3},
			{"2026-10-01", "web", "Compute", "4", "4", "4", "4", 1},
			{"2026-10-02", "api", "Compute", "-0.5", "-0.5", "0", "0.1", 2},
		}
		for _, d := range oldDaily {
			if _, err := s.db.ExecContext(ctx, `INSERT INTO cost_daily (provider, billing_account, billing_period, day, service,
				team, service_category, charge_category, currency, billed, effective, list, contracted, rows, import_id)
				VALUES ('AWS', '1', '2026-10-01', $1, $2, 'team', $3, 'Usage', 'USD', $4, $5, $6, $7, $8, 1)`, d...); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := p.UpTo(ctx, 8); err != nil {
			t.Fatalf("up to 8: %v", err)
		}
		daily, err := s.CostDays(ctx, CostQuery{From: "2026-10-01", To: "2026-11-01"})
		if err != nil {
			t.Fatal(err)
		}
		var gotDaily [][]any
		for _, d := range daily {
			gotDaily = append(gotDaily, []any{d.Day, d.Service, d.ServiceCategory, d.Billed, d.Effective, d.List, d.Contracted, int(d.Rows)})
		}
		slices.SortFunc(gotDaily, func(a, b []any) int { return strings.Compare(a[0].(string)+a[1].(string), b[0].(string)+b[1].(string)) })
		if diff := cmp.Diff(oldDaily, gotDaily); diff != "" {
			t.Errorf("daily cost after the migration (-before +after):\n%s", diff)
		}
		got, err := s.CostResources(ctx, CostQuery{From: "2026-10-01", To: "2026-11-01"})
		if err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(got, func(a, b CostResource) int {
			return strings.Compare(a.ResourceID+a.Day, b.ResourceID+b.Day)
		})
		var days [][]any
		for _, r := range got {
			days = append(days, []any{r.ResourceID, r.Day, r.Billed, r.Effective, r.List, int(r.Rows)})
		}
		if diff := cmp.Diff(old, days); diff != "" {
			t.Errorf("days after the migration (-before +after):\n%s", diff)
		}
		months, err := s.CostResourceMonths(ctx, CostQuery{From: "2026-10-01", To: "2026-11-01"})
		slices.SortFunc(months, func(a, b CostResource) int { return strings.Compare(a.ResourceID, b.ResourceID) })
		if err != nil || len(months) != 3 || months[0].Billed != "1" || months[1].Rows != 24 || months[2].ResourceID != "r3" {
			t.Errorf("months after the migration: %+v, %v", months, err)
		}

		if _, err := p.DownTo(ctx, 7); err != nil {
			t.Fatalf("down to 7: %v", err)
		}
		rows, err := s.db.QueryContext(ctx, `SELECT resource_id, day, billed, effective, list, rows FROM cost_resources ORDER BY resource_id, day`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var back [][]any
		for rows.Next() {
			var id, day, b, e, l string
			var n int
			if err := rows.Scan(&id, &day, &b, &e, &l, &n); err != nil {
				t.Fatal(err)
			}
			back = append(back, []any{id, day, b, e, l, n})
		}
		if diff := cmp.Diff(old, back); diff != "" {
			t.Errorf("days after migrating down (-before +after):\n%s", diff)
		}
		drows, err := s.db.QueryContext(ctx, `SELECT day, service, service_category, billed, effective, list, contracted, rows
			FROM cost_daily ORDER BY day, service`)
		if err != nil {
			t.Fatal(err)
		}
		defer drows.Close()
		var backDaily [][]any
		for drows.Next() {
			var day, svc, cat, b, e, l, c string
			var n int
			if err := drows.Scan(&day, &svc, &cat, &b, &e, &l, &c, &n); err != nil {
				t.Fatal(err)
			}
			backDaily = append(backDaily, []any{day, svc, cat, b, e, l, c, n})
		}
		if diff := cmp.Diff(oldDaily, backDaily); diff != "" {
			t.Errorf("daily cost after migrating down (-before +after):\n%s", diff)
		}
		if _, err := p.Up(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

func TestDayNumber(t *testing.T) {
	prev, _ := dayNumber("1999-12-31")
	for d := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() < 2101; d = d.AddDate(0, 0, 1) {
		n, ok := dayNumber(d.Format(time.DateOnly) + " 1.5 1.5 2 0 3")
		if !ok || n != prev+1 {
			t.Fatalf("dayNumber(%s) = %d, %v; want %d", d.Format(time.DateOnly), n, ok, prev+1)
		}
		prev = n
	}
	for _, bad := range []string{"", "2026-1-01", "2026/01/01", "2026-0a-01"} {
		if _, ok := dayNumber(bad); ok {
			t.Errorf("dayNumber(%q) accepted", bad)
		}
	}
}
