package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/cost"
	"kiban.dev/kiban/internal/store"
)

// The cost view: GET /cost, the organisation's, a team's or a service's
// cloud cost of a month (or a range of days), from the same reports as
// GET /api/v1/cost/report; and the small cost section of the team and
// service pages. Money is written with decimal's StringFixed(2): no
// float ever touches an amount shown as a number (the charts' bar heights
// are floats).

var costFuncs = template.FuncMap{
	"pct1":   pct1,
	"mul100": func(r float64) float64 { return r * 100 },
}

// maxCostRangeDays bounds a range of days on the cost view: a year and a
// day, so that a daily chart stays a chart.
const maxCostRangeDays = 366

// anomalyDays is how far back the cost view lists anomalies, from the end
// of the selection (or today).
const anomalyDays = 30

type costPage struct {
	// The selection: ServiceName (a service view), else TeamName (a team
	// view), else the organisation.
	TeamName, ServiceName string
	Team                  *catalog.Team
	Service               *catalog.Service
	Owner                 *catalog.Team // the service's team
	Notice                string

	Teams    []*catalog.Team
	Services []*catalog.Service

	// IsRange is a from/to selection; else a month (MonthInput).
	IsRange          bool
	MonthInput       string
	FromInput        string // YYYY-MM-DD
	ToInput          string // YYYY-MM-DD, the day after the last, as in the API
	Period           string // "September 2024", "Jul 1 – Sep 30, 2024"
	ToDate           bool   // the period includes today
	JSONURL          string
	BudgetsURL       string
	AnomaliesURL     string
	Quick            []costLink
	Error            string
	NothingImported  bool
	LatestMonth      string // the month of the latest day with cost, YYYY-MM
	LatestMonthLabel string
	LatestURL        string

	HasData      bool
	Rows         int64
	ImportedDays int
	Through      string // the last day with data
	Currency     string // of the charts
	Totals       []costTotal
	Unallocated  []costShare
	Budgets      []costBudget
	BudgetsMonth string
	BudgetError  string

	Daily, Months      template.HTML
	MonthsFrom         string
	ByProvider         []costLine
	ByServiceCategory  []costLine
	ByChargeCategory   []costLine
	ByTeam, ByService  []costLine
	SharedIn           []costLine
	TopResources       []costResource
	TopUnallocated     []costResource
	Anomalies          []costAnomaly
	AnomalyFrom        string
	AnomalyTo          string // inclusive
	AnomalyError       string
	OtherCurrencyNotes bool

	// Commitments (the organisation view): coverage and use of Savings
	// Plans and reservations in the page's months.
	Coverage         []costCoverage
	Commitments      []costCommitment
	CommitmentsURL   string
	CommitmentsError string
	// Guards are the MonitoringGuards of the selection, on their last day
	// with data.
	Guards      []costGuard
	GuardsError string
}

type costCoverage struct {
	cost.Coverage
	Covered, OnDemand, CoveragePct, UtilizationPct string
	Low                                            bool // coverage under 70%
}

type costCommitment struct {
	cost.CommitmentUse
	Purchased, Used, Unused, UtilizationPct string
	Low                                     bool // utilisation under 90%
}

type costGuard struct {
	cost.GuardStatus
	Cost, Usual string
	TeamURL     string
}

// pct1 writes a percentage with one decimal.
func pct1(p float64) string { return strconv.FormatFloat(p, 'f', 1, 64) + "%" }

// pctOf writes a share as a percentage with one decimal, "—" when nil.
func pctOf(f *float64) string {
	if f == nil {
		return "—"
	}
	return pct1(*f * 100)
}

// Org, TeamView and ServiceView say which view this is.
func (p costPage) Org() bool         { return p.TeamName == "" && p.ServiceName == "" }
func (p costPage) TeamView() bool    { return p.ServiceName == "" && p.TeamName != "" }
func (p costPage) ServiceView() bool { return p.ServiceName != "" }

// SelectedTeam is the team of the selection: the team, or the
// service's owner.
func (p costPage) SelectedTeam() string {
	if p.Owner != nil {
		return p.Owner.Name
	}
	return p.TeamName
}

// Subject names the selection in a sentence.
func (p costPage) Subject() string {
	switch {
	case p.ServiceView():
		return p.ServiceName
	case p.TeamView():
		return p.Team.DisplayName()
	}
	return "the organisation"
}

type costLink struct {
	Label, URL, Title string
	Current           bool
}

// costTotal is the cost of the selection in one currency.
type costTotal struct {
	Currency                         string
	Billed, Effective, List, Savings string
	SavingsPct                       float64 // of the list cost
	HasSavingsPct                    bool
}

type costShare struct {
	Currency, Amount string
	Share            float64 // 0..1 of the total effective cost
	Bar              template.HTML
}

