package cost

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/focus"
	"kiban.dev/kiban/internal/store"
)

// ReportQuery selects the cost a report covers.
type ReportQuery struct {
	Team, Service string
	// From and To bound the days: From <= day < To.
	From, To time.Time
	// TopResources is how many resources to list; 10 when 0.
	TopResources int
	// Catalog, when set, splits the cost of services that declare
	// spec.sharedCost among the services that share them.
	Catalog *catalog.Catalog
}

// Line is the cost of one group (a month, a provider, a category…).
type Line struct {
	Key string `json:"key"`
	Amounts
}

// ResourceLine is the cost of one resource over the report.
type ResourceLine struct {
	ResourceID   string `json:"resource_id"`
	ResourceName string `json:"resource_name,omitempty"`
	Provider     string `json:"provider"`
	SubAccount   string `json:"sub_account,omitempty"`
	ServiceName  string `json:"service_name"`
	Service      string `json:"service,omitempty"`
	Team         string `json:"team,omitempty"`
	Tagged       bool   `json:"tagged"`
	Amounts
}

// Report is the cost of a selection.
type Report struct {
	Team    string `json:"team,omitempty"`
	Service string `json:"service,omitempty"`
	From    string `json:"from"`
	To      string `json:"to"` // exclusive
	// Totals are billed, effective and list cost per currency.
	Totals            []Amounts      `json:"totals"`
	ByMonth           []Line         `json:"by_month"`
	ByTeam            []Line         `json:"by_team,omitempty"`
	ByService         []Line         `json:"by_service,omitempty"`
	ByProvider        []Line         `json:"by_provider"`
	ByServiceCategory []Line         `json:"by_service_category"`
	ByChargeCategory  []Line         `json:"by_charge_category"`
	Daily             []Line         `json:"daily"`
	TopResources      []ResourceLine `json:"top_resources"`
	// Unallocated is the cost no service claims (whole organisation
	// reports only), with its most expensive resources.
	Unallocated  []Amounts      `json:"unallocated,omitempty"`
	TopUntagged  []ResourceLine `json:"top_unallocated,omitempty"`
	Rows         int64          `json:"rows"`
	ImportedDays int            `json:"days_with_data"`
	// SharedIn is the cost the selection received from shared services
	// (spec.sharedCost), by shared service.
	SharedIn []Line `json:"shared_in,omitempty"`
}

// grouper adds amounts up per key and currency.
type grouper map[[2]string]*amountSums

func (g grouper) add(key, currency string, sums *amountSums) {
	k := [2]string{key, currency}
	a := g[k]
	if a == nil {
		a = &amountSums{}
		g[k] = a
	}
	a.addSums(sums)
}

// lines returns the groups, most effective cost first (by key when
// byKey).
func (g grouper) lines(byKey bool) []Line {
	out := make([]Line, 0, len(g))
	for k, a := range g {
		out = append(out, Line{Key: k[0], Amounts: a.amounts(k[1])})
	}
	slices.SortFunc(out, func(a, b Line) int {
		if byKey {
			return cmp.Or(strings.Compare(a.Key, b.Key), strings.Compare(a.Currency, b.Currency))
		}
		return cmp.Or(b.Effective.Cmp(a.Effective), strings.Compare(a.Key, b.Key), strings.Compare(a.Currency, b.Currency))
	})
	return out
}

func (g grouper) amounts() []Amounts {
	var out []Amounts
	for _, l := range g.lines(true) {
		out = append(out, l.Amounts)
	}
	return out
}

// resourceSum adds up the cost of one resource.
type resourceSum struct {
	line ResourceLine
	sums amountSums
}

func newResourceSum(c store.CostResource) *resourceSum {
	return &resourceSum{line: ResourceLine{ResourceID: c.ResourceID, ResourceName: c.ResourceName, Provider: c.Provider,
		SubAccount: c.SubAccount, ServiceName: c.ServiceName, Service: c.Service, Team: c.Team, Tagged: c.Tagged,
		Amounts: Amounts{Currency: c.Currency}}}
}

func (r *resourceSum) add(c store.CostResource) { r.sums.addStrings("", c.Billed, c.Effective, c.List) }

func (r *resourceSum) result() ResourceLine {
	l := r.line
	l.Amounts = r.sums.amounts(l.Currency)
	return l
}

