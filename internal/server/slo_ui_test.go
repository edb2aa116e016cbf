package server

import (
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"kiban.dev/kiban/internal/slostatus"
	"kiban.dev/kiban/internal/store"
)

// postEvents sends events through the API, as a client would.
func (e *env) postEvents(t *testing.T, token, id string, events ...string) {
	t.Helper()
	body := fmt.Sprintf(`{"id": %q, "events": [%s]}`, id, strings.Join(events, ", "))
	if code, resp := e.do(t, "POST", "/api/v1/events", token, body); code != http.StatusAccepted {
		t.Fatalf("POST /api/v1/events = %d: %s", code, resp)
	}
}

func eventJSON(sli string, at time.Time, good, total int) string {
	return fmt.Sprintf(`{"sli": %q, "time": %q, "good": %d, "total": %d}`, sli, at.UTC().Format(time.RFC3339), good, total)
}

// sloRows returns the SLO ids of the overview's rows, in order.
func sloRows(body string) []string {
	var ids []string
	for _, m := range regexp.MustCompile(`<tr data-slo="([^"]+)"`).FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

// checkSVG parses every inline SVG of a page as XML.
func checkSVG(t *testing.T, path, body string) int {
	t.Helper()
	svgs := regexp.MustCompile(`(?s)<svg.*?</svg>`).FindAllString(body, -1)
	for _, svg := range svgs {
		d := xml.NewDecoder(strings.NewReader(svg))
		for {
			_, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Errorf("GET %s: invalid SVG: %v\n%.300s", path, err, svg)
				break
			}
		}
	}
	return len(svgs)
}

func TestSLOPagesWithoutData(t *testing.T) {
	e := newEnv(t, "../../examples/acme")
	tests := []struct {
		path string
		code int
		want []string
		none []string
	}{
		{"/slos", 200, []string{"8 SLOs", `id="feed-data"`, "kiban ingest logs", "POST", "/api/v1/events", `data-slo="checkout-availability"`,
			`class="pill nodata">no data`, "no events for [checkout-availability]", `aria-current="page">SLOs`},
			[]string{`class="tally"`}},
		{"/slos/checkout-availability", 200, []string{`id="no-data"`, `id="remaining-budget">—`, `<code>checkout-availability</code>`,
			"kiban ingest logs", `href="/api/v1/slos/checkout-availability"`, `href="/services/checkout"`, `href="/teams/shop-checkout"`},
			[]string{`id="burndown-chart"`}},
		// No requests selector: only events can feed it.
		{"/slos/checkout-latency", 200, []string{`id="no-data"`, "access logs cannot feed it", `metric</span><code>http_request_duration_seconds_bucket{service=&#34;checkout&#34;}`},
			[]string{"kiban ingest logs --format"}},
		{"/slos/checkout-journey", 200, []string{`id="no-data"`, "<code>checkout/payment</code>", "Buy what is in the cart", "weight 3"}, nil},
		{"/slos/nope", 404, []string{"No SLO &#34;nope&#34;"}, nil},
		{"/slos/checkout-availabilty", 404, []string{"Did you mean checkout-availability?"}, nil},
		{"/slos?at=yesterday", 400, []string{"expected a time such as 2026-11-20T14:00:00Z"}, []string{"<table"}},
		{"/slos/checkout-availability?at=yesterday", 400, []string{"expected a time such as"}, []string{`id="remaining-budget"`}},
	}
	for _, tt := range tests {
		code, body := e.do(t, "GET", tt.path, "", "")
		if code != tt.code {
			t.Errorf("GET %s = %d; want %d", tt.path, code, tt.code)
		}
		for _, w := range tt.want {
			if !strings.Contains(body, w) {
				t.Errorf("GET %s: body lacks %q", tt.path, w)
			}
		}
		for _, w := range tt.none {
			if strings.Contains(body, w) {
				t.Errorf("GET %s: body has %q", tt.path, w)
			}
		}
		checkSVG(t, tt.path, body)
	}
	if got := sloRows(mustGet(t, e, "/slos")); len(got) != 8 {
		t.Errorf("/slos lists %d SLOs; want 8", len(got))
	}
}