type costLine struct {
	Key, Label, URL, Sub string
	Muted                bool
	Currency             string
	Billed, Effective    string
	List, Savings        string
	Share                float64 // 0..1 of the currency's total
	Bar                  template.HTML
}

type costResource struct {
	cost.ResourceLine
	Effective, Billed string
	Name              string // the resource's name, when not its id
	ServiceURL        string
	WhoURL            string
}

type costBudget struct {
	cost.BudgetStatus
	Covers, CoversURL string
	Amount, Actual    string
	MonthEnd          string
	Level             string // ok, warn, over
	Bar               template.HTML
}

type costAnomaly struct {
	cost.Anomaly
	Cost, Expected, Excess string
	Ratio                  string
	ServiceURL             string
	Top                    string
	TopSub                 string
}

func monthLabel(t time.Time) string { return t.Format("January 2006") }

func fixed(d decimal.Decimal) string { return d.StringFixed(2) }

// ratio is x / of in 0..1 (or beyond), 0 when of is not positive.
func ratio(x, of decimal.Decimal) float64 {
	if !of.IsPositive() {
		return 0
	}
	return x.Div(of).InexactFloat64()
}

// handleCostPage serves GET /cost?team=&service=&month=YYYY-MM (or
// from=YYYY-MM-DD&to=YYYY-MM-DD, to exclusive as in the API).
func (s *Server) handleCostPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c := s.current().cat
	now := s.now().UTC()
	p := costPage{TeamName: r.FormValue("team"), ServiceName: r.FormValue("service"), Teams: c.Teams, Services: c.Services}
	if p.TeamName != "" {
		t, ok := c.Team(p.TeamName)
		if !ok {
			s.notFound(w, r, "No team named "+strconv.Quote(p.TeamName)+" in the catalog.")
			return
		}
		p.Team = t
	}
	if p.ServiceName != "" {
		svc, ok := c.Service(p.ServiceName)
		if !ok {
			msg := "No service named " + strconv.Quote(p.ServiceName) + " in the catalog."
			if near, ok := c.ClosestService(p.ServiceName); ok {
				msg += " Did you mean " + near + "?"
			}
			s.notFound(w, r, msg)
			return
		}
		if p.TeamName != "" && svc.Spec.Owner != p.TeamName {
			// The team select changed with a service of another team
			// still selected: the team wins.
			p.Notice = fmt.Sprintf("%s belongs to %s, not %s: showing %s.", svc.Name, svc.Spec.Owner, p.TeamName, p.Team.DisplayName())
			p.ServiceName = ""
		} else {
			p.Service = svc
			p.Owner, _ = c.Team(svc.Spec.Owner)
		}
	}
	if p.ServiceView() {
		// The team is the service's: drop it from the query, the service
		// selects the same cost.
		p.TeamName, p.Team = "", nil
	}
	month, from, to := r.FormValue("month"), r.FormValue("from"), r.FormValue("to")
	p.IsRange = from != "" || to != ""
	p.MonthInput, p.FromInput, p.ToInput = month, from, to
	start, end, err := cost.Range(month, from, to, now)
	switch {
	case err != nil:
	case !start.Before(end):
		err = errors.New("from must be before to (to is the day after the last)")
	case end.Sub(start) > maxCostRangeDays*24*time.Hour:
		err = fmt.Errorf("the range is longer than %d days; pick a year at most", maxCostRangeDays)
	}
	if err != nil {
		p.Error = err.Error()
		if p.MonthInput == "" && !p.IsRange {
			p.MonthInput = now.Format("2006-01")
		}
		s.render(w, r, http.StatusBadRequest, "cost", "Cost", p)
		return
	}
	s.fillCostPage(ctx, &p, c, start, end, now)
	code := http.StatusOK
	if p.Error != "" {
		code = http.StatusInternalServerError
	}
	title := "Cost"
	if !p.Org() {
		title = "Cost · " + p.Subject()
	}
	s.render(w, r, code, "cost", title, p)
}

// costURL is the cost view (or, with api, the report's JSON) of a
// selection and period.
func costURL(api bool, team, service, month, from, to string) string {
	v := url.Values{}
	for _, kv := range [][2]string{{"team", team}, {"service", service}, {"month", month}, {"from", from}, {"to", to}} {
		if kv[1] != "" {
			v.Set(kv[0], kv[1])
		}
	}
	base := "/cost"
	if api {
		base = "/api/v1/cost/report"
	}
	if len(v) == 0 {
		return base
	}
	return base + "?" + v.Encode()
}