func parse(s string) decimal.Decimal {
	d, _ := focus.ParseDecimal(s) // written by kiban: always a decimal
	return d
}

// Build reports the cost of q from the roll-ups.
func Build(ctx context.Context, st *store.Store, q ReportQuery) (Report, error) {
	if !q.From.Before(q.To) {
		return Report{}, fmt.Errorf("cost report: from %s is not before to %s", q.From.Format(time.DateOnly), q.To.Format(time.DateOnly))
	}
	sq := store.CostQuery{Team: q.Team, Service: q.Service, From: q.From.Format(time.DateOnly), To: q.To.Format(time.DateOnly)}
	var days []store.CostDaily
	var err error
	shared := sharedServices(q.Catalog)
	if len(shared) > 0 {
		// Shared cost moves between services: split it, then select.
		if days, err = sharedDays(ctx, st, sq, shared); err != nil {
			return Report{}, err
		}
		days = splitShared(days, shared, q.Catalog, q.Team, q.Service)
	} else if days, err = st.CostDays(ctx, sq); err != nil {
		return Report{}, err
	}
	r := Report{Team: q.Team, Service: q.Service, From: sq.From, To: sq.To}
	total, month, team, service, provider, category, charge, daily, unalloc :=
		grouper{}, grouper{}, grouper{}, grouper{}, grouper{}, grouper{}, grouper{}, grouper{}, grouper{}
	seen := map[string]bool{}
	sharedIn := grouper{}
	for _, d := range days {
		// Parsed once, added to every group.
		var x amountSums
		x.addStrings(d.ChargeCategory, d.Billed, d.Effective, d.List)
		if d.SharedFrom != "" {
			sharedIn.add(d.SharedFrom, d.Currency, &x)
		}
		total.add("", d.Currency, &x)
		month.add(d.Day[:7], d.Currency, &x)
		team.add(cmp.Or(d.Team, "(unallocated)"), d.Currency, &x)
		service.add(cmp.Or(d.Service, "(unallocated)"), d.Currency, &x)
		provider.add(d.Provider, d.Currency, &x)
		category.add(cmp.Or(d.ServiceCategory, "(none)"), d.Currency, &x)
		charge.add(cmp.Or(d.ChargeCategory, "(none)"), d.Currency, &x)
		daily.add(d.Day, d.Currency, &x)
		if d.Service == "" {
			unalloc.add("", d.Currency, &x)
		}
		r.Rows += d.Rows
		seen[d.Day] = true
	}
	r.ImportedDays = len(seen)
	if q.Team != "" || q.Service != "" {
		r.SharedIn = sharedIn.lines(false)
	}
	r.Totals = total.amounts()
	r.ByMonth, r.Daily = month.lines(true), daily.lines(true)
	r.ByProvider, r.ByServiceCategory, r.ByChargeCategory = provider.lines(false), category.lines(false), charge.lines(false)
	if q.Team == "" && q.Service == "" {
		r.ByTeam = team.lines(false)
		r.Unallocated = unalloc.amounts()
	}
	if q.Service == "" {
		r.ByService = service.lines(false)
	}

	// Whole months read the monthly resource roll-up; other ranges the
	// daily one.
	var resources []store.CostResource
	if q.From.Day() == 1 && q.To.Day() == 1 {
		resources, err = st.CostResourceMonths(ctx, sq)
	} else {
		resources, err = st.CostResources(ctx, sq)
	}
	if err != nil {
		return Report{}, err
	}
	top := cmp.Or(q.TopResources, 10)
	r.TopResources = topResources(resources, top, func(store.CostResource) bool { return true })
	if q.Team == "" && q.Service == "" {
		r.TopUntagged = topResources(resources, top, func(c store.CostResource) bool { return c.Service == "" })
	}
	return r, nil
}

