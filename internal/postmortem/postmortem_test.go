package postmortem

import (
	"errors"
	"flag"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func ptr(t time.Time) *time.Time { return &t }

// realistic is a resolved SEV2 with alerts, a timeline, SLO impact and
// action items. Times are given in a non-UTC zone on purpose: the document
// must print them in UTC.
func realistic() Input {
	cet := time.FixedZone("CET", 3600)
	in := Input{
		ID:             1042,
		Title:          "Checkout errors after payments-api rollout",
		Severity:       2,
		Status:         "resolved",
		Team:           "payments",
		Services:       []string{"checkout", "payments-api"},
		Commander:      "alice",
		Scribe:         "bob",
		Communications: "carol",
		Summary: "A payments-api release changed the connection pool size to 4, which exhausted connections under normal evening load.\n" +
			"Checkout returned HTTP 503 for about a fifth of requests until the release was rolled back.",
		CustomerImpact: "About 18% of checkout attempts failed with an error page; customers could retry.",
		StartedAt:      at("2026-03-14T18:02:00Z"),
		OpenedAt:       at("2026-03-14T18:09:30Z"),
		AcknowledgedAt: ptr(at("2026-03-14T18:13:45Z")),
		IdentifiedAt:   ptr(at("2026-03-14T18:40:00Z")),
		MonitoringAt:   ptr(at("2026-03-14T19:07:10Z")),
		ResolvedAt:     ptr(at("2026-03-14T20:02:00Z")),
		Timeline: []TimelineEntry{
			// Deliberately out of order: Template sorts by time.
			{At: at("2026-03-14T18:13:45Z").In(cet), Kind: "status", Actor: "alice", Text: "Acknowledged"},
			{At: at("2026-03-14T18:09:30Z"), Kind: "alert", Actor: "alertmanager", Text: "CheckoutErrorBudgetBurn firing"},
			{At: at("2026-03-14T18:25:00Z"), Kind: "note", Actor: "bob", Text: "pool stats: in_use=4 | idle=0\nwait queue growing"},
			{At: at("2026-03-14T18:40:00Z"), Kind: "status", Actor: "alice", Text: "Identified: pool size regression in payments-api v2.31.0"},
			{At: at("2026-03-14T19:07:10Z"), Kind: "status", Actor: "alice", Text: "Monitoring after rollback to v2.30.4"},
			{At: at("2026-03-14T20:02:00Z"), Kind: "status", Actor: "alice", Text: "Resolved"},
		},
		Alerts: []Alert{
			{Name: "PaymentsAPILatencyHigh", Service: "payments-api", StartsAt: at("2026-03-14T18:06:00Z"), EndsAt: ptr(at("2026-03-14T19:10:00Z"))},
			{Name: "CheckoutErrorBudgetBurn", Service: "checkout", StartsAt: at("2026-03-14T18:04:00Z").In(cet), EndsAt: ptr(at("2026-03-14T19:15:00Z"))},
		},
		SLOs: []SLOImpact{
			{ID: "checkout-availability", Name: "Checkout availability", BudgetConsumed: 0.3731},
			{ID: "payments-latency", Name: "Payments latency", BudgetConsumed: -1},
		},
		ActionItems: []ActionItem{
			{Title: "Alert on connection pool saturation", Owner: "payments", Type: "detect", Due: "2026-03-28", Status: "open", TrackerURL: "https://tracker.example.com/PAY-311"},
			{Title: "Validate pool settings in CI | canary", Owner: "platform", Type: "prevent", Due: "2026-04-11", Status: "in progress", TrackerURL: "https://tracker.example.com/browse?q=a|b c"},
			{Title: "Document rollback runbook", Owner: "", Type: "mitigate", Due: "", Status: "open", TrackerURL: ""},
		},
	}
	return in
}

func TestTemplateGolden(t *testing.T) {
	got := Template(realistic())
	path := filepath.Join("testdata", "template.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/postmortem -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("Template mismatch (-want +got); run with -update if intended:\n%s", diff)
	}
}

func TestTemplateDeterministic(t *testing.T) {
	a, b := Template(realistic()), Template(realistic())
	if a != b {
		t.Fatal("Template output differs between calls")
	}
}

func TestTemplateDoesNotMutateInput(t *testing.T) {
	in := realistic()
	before := realistic()
	Template(in)
	if diff := cmp.Diff(before, in); diff != "" {
		t.Errorf("Template changed its input (-before +after):\n%s", diff)
	}
}

func TestTemplateSectionsInOrder(t *testing.T) {
	for name, in := range map[string]Input{"realistic": realistic(), "empty": {}} {
		t.Run(name, func(t *testing.T) {
			md := Template(in)
			if got := Sections(md); !slices.Equal(got, RequiredSections()) {
				t.Errorf("Sections(Template) = %q, want %q", got, RequiredSections())
			}
			if m := Missing(md); len(m) != 0 {
				t.Errorf("Missing(Template) = %q, want none", m)
			}
		})
	}
}

func TestTemplateFacts(t *testing.T) {
	md := Template(realistic())
	for _, want := range []string{
		"# Postmortem: Checkout errors after payments-api rollout\n",
		"| Incident | INC-1042 |",
		"| Severity | SEV2 |",
		"| Owning team | payments |",
		"| Services | checkout, payments-api |",
		"| Incident commander | alice |",
		"| Started | 2026-03-14 18:02 UTC |",
		"| Detected / opened | 2026-03-14 18:09 UTC |",
		"| Mitigated (monitoring) | 2026-03-14 19:07 UTC |",
		"| Time to acknowledge | 4m |", // 18:13:45 − 18:09:30 = 4m15s
		"| Time to mitigate | 1h 5m |", // 19:07:10 − 18:02 = 1h5m10s
		"| Time to resolve | 2h |",
		"- **Checkout availability** (checkout-availability): 37.3%",
		"- **Payments latency** (payments-latency): unknown",
		"About 18% of checkout attempts failed",
		"- **CheckoutErrorBudgetBurn** on checkout, firing from 2026-03-14 18:04 UTC",
		"| 2026-03-14 18:13 UTC | alice | status: Acknowledged |",
		`| 2026-03-14 18:25 UTC | bob | note: pool stats: in_use=4 \| idle=0 wait queue growing |`,
		"<https://tracker.example.com/browse?q=a%7Cb%20c>",
		promptRootCauses,
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Template lacks %q\n%s", want, md)
		}
	}
}

