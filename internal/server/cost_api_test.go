package server

import (
	"os"
	"strings"
	"testing"

	"kiban.dev/kiban/internal/cost"
	"kiban.dev/kiban/internal/parquetrec/parquettest"
	"kiban.dev/kiban/internal/store"
)

// TestAPICost imports an export over HTTP and reads the cost endpoints.
func TestAPICost(t *testing.T) {
	forEachStore(t, "../../examples/acme", func(t *testing.T, e *env) {
		editor, viewer := e.token(t, store.RoleEditor), e.token(t, store.RoleViewer)
		data, err := os.ReadFile("../focus/testdata/focus_sample_1000.csv")
		if err != nil {
			t.Fatal(err)
		}
		sample := string(data)
		lines := strings.Split(sample, "\n")
		lines[10] = lines[10] + `,"extra"`
		broken := strings.Join(lines, "\n")

		for _, tc := range []struct {
			name, path, token, body string
			want                    int
			msg                     string
		}{
			{"no token", "/api/v1/cost/import", "", sample, 401, "authentication required"},
			{"viewer", "/api/v1/cost/import", viewer, sample, 403, "needs editor"},
			{"not FOCUS", "/api/v1/cost/import?source=x.csv", editor, "a,b\n1,2\n", 400, "x.csv"},
			{"bad row", "/api/v1/cost/import?source=broken.csv", editor, broken, 400, "line 11"},
			{"bad flag", "/api/v1/cost/import?skip_bad_rows=yes", editor, sample, 400, "skip_bad_rows"},
		} {
			before := e.auditCount(t)
			code, body := e.do(t, "POST", tc.path, tc.token, tc.body)
			if code != tc.want || !strings.Contains(body, tc.msg) {
				t.Errorf("%s: %d %s; want %d with %q", tc.name, code, body, tc.want, tc.msg)
			}
			if days, _ := e.store.CostDays(t.Context(), store.CostQuery{}); len(days) != 0 || e.auditCount(t) != before {
				t.Errorf("%s: a refused import stored %d roll-ups or an audit entry", tc.name, len(days))
			}
		}
		code, body := e.do(t, "POST", "/api/v1/cost/import?source=broken.csv&skip_bad_rows=true", editor, broken)
		if code != 200 || !strings.Contains(body, `"rows": 999`) || !strings.Contains(body, `"skipped": 1`) {
			t.Errorf("skip bad rows = %d %s", code, body)
		}
		code, body = e.do(t, "POST", "/api/v1/cost/import?source=sample.csv", editor, sample)
		if code != 200 || !strings.Contains(body, `"rows": 1000`) || !strings.Contains(body, `"format": "focus-1.0"`) {
			t.Fatalf("import = %d %s", code, body)
		}
		var fromCSV cost.Report
		e.getJSON(t, "/api/v1/cost/report?month=2024-09", &fromCSV)

		// The same export as Parquet replaces the month with the same cost;
		// a broken Parquet upload changes nothing.
		pq, err := parquettest.FromCSV(data)
		if err != nil {
			t.Fatal(err)
		}
		before := e.auditCount(t)
		code, body = e.do(t, "POST", "/api/v1/cost/import?source=broken.parquet", editor, string(pq[:len(pq)/2]))
		if code != 400 || !strings.Contains(body, "broken.parquet") || e.auditCount(t) != before {
			t.Errorf("broken Parquet = %d %s", code, body)
		}
		code, body = e.do(t, "POST", "/api/v1/cost/import?source=sample.parquet", editor, string(pq))
		if code != 200 || !strings.Contains(body, `"rows": 1000`) || !strings.Contains(body, `"format": "focus-1.0-parquet"`) {
			t.Fatalf("Parquet import = %d %s", code, body)
		}
		var fromParquet cost.Report
		e.getJSON(t, "/api/v1/cost/report?month=2024-09", &fromParquet)
		if len(fromParquet.Totals) != 1 || !fromParquet.Totals[0].Billed.Equal(fromCSV.Totals[0].Billed) ||
			!fromParquet.Totals[0].Effective.Equal(fromCSV.Totals[0].Effective) || fromParquet.Rows != fromCSV.Rows {
			t.Errorf("after the Parquet import: %+v, %d rows; from the CSV %+v, %d rows", fromParquet.Totals, fromParquet.Rows,
				fromCSV.Totals, fromCSV.Rows)
		}

		for _, tc := range []struct {
			path string
			want int
			has  string
		}{
			{"/api/v1/cost/report?month=2024-09", 200, `"days_with_data": 30`},
			{"/api/v1/cost/report?month=2024-13", 400, "not a month"},
			{"/api/v1/cost/report?team=nobody", 404, "not in the catalog"},
			{"/api/v1/cost/budgets?month=2024-09", 200, `"name": "shop-checkout-monthly"`},
			{"/api/v1/cost/budgets?month=Sept", 400, "not a month"},
			{"/api/v1/cost/anomalies?from=2024-09-01&to=2024-10-01", 200, `"anomalies": [`},
			{"/api/v1/cost/anomalies?from=2024-09-01", 400, "go together"},
			{"/api/v1/cost/commitments?from=2024-09&to=2024-10", 200, `"coverage": [`},
			{"/api/v1/cost/commitments?from=2024-10&to=2024-09", 400, "not before"},
			{"/api/v1/cost/guards", 200, `"guards": [`},
		} {
			code, body := e.do(t, "GET", tc.path, "", "")
			if code != tc.want || !strings.Contains(body, tc.has) {
				t.Errorf("GET %s = %d %.300s; want %d with %q", tc.path, code, body, tc.want, tc.has)
			}
		}
	})
}