func (s *Server) fillCostPage(ctx context.Context, p *costPage, c *catalog.Catalog, start, end, now time.Time) {
	day := time.DateOnly
	last := end.AddDate(0, 0, -1)
	anchor := time.Date(last.Year(), last.Month(), 1, 0, 0, 0, 0, time.UTC)
	if p.IsRange {
		p.FromInput, p.ToInput = start.Format(day), end.Format(day)
		p.Period = rangeLabel(start, last)
		p.JSONURL = costURL(true, p.TeamName, p.ServiceName, "", start.Format(day), end.Format(day))
	} else {
		p.MonthInput = start.Format("2006-01")
		p.Period = monthLabel(start)
		p.JSONURL = costURL(true, p.TeamName, p.ServiceName, p.MonthInput, "", "")
	}
	p.ToDate = !now.Before(start) && now.Before(end)
	p.Quick = quickLinks(p, anchor, now)

	q := cost.ReportQuery{Team: p.TeamName, Service: p.ServiceName, From: start, To: end, Catalog: c}
	rep, err := cost.Build(ctx, s.store, q)
	if err != nil {
		s.log.Error("cost page: report", "err", err)
		p.Error = "The cost cannot be read right now."
		return
	}
	mq := q
	mq.From, mq.To, mq.TopResources = anchor.AddDate(0, -5, 0), anchor.AddDate(0, 1, 0), 1
	months, err := cost.Build(ctx, s.store, mq)
	if err != nil {
		s.log.Error("cost page: months", "err", err)
		p.Error = "The cost cannot be read right now."
		return
	}
	p.HasData = rep.Rows > 0
	if imports, err := s.store.CostImports(ctx, 50); err != nil {
		s.log.Warn("cost page: imports", "err", err)
	} else {
		p.NothingImported = len(imports) == 0
		for _, im := range imports {
			for _, per := range im.Periods {
				if len(per.BillingPeriod) >= 7 && per.BillingPeriod[:7] > p.LatestMonth {
					p.LatestMonth = per.BillingPeriod[:7]
				}
			}
		}
		if m, err := time.Parse("2006-01", p.LatestMonth); err == nil && !p.HasData {
			// A billing period may hold charges of the month before: the
			// latest month is that of the latest day with cost.
			days, err := s.store.CostDays(ctx, store.CostQuery{From: m.AddDate(0, -1, 0).Format(day), To: m.AddDate(0, 2, 0).Format(day)})
			if err != nil {
				s.log.Warn("cost page: latest days", "err", err)
			}
			if n := len(days); n > 0 {
				p.LatestMonth = days[n-1].Day[:7]
				m, _ = time.Parse("2006-01", p.LatestMonth)
			}
			p.LatestMonthLabel = monthLabel(m)
			p.LatestURL = costURL(false, p.TeamName, p.ServiceName, p.LatestMonth, "", "")
		}
	}

	p.Rows, p.ImportedDays = rep.Rows, rep.ImportedDays
	if n := len(rep.Daily); n > 0 {
		p.Through = rep.Daily[n-1].Key
	}
	p.Currency = mainCurrency(rep.Totals, months.Totals)
	p.OtherCurrencyNotes = len(rep.Totals) > 1
	totals := map[string]decimal.Decimal{}
	for _, a := range rep.Totals {
		t := costTotal{Currency: a.Currency, Billed: fixed(a.Billed), Effective: fixed(a.Effective), List: fixed(a.List), Savings: fixed(a.Savings())}
		if a.List.IsPositive() {
			t.SavingsPct, t.HasSavingsPct = ratio(a.Savings(), a.List)*100, true
		}
		p.Totals = append(p.Totals, t)
		totals[a.Currency] = a.Effective
	}
	for _, a := range rep.Unallocated {
		sh := ratio(a.Effective, totals[a.Currency])
		p.Unallocated = append(p.Unallocated, costShare{Currency: a.Currency, Amount: fixed(a.Effective), Share: sh, Bar: shareBar(sh)})
	}
	lines := func(ls []cost.Line, link func(key string) (url, label string, muted bool)) []costLine {
		out := make([]costLine, 0, len(ls))
		for _, l := range ls {
			sh := ratio(l.Effective, totals[l.Currency])
			cl := costLine{Key: l.Key, Label: l.Key, Currency: l.Currency, Billed: fixed(l.Billed), Effective: fixed(l.Effective),
				List: fixed(l.List), Savings: fixed(l.Savings()), Share: sh, Bar: shareBar(sh)}
			if link != nil {
				cl.URL, cl.Label, cl.Muted = link(l.Key)
			}
			out = append(out, cl)
		}
		return out
	}
	plain := func(key string) (string, string, bool) { return "", key, strings.HasPrefix(key, "(") }
	rangeOf := func(team, service string) string {
		if p.IsRange {
			return costURL(false, team, service, "", start.Format(day), end.Format(day))
		}
		return costURL(false, team, service, p.MonthInput, "", "")
	}
	p.ByProvider = lines(rep.ByProvider, plain)
	p.ByServiceCategory = lines(rep.ByServiceCategory, plain)
	p.ByChargeCategory = lines(rep.ByChargeCategory, plain)
	p.ByTeam = lines(rep.ByTeam, func(key string) (string, string, bool) {
		if t, ok := c.Team(key); ok {
			return rangeOf(key, ""), t.DisplayName(), false
		}
		return "", key, true
	})
	p.ByService = lines(rep.ByService, func(key string) (string, string, bool) {
		if _, ok := c.Service(key); ok {
			return rangeOf("", key), key, false
		}
		return "", key, true
	})
	p.SharedIn = lines(rep.SharedIn, func(key string) (string, string, bool) { return rangeOf("", key), key, false })
	for i := range p.ByService {
		if svc, ok := c.Service(p.ByService[i].Key); ok && p.Org() {
			if t, ok := c.Team(svc.Spec.Owner); ok {
				p.ByService[i].Sub = t.DisplayName()
			}
		}
	}
	p.TopResources = resources(rep.TopResources, c)
	p.TopUnallocated = resources(rep.TopUntagged, c)

	p.Daily = dailyChart(rep, p.Currency, start, end)
	p.MonthsFrom = monthLabel(mq.From)
	p.Months = monthsChart(months, p.Currency, mq.From, start, end)

	s.fillCostBudgets(ctx, p, c, anchor, now)
	s.fillCostAnomalies(ctx, p, c, end, now)
	if p.Org() {
		s.fillCostCommitments(ctx, p, start, end)
	}
	s.fillCostGuards(ctx, p, c, end, now)
}