func TestTemplateEmptyPrompts(t *testing.T) {
	md := Template(Input{ID: 7, OpenedAt: at("2026-01-02T03:04:05Z")})
	for _, want := range []string{
		"# Postmortem: incident #7\n",
		promptSummary, promptImpact, promptRootCauses, promptTrigger, promptResolution,
		promptTimeline, promptWentWell, promptWentWrong, promptLucky, promptActionItems,
		"declared by hand at 2026-01-02 03:04 UTC",
		"| Severity | — |",
		"| Time to acknowledge | — |",
		"| Time to resolve | — |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Template lacks %q\n%s", want, md)
		}
	}
	// Blameless language: prompts never ask who was at fault.
	for _, bad := range []string{"who caused", "whose fault", "blame who", "human error"} {
		if strings.Contains(strings.ToLower(md), bad) {
			t.Errorf("Template contains %q", bad)
		}
	}
}

func TestTemplateDetection(t *testing.T) {
	opened := at("2026-01-01T10:05:00Z")
	one := Template(Input{OpenedAt: opened, Alerts: []Alert{{Name: "HighErrorRate", Service: "api", StartsAt: at("2026-01-01T10:01:00Z")}}})
	for _, want := range []string{
		"First detected by alert **HighErrorRate** on api, firing from 2026-01-01 10:01 UTC.",
		"The incident was opened 4m after the first alert fired.",
		promptDetection,
	} {
		if !strings.Contains(one, want) {
			t.Errorf("one alert: Template lacks %q", want)
		}
	}
	var many []Alert
	for i := range 5 {
		many = append(many, Alert{Name: "A" + strconv.Itoa(i), StartsAt: opened.Add(time.Duration(5-i) * time.Minute)})
	}
	md := Template(Input{OpenedAt: opened, Alerts: many})
	for _, want := range []string{"- **A4**, firing from 2026-01-01 10:06 UTC\n- **A3**", "- and 2 more alerts\n"} {
		if !strings.Contains(md, want) {
			t.Errorf("many alerts: Template lacks %q\n%s", want, md)
		}
	}
	if strings.Contains(md, "**A1**") {
		t.Error("Detection lists more than the first three alerts")
	}
}