func TestSLOPagesNoSLOs(t *testing.T) {
	dir := t.TempDir()
	doc := "apiVersion: kiban.dev/v1\nkind: Team\nmetadata: {name: t}\nspec: {}\n---\napiVersion: kiban.dev/v1\nkind: Service\nmetadata: {name: s}\nspec: {owner: t}\n"
	if err := os.WriteFile(filepath.Join(dir, "all.yaml"), []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, dir)
	body := mustGet(t, e, "/slos")
	if !strings.Contains(body, "No SLOs yet") || !strings.Contains(body, "kind: SLO") || strings.Contains(body, `id="slos"`) {
		t.Errorf("/slos on a catalog without SLOs:\n%s", body)
	}
}

// TestSLOPageAlertsThatFired: the alerts recorded for an SLO during its
// window are listed newest first, resolved or firing, with how long they
// fired; those of other SLOs or before the window are not.
func TestSLOPageAlertsThatFired(t *testing.T) {
	e := newEnv(t, "../../examples/acme")
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Minute)
	open := func(id, sev string, at time.Time) {
		t.Helper()
		if err := e.store.OpenAlert(ctx, id, sev, "shop-checkout", at); err != nil {
			t.Fatal(err)
		}
	}
	resolve := func(id, sev string, at time.Time) {
		t.Helper()
		if err := e.store.ResolveAlert(ctx, id, sev, at); err != nil {
			t.Fatal(err)
		}
	}
	open("checkout-availability", "page", now.Add(-40*24*time.Hour)) // before the 30d window
	resolve("checkout-availability", "page", now.Add(-39*24*time.Hour))
	open("checkout-availability", "page", now.Add(-26*time.Hour))
	resolve("checkout-availability", "page", now.Add(-24*time.Hour-15*time.Minute))
	open("checkout-availability", "ticket", now.Add(-30*time.Minute))
	open("search-availability", "page", now.Add(-time.Hour))

	// As of now, to the minute: durations are exact.
	body := mustGet(t, e, "/slos/checkout-availability?at="+url.QueryEscape(now.Format(time.RFC3339)))
	rows := regexp.MustCompile(`(?s)<tr data-fired="([^"]+)"[^>]*>(.*?)</tr>`).FindAllStringSubmatch(body, -1)
	if len(rows) != 2 {
		t.Fatalf("/slos/checkout-availability lists %d alerts that fired; want 2:\n%s", len(rows), body)
	}
	short := func(t time.Time) string { return t.Format("Jan 2 15:04") }
	for i, want := range []struct {
		severity string
		has      []string
	}{
		{"ticket", []string{`<span class="badge ticket quiet">ticket</span>`, short(now.Add(-30 * time.Minute)), `<span class="badge ticket">firing</span>`, ">30m <span class=\"muted\">so far</span>", `href="/teams/shop-checkout"`}},
		{"page", []string{`<span class="badge page quiet">page</span>`, short(now.Add(-26 * time.Hour)), short(now.Add(-24*time.Hour - 15*time.Minute)), ">1h45m</td>"}},
	} {
		if rows[i][1] != want.severity {
			t.Errorf("row %d: severity %q; want %q", i, rows[i][1], want.severity)
		}
		for _, h := range want.has {
			if !strings.Contains(rows[i][2], h) {
				t.Errorf("row %d lacks %q:\n%s", i, h, rows[i][2])
			}
		}
	}
	if strings.Contains(rows[1][2], "firing") || strings.Contains(body, short(now.Add(-40*24*time.Hour))) {
		t.Errorf("a resolved alert shows as firing, or one before the window is listed:\n%s", rows[1][2])
	}
	if strings.Contains(body, `id="no-fired"`) {
		t.Error("the empty state shows along with alerts")
	}

	// An SLO whose alerts never fired: the empty state.
	body = mustGet(t, e, "/slos/search-latency")
	if !strings.Contains(body, `id="no-fired"`) || strings.Contains(body, `data-fired=`) {
		t.Errorf("/slos/search-latency: no empty state for the alerts that fired")
	}
	// As of before the ticket started: only the page alert, resolved.
	body = mustGet(t, e, "/slos/checkout-availability?at="+url.QueryEscape(now.Add(-time.Hour).Format(time.RFC3339)))
	if got := regexp.MustCompile(`<tr data-fired="([^"]+)"`).FindAllStringSubmatch(body, -1); len(got) != 1 || got[0][1] != "page" {
		t.Errorf("as of an hour ago: alerts that fired %v; want the page alert only", got)
	}
}