// fillCostCommitments shows commitment coverage and use in the months the
// page covers.
func (s *Server) fillCostCommitments(ctx context.Context, p *costPage, start, end time.Time) {
	from := time.Date(start.Year(), start.Month(), 1, 0, 0, 0, 0, time.UTC)
	last := end.AddDate(0, 0, -1)
	to := time.Date(last.Year(), last.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1, 0) // exclusive
	p.CommitmentsURL = "/api/v1/cost/commitments?" + url.Values{"from": {from.Format("2006-01")}, "to": {to.Format("2006-01")}}.Encode()
	rep, err := cost.Commitments(ctx, s.store, from, to)
	if err != nil {
		s.log.Warn("cost page: commitments", "err", err)
		p.CommitmentsError = "Commitment coverage cannot be read right now."
		return
	}
	for _, c := range rep.Coverage {
		p.Coverage = append(p.Coverage, costCoverage{Coverage: c, Covered: fixed(c.Covered), OnDemand: fixed(c.OnDemand),
			CoveragePct: pctOf(c.Coverage), UtilizationPct: pctOf(c.Utilization), Low: c.Coverage != nil && *c.Coverage < 0.7})
	}
	for _, c := range rep.Commitments {
		p.Commitments = append(p.Commitments, costCommitment{CommitmentUse: c, Purchased: fixed(c.Purchased), Used: fixed(c.Used),
			Unused: fixed(c.Unused), UtilizationPct: pctOf(c.Utilization), Low: c.Utilization != nil && *c.Utilization < 0.9})
	}
}

// fillCostGuards shows the monitoring guards of the selection (all of
// them in the organisation view) on their last day with data up to the
// end of the page's period.
func (s *Server) fillCostGuards(ctx context.Context, p *costPage, c *catalog.Catalog, end, now time.Time) {
	if len(c.MonitoringGuards) == 0 {
		return
	}
	asOf := end.AddDate(0, 0, -1)
	if now.Before(asOf) {
		asOf = now
	}
	statuses, err := cost.Guards(ctx, s.store, c, asOf)
	if err != nil {
		s.log.Warn("cost page: guards", "err", err)
		p.GuardsError = "Monitoring guards cannot be evaluated right now."
		return
	}
	team := p.SelectedTeam()
	for _, g := range statuses {
		if !p.Org() && g.Team != team {
			continue
		}
		x := costGuard{GuardStatus: g, Cost: fixed(g.Cost), Usual: fixed(g.Usual)}
		if _, ok := c.Team(g.Team); ok {
			x.TeamURL = "/teams/" + url.PathEscape(g.Team)
		}
		p.Guards = append(p.Guards, x)
	}
}

func rangeLabel(first, last time.Time) string {
	if first.Year() == last.Year() {
		return first.Format("Jan 2") + " – " + last.Format("Jan 2, 2006")
	}
	return first.Format("Jan 2, 2006") + " – " + last.Format("Jan 2, 2006")
}