// topResources sums resources over periods and returns the n most
// expensive (effective cost) that keep.
func topResources(rs []store.CostResource, n int, keep func(store.CostResource) bool) []ResourceLine {
	byID := map[[5]string]*resourceSum{}
	for _, c := range rs {
		if !keep(c) {
			continue
		}
		k := [5]string{c.Provider, c.ResourceID, c.ServiceName, c.Service, c.Currency}
		l := byID[k]
		if l == nil {
			l = newResourceSum(c)
			byID[k] = l
		}
		l.add(c)
	}
	out := make([]ResourceLine, 0, len(byID))
	for _, l := range byID {
		out = append(out, l.result())
	}
	slices.SortFunc(out, func(a, b ResourceLine) int {
		return cmp.Or(b.Effective.Cmp(a.Effective), strings.Compare(a.ResourceID, b.ResourceID))
	})
	return out[:min(n, len(out))]
}

// Range is the [from, to) of a report: a month (YYYY-MM; the current one
// when all are empty) or from and to days (YYYY-MM-DD, to exclusive).
func Range(month, from, to string, now time.Time) (time.Time, time.Time, error) {
	switch {
	case month != "" && (from != "" || to != ""):
		return time.Time{}, time.Time{}, errors.New("give a month, or from and to, not both")
	case from != "" || to != "":
		if from == "" || to == "" {
			return time.Time{}, time.Time{}, errors.New("from and to go together")
		}
		f, err := time.Parse(time.DateOnly, from)
		if err != nil {
			return time.Time{}, time.Time{}, fmt.Errorf("from: %q is not a day, YYYY-MM-DD", from)
		}
		t, err := time.Parse(time.DateOnly, to)
		if err != nil {
			return time.Time{}, time.Time{}, fmt.Errorf("to: %q is not a day, YYYY-MM-DD", to)
		}
		return f, t, nil
	}
	start := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	if month != "" {
		m, err := time.Parse("2006-01", month)
		if err != nil {
			return time.Time{}, time.Time{}, fmt.Errorf("month: %q is not a month, YYYY-MM", month)
		}
		start = m
	}
	return start, start.AddDate(0, 1, 0), nil
}

func sharedServices(c *catalog.Catalog) map[string]*catalog.SharedCost {
	out := map[string]*catalog.SharedCost{}
	if c == nil {
		return out
	}
	for _, s := range c.Services {
		if s.Spec.SharedCost != nil {
			out[s.Name] = s.Spec.SharedCost
		}
	}
	return out
}

// splitShared replaces each day of a shared service by its shares to the
// services that share it: even, by weights, or in proportion to each
// one's own effective cost in the same month (even when none has any).
// The last share takes the rounding remainder, so totals stay exact.
// Shares of shared services that share in turn are not split again.
//
// Only the days of team and service (when set) are returned, and shares
// that go elsewhere are not computed unless the last share needs them.
func splitShared(days []store.CostDaily, shared map[string]*catalog.SharedCost, c *catalog.Catalog, team, service string) []store.CostDaily {
	keep := func(t, s string) bool { return selects(team, service, t, s) }
	// The direct effective cost of the services that receive shares in
	// proportion to it, by month.
	proportional := map[string]bool{}
	for _, sc := range shared {
		if sc.Split == catalog.SplitProportional {
			for _, t := range sc.To {
				proportional[t] = true
			}
		}
	}
	own := map[[2]string]*total{} // month, service -> direct effective cost
	for _, d := range days {
		if _, ok := shared[d.Service]; !ok && proportional[d.Service] {
			k := [2]string{d.Day[:7], d.Service}
			t := own[k]
			if t == nil {
				t = &total{}
				own[k] = t
			}
			t.AddString(d.Effective)
		}
	}
	// The shares of a shared service in a month: its targets, their
	// teams and their fractions of the whole.
	type split struct {
		targets, teams []string
		ratios         []decimal.Decimal
	}
	splits := map[[2]string]*split{}
	splitOf := func(service, month string) *split {
		k := [2]string{service, month}
		if sp, ok := splits[k]; ok {
			return sp
		}
		targets, weights := shareWeights(shared[service], own, month)
		sum := decimal.Zero
		for _, w := range weights {
			sum = sum.Add(w)
		}
		var sp *split
		if len(targets) > 0 && sum.IsPositive() {
			sp = &split{targets: targets}
			for i, t := range targets {
				team := ""
				if svc, ok := c.Service(t); ok {
					team = svc.Spec.Owner
				}
				sp.teams = append(sp.teams, team)
				sp.ratios = append(sp.ratios, weights[i].DivRound(sum, 28))
			}
		}
		splits[k] = sp
		return sp
	}
	out := make([]store.CostDaily, 0, len(days))
	for _, d := range days {
		if _, ok := shared[d.Service]; !ok {
			if keep(d.Team, d.Service) {
				out = append(out, d)
			}
			continue
		}
		sp := splitOf(d.Service, d.Day[:7])
		if sp == nil {
			if keep(d.Team, d.Service) {
				out = append(out, d)
			}
			continue
		}
		last := len(sp.targets) - 1
		needAll := keep(cmp.Or(sp.teams[last], d.Team), sp.targets[last])
		amounts := [4]decimal.Decimal{parse(d.Billed), parse(d.Effective), parse(d.List), parse(d.Contracted)}
		var given [4]decimal.Decimal
		for i, t := range sp.targets {
			part := d
			part.Service, part.SharedFrom = t, d.Service
			if sp.teams[i] != "" {
				part.Team = sp.teams[i]
			}
			kept := keep(part.Team, part.Service)
			if !kept && !needAll {
				continue
			}
			var share [4]decimal.Decimal
			for k, a := range amounts {
				if i == len(sp.targets)-1 {
					share[k] = a.Sub(given[k])
				} else {
					share[k] = a.Mul(sp.ratios[i]).Round(10)
					if needAll {
						given[k] = given[k].Add(share[k])
					}
				}
			}
			if kept {
				part.Billed, part.Effective, part.List, part.Contracted = share[0].String(), share[1].String(), share[2].String(), share[3].String()
				out = append(out, part)
			}
		}
	}
	return out
}