func mustGet(t *testing.T, e *env, path string) string {
	t.Helper()
	code, body := e.do(t, "GET", path, "", "")
	if code != http.StatusOK {
		t.Fatalf("GET %s = %d:\n%s", path, code, body)
	}
	return body
}

// TestSLOPagesWithData posts events for three SLOs and reads the pages:
// the overview worst first, its filters, the detail with its figures,
// charts and alerts, and a journey's steps.
func TestSLOPagesWithData(t *testing.T) {
	e := newEnv(t, "../../examples/acme")
	editor := e.token(t, store.RoleEditor)
	now := time.Now().UTC().Truncate(time.Minute)
	ten := now.Add(-10 * time.Minute)
	e.postEvents(t, editor, "b1",
		// 1% errors against a 0.1% budget: -900%.
		eventJSON("checkout-availability", ten, 990, 1000),
		// 0.1% against 0.5%: 80% left.
		eventJSON("search-availability", ten, 999, 1000),
		// The journey is clean: 100% left.
		eventJSON("checkout/cart", ten, 1000, 1000),
		eventJSON("checkout/payment", ten, 300, 300),
		eventJSON("checkout/confirmation", ten, 200, 200),
	)

	body := mustGet(t, e, "/slos")
	rows := sloRows(body)
	if len(rows) != 8 || strings.Join(rows[:3], " ") != "checkout-availability search-availability checkout-journey" {
		t.Errorf("/slos rows = %v; want checkout-availability, search-availability, checkout-journey first, then the SLOs without data", rows)
	}
	for _, want := range []string{
		`<span class="budget-num exhausted">-900.0%</span>`,
		`<span class="budget-num healthy">80.0%</span>`,
		`<span class="budget-num healthy">100.0%</span>`,
		`<a class="slo" href="/slos/checkout-availability">Checkout API availability</a>`,
		`class="badge page"`, ">page-slow<",
		`<li class="exhausted"><strong>1</strong> exhausted</li>`,
		`<li class="nodata"><strong>5</strong> without data</li>`,
		"99.000%", // checkout's SLI
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/slos lacks %q", want)
		}
	}
	if strings.Contains(body, `id="feed-data"`) {
		t.Error("/slos explains how to feed data although some SLOs have data")
	}
	checkSVG(t, "/slos", body)

	// Filters: by the service's owner and by its product.
	for path, want := range map[string][]string{
		"/slos?team=shop-discovery":                    {"search-availability", "search-latency"},
		"/slos?team=identity":                          {"login-availability", "login-minutes"},
		"/slos?product=membership-app":                 {"membership-api-requests-availability"},
		"/slos?product=online-shop&team=shop-checkout": {"checkout-availability", "checkout-journey", "checkout-latency"},
		"/slos?team=nope":                              nil,
	} {
		body := mustGet(t, e, path)
		if got := sloRows(body); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("GET %s lists %v; want %v", path, got, want)
		}
		if want == nil && !strings.Contains(body, "No SLO matches") {
			t.Errorf("GET %s: no empty state", path)
		}
		if !strings.Contains(body, "of 8 SLOs") {
			t.Errorf("GET %s: no filtered count", path)
		}
	}

	// The detail agrees with the API.
	var api struct{ Status slostatus.Status }
	e.getJSON(t, "/api/v1/slos/checkout-availability", &api)
	body = mustGet(t, e, "/slos/checkout-availability")
	for _, want := range []string{
		`<span id="remaining-budget">` + budgetPct(api.Status.Remaining) + `</span>`,
		`<span id="remaining-budget">-900.0%</span>`,
		`<span id="sli">99.000%</span>`,
		`<span id="exhaustion">exhausted</span>`,
		`<span id="remaining-minutes">-6h29m</span>`, // -9 × 0.1% × 30 days = -388.8 min
		`id="burndown-chart"`, `id="sli-chart"`, `id="burn-chart"`,
		`role="img" aria-labelledby="burndown-chart-title burndown-chart-desc"`,
		"went from 100% on", "to -900.0% on",
		`<tr data-alert="page-slow" class="firing">`,
		`<tr data-alert="page-quick">`, // the 5m window saw nothing
		`<tr data-window="1h">`, "10.0×",
		`href="/api/v1/slos/checkout-availability"`,
		`<code>checkout-availability</code>`,
		`shop.acme.example/api/checkout/*`,
		`sum(rate(http_requests_total{service=&#34;checkout&#34;,code=~&#34;5..&#34;}[{{.window}}]))`,
		"examples/acme/slos/checkout.yaml:",
		`class="state exhausted"`, `class="figure exhausted"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/slos/checkout-availability lacks %q", want)
		}
	}
	if n := checkSVG(t, "/slos/checkout-availability", body); n < 3 {
		t.Errorf("/slos/checkout-availability has %d charts; want 3", n)
	}

	body = mustGet(t, e, "/slos/checkout-journey")
	for _, want := range []string{
		`<span id="remaining-budget">100.0%</span>`,
		`<tr data-step="cart">`, `<tr data-step="payment">`, `<tr data-step="confirmation">`,
		"Journey steps", "1,000", `class="chart spark"`, "weighted average",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/slos/checkout-journey lacks %q", want)
		}
	}
	checkSVG(t, "/slos/checkout-journey", body)

	// ?at= evaluates as of a past moment, and the links keep it.
	before := url.QueryEscape(now.Add(-time.Hour).Format(time.RFC3339))
	body = mustGet(t, e, "/slos?at="+before)
	if !strings.Contains(body, `href="/slos/checkout-availability?at=`+before+`"`) || !strings.Contains(body, `id="as-of"`) || !strings.Contains(body, `id="feed-data"`) {
		t.Errorf("/slos?at= an hour ago: links lack the moment, or data shows up")
	}
	body = mustGet(t, e, "/slos/checkout-availability?at="+before)
	if !strings.Contains(body, `id="remaining-budget">—`) || !strings.Contains(body, `href="/api/v1/slos/checkout-availability?at=`+before+`"`) {
		t.Errorf("/slos/checkout-availability?at= an hour ago shows data or loses the moment")
	}
	// A datetime-local input's value is read as UTC.
	local := now.Add(-time.Hour).Format("2006-01-02T15:04")
	if body := mustGet(t, e, "/slos/checkout-availability?at="+local); !strings.Contains(body, `value="`+local+`"`) || !strings.Contains(body, `id="remaining-budget">—`) {
		t.Errorf("?at=%s is not read as a moment an hour ago", local)
	}
}

func TestSLOFigures(t *testing.T) {
	for _, tt := range []struct{ got, want string }{
		{budgetPct(-9), "-900.0%"},
		{budgetPct(0.875), "87.5%"},
		{budgetPct(-0.0001), "0.0%"},
		{sliPct(0.99), "99.000%"},
		{pctTrim(0.001), "0.1%"},
		{pctTrim(0.0010000000000000009), "0.1%"},
		{outageText(43.2), "43.2 min"},
		{outageText(-388.8), "-6h29m"},
		{outageText(-18.4), "-18.4 min"},
		{outageText(-0.01), "0.0 min"},
		{outageText(3 * 60), "3h"},
		{burnText(14.4), "14.4×"},
		{burnText(0.5), "0.50×"},
		{countText(1234567), "1,234,567"},
		{countText(999), "999"},
		{axisPct(math.Copysign(0, -1)), "0%"},
		{axisPct(0.25), "25%"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q; want %q", tt.got, tt.want)
		}
	}
	if got := niceTicks(-9, 1, 5); len(got) < 3 || got[0] != -8 || got[len(got)-1] != 0 {
		t.Errorf("niceTicks(-9, 1) = %v", got)
	}
	if lo, hi := niceRange(-9, 1); lo != -10 || hi != 2 {
		t.Errorf("niceRange(-9, 1) = %v, %v", lo, hi)
	}
	start := time.Date(2026, 10, 23, 12, 0, 0, 0, time.UTC)
	for _, span := range []time.Duration{time.Hour, 24 * time.Hour, 28 * 24 * time.Hour, 31 * 24 * time.Hour} {
		ticks := timeTicks(start, start.Add(span))
		if len(ticks) < 2 || len(ticks) > 8 {
			t.Errorf("timeTicks over %s: %d ticks", span, len(ticks))
		}
	}
}