// quickLinks are the months around the selection's last month and the
// quarters and half years that end with it.
func quickLinks(p *costPage, anchor, now time.Time) []costLink {
	cur := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	month := func(m time.Time, label string) costLink {
		return costLink{Label: label, URL: costURL(false, p.TeamName, p.ServiceName, m.Format("2006-01"), "", ""),
			Title: monthLabel(m), Current: !p.IsRange && p.MonthInput == m.Format("2006-01")}
	}
	var out []costLink
	out = append(out, month(anchor.AddDate(0, -1, 0), "← "+anchor.AddDate(0, -1, 0).Format("Jan 2006")))
	if next := anchor.AddDate(0, 1, 0); !next.After(cur) {
		out = append(out, month(next, next.Format("Jan 2006")+" →"))
	}
	if !anchor.Equal(cur) || p.IsRange {
		out = append(out, month(cur, "This month"))
	}
	for _, n := range []int{3, 6, 12} {
		from, to := anchor.AddDate(0, 1-n, 0), anchor.AddDate(0, 1, 0)
		u := costURL(false, p.TeamName, p.ServiceName, "", from.Format(time.DateOnly), to.Format(time.DateOnly))
		out = append(out, costLink{Label: fmt.Sprintf("%d months to %s", n, anchor.Format("Jan 2006")), URL: u,
			Title:   rangeLabel(from, to.AddDate(0, 0, -1)),
			Current: p.IsRange && p.FromInput == from.Format(time.DateOnly) && p.ToInput == to.Format(time.DateOnly)})
	}
	return out
}

// mainCurrency is the currency with the most effective cost: the charts'.
func mainCurrency(sets ...[]cost.Amounts) string {
	for _, set := range sets {
		best := ""
		var most decimal.Decimal
		for _, a := range set {
			if best == "" || a.Effective.GreaterThan(most) {
				best, most = a.Currency, a.Effective
			}
		}
		if best != "" {
			return best
		}
	}
	return "USD"
}

func resources(ls []cost.ResourceLine, c *catalog.Catalog) []costResource {
	out := make([]costResource, 0, len(ls))
	for _, l := range ls {
		r := costResource{ResourceLine: l, Effective: fixed(l.Effective), Billed: fixed(l.Billed)}
		if l.ResourceName != l.ResourceID {
			r.Name = l.ResourceName
		}
		if _, ok := c.Service(l.Service); ok {
			r.ServiceURL = "/services/" + url.PathEscape(l.Service)
		}
		if l.Service == "" && l.ResourceID != "" {
			v := url.Values{"resource_id": {l.ResourceID}}
			if l.SubAccount != "" {
				v.Set("account", l.SubAccount)
			}
			r.WhoURL = "/who?" + v.Encode()
		}
		out = append(out, r)
	}
	return out
}

// budgetsFor evaluates the catalog's budgets that keep selects, as of
// asOf: only those, so that a page showing one team's pays for one.
func (s *Server) budgetsFor(ctx context.Context, c *catalog.Catalog, asOf time.Time, keep func(*catalog.CostBudget) bool) ([]costBudget, error) {
	sub := *c
	sub.CostBudgets = nil
	for _, b := range c.CostBudgets {
		if keep(b) {
			sub.CostBudgets = append(sub.CostBudgets, b)
		}
	}
	if len(sub.CostBudgets) == 0 {
		return nil, nil
	}
	statuses, err := cost.Budgets(ctx, s.store, &sub, asOf)
	if err != nil {
		return nil, err
	}
	out := make([]costBudget, 0, len(statuses))
	for _, st := range statuses {
		b := costBudget{BudgetStatus: st, Amount: fixed(st.Amount), Actual: fixed(st.Forecast.Actual), MonthEnd: fixed(st.Forecast.MonthEnd)}
		if st.Team != "" {
			b.Covers, b.CoversURL = "team "+st.Team, "/teams/"+url.PathEscape(st.Team)
		} else {
			b.Covers, b.CoversURL = "service "+st.Service, "/services/"+url.PathEscape(st.Service)
		}
		switch {
		case st.ActualPercent >= 100:
			b.Level = "over"
		case st.ForecastPercent >= 100 || st.ActualPercent >= 80:
			b.Level = "warn"
		default:
			b.Level = "ok"
		}
		b.Bar = budgetGauge(st.ActualPercent, st.ForecastPercent, b.Level)
		out = append(out, b)
	}
	return out, nil
}

// budgetGauge draws spent and forecast percentages of a budget: the
// solid part is spent, the lighter part the forecast to the month's end,
// the tick 100%.
func budgetGauge(actual, forecast float64, level string) template.HTML {
	full := math.Max(100, math.Max(actual, forecast))
	x := func(p float64) float64 { return math.Max(0, math.Min(p, full)) / full * 200 }
	return template.HTML(fmt.Sprintf(`<svg class="gauge %s" viewBox="0 0 200 12" preserveAspectRatio="none" aria-hidden="true">`+
		`<rect class="track" width="200" height="12" rx="3"/><rect class="forecast" width="%.2f" height="12" rx="3"/>`+
		`<rect class="fill" width="%.2f" height="12" rx="3"/><line class="limit" x1="%.2f" x2="%.2f" y1="0" y2="12"/></svg>`,
		level, x(forecast), x(actual), x(100), x(100)))
}