// sharedDays reads the days a split of shared cost needs for the
// selection of q: its own, and those of the shared services and of the
// services they are shared with (whose own cost may weigh the shares).
func sharedDays(ctx context.Context, st *store.Store, q store.CostQuery, shared map[string]*catalog.SharedCost) ([]store.CostDaily, error) {
	if q.Team == "" && q.Service == "" {
		return st.CostDays(ctx, q)
	}
	days, err := st.CostDays(ctx, q)
	if err != nil {
		return nil, err
	}
	involved := map[string]bool{}
	for name, sc := range shared {
		involved[name] = true
		for _, t := range sc.To {
			involved[t] = true
		}
		for t := range sc.Weights {
			involved[t] = true
		}
	}
	others := q
	others.Team, others.Service, others.Services = "", "", slices.Sorted(maps.Keys(involved))
	more, err := st.CostDays(ctx, others)
	if err != nil {
		return nil, err
	}
	days = slices.Grow(days, len(more))
	for _, d := range more {
		if selects(q.Team, q.Service, d.Team, d.Service) {
			continue // read already
		}
		days = append(days, d)
	}
	return days, nil
}

func shareWeights(sc *catalog.SharedCost, own map[[2]string]*total, month string) ([]string, []decimal.Decimal) {
	switch sc.Split {
	case catalog.SplitWeights:
		targets := slices.Sorted(maps.Keys(sc.Weights))
		ws := make([]decimal.Decimal, len(targets))
		for i, t := range targets {
			ws[i] = decimal.NewFromFloat(sc.Weights[t])
		}
		return targets, ws
	case catalog.SplitProportional:
		ws := make([]decimal.Decimal, len(sc.To))
		sum := decimal.Zero
		for i, t := range sc.To {
			if o := own[[2]string{month, t}]; o != nil {
				ws[i] = decimal.Max(o.Decimal(), decimal.Zero)
			}
			sum = sum.Add(ws[i])
		}
		if sum.IsPositive() {
			return sc.To, ws
		}
	}
	ws := make([]decimal.Decimal, len(sc.To))
	for i := range ws {
		ws[i] = decimal.NewFromInt(1)
	}
	return sc.To, ws
}

// selects reports whether the cost of a team's service belongs to a
// selection of team and service (either empty: any).
func selects(team, service, costTeam, costService string) bool {
	return (team == "" || costTeam == team) && (service == "" || costService == service)
}

func selectDays(days []store.CostDaily, team, service string) []store.CostDaily {
	if team == "" && service == "" {
		return days
	}
	out := days[:0]
	for _, d := range days {
		if selects(team, service, d.Team, d.Service) {
			out = append(out, d)
		}
	}
	return out
}