func TestTemplateMitigateFallsBackToResolved(t *testing.T) {
	in := Input{
		StartedAt:  at("2026-01-01T10:00:00Z"),
		OpenedAt:   at("2026-01-01T10:05:00Z"),
		ResolvedAt: ptr(at("2026-01-01T10:47:00Z")),
	}
	md := Template(in)
	for _, want := range []string{"| Time to mitigate | 47m |", "| Time to resolve | 47m |", "| Mitigated (monitoring) | — |"} {
		if !strings.Contains(md, want) {
			t.Errorf("Template lacks %q", want)
		}
	}
	// With no StartedAt the intervals start at OpenedAt.
	in.StartedAt = time.Time{}
	if md := Template(in); !strings.Contains(md, "| Time to resolve | 42m |") {
		t.Errorf("without StartedAt, time to resolve should count from OpenedAt:\n%s", md)
	}
}

func TestFormatDuration(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{45 * time.Second, "45s"},
		{59*time.Second + 900*time.Millisecond, "59s"},
		{time.Minute, "1m"},
		{12 * time.Minute, "12m"},
		{12*time.Minute + 29*time.Second, "12m"},
		{12*time.Minute + 30*time.Second, "13m"},
		{time.Hour, "1h"},
		{time.Hour + 5*time.Minute, "1h 5m"},
		{59*time.Minute + 45*time.Second, "1h"},
		{26*time.Hour + 3*time.Minute, "1d 2h 3m"},
		{48 * time.Hour, "2d"},
		{-time.Minute, "—"},
	} {
		if got := formatDuration(tc.d); got != tc.want {
			t.Errorf("formatDuration(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
	if got := HumanDuration(-65 * time.Minute); got != "-1h 5m" {
		t.Errorf("HumanDuration(-65m) = %q, want -1h 5m", got)
	}
}

func TestSpan(t *testing.T) {
	start := at("2026-01-01T00:00:00Z")
	for _, tc := range []struct {
		name  string
		start time.Time
		end   *time.Time
		want  string
	}{
		{"normal", start, ptr(start.Add(65 * time.Minute)), "1h 5m"},
		{"no end", start, nil, "—"},
		{"zero end", start, ptr(time.Time{}), "—"},
		{"no start", time.Time{}, ptr(start), "—"},
		{"end before start", start, ptr(start.Add(-time.Minute)), "—"},
		{"different zones", start, ptr(start.Add(12 * time.Minute).In(time.FixedZone("X", -5*3600))), "12m"},
	} {
		if got := span(tc.start, tc.end); got != tc.want {
			t.Errorf("%s: span = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestCellEscaping(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain", "plain"},
		{"a|b", `a\|b`},
		{"||", `\|\|`},
		{`x\|y`, `x\\|y`},
		{"line one\nline two", "line one line two"},
		{"a\r\n\r\nb", "a b"},
		{"  spaced  ", "spaced"},
		{"", "—"},
		{"\n\n", "—"},
	} {
		if got := cell(tc.in); got != tc.want {
			t.Errorf("cell(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// A pipe or a newline in user text must not add cells or break the table.
func TestTableCellsSurviveRender(t *testing.T) {
	in := Input{
		Timeline: []TimelineEntry{{At: at("2026-01-01T00:00:00Z"), Actor: "a|b", Text: "x | y\n| z |"}},
		ActionItems: []ActionItem{
			{Title: "fix | things", Owner: "o\nwner", Type: "t", Due: "d", Status: "s", TrackerURL: "https://t.example/a|b"},
		},
	}
	h, err := Render(Template(in))
	if err != nil {
		t.Fatal(err)
	}
	out := string(h)
	for _, want := range []string{
		"<td>a|b</td>",
		"<td>x | y | z |</td>",
		"<td>fix | things</td>",
		"<td>o wner</td>",
		`<a href="https://t.example/a%7Cb">`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("rendered template lacks %q\n%s", want, out)
		}
	}
	// Every body row of the timeline and action-item tables has exactly
	// the header's number of cells.
	for _, table := range regexp.MustCompile(`(?s)<table>.*?</table>`).FindAllString(out, -1) {
		heads := strings.Count(table, "<th>")
		for _, row := range regexp.MustCompile(`(?s)<tbody>.*?</tbody>`).FindAllString(table, -1) {
			for _, tr := range strings.Split(row, "<tr>")[1:] {
				if n := strings.Count(tr, "<td>"); n != heads {
					t.Errorf("row has %d cells, header %d: %s", n, heads, tr)
				}
			}
		}
	}
}

func TestRenderGFM(t *testing.T) {
	md := "## Action items\n\n" +
		"| Action | Owner |\n| --- | --- |\n| Add alert | payments |\n\n" +
		"- [x] rolled back\n- [ ] add canary\n\n" +
		"~~old plan~~ see https://example.com/runbook and www.example.org\n"
	h, err := Render(md)
	if err != nil {
		t.Fatal(err)
	}
	out := string(h)
	for _, want := range []string{
		`<h2 id="action-items">Action items</h2>`,
		"<table>", "<th>Action</th>", "<td>Add alert</td>", "<td>payments</td>",
		`<input checked="" disabled="" type="checkbox"> rolled back`,
		`<input disabled="" type="checkbox"> add canary`,
		"<del>old plan</del>",
		`<a href="https://example.com/runbook">https://example.com/runbook</a>`,
		`<a href="http://www.example.org">www.example.org</a>`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("Render lacks %q\n%s", want, out)
		}
	}
}

func TestRenderTemplate(t *testing.T) {
	h, err := Render(Template(realistic()))
	if err != nil {
		t.Fatal(err)
	}
	out := string(h)
	for _, s := range RequiredSections() {
		if !strings.Contains(out, ">"+s+"</h2>") {
			t.Errorf("rendered template lacks heading %q", s)
		}
	}
	if !strings.Contains(out, `<a href="https://tracker.example.com/PAY-311">`) {
		t.Errorf("tracker link not rendered:\n%s", out)
	}
	checkSafeHTML(t, "Template", out)
}

var xssInputs = []string{
	"<script>alert(1)</script>",
	"<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
	"text <script>alert(1)</script> more",
	"<scr<script>ipt>alert(1)</script>",
	"<img src=x onerror=alert(1)>",
	`<a href="#" onclick="alert(1)">x</a>`,
	`<svg onload=alert(1)>`,
	`<iframe src="javascript:alert(1)"></iframe>`,
	"[click](javascript:alert(1))",
	"[click](JavaScript:alert(1))",
	"[click]( javascript:alert(1) )",
	"[click](<javascript:alert(1)>)",
	"[click](&#106;avascript:alert(1))",
	"[click](&#x6A;avascript&colon;alert(1))",
	"[click](<java&#9;script:alert(1)>)",
	"[click](vbscript:msgbox(1))",
	"[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
	"![img](javascript:alert(1))",
	"[ref]\n\n[ref]: javascript:alert(1)",
	"<javascript:alert(1)>",
	`[x](https://example.com "title\" onmouseover=\"alert(1)")`,
	"```\"><script>alert(1)</script>\ncode\n```",
	"| a |\n| - |\n| <script>alert(1)</script> |",
	"- [ ] <img src=x onerror=alert(1)>",
	"## <script>alert(1)</script>",
	"<div onmouseover=\"alert(1)\">hover</div>",
	"<!-- --><script>alert(1)</script>",
	"<style>body{background:url(javascript:alert(1))}</style>",
}

func TestRenderXSS(t *testing.T) {
	for _, in := range xssInputs {
		h, err := Render(in)
		if err != nil {
			t.Errorf("Render(%q): %v", in, err)
			continue
		}
		checkSafeHTML(t, in, string(h))
	}
}

// Incident fields end up in the template verbatim; rendering it must still
// be safe.
func TestTemplateXSS(t *testing.T) {
	evil := "<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>"
	in := realistic()
	in.Title = evil
	in.Summary = evil
	in.CustomerImpact = evil
	in.Team = evil
	in.Services = []string{evil}
	in.Timeline = append(in.Timeline, TimelineEntry{At: in.OpenedAt, Kind: evil, Actor: evil, Text: evil})
	in.Alerts = append(in.Alerts, Alert{Name: evil, Service: evil})
	in.SLOs = append(in.SLOs, SLOImpact{ID: evil, Name: evil, BudgetConsumed: 0.5})
	in.ActionItems = append(in.ActionItems, ActionItem{Title: evil, Owner: evil, TrackerURL: "javascript:alert(1)"})
	h, err := Render(Template(in))
	if err != nil {
		t.Fatal(err)
	}
	checkSafeHTML(t, "Template with hostile fields", string(h))
}

var (
	tagRE  = regexp.MustCompile(`<(/?)([a-zA-Z][a-zA-Z0-9]*)([^>]*)>`)
	attrRE = regexp.MustCompile(`\s+([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:="([^"]*)")?`)
)

// Tags and attributes goldmark's GFM renderer emits. Anything else in the
// output means raw HTML came through.
var (
	allowedTags = map[string]bool{
		"a": true, "blockquote": true, "br": true, "code": true, "del": true, "em": true,
		"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "hr": true,
		"img": true, "input": true, "li": true, "ol": true, "p": true, "pre": true, "strong": true,
		"table": true, "tbody": true, "td": true, "th": true, "thead": true, "tr": true, "ul": true,
	}
	allowedAttrs = map[string]bool{
		"href": true, "src": true, "alt": true, "title": true, "id": true, "class": true,
		"start": true, "checked": true, "disabled": true, "type": true, "style": true,
	}
)

// unsafeHTML says what, if anything, makes rendered HTML unsafe to insert
// into a page: a script tag, a tag or attribute outside what the Markdown
// renderer produces (event handlers among them), or a script URL.
func unsafeHTML(out string) string {
	if strings.Contains(strings.ToLower(out), "<script") {
		return "contains <script"
	}
	// Take the comments goldmark puts where raw HTML was out, then every
	// remaining '<' must start a tag we know.
	rest := strings.ReplaceAll(out, "<!-- raw HTML omitted -->", "")
	for _, m := range tagRE.FindAllStringSubmatchIndex(rest, -1) {
		tag := strings.ToLower(rest[m[4]:m[5]])
		if !allowedTags[tag] {
			return "unexpected tag <" + tag + ">"
		}
		attrs := rest[m[6]:m[7]]
		attrs = strings.TrimSuffix(strings.TrimSpace(attrs), "/")
		if left := attrRE.ReplaceAllString(" "+attrs, ""); strings.TrimSpace(left) != "" {
			return "unparsed attribute text " + left + " in " + rest[m[0]:m[1]]
		}
		for _, a := range attrRE.FindAllStringSubmatch(" "+attrs, -1) {
			name := strings.ToLower(a[1])
			if !allowedAttrs[name] {
				return "unexpected attribute " + name + " in " + rest[m[0]:m[1]]
			}
			if (name == "href" || name == "src") && dangerousURL(a[2]) {
				return "dangerous URL in " + rest[m[0]:m[1]]
			}
			if name == "style" && !regexp.MustCompile(`^text-align:(left|right|center)$`).MatchString(a[2]) {
				return "unexpected style in " + rest[m[0]:m[1]]
			}
		}
		rest = rest[:m[0]] + strings.Repeat(" ", m[1]-m[0]) + rest[m[1]:]
	}
	if strings.Contains(rest, "<") {
		return "a '<' that starts no known tag"
	}
	return ""
}

// dangerousURL decodes an attribute value the way a browser does before it
// looks at the scheme: HTML entities, then dropping leading C0 controls and
// spaces and any tab or newline.
func dangerousURL(attr string) bool {
	u := html.UnescapeString(attr)
	u = strings.TrimLeft(u, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ")
	u = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(u)
	u = strings.ToLower(u)
	for _, scheme := range []string{"javascript:", "vbscript:", "data:text", "data:application"} {
		if strings.HasPrefix(u, scheme) {
			return true
		}
	}
	return false
}

func checkSafeHTML(t *testing.T, in, out string) {
	t.Helper()
	if why := unsafeHTML(out); why != "" {
		t.Errorf("Render(%q) is unsafe: %s\n%s", in, why, out)
	}
}

func TestUnsafeHTMLCatches(t *testing.T) {
	// The checker itself must flag what it is there to flag.
	for _, out := range []string{
		"<script>alert(1)</script>",
		`<img src="x" onerror="alert(1)">`,
		`<a href="javascript:alert(1)">x</a>`,
		`<a href="&#106;avascript:alert(1)">x</a>`,
		`<a href=" JAVASCRIPT:alert(1)">x</a>`,
		`<iframe src="https://example.com"></iframe>`,
		"<p>a <b onclick=x>b</b></p>",
		"<p>a <x</p>",
	} {
		if unsafeHTML(out) == "" {
			t.Errorf("unsafeHTML(%q) found nothing", out)
		}
	}
	if why := unsafeHTML(`<p>safe &lt;script&gt; <a href="https://example.com/javascript:x">l</a></p>`); why != "" {
		t.Errorf("false positive: %s", why)
	}
}

func TestRenderLimits(t *testing.T) {
	longPara := strings.Repeat("[a](", 3000) // unclosed link openers: quadratic
	for name, md := range map[string]string{
		"too big":               strings.Repeat("word ", MaxRenderBytes/5+1),
		"deep quotes":           strings.Repeat(">", maxNesting+1) + " x",
		"deep lists":            strings.Repeat("- ", maxNesting+1) + "x",
		"deep mixed":            strings.Repeat("> 1. ", maxNesting/2+1) + "x",
		"long paragraph":        "## Summary\n\n" + longPara + "\n",
		"long in list":          "- " + longPara,
		"long table row":        "| a | b |\n| --- | --- |\n| " + longPara + " | x |\n",
		"long heading":          "## " + longPara,
		"wide table":            "|" + strings.Repeat(" a |", 1000) + "\n|" + strings.Repeat("---|", 1000) + "\n" + strings.Repeat("x\n", 60),
		"wide, no pipes":        "a\n:--\n" + strings.Repeat("x\n", maxTableCells),
		"reference definitions": strings.Repeat("[a]: https://example.com\n", 30_000),
		"table in quote":        "> | a | b |\n> | --- | --- |\n" + strings.Repeat("> x\n", maxTableCells/2),
	} {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			_, err := Render(md)
			if !errors.Is(err, ErrTooComplex) {
				t.Errorf("Render error = %v, want ErrTooComplex", err)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("refusing took %v", d)
			}
		})
	}

	// Within the limits, and long text in code blocks, renders.
	for name, md := range map[string]string{
		"nested 32":       strings.Repeat(">", maxNesting) + " x",
		"log in a fence":  "```\n" + strings.Repeat("2026-01-01T00:00:00Z level=error msg=\"pool exhausted\"\n", 2000) + "```\n",
		"indented code":   strings.Repeat("    log line that is rather long, for a log\n", 1000),
		"1000 row table":  "| a | b |\n| --- | --- |\n" + strings.Repeat("| x | y |\n", 1000),
		"many paragraphs": strings.Repeat("A normal paragraph of text.\n\n", 5000),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Render(md); err != nil {
				t.Errorf("Render: %v", err)
			}
		})
	}
	// A large incident's template renders.
	in := realistic()
	for i := range 1500 {
		in.Timeline = append(in.Timeline, TimelineEntry{At: in.StartedAt.Add(time.Duration(i) * time.Second), Actor: "bot", Kind: "note", Text: "automated check " + strconv.Itoa(i) + " still failing | retrying"})
	}
	if _, err := Render(Template(in)); err != nil {
		t.Errorf("Render(Template) of a 1500-entry timeline: %v", err)
	}
}

// Sections must stay fast on input Render refuses, since it runs on
// whatever a user saves.
func TestSectionsHostile(t *testing.T) {
	md := "## Summary\n\n" + strings.Repeat(">", 200_000) + "\n\n" + strings.Repeat("[a]: b\n", 60_000) + "\n\n## " + strings.Repeat("[a](", 50_000) + "\n\n## Impact\n"
	start := time.Now()
	got := Sections(md)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Sections took %v", d)
	}
	if len(got) != 3 || got[0] != "Summary" || got[2] != "Impact" {
		t.Errorf("Sections = %.80q", got)
	}
}

func TestSectionsAndMissing(t *testing.T) {
	md := Template(realistic())
	if m := Missing(md); len(m) != 0 {
		t.Fatalf("Missing on a full template = %q", m)
	}

	// Delete the Trigger section: heading and body.
	start := strings.Index(md, "## Trigger\n")
	end := strings.Index(md, "## Detection\n")
	if start < 0 || end < start {
		t.Fatal("template has no Trigger section")
	}
	edited := md[:start] + md[end:]
	if got, want := Missing(edited), []string{"Trigger"}; !slices.Equal(got, want) {
		t.Errorf("Missing after deleting Trigger = %q, want %q", got, want)
	}
	if slices.Contains(Sections(edited), "Trigger") {
		t.Error("Sections still lists Trigger")
	}

	// Renaming a heading counts as removing it; case and spacing do not.
	edited = strings.Replace(md, "## What went well\n", "## Things that went OK\n", 1)
	edited = strings.Replace(edited, "## Root causes\n", "##   root   CAUSES  ##\n", 1)
	if got, want := Missing(edited), []string{"What went well"}; !slices.Equal(got, want) {
		t.Errorf("Missing after renaming = %q, want %q", got, want)
	}

	if got := Missing(""); !slices.Equal(got, RequiredSections()) {
		t.Errorf("Missing(\"\") = %q, want all", got)
	}
}

func TestSections(t *testing.T) {
	md := "# Title\n\n## Summary\n\ntext\n\n" +
		"```\n## Not a heading (code)\n```\n\n" +
		"> ## Not a section (quote)\n\n" +
		"Impact\n------\n\n" + // setext H2
		"### Sub\n\n" +
		"## Root `causes` *now*\n\n" +
		"## Link <https://example.com> and [text](https://example.com)\n"
	want := []string{"Summary", "Impact", "Root causes now", "Link https://example.com and text"}
	if got := Sections(md); !slices.Equal(got, want) {
		t.Errorf("Sections = %q, want %q", got, want)
	}
}

func TestExportFrontMatter(t *testing.T) {
	pub := time.Date(2026, 3, 20, 9, 30, 0, 0, time.FixedZone("PDT", -7*3600))
	body := Template(realistic())
	type frontMatter struct {
		IncidentID  int64    `yaml:"incident_id"`
		Title       string   `yaml:"title"`
		Severity    string   `yaml:"severity"`
		Status      string   `yaml:"status"`
		Team        string   `yaml:"team"`
		Services    []string `yaml:"services"`
		PublishedAt string   `yaml:"published_at"`
	}
	for _, tc := range []struct {
		name   string
		in     Input
		status string
		pub    *time.Time
		want   frontMatter
	}{
		{
			name:   "published",
			in:     realistic(),
			status: "published",
			pub:    &pub,
			want: frontMatter{
				IncidentID: 1042, Title: "Checkout errors after payments-api rollout", Severity: "SEV2",
				Status: "published", Team: "payments", Services: []string{"checkout", "payments-api"},
				PublishedAt: "2026-03-20T16:30:00Z",
			},
		},
		{
			name:   "draft with hostile strings",
			in:     Input{ID: -3, Title: "---\nkey: value # not a comment\n\"quoted\" 'single' \\back\\ \t tab: yes", Severity: 9, Team: "@team: *anchor &x !!tag", Services: []string{"- item", "[flow, seq]", "{a: b}", "", "ünïcødé ✓", "nul\x00bell\a\u2028\u0085\ufeff", "null", "true", "0x1F"}},
			status: "draft",
			want: frontMatter{
				IncidentID: -3, Title: "---\nkey: value # not a comment\n\"quoted\" 'single' \\back\\ \t tab: yes", Severity: "",
				Status: "draft", Team: "@team: *anchor &x !!tag", Services: []string{"- item", "[flow, seq]", "{a: b}", "", "ünïcødé ✓", "nul\x00bell\a\u2028\u0085\ufeff", "null", "true", "0x1F"},
			},
		},
		{
			name:   "no services",
			in:     Input{ID: 1, Title: "t", Severity: 4},
			status: "",
			want:   frontMatter{IncidentID: 1, Title: "t", Severity: "SEV4", Services: []string{}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := Export(tc.in, body, tc.status, tc.pub)
			fm, rest, ok := splitFrontMatter(out)
			if !ok {
				t.Fatalf("no front matter in:\n%s", out)
			}
			var got frontMatter
			if err := yaml.Unmarshal([]byte(fm), &got); err != nil {
				t.Fatalf("front matter does not parse: %v\n%s", err, fm)
			}
			if got.Services == nil {
				got.Services = []string{}
			}
			if tc.want.Services == nil {
				tc.want.Services = []string{}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("front matter mismatch (-want +got):\n%s\n%s", diff, fm)
			}
			// Exactly the documented keys, published_at only when set.
			var keys map[string]any
			if err := yaml.Unmarshal([]byte(fm), &keys); err != nil {
				t.Fatal(err)
			}
			wantKeys := 6
			if tc.pub != nil {
				wantKeys = 7
			}
			if len(keys) != wantKeys {
				t.Errorf("front matter has keys %v, want %d keys", keys, wantKeys)
			}
			if strings.TrimLeft(rest, "\n") != body {
				t.Errorf("body after front matter differs")
			}
		})
	}
}

func TestExportBody(t *testing.T) {
	out := Export(Input{ID: 1}, "# Postmortem\n\nno trailing newline", "draft", nil)
	if !strings.HasSuffix(out, "no trailing newline\n") {
		t.Errorf("Export should end with a newline: %q", out)
	}
	if !strings.HasPrefix(out, "---\nincident_id: 1\n") || !strings.Contains(out, "\n---\n\n# Postmortem\n") {
		t.Errorf("unexpected layout:\n%s", out)
	}
	if strings.Contains(out, "published_at") {
		t.Error("published_at written although not published")
	}
}

// splitFrontMatter returns the YAML between the leading "---" lines and the
// text after the closing one.
func splitFrontMatter(s string) (fm, rest string, ok bool) {
	s, ok = strings.CutPrefix(s, "---\n")
	if !ok {
		return "", "", false
	}
	fm, rest, ok = strings.Cut(s, "\n---\n")
	return fm, rest, ok
}

func FuzzRender(f *testing.F) {
	for _, s := range xssInputs {
		f.Add(s)
	}
	f.Add(Template(realistic()))
	f.Add("| a | b |\n| --- | :-: |\n| `x\\|y` | [l](https://e.com) |\n\n- [x] done\n")
	f.Add("[a](<&#1;javascript:alert(1)>) [b](java\u2028script:x) <vbscript:x>")
	f.Fuzz(func(t *testing.T, md string) {
		h, err := Render(md)
		if err != nil {
			return
		}
		if why := unsafeHTML(string(h)); why != "" {
			t.Fatalf("Render(%q) is unsafe: %s\n%s", md, why, h)
		}
	})
}