func (s *Server) fillCostBudgets(ctx context.Context, p *costPage, c *catalog.Catalog, anchor, now time.Time) {
	end := anchor.AddDate(0, 1, 0)
	if !now.After(anchor) {
		return // a month still to come has no spend
	}
	asOf := now
	if lastDay := end.AddDate(0, 0, -1); lastDay.Before(now) {
		asOf = lastDay
	}
	p.BudgetsMonth = monthLabel(anchor)
	p.BudgetsURL = "/api/v1/cost/budgets?month=" + anchor.Format("2006-01")
	keep := func(b *catalog.CostBudget) bool {
		switch {
		case p.ServiceView():
			return b.Spec.Service == p.ServiceName
		case p.TeamView():
			return b.Owner(c) == p.TeamName // the team's budgets and its services'
		}
		return true
	}
	var err error
	if p.Budgets, err = s.budgetsFor(ctx, c, asOf, keep); err != nil {
		s.log.Warn("cost page: budgets", "err", err)
		p.BudgetError = "The budgets cannot be evaluated right now."
	}
}

func (s *Server) fillCostAnomalies(ctx context.Context, p *costPage, c *catalog.Catalog, end, now time.Time) {
	to := now.Truncate(24*time.Hour).AddDate(0, 0, 1)
	if end.Before(to) {
		to = end
	}
	from := to.AddDate(0, 0, -anomalyDays)
	p.AnomalyFrom, p.AnomalyTo = from.Format(time.DateOnly), to.AddDate(0, 0, -1).Format(time.DateOnly)
	p.AnomaliesURL = "/api/v1/cost/anomalies?" + url.Values{"from": {p.AnomalyFrom}, "to": {to.Format(time.DateOnly)}}.Encode()
	found, err := cost.DetectAnomalies(ctx, s.store, from, to, cost.AnomalyOptions{})
	if err != nil {
		s.log.Warn("cost page: anomalies", "err", err)
		p.AnomalyError = "Cost anomalies cannot be computed right now."
		return
	}
	for _, a := range found {
		if (p.ServiceView() && a.Service != p.ServiceName) || (p.TeamView() && a.Team != p.TeamName) {
			continue
		}
		x := costAnomaly{Anomaly: a, Cost: fixed(a.Cost), Expected: fixed(a.Expected), Excess: fixed(a.Excess)}
		if a.Expected.IsPositive() {
			x.Ratio = strconv.FormatFloat(a.Cost.Div(a.Expected).InexactFloat64(), 'f', 1, 64) + "×"
		}
		if _, ok := c.Service(a.Service); ok {
			x.ServiceURL = "/services/" + url.PathEscape(a.Service)
		}
		if len(a.TopResources) > 0 {
			t := a.TopResources[0]
			x.Top = cmp.Or(t.ResourceID, "(no resource id)")
			x.TopSub = fmt.Sprintf("%s · %s %s that day", t.ServiceName, fixed(t.Effective), t.Currency)
		}
		p.Anomalies = append(p.Anomalies, x)
	}
	// Newest first: the anomaly of yesterday matters more than last month's.
	slices.Reverse(p.Anomalies)
}

// ---- charts: server-rendered SVG bars, no script.

type costBar struct {
	Key, Label, Text, Class string
	Value                   float64
	OK                      bool // has data; no bar otherwise
}

type barChart struct {
	ID, Title, Desc string
	W, H            float64
	Bars            []costBar
	Format          func(float64) string
	// Avg, when set, is drawn as a dashed line labelled AvgLabel.
	Avg      *float64
	AvgLabel string
}

