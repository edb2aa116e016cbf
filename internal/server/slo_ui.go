package server

import (
	"cmp"
	"context"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/cost"
	"kiban.dev/kiban/internal/slo"
	"kiban.dev/kiban/internal/slostatus"
	"kiban.dev/kiban/internal/store"
)

// The SLO pages: GET /slos, every SLO worst first, and GET /slos/{id},
// one SLO's budget, burn rates and history. Every figure is computed by
// slostatus, as GET /api/v1/slos does, and links to that JSON.

// uiAt reads ?at= as the API does (RFC 3339), and also as a
// datetime-local input sends it (2026-11-20T14:00, taken as UTC).
func (s *Server) uiAt(r *http.Request) (at time.Time, given string, err error) {
	given = strings.TrimSpace(r.FormValue("at"))
	if given == "" {
		return s.now().UTC(), "", nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, given, time.UTC); err == nil {
			return t, t.Format(time.RFC3339), nil
		}
	}
	if t, err := time.Parse(time.RFC3339, given); err == nil {
		return t.UTC(), t.UTC().Format(time.RFC3339), nil
	}
	return time.Time{}, given, fmt.Errorf("as of %q: expected a time such as 2026-11-20T14:00:00Z", given)
}

// withAt appends ?at= to a path when the page is evaluated as of a past
// moment.
func withAt(path, at string) string {
	if at == "" {
		return path
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + "at=" + url.QueryEscape(at)
}

// sloState classifies a status for colours and badges.
func sloState(st slostatus.Status) string {
	switch {
	case !st.OK:
		return "nodata"
	case st.Remaining <= 0:
		return "exhausted"
	case firingSeverity(st) == string(slo.SeverityPage):
		return "burning"
	case st.Remaining < 0.25:
		return "low"
	}
	return "healthy"
}

// budgetLevel classifies the remaining budget alone, for bars and
// figures: the alerts have their own badges.
func budgetLevel(st slostatus.Status) string {
	switch {
	case !st.OK:
		return "nodata"
	case st.Remaining <= 0:
		return "exhausted"
	case st.Remaining < 0.25:
		return "low"
	}
	return "healthy"
}

func sloStateText(state string) string {
	return map[string]string{"nodata": "no data", "exhausted": "budget exhausted", "burning": "burning fast",
		"low": "budget low", "healthy": "healthy"}[state]
}

// firingSeverity is the most severe firing alert's severity, "" when none
// fires.
func firingSeverity(st slostatus.Status) string {
	sev := ""
	for _, a := range st.Alerts {
		if a.Firing {
			if a.Severity == string(slo.SeverityPage) {
				return a.Severity
			}
			sev = a.Severity
		}
	}
	return sev
}

func burnRate(st slostatus.Status, window string) *slostatus.BurnRate {
	for i := range st.BurnRates {
		if st.BurnRates[i].Window == window {
			return &st.BurnRates[i]
		}
	}
	return nil
}

// ---- GET /slos

type slosPage struct {
	AtGiven  string // the moment asked for, RFC 3339; empty for now
	AtInput  string // the same for the datetime-local input
	At       time.Time
	Error    string
	Team     string
	Product  string
	Teams    []*catalog.Team
	Products []catalog.Product
	Filtered bool
	Rows     []sloRow
	// Total counts the catalog's SLOs; the counts below the listed ones.
	Total                                    int
	NowURL                                   string
	Exhausted, Burning, Low, Healthy, NoData int
	// FeedKey is an SLI key to show in the example of how to send data.
	FeedKey string
}

type sloRow struct {
	slostatus.Status
	URL          string
	APIURL       string
	ServiceTitle string
	TeamTitle    string
	Product      string
	State        string
	Level        string // budgetLevel
	Unit         string // events, or slices for timeslices budgeting
	Burn1h       *slostatus.BurnRate
	Firing       []slostatus.AlertState
	Bar          template.HTML
}

func (s *Server) handleSLOsPage(w http.ResponseWriter, r *http.Request) {
	c := s.current().cat
	at, given, err := s.uiAt(r)
	p := slosPage{AtGiven: given, Team: r.FormValue("team"), Product: r.FormValue("product"), Total: len(c.SLOs)}
	p.Filtered = p.Team != "" || p.Product != ""
	// The teams and products that have SLOs, for the filters.
	teams, products := map[string]bool{}, map[string]bool{}
	for _, x := range c.SLOs {
		if svc, ok := c.Service(x.Spec.Service); ok {
			teams[svc.Spec.Owner] = true
			products[svc.Spec.Product] = true
		}
		if x.Spec.Journey == "" && p.FeedKey == "" {
			p.FeedKey = catalog.SLIKey(x.ID())
		}
	}
	for _, t := range c.Teams {
		if teams[t.Name] || t.Name == p.Team {
			p.Teams = append(p.Teams, t)
		}
	}
	for _, prod := range c.Products {
		if products[prod.Name] || prod.Name == p.Product {
			p.Products = append(p.Products, prod)
		}
	}
	if p.FeedKey == "" {
		p.FeedKey = "<service>-<slo>"
	}
	if err != nil {
		p.Error = err.Error()
		s.render(w, r, http.StatusBadRequest, "slos", "SLOs", p)
		return
	}
	p.At = at
	if given != "" {
		p.AtInput = at.Format("2006-01-02T15:04")
		v := url.Values{}
		for k, val := range map[string]string{"team": p.Team, "product": p.Product} {
			if val != "" {
				v.Set(k, val)
			}
		}
		p.NowURL = "/slos"
		if len(v) > 0 {
			p.NowURL += "?" + v.Encode()
		}
	}
	budgeting := map[string]string{}
	for _, x := range c.SLOs {
		budgeting[x.ID()] = x.Spec.Budgeting.Method
	}
	all, err := slostatus.EvaluateAllWith(r.Context(), s.store, s.cfg.Prometheus, c, "", at)
	if err != nil {
		s.log.Error("slo status", "err", err)
		p.Error = "The SLOs cannot be evaluated right now: the store did not answer."
		s.render(w, r, http.StatusInternalServerError, "slos", "SLOs", p)
		return
	}
	for _, st := range all {
		row := sloRow{Status: st, URL: withAt("/slos/"+url.PathEscape(st.ID), given),
			APIURL: withAt("/api/v1/slos/"+url.PathEscape(st.ID), given), ServiceTitle: st.Service, TeamTitle: st.Team}
		if svc, ok := c.Service(st.Service); ok {
			row.Product = svc.Spec.Product
			if !sameName(svc.Title, svc.Name) {
				row.ServiceTitle = svc.Title
			}
		}
		if p.Team != "" && st.Team != p.Team || p.Product != "" && row.Product != p.Product {
			continue
		}
		if t, ok := c.Team(st.Team); ok {
			row.TeamTitle = t.DisplayName()
		}
		row.State = sloState(st)
		row.Unit = "events"
		if budgeting[st.ID] == catalog.BudgetingTimeslices {
			row.Unit = "slices"
		}
		row.Burn1h = burnRate(st, "1h")
		for _, a := range st.Alerts {
			if a.Firing {
				row.Firing = append(row.Firing, a)
			}
		}
		row.Level = budgetLevel(st)
		row.Bar = budgetBar(st.Remaining, st.OK, row.Level)
		switch row.State {
		case "nodata":
			p.NoData++
		case "exhausted":
			p.Exhausted++
		case "burning":
			p.Burning++
		case "low":
			p.Low++
		default:
			p.Healthy++
		}
		p.Rows = append(p.Rows, row)
	}
	s.render(w, r, http.StatusOK, "slos", "SLOs", p)
}

func sameName(title, name string) bool { return title == "" || strings.EqualFold(title, name) }

// budgetBar draws a remaining budget as a bar: full when untouched, empty
// and red when exhausted.
func budgetBar(remaining float64, ok bool, state string) template.HTML {
	if !ok {
		return `<svg class="bar nodata" viewBox="0 0 100 8" preserveAspectRatio="none" aria-hidden="true"><rect class="track" width="100" height="8" rx="4"/></svg>`
	}
	w := math.Max(0, math.Min(1, remaining)) * 100
	return template.HTML(fmt.Sprintf(`<svg class="bar %s" viewBox="0 0 100 8" preserveAspectRatio="none" aria-hidden="true"><rect class="track" width="100" height="8" rx="4"/><rect class="fill" width="%.2f" height="8" rx="4"/></svg>`, state, w))
}

// shareBar draws a share in [0, 1].
func shareBar(share float64) template.HTML {
	w := math.Max(0, math.Min(1, share)) * 100
	return template.HTML(fmt.Sprintf(`<svg class="bar share" viewBox="0 0 100 8" preserveAspectRatio="none" aria-hidden="true"><rect class="track" width="100" height="8" rx="4"/><rect class="fill" width="%.2f" height="8" rx="4"/></svg>`, w))
}

// ---- GET /slos/{id}

type sloPage struct {
	SLO      *catalog.SLO
	Status   slostatus.Status
	Timeline slostatus.Timeline
	Service  *catalog.Service
	Team     *catalog.Team
	Journey  *catalog.Journey
	State    string
	Level    string // budgetLevel
	Error    string

	AtGiven, AtInput string
	APIURL           string
	Window           string // "rolling 30d", "calendar month (Europe/Paris)"
	Budgeting        string
	Budget           string // "0.1% of events"
	BudgetMinutes    float64
	Keys             []string
	Burn1h           *slostatus.BurnRate

	Burndown, SLIChart, BurnChart template.HTML

	Alerts []alertRow
	Fired  []firedRow
	// FiredError says why the alerts that fired cannot be listed.
	FiredError string
	Burns      []burnRow
	Steps      []stepRow
	Samples    []sampleRow

	Policy *catalog.ErrorBudgetPolicy
	// UnitCost is the cost of a million good events of the service this
	// month, when this SLO is the one it is measured by.
	UnitCost  *cost.UnitCost
	PolicyNow *catalog.BudgetThreshold
	FeedKey   string
	FeedTime  string
	// HasRequests is true when access logs can feed the SLO (its SLI or a
	// step has a requests selector); HasBurnData when a burn window saw
	// events.
	HasRequests bool
	HasBurnData bool
}

type alertRow struct {
	slostatus.AlertState
	Disabled    bool
	ShortRate   *slostatus.BurnRate
	LongRate    *slostatus.BurnRate
	ShortOver   bool
	LongOver    bool
	MinEvents   float64
	LowTraffic  bool // the long window saw fewer events than minEvents
	Description string
}

// firedRow is an alert that fired during the window, as kiban's burn
// alerts recorded it.
type firedRow struct {
	store.AlertRecord
	Firing   bool   // still firing as of the page's moment
	Duration string // how long it fired (so far)
}

// firedRows lists the alerts of an SLO that fired during [from, at], newest
// first.
func (s *Server) firedRows(ctx context.Context, id string, from, at time.Time) ([]firedRow, error) {
	recs, err := s.store.Alerts(ctx, id, from, at.Add(time.Microsecond))
	if err != nil {
		return nil, err
	}
	rows := make([]firedRow, 0, len(recs))
	for _, a := range recs {
		row := firedRow{AlertRecord: a}
		end := at
		if a.ResolvedAt != nil && !a.ResolvedAt.After(at) {
			end = *a.ResolvedAt
		} else {
			row.Firing = true
		}
		d := end.Sub(a.StartedAt)
		if d >= time.Minute {
			d = d.Round(time.Minute)
		} else {
			d = d.Round(time.Second)
		}
		row.Duration = slo.FormatDuration(d)
		rows = append(rows, row)
	}
	return rows, nil
}

type burnRow struct {
	Window             string
	Events, ErrorRatio float64
	Rate               float64
	OK                 bool
	UsedBy             []string // the alert pairs using this window
	Max                float64  // the highest threshold of those pairs
}

type stepRow struct {
	slostatus.Step
	Key       string
	Requests  *catalog.RequestsSLI
	ShareBar  template.HTML
	Sparkline template.HTML
}

type sampleRow struct {
	slostatus.Point
	StepsText string
}

func (s *Server) handleSLOPage(w http.ResponseWriter, r *http.Request) {
	c := s.current().cat
	id := r.PathValue("id")
	var x *catalog.SLO
	for _, cand := range c.SLOs {
		if cand.ID() == id {
			x = cand
		}
	}
	if x == nil {
		msg := "No SLO " + strconv.Quote(id) + " in the catalog. SLO ids are <service>-<name>."
		if near := closestSLO(c, id); near != "" {
			msg += " Did you mean " + near + "?"
		}
		s.render(w, r, http.StatusNotFound, "notfound", "Not found", msg)
		return
	}
	title := cmp.Or(x.Title, x.ID())
	at, given, err := s.uiAt(r)
	p := sloPage{SLO: x, AtGiven: given, APIURL: withAt("/api/v1/slos/"+url.PathEscape(x.ID()), given)}
	if err != nil {
		p.Error = err.Error()
		s.render(w, r, http.StatusBadRequest, "slo", title, p)
		return
	}
	if given != "" {
		p.AtInput = at.Format("2006-01-02T15:04")
	}
	st, err := slostatus.EvaluateWith(r.Context(), s.store, s.cfg.Prometheus, c, x, at)
	if err == nil {
		p.Timeline, err = s.timeline(r.Context(), c, x, st, at)
	}
	if err != nil {
		s.log.Error("slo status", "slo", x.ID(), "err", err)
		p.Error = "This SLO cannot be evaluated right now: the store did not answer."
		s.render(w, r, http.StatusInternalServerError, "slo", title, p)
		return
	}
	p.Status = st
	p.State = sloState(st)
	p.Level = budgetLevel(st)
	p.Service, _ = c.Service(x.Spec.Service)
	p.Team, _ = c.Team(st.Team)
	if x.Spec.Journey != "" {
		for _, j := range c.Journeys {
			if j.Name == x.Spec.Journey {
				p.Journey = j
			}
		}
	}
	p.Keys = slostatus.Keys(c, x)
	if x.Spec.SLI != nil && x.Spec.SLI.Requests != nil {
		p.HasRequests = true
	}
	if p.Journey != nil {
		for _, js := range p.Journey.Spec.Steps {
			if js.SLI != nil && js.SLI.Requests != nil {
				p.HasRequests = true
			}
		}
	}
	for _, b := range st.BurnRates {
		p.HasBurnData = p.HasBurnData || b.OK
	}
	p.Burn1h = burnRate(st, "1h")
	objective := x.Spec.Objective / 100
	budget := slo.ErrorBudget(objective)
	period := st.WindowEnd.Sub(st.WindowStart)
	if x.Spec.Window.Calendar != "" {
		period = p.Timeline.PeriodEnd.Sub(st.WindowStart)
	}
	p.BudgetMinutes = slo.BudgetMinutes(1, objective, period)

	// Window and budgeting in words.
	switch {
	case x.Spec.Window.Calendar != "":
		p.Window = "calendar " + x.Spec.Window.Calendar
		if x.Spec.Window.TimeZone != "" {
			p.Window += " (" + x.Spec.Window.TimeZone + ")"
		}
	case x.Period() > 0:
		p.Window = "rolling " + slo.FormatDuration(x.Period())
	default:
		p.Window = "rolling 30d"
	}
	p.Budgeting = cmp.Or(x.Spec.Budgeting.Method, catalog.BudgetingOccurrences)
	p.Budget = pctTrim(budget) + " of events"
	if p.Budgeting == catalog.BudgetingTimeslices {
		p.Budget = fmt.Sprintf("%s of %s slices (a slice is good at ≥ %s)", pctTrim(budget),
			cmp.Or(x.Spec.Budgeting.SliceLength, "1m"), pctTrim(x.Spec.Budgeting.GoodSliceThreshold))
	}

	// Alert pairs, with the burn rates of both windows against the
	// threshold.
	used := map[string][]string{}
	maxThreshold := map[string]float64{}
	for _, a := range st.Alerts {
		row := alertRow{AlertState: a, ShortRate: burnRate(st, a.Short), LongRate: burnRate(st, a.Long), MinEvents: x.Spec.Alerting.MinEvents}
		row.Disabled = a.Severity == string(slo.SeverityPage) && x.Spec.Alerting.Page.Disabled ||
			a.Severity == string(slo.SeverityTicket) && x.Spec.Alerting.Ticket.Disabled
		row.ShortOver = row.ShortRate != nil && row.ShortRate.OK && row.ShortRate.BurnRate >= a.Threshold
		row.LongOver = row.LongRate != nil && row.LongRate.OK && row.LongRate.BurnRate >= a.Threshold
		row.LowTraffic = row.MinEvents > 0 && row.LongRate != nil && row.LongRate.Events < row.MinEvents
		row.Description = fmt.Sprintf("fires when both the %s and %s windows burn at %.4g× or more: %s of the budget gone in %s",
			a.Long, a.Short, a.Threshold, pctTrim(slo.BudgetConsumed(a.Threshold, parseDur(a.Long), period)), a.Long)
		p.Alerts = append(p.Alerts, row)
		for _, win := range []string{a.Short, a.Long} {
			used[win] = append(used[win], a.Name)
			maxThreshold[win] = math.Max(maxThreshold[win], a.Threshold)
		}
	}
	if p.Fired, err = s.firedRows(r.Context(), x.ID(), st.WindowStart, st.At); err != nil {
		s.log.Error("slo alerts", "slo", x.ID(), "err", err)
		p.FiredError = "The alerts that fired cannot be listed right now: the store did not answer."
	}
	for _, b := range st.BurnRates {
		p.Burns = append(p.Burns, burnRow{Window: b.Window, Events: b.Events, ErrorRatio: b.ErrorRatio, Rate: b.BurnRate, OK: b.OK,
			UsedBy: used[b.Window], Max: maxThreshold[b.Window]})
	}

	// Journey steps.
	if p.Journey != nil {
		for i, stp := range st.Steps {
			row := stepRow{Step: stp, ShareBar: shareBar(stp.Share)}
			if i < len(p.Keys) {
				row.Key = p.Keys[i]
			}
			if i < len(p.Journey.Spec.Steps) && p.Journey.Spec.Steps[i].SLI != nil {
				row.Requests = p.Journey.Spec.Steps[i].SLI.Requests
			}
			row.Sparkline = sparkline(p.Timeline, i, objective)
			p.Steps = append(p.Steps, row)
		}
	}

	// Error budget policy.
	if pol := c.PolicyFor(x.Spec.Service); pol != nil {
		p.Policy = pol
		if st.OK {
			for i, t := range pol.Spec.Thresholds {
				if underThreshold(st.Remaining, t.Below) && (p.PolicyNow == nil || t.Below < p.PolicyNow.Below) {
					p.PolicyNow = &pol.Spec.Thresholds[i]
				}
			}
		}
	}
	if len(p.Keys) > 0 {
		p.FeedKey = p.Keys[0]
	}
	p.FeedTime = s.now().UTC().Truncate(time.Minute).Format(time.RFC3339)

	p.Burndown = burndownChart(p.Timeline, st, pol(p.Policy))
	p.SLIChart = sliChart(p.Timeline, objective)
	p.BurnChart = burnChart(p.Timeline, st)
	for i := len(p.Timeline.Points) - 1; i >= 0; i-- {
		pt := p.Timeline.Points[i]
		row := sampleRow{Point: pt}
		if len(pt.Steps) > 0 {
			var parts []string
			for j, sp := range pt.Steps {
				v := "no data"
				if sp.OK {
					v = sliPct(sp.SLI)
				}
				parts = append(parts, p.Timeline.Steps[j]+" "+v)
			}
			row.StepsText = strings.Join(parts, " · ")
		}
		p.Samples = append(p.Samples, row)
	}
	p.UnitCost = s.unitCost(r, x)
	s.render(w, r, http.StatusOK, "slo", title, p)
}

// unitCost is the cost per good request of the SLO's service this month,
// when this SLO measures it and cost was imported.
func (s *Server) unitCost(r *http.Request, x *catalog.SLO) *cost.UnitCost {
	costs, err := cost.UnitCosts(r.Context(), s.store, s.current().cat, s.now())
	if err != nil {
		s.log.Warn("unit cost", "err", err)
		return nil
	}
	for _, u := range costs {
		if u.SLO == x.ID() && u.PerMillion != nil && u.Cost.IsPositive() {
			return &u
		}
	}
	return nil
}

// timeline is an SLO's history for the charts: from Prometheus when its
// status came from there, else (or when Prometheus fails) from the stored
// counts.
func (s *Server) timeline(ctx context.Context, c *catalog.Catalog, x *catalog.SLO, st slostatus.Status, at time.Time) (slostatus.Timeline, error) {
	if s.cfg.Prometheus != nil && strings.HasPrefix(st.Source, "prometheus") {
		tl, err := slostatus.HistoryPrometheus(ctx, s.cfg.Prometheus, c, x, at, slostatus.DefaultPoints)
		if err == nil {
			return tl, nil
		}
		s.log.Warn("slo history from Prometheus failed; charting the stored counts", "slo", x.ID(), "err", err)
	}
	return slostatus.History(ctx, s.store, c, x, at, slostatus.DefaultPoints)
}

func pol(p *catalog.ErrorBudgetPolicy) []catalog.BudgetThreshold {
	if p == nil {
		return nil
	}
	return p.Spec.Thresholds
}

// underThreshold is the gate's rule: under a threshold in percent, 0
// meaning exhausted.
func underThreshold(remaining, below float64) bool {
	if below <= 0 {
		return remaining <= 0
	}
	return remaining*100 < below
}

func parseDur(s string) time.Duration {
	d, _ := slo.ParseDuration(s)
	return d
}

// closestSLO suggests an SLO id for a mistyped one: one that contains it
// or that it contains, else the one sharing the longest prefix.
func closestSLO(c *catalog.Catalog, id string) string {
	best, bestLen := "", 3
	for _, x := range c.SLOs {
		cand := x.ID()
		if strings.Contains(cand, id) && len(id) >= 4 || strings.Contains(id, cand) {
			return cand
		}
		n := 0
		for n < len(cand) && n < len(id) && cand[n] == id[n] {
			n++
		}
		if n > bestLen {
			best, bestLen = cand, n
		}
	}
	return best
}

// ---- figures

// sloFuncs are the template functions of the SLO pages.
var sloFuncs = template.FuncMap{
	"budgetPct": budgetPct,
	"sliPct":    sliPct,
	"pctTrim":   pctTrim,
	"objective": func(p float64) string { return pctTrim(p / 100) },
	"burn":      burnText,
	"factor":    factorText,
	"share":     func(r float64) string { return strconv.FormatFloat(r*100, 'f', 1, 64) + "%" },
	"outage":    outageText,
	"count":     countText,
	"countInt":  func(n int64) string { return countText(float64(n)) },
	"stateText": sloStateText,
	"withAt":    withAt,
	"short":     func(t time.Time) string { return t.UTC().Format("Jan 2 15:04") },
	"rfc3339":   func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"exhaustion": func(st slostatus.Status) string {
		switch {
		case !st.OK:
			return "—"
		case st.Remaining <= 0:
			return "exhausted"
		case st.Exhaustion != nil:
			return st.Exhaustion.Text
		}
		return "not burning"
	},
	"pathEscape": url.PathEscape,
	"errRatio":   func(sli float64) float64 { return 1 - sli },
	"budgetOf":   func(objectivePercent float64) float64 { return slo.ErrorBudget(objectivePercent / 100) },
}

// budgetPct is a remaining budget as kiban slo status prints it: -42.3%.
func budgetPct(r float64) string {
	s := strconv.FormatFloat(r*100, 'f', 1, 64) + "%"
	if s == "-0.0%" {
		return "0.0%"
	}
	return s
}

// sliPct is an SLI with three decimals, as kiban slo status prints it.
func sliPct(r float64) string { return strconv.FormatFloat(r*100, 'f', 3, 64) + "%" }

// pctTrim is a ratio in percent without trailing zeros: 0.1%, 99.95%.
func pctTrim(r float64) string {
	s := strconv.FormatFloat(r*100, 'f', 4, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s + "%"
}

func burnText(b float64) string {
	switch {
	case b >= 100:
		return strconv.FormatFloat(b, 'f', 0, 64) + "×"
	case b >= 10:
		return strconv.FormatFloat(b, 'f', 1, 64) + "×"
	}
	return strconv.FormatFloat(b, 'f', 2, 64) + "×"
}

// factorText is an alert's burn-rate threshold with the digits of the
// rules: 14.4×, 13.44×, 0.9333×.
func factorText(f float64) string { return strconv.FormatFloat(f, 'g', 4, 64) + "×" }

// outageText is minutes of full outage: "43.2 min", "5h12m", and
// "-18.4 min" when overspent.
func outageText(m float64) string {
	abs := math.Abs(m)
	var s string
	if abs < 120 {
		s = strconv.FormatFloat(abs, 'f', 1, 64) + " min"
	} else {
		s = slo.FormatDuration(time.Duration(abs * float64(time.Minute)).Round(time.Minute))
	}
	if m < 0 && s != "0.0 min" {
		return "-" + s
	}
	return s
}

// countText writes an event count with thousands separators.
func countText(f float64) string {
	n := int64(math.Round(f))
	neg := n < 0
	if neg {
		n = -n
	}
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// ---- charts: inline SVG drawn here, no script.

type chartPoint struct {
	T  time.Time
	V  float64
	OK bool
}

type chartSeries struct {
	Class  string
	Points []chartPoint
	Area   bool // fill between the line and Base
	Base   float64
	Split  *float64 // colour the line and area above and below this value apart
	Marker bool     // a dot and the value at the last point
}

type chartRule struct {
	Y            float64
	Class, Label string
	Below        bool // the label goes under the line
}

type chartBand struct {
	From, To time.Time
	Text     string
}

type lineChart struct {
	ID, Title, Desc string
	W, H            float64
	X0, X1          time.Time
	Lo, Hi          float64
	Format          func(float64) string
	Rules           []chartRule
	// Ref is a straight reference line from (X0, RefFrom) to (X1, RefTo).
	Ref              bool
	RefFrom, RefTo   float64
	RefLabel         string
	Series           []chartSeries
	Bands            []chartBand
	Compact          bool // no axes: a sparkline
	ClippedLow       bool
	ClippedLowFormat string
}

func (c lineChart) render() template.HTML {
	var b strings.Builder
	esc := template.HTMLEscapeString
	left, right, top, bottom := 58.0, 14.0, 10.0, 26.0
	if c.Compact {
		left, right, top, bottom = 1, 1, 2, 2
	}
	pw, ph := c.W-left-right, c.H-top-bottom
	span := c.X1.Sub(c.X0).Seconds()
	if span <= 0 {
		span = 1
	}
	x := func(t time.Time) float64 {
		return left + math.Max(0, math.Min(1, t.Sub(c.X0).Seconds()/span))*pw
	}
	y := func(v float64) float64 {
		v = math.Max(c.Lo, math.Min(c.Hi, v))
		return top + (c.Hi-v)/(c.Hi-c.Lo)*ph
	}
	if c.Compact {
		fmt.Fprintf(&b, `<svg class="chart spark" viewBox="0 0 %g %g" preserveAspectRatio="none" role="img" aria-label="%s">`, c.W, c.H, esc(c.Title+": "+c.Desc))
	} else {
		fmt.Fprintf(&b, `<svg class="chart" id="%s" viewBox="0 0 %g %g" role="img" aria-labelledby="%s-title %s-desc">`, c.ID, c.W, c.H, c.ID, c.ID)
		fmt.Fprintf(&b, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, c.ID, esc(c.Title), c.ID, esc(c.Desc))
	}
	fmt.Fprintf(&b, `<rect class="plot" x="%.1f" y="%.1f" width="%.1f" height="%.1f"/>`, left, top, pw, ph)
	if !c.Compact {
		for _, v := range niceTicks(c.Lo, c.Hi, 5) {
			fmt.Fprintf(&b, `<line class="grid" x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f"/>`, left, left+pw, y(v), y(v))
			fmt.Fprintf(&b, `<text class="tick" x="%.1f" y="%.1f" text-anchor="end">%s</text>`, left-6, y(v)+4, esc(c.Format(v)))
		}
		for _, t := range timeTicks(c.X0, c.X1) {
			fmt.Fprintf(&b, `<line class="grid" x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f"/>`, x(t.T), x(t.T), top, top+ph)
			fmt.Fprintf(&b, `<text class="tick" x="%.1f" y="%.1f" text-anchor="middle">%s</text>`, x(t.T), top+ph+17, esc(t.Label))
		}
	}
	var labels []float64 // the heights of the rule labels drawn so far
	for _, r := range c.Rules {
		if r.Y < c.Lo || r.Y > c.Hi {
			continue
		}
		fmt.Fprintf(&b, `<line class="rule %s" x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f"/>`, r.Class, left, left+pw, y(r.Y), y(r.Y))
		if r.Label != "" && !c.Compact {
			ly := y(r.Y) - 5
			if r.Below || ly < top+10 {
				ly = y(r.Y) + 15
			}
			// A label too close to another goes to the right end.
			lx, anchor := left+6, "start"
			for _, other := range labels {
				if math.Abs(other-ly) < 14 {
					lx, anchor = left+pw-6, "end"
				}
			}
			labels = append(labels, ly)
			fmt.Fprintf(&b, `<text class="rule-label %s" x="%.1f" y="%.1f" text-anchor="%s">%s</text>`, r.Class, lx, ly, anchor, esc(r.Label))
		}
	}
	if c.Ref {
		fmt.Fprintf(&b, `<line class="ref" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`, x(c.X0), y(c.RefFrom), x(c.X1), y(c.RefTo))
		if c.RefLabel != "" {
			// At a third of the way, above the line.
			tx := x(c.X0) + (x(c.X1)-x(c.X0))*0.62
			ty := y(c.RefFrom+(c.RefTo-c.RefFrom)*0.62) - 6
			fmt.Fprintf(&b, `<text class="rule-label ref-label" x="%.1f" y="%.1f">%s</text>`, tx, ty, esc(c.RefLabel))
		}
	}
	for si, s := range c.Series {
		// Runs of consecutive points with data.
		var runs [][]chartPoint
		var run []chartPoint
		for _, p := range s.Points {
			if !p.OK || math.IsNaN(p.V) || math.IsInf(p.V, 0) {
				if len(run) > 0 {
					runs = append(runs, run)
				}
				run = nil
				continue
			}
			run = append(run, p)
		}
		if len(run) > 0 {
			runs = append(runs, run)
		}
		draw := func(clip, class string) {
			for _, r := range runs {
				var pts strings.Builder
				for _, p := range r {
					fmt.Fprintf(&pts, "%.1f,%.1f ", x(p.T), y(p.V))
				}
				if s.Area {
					fmt.Fprintf(&b, `<path class="area %s"%s d="M%.1f,%.1f L%sL%.1f,%.1f Z"/>`, class, clip,
						x(r[0].T), y(s.Base), pts.String(), x(r[len(r)-1].T), y(s.Base))
				}
				if len(r) == 1 {
					fmt.Fprintf(&b, `<circle class="dot %s"%s cx="%.1f" cy="%.1f" r="2.5"/>`, class, clip, x(r[0].T), y(r[0].V))
					continue
				}
				fmt.Fprintf(&b, `<polyline class="line %s"%s points="%s"/>`, class, clip, strings.TrimSpace(pts.String()))
			}
		}
		if s.Split != nil && *s.Split > c.Lo && *s.Split < c.Hi {
			id := fmt.Sprintf("%s-s%d", c.ID, si)
			sy := y(*s.Split)
			fmt.Fprintf(&b, `<clipPath id="%s-above"><rect x="0" y="0" width="%g" height="%.1f"/></clipPath>`, id, c.W, sy)
			fmt.Fprintf(&b, `<clipPath id="%s-below"><rect x="0" y="%.1f" width="%g" height="%.1f"/></clipPath>`, id, sy, c.W, c.H-sy)
			draw(fmt.Sprintf(` clip-path="url(#%s-above)"`, id), s.Class)
			draw(fmt.Sprintf(` clip-path="url(#%s-below)"`, id), s.Class+" under")
		} else {
			draw("", s.Class)
		}
		if s.Marker && len(runs) > 0 && !c.Compact {
			last := runs[len(runs)-1]
			p := last[len(last)-1]
			class := s.Class
			if s.Split != nil && p.V < *s.Split {
				class += " under"
			}
			fmt.Fprintf(&b, `<circle class="dot end %s" cx="%.1f" cy="%.1f" r="3.5"/>`, class, x(p.T), y(p.V))
			fmt.Fprintf(&b, `<text class="end-label %s" x="%.1f" y="%.1f" text-anchor="end">%s</text>`, class, x(p.T)-6, y(p.V)-8, esc(c.Format(p.V)))
		}
	}
	if c.ClippedLow && !c.Compact {
		fmt.Fprintf(&b, `<text class="tick clipped" x="%.1f" y="%.1f" text-anchor="end">%s</text>`, left+pw, top+ph-4, esc(c.ClippedLowFormat))
	}
	for _, band := range c.Bands {
		x0, x1 := x(band.From), x(band.To)
		fmt.Fprintf(&b, `<rect class="hit" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s</title></rect>`, x0, top, math.Max(x1-x0, 0.5), ph, esc(band.Text))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// niceTicks returns about n round values spanning [lo, hi].
func niceTicks(lo, hi float64, n int) []float64 {
	if !(hi > lo) {
		return []float64{lo}
	}
	raw := (hi - lo) / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	var out []float64
	for v := math.Ceil(lo/step-1e-9) * step; v <= hi+step*1e-9; v += step {
		out = append(out, math.Round(v/step)*step)
	}
	return out
}

// niceRange widens [lo, hi] to round values.
func niceRange(lo, hi float64) (float64, float64) {
	if !(hi > lo) {
		return lo - 0.5, hi + 0.5
	}
	t := niceTicks(lo, hi, 5)
	step := (hi - lo) / 5
	if len(t) > 1 {
		step = t[1] - t[0]
	}
	return math.Floor(lo/step+1e-9) * step, math.Ceil(hi/step-1e-9) * step
}

type timeTick struct {
	T     time.Time
	Label string
}

// timeTicks places up to about seven labelled ticks on round times in
// UTC.
func timeTicks(x0, x1 time.Time) []timeTick {
	span := x1.Sub(x0)
	steps := []time.Duration{time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
		time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour,
		24 * time.Hour, 2 * 24 * time.Hour, 5 * 24 * time.Hour, 7 * 24 * time.Hour, 14 * 24 * time.Hour}
	step := steps[len(steps)-1]
	for _, s := range steps {
		if span/s <= 7 {
			step = s
			break
		}
	}
	layout := "15:04"
	if step >= 24*time.Hour {
		layout = "Jan 2"
	}
	var out []timeTick
	for t := x0.UTC().Truncate(step); !t.After(x1); t = t.Add(step) {
		if t.Before(x0) {
			continue
		}
		label := t.Format(layout)
		if step < 24*time.Hour && t.Hour() == 0 && t.Minute() == 0 {
			label = t.Format("Jan 2")
		}
		out = append(out, timeTick{T: t, Label: label})
	}
	return out
}

func sampleText(tl slostatus.Timeline, p slostatus.Point) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s – %s UTC", p.From.Format("Jan 2 15:04"), p.At.Format("Jan 2 15:04"))
	if tl.OK {
		fmt.Fprintf(&b, "\nbudget left at the end: %s", budgetPct(p.Remaining))
	}
	if p.SLIOK {
		fmt.Fprintf(&b, "\nSLI: %s over %s events", sliPct(p.SLI), countText(p.Events))
	} else {
		b.WriteString("\nSLI: no events")
	}
	if p.BurnRateOK {
		fmt.Fprintf(&b, "\n1h burn rate: %s", burnText(p.BurnRate))
	}
	for i, sp := range p.Steps {
		if sp.OK {
			fmt.Fprintf(&b, "\n  %s: %s over %s", tl.Steps[i], sliPct(sp.SLI), countText(sp.Events))
		}
	}
	return b.String()
}

func bands(tl slostatus.Timeline) []chartBand {
	out := make([]chartBand, 0, len(tl.Points))
	for _, p := range tl.Points {
		out = append(out, chartBand{From: p.From, To: p.At, Text: sampleText(tl, p)})
	}
	return out
}

func burndownChart(tl slostatus.Timeline, st slostatus.Status, thresholds []catalog.BudgetThreshold) template.HTML {
	c := lineChart{ID: "burndown-chart", W: 1000, H: 300, X0: tl.WindowStart, X1: tl.WindowEnd, Lo: 0, Hi: 1,
		Format: axisPct,
		Title:  "Error budget burn-down",
		Ref:    true, RefFrom: 1, RefTo: 0, RefLabel: "even spend",
		Bands: bands(tl)}
	c.Rules = append(c.Rules, chartRule{Y: 0, Class: "zero", Label: "exhausted"})
	for _, t := range thresholds {
		if t.Below > 0 {
			c.Rules = append(c.Rules, chartRule{Y: t.Below / 100, Class: "policy", Label: "policy: " + strings.Join(t.Actions, ", ") + " below " + strconv.FormatFloat(t.Below, 'f', -1, 64) + "%"})
		}
	}
	if !tl.OK {
		c.Desc = "No data over the window: there is no budget to burn down."
		return c.render()
	}
	lo := 0.0
	pts := []chartPoint{{T: tl.WindowStart, V: 1, OK: true}}
	for _, p := range tl.Points {
		pts = append(pts, chartPoint{T: p.At, V: p.Remaining, OK: true})
		lo = math.Min(lo, p.Remaining)
	}
	c.Lo, c.Hi = niceRange(lo, 1)
	zero := 0.0
	c.Series = []chartSeries{{Class: "budget", Points: pts, Area: true, Base: 0, Split: &zero, Marker: true}}
	c.Desc = fmt.Sprintf("The remaining error budget went from 100%% on %s to %s on %s (UTC); the dashed line is an even spend of the whole budget over the window, the solid line at 0 is exhaustion.",
		tl.WindowStart.Format("Jan 2 15:04"), budgetPct(st.Remaining), tl.WindowEnd.Format("Jan 2 15:04"))
	return c.render()
}

// axisPct writes a budget axis value: 100%, 25%, -150%, and the value at
// the end of the line with one decimal.
func axisPct(v float64) string {
	if math.Abs(v) < 1e-12 {
		return "0%"
	}
	if math.Abs(v*100-math.Round(v*100)) < 1e-9 {
		return strconv.FormatFloat(math.Round(v*100), 'f', -1, 64) + "%"
	}
	return budgetPct(v)
}

func sliChart(tl slostatus.Timeline, objective float64) template.HTML {
	budget := slo.ErrorBudget(objective)
	c := lineChart{ID: "sli-chart", W: 520, H: 230, X0: tl.WindowStart, X1: tl.WindowEnd,
		Title: "SLI by interval", Bands: bands(tl)}
	var pts []chartPoint
	lo, n := 1.0, 0
	for _, p := range tl.Points {
		mid := p.From.Add(p.At.Sub(p.From) / 2)
		pts = append(pts, chartPoint{T: mid, V: p.SLI, OK: p.SLIOK})
		if p.SLIOK {
			lo = math.Min(lo, p.SLI)
			n++
		}
	}
	// Show the objective with room below it; a deeper dip is drawn on the
	// bottom edge rather than squeezing the objective against the top.
	floor := math.Max(0, objective-10*budget)
	lo = math.Min(lo, objective-budget)
	clipped := lo < floor
	lo = math.Max(lo, floor)
	c.Lo, _ = niceRange(lo, 1)
	c.Hi = 1
	if clipped {
		c.ClippedLow = true
		c.ClippedLowFormat = "lower values drawn at " + sliPctTrim(c.Lo)
	}
	c.Format = sliPctTrim
	c.Rules = []chartRule{{Y: objective, Class: "objective", Label: "objective " + pctTrim(objective), Below: true}}
	c.Series = []chartSeries{{Class: "sli", Points: pts, Split: &objective}}
	if n == 0 {
		c.Desc = "No events over the window."
	} else {
		c.Desc = fmt.Sprintf("The SLI of each of %d intervals over the window (UTC), against the objective %s; the lowest interval was at %s.", len(tl.Points), pctTrim(objective), sliPct(minSLI(tl)))
	}
	return c.render()
}

func minSLI(tl slostatus.Timeline) float64 {
	m := 1.0
	for _, p := range tl.Points {
		if p.SLIOK {
			m = math.Min(m, p.SLI)
		}
	}
	return m
}

// sliPctTrim writes an axis value: 99.9%, 99.95%.
func sliPctTrim(v float64) string {
	s := strconv.FormatFloat(math.Max(v, 0)*100, 'f', 3, 64)
	return strings.TrimRight(strings.TrimRight(s, "0"), ".") + "%"
}

func burnChart(tl slostatus.Timeline, st slostatus.Status) template.HTML {
	c := lineChart{ID: "burn-chart", W: 520, H: 230, X0: tl.WindowStart, X1: tl.WindowEnd, Lo: 0,
		Title: "Burn rate over the last hour, through the window", Bands: bands(tl), Format: burnAxis}
	hi := 2.0
	var pts []chartPoint
	for _, p := range tl.Points {
		pts = append(pts, chartPoint{T: p.At, V: p.BurnRate, OK: p.BurnRateOK})
		if p.BurnRateOK {
			hi = math.Max(hi, p.BurnRate)
		}
	}
	c.Rules = []chartRule{{Y: 1, Class: "pace", Label: "1× spends the budget exactly over the window"}}
	for _, a := range st.Alerts {
		if a.Long == "1h" {
			c.Rules = append(c.Rules, chartRule{Y: a.Threshold, Class: "threshold", Label: a.Name + " threshold " + factorText(a.Threshold)})
			hi = math.Max(hi, a.Threshold*1.15)
		}
	}
	_, c.Hi = niceRange(0, hi)
	// Above 1× (the series' own class) spends faster than the window
	// allows; below it ("under") slower.
	one := 1.0
	c.Series = []chartSeries{{Class: "burn", Points: pts, Area: true, Base: 0, Split: &one}}
	c.Desc = "The burn rate of the hour before each sample (UTC); 1× spends the budget exactly over the window."
	return c.render()
}

func burnAxis(v float64) string { return strconv.FormatFloat(math.Abs(v), 'f', -1, 64) + "×" }

func sparkline(tl slostatus.Timeline, step int, objective float64) template.HTML {
	var pts []chartPoint
	lo := objective - slo.ErrorBudget(objective)
	for _, p := range tl.Points {
		if step < len(p.Steps) {
			sp := p.Steps[step]
			pts = append(pts, chartPoint{T: p.From.Add(p.At.Sub(p.From) / 2), V: sp.SLI, OK: sp.OK})
			if sp.OK {
				lo = math.Min(lo, sp.SLI)
			}
		}
	}
	lo = math.Max(lo, math.Max(0, objective-10*slo.ErrorBudget(objective)))
	name := ""
	if step < len(tl.Steps) {
		name = tl.Steps[step]
	}
	c := lineChart{ID: fmt.Sprintf("step-%d-spark", step), W: 160, H: 30, X0: tl.WindowStart, X1: tl.WindowEnd, Lo: lo, Hi: 1, Compact: true,
		Title: "SLI of step " + name, Desc: "by interval over the window, with the journey's objective",
		Rules:  []chartRule{{Y: objective, Class: "objective"}},
		Series: []chartSeries{{Class: "sli", Points: pts, Split: &objective}}}
	return c.render()
}