func (c barChart) render() template.HTML {
	var b strings.Builder
	esc := template.HTMLEscapeString
	left, right, top, bottom := 60.0, 14.0, 12.0, 26.0
	pw, ph := c.W-left-right, c.H-top-bottom
	lo, hi := 0.0, 0.0
	for _, bar := range c.Bars {
		if bar.OK {
			lo, hi = math.Min(lo, bar.Value), math.Max(hi, bar.Value)
		}
	}
	if hi <= lo {
		hi = lo + 1
	}
	lo, hi = niceRange(lo, hi)
	y := func(v float64) float64 { return top + (hi-v)/(hi-lo)*ph }
	fmt.Fprintf(&b, `<svg class="chart bars" id="%s" viewBox="0 0 %g %g" role="img" aria-labelledby="%s-title %s-desc">`, c.ID, c.W, c.H, c.ID, c.ID)
	fmt.Fprintf(&b, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, c.ID, esc(c.Title), c.ID, esc(c.Desc))
	fmt.Fprintf(&b, `<rect class="plot" x="%.1f" y="%.1f" width="%.1f" height="%.1f"/>`, left, top, pw, ph)
	for _, v := range niceTicks(lo, hi, 4) {
		fmt.Fprintf(&b, `<line class="grid" x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f"/>`, left, left+pw, y(v), y(v))
		fmt.Fprintf(&b, `<text class="tick" x="%.1f" y="%.1f" text-anchor="end">%s</text>`, left-6, y(v)+4, esc(c.Format(v)))
	}
	n := math.Max(1, float64(len(c.Bars)))
	slot := pw / n
	bw := math.Min(slot*0.72, 64)
	for i, bar := range c.Bars {
		cx := left + slot*(float64(i)+0.5)
		if bar.Label != "" {
			fmt.Fprintf(&b, `<text class="tick" x="%.1f" y="%.1f" text-anchor="middle">%s</text>`, cx, top+ph+17, esc(bar.Label))
		}
		if !bar.OK {
			continue
		}
		y0, yv := y(0), y(bar.Value)
		fmt.Fprintf(&b, `<g class="slot" data-key="%s"><title>%s</title>`, esc(bar.Key), esc(bar.Text))
		fmt.Fprintf(&b, `<rect class="hit" x="%.1f" y="%.1f" width="%.1f" height="%.1f"/>`, cx-slot/2, top, slot, ph)
		fmt.Fprintf(&b, `<rect class="col %s" x="%.1f" y="%.1f" width="%.1f" height="%.1f" rx="1.5"/></g>`,
			strings.TrimSpace(bar.Class+map[bool]string{true: " neg"}[bar.Value < 0]), cx-bw/2, math.Min(y0, yv), bw, math.Max(math.Abs(y0-yv), 0.75))
	}
	if lo < 0 {
		fmt.Fprintf(&b, `<line class="rule base" x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f"/>`, left, left+pw, y(0), y(0))
	}
	if c.Avg != nil {
		ay := y(*c.Avg)
		fmt.Fprintf(&b, `<line class="rule avg" x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f"/>`, left, left+pw, ay, ay)
		fmt.Fprintf(&b, `<text class="rule-label avg" x="%.1f" y="%.1f" text-anchor="end">%s</text>`, left+pw-6, ay-6, esc(c.AvgLabel))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// moneyAxis writes an axis value: 0, 250, 1.5k, 2M.
func moneyAxis(v float64) string {
	a, unit, div := math.Abs(v), "", 1.0
	switch {
	case a >= 1e6:
		unit, div = "M", 1e6
	case a >= 1e3:
		unit, div = "k", 1e3
	}
	s := strconv.FormatFloat(v/div, 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		s = "0"
	}
	return s + unit
}

// dailyChart draws the effective cost of each day of [start, end) in a
// currency.
func dailyChart(rep cost.Report, currency string, start, end time.Time) template.HTML {
	byDay := map[string]cost.Line{}
	for _, l := range rep.Daily {
		if l.Currency == currency {
			byDay[l.Key] = l
		}
	}
	days := int(end.Sub(start).Hours()/24 + 0.5)
	step := max(1, (days+9)/10)
	if days > 20 && days <= 31 {
		step = 7 // weekly labels over a month
	}
	c := barChart{ID: "cost-daily", W: 1000, H: 240, Title: "Effective cost by day (" + currency + ")", Format: moneyAxis}
	sum := decimal.Zero
	for i := 0; i < days; i++ {
		d := start.AddDate(0, 0, i)
		key := d.Format(time.DateOnly)
		bar := costBar{Key: key}
		if i%step == 0 {
			bar.Label = d.Format("Jan 2")
		}
		if l, ok := byDay[key]; ok {
			bar.OK, bar.Value = true, l.Effective.InexactFloat64()
			bar.Text = fmt.Sprintf("%s\n%s %s effective\nbilled %s · list %s", d.Format("Mon Jan 2, 2006"), fixed(l.Effective), currency, fixed(l.Billed), fixed(l.List))
			sum = sum.Add(l.Effective)
		}
		c.Bars = append(c.Bars, bar)
	}
	if len(byDay) == 0 {
		c.Desc = "No cost in " + currency + " over these days."
		return c.render()
	}
	avg := sum.Div(decimal.NewFromInt(int64(len(byDay))))
	a := avg.InexactFloat64()
	c.Avg, c.AvgLabel = &a, "average "+fixed(avg)+" "+currency+" a day"
	c.Desc = fmt.Sprintf("The effective cost of each of the %d days with data, from %s to %s; %s %s a day on average.",
		len(byDay), start.Format("Jan 2, 2006"), end.AddDate(0, 0, -1).Format("Jan 2, 2006"), fixed(avg), currency)
	return c.render()
}

// monthsChart draws the effective cost of the six months from first, the
// months of [start, end) highlighted.
func monthsChart(rep cost.Report, currency string, first, start, end time.Time) template.HTML {
	byMonth := map[string]cost.Line{}
	for _, l := range rep.ByMonth {
		if l.Currency == currency {
			byMonth[l.Key] = l
		}
	}
	c := barChart{ID: "cost-months", W: 520, H: 240, Title: "Effective cost by month (" + currency + ")", Format: moneyAxis}
	var parts []string
	for i := 0; i < 6; i++ {
		m := first.AddDate(0, i, 0)
		key := m.Format("2006-01")
		bar := costBar{Key: key, Label: m.Format("Jan 2006")}
		if i > 0 && m.Month() != time.January {
			bar.Label = m.Format("Jan")
		}
		if m.Before(end) && m.AddDate(0, 1, 0).After(start) {
			bar.Class = "sel"
		}
		if l, ok := byMonth[key]; ok {
			bar.OK, bar.Value = true, l.Effective.InexactFloat64()
			bar.Text = fmt.Sprintf("%s\n%s %s effective\nbilled %s · list %s", monthLabel(m), fixed(l.Effective), currency, fixed(l.Billed), fixed(l.List))
			parts = append(parts, fmt.Sprintf("%s: %s %s", m.Format("Jan 2006"), fixed(l.Effective), currency))
		}
		c.Bars = append(c.Bars, bar)
	}
	if len(parts) == 0 {
		c.Desc = "No cost in " + currency + " over these six months."
	} else {
		c.Desc = "Effective cost by month. " + strings.Join(parts, "; ") + "."
	}
	return c.render()
}

// ---- the team and service pages' cost section

// costSummary is what a team or service page shows of cost: this month
// to date, last month, and the budgets that cover it.
type costSummary struct {
	Link               string
	ThisMonth, Last    string // month names
	This, LastAmounts  []costTotal
	Budgets            []costBudget
	Error              string
	Nothing            bool
	ThisURL, LastURL   string
	SharedIn           bool
	SharedServiceNames []string
}

// costSummary builds the cost section of a team's (team set) or a
// service's page: two reports, this month's and last month's, and the
// budgets of that team or service only.
func (s *Server) costSummary(ctx context.Context, team, service string) costSummary {
	c := s.current().cat
	now := s.now().UTC()
	this := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	last := this.AddDate(0, -1, 0)
	out := costSummary{Link: costURL(false, team, service, "", "", ""), ThisMonth: monthLabel(this), Last: monthLabel(last),
		ThisURL: costURL(false, team, service, this.Format("2006-01"), "", ""),
		LastURL: costURL(false, team, service, last.Format("2006-01"), "", "")}
	amounts := func(from time.Time) ([]costTotal, []cost.Line, error) {
		rep, err := cost.Build(ctx, s.store, cost.ReportQuery{Team: team, Service: service, From: from, To: from.AddDate(0, 1, 0), TopResources: 1, Catalog: c})
		if err != nil {
			return nil, nil, err
		}
		var ts []costTotal
		for _, a := range rep.Totals {
			ts = append(ts, costTotal{Currency: a.Currency, Billed: fixed(a.Billed), Effective: fixed(a.Effective), List: fixed(a.List), Savings: fixed(a.Savings())})
		}
		return ts, rep.SharedIn, nil
	}
	var err error
	var sharedThis, sharedLast []cost.Line
	if out.This, sharedThis, err = amounts(this); err == nil {
		out.LastAmounts, sharedLast, err = amounts(last)
	}
	if err == nil {
		out.Budgets, err = s.budgetsFor(ctx, c, now, func(b *catalog.CostBudget) bool {
			if service != "" {
				return b.Spec.Service == service
			}
			return b.Owner(c) == team // the team's budgets and its services'
		})
	}
	if err != nil {
		who := cmp.Or(service, team)
		s.log.Warn("cost summary", "of", who, "err", err)
		out.Error = "The cost cannot be read right now."
		return out
	}
	seen := map[string]bool{}
	for _, l := range append(sharedThis, sharedLast...) {
		if !seen[l.Key] {
			seen[l.Key] = true
			out.SharedServiceNames = append(out.SharedServiceNames, l.Key)
		}
	}
	slices.Sort(out.SharedServiceNames)
	out.SharedIn = len(out.SharedServiceNames) > 0
	out.Nothing = len(out.This) == 0 && len(out.LastAmounts) == 0 && len(out.Budgets) == 0
	return out
}
