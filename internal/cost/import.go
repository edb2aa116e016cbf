// Package cost imports billing exports and reports cost by the catalog's
// ownership: every row of a FOCUS export is allocated to a service (and
// its team) by the resource rules the Services declare, rolled up per day
// and per resource, and reported per team and service. Money is exact
// decimal throughout.
package cost

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"kiban.dev/kiban/internal/billconv"
	"kiban.dev/kiban/internal/focus"
	"kiban.dev/kiban/internal/ownership"
	"kiban.dev/kiban/internal/store"
)

// Options tune an import.
type Options struct {
	// Source names the file, for the import record and errors.
	Source string
	// Actor is who imports, for the audit log.
	Actor string
	// SkipBadRows imports the good rows of a file with malformed ones and
	// lists the bad; without it a malformed row fails the whole import.
	SkipBadRows bool
	// Resolver allocates rows to services.
	Resolver *ownership.Resolver
	// KeepRawDays keeps the raw rows of the last that many days (before
	// Now) beside the roll-ups, and prunes older ones; 0 keeps none.
	KeepRawDays int
	// Now is the import's time for KeepRawDays; zero means time.Now.
	Now time.Time
}

// Amounts are the costs of a selection in one currency.
type Amounts struct {
	Currency  string          `json:"currency"`
	Billed    decimal.Decimal `json:"billed"`
	Effective decimal.Decimal `json:"effective"`
	List      decimal.Decimal `json:"list"`
	// Saved is list minus effective cost of usage rows only: a
	// commitment's purchase rows carry a list cost whose usage rows
	// already count it, so including them would count savings twice.
	Saved decimal.Decimal `json:"savings"`
}

// Savings is what list prices would have cost more than the effective
// cost of usage: negotiated and commitment discounts.
func (a Amounts) Savings() decimal.Decimal { return a.Saved }

// amountSums adds up Amounts exactly without allocating.
type amountSums struct {
	billed, effective, list, saved total
}

// add adds one row's amounts.
func (a *amountSums) add(charge string, billed, effective, list decimal.Decimal) {
	a.billed.Add(billed)
	a.effective.Add(effective)
	a.list.Add(list)
	if charge == "Usage" {
		a.saved.Add(list)
		a.saved.Add(effective.Neg())
	}
}

// addStrings adds a roll-up's amounts, written as decimal text.
func (a *amountSums) addStrings(charge, billed, effective, list string) {
	a.billed.AddString(billed)
	a.effective.AddString(effective)
	a.list.AddString(list)
	if charge == "Usage" {
		a.saved.AddString(list)
		a.saved.SubString(effective)
	}
}

// addSums adds other sums.
func (a *amountSums) addSums(o *amountSums) {
	a.billed.AddTotal(o.billed)
	a.effective.AddTotal(o.effective)
	a.list.AddTotal(o.list)
	a.saved.AddTotal(o.saved)
}

func (a *amountSums) amounts(currency string) Amounts {
	return Amounts{Currency: currency, Billed: a.billed.Decimal(), Effective: a.effective.Decimal(), List: a.list.Decimal(),
		Saved: a.saved.Decimal()}
}

// Result says what an import did.
type Result struct {
	ImportID int64              `json:"import_id"`
	Source   string             `json:"source"`
	Format   string             `json:"format"`
	Rows     int                `json:"rows"`
	Skipped  int                `json:"skipped"`
	Periods  []store.CostPeriod `json:"periods"`
	Totals   []Amounts          `json:"totals"`
	// Allocated counts rows by the rule that allocated them (resourceId,
	// tags, account) and "unallocated".
	Allocated map[string]int    `json:"allocated"`
	Tolerated []focus.Tolerance `json:"tolerated"`
	Extra     []string          `json:"extra_columns,omitempty"`
	BadRows   []string          `json:"bad_rows,omitempty"`
}

// ErrBadFile marks a file that cannot be read as a FOCUS export (a
// missing column, a broken gzip stream); the message says why.
var ErrBadFile = errors.New("not a readable FOCUS export")

// MaxBadRows bounds the bad rows a result lists.
const MaxBadRows = 100

// ImportError is an import refused because of a malformed row.
type ImportError struct {
	Source string
	Err    *focus.RowError
}

func (e *ImportError) Error() string {
	return fmt.Sprintf("%s: %v; nothing was imported (fix the file, or import the good rows with --skip-bad-rows)", e.Source, e.Err)
}

func (e *ImportError) Unwrap() error { return e.Err }

// unixDay is a UTC day as days since 1970-01-01.
type unixDay int32

func dayOf(t time.Time) unixDay {
	u := t.Unix()
	d := u / 86400
	if u < 0 && u%86400 != 0 {
		d--
	}
	return unixDay(d)
}

func (d unixDay) String() string { return time.Unix(int64(d)*86400, 0).UTC().Format(time.DateOnly) }

type dailyKey struct {
	provider, account, period, service, team, serviceCategory, chargeCategory, currency string
	day                                                                                 unixDay
}

type resourceKey struct {
	provider, account, period, resource, subAccount, service, serviceName, currency string
}

// compareResourceKeys orders resources as the tables of cost per
// resource are keyed.
func compareResourceKeys(a, b resourceKey) int {
	return cmp.Or(strings.Compare(a.provider, b.provider), strings.Compare(a.account, b.account),
		strings.Compare(a.period, b.period), strings.Compare(a.resource, b.resource),
		strings.Compare(a.subAccount, b.subAccount), strings.Compare(a.service, b.service),
		strings.Compare(a.serviceName, b.serviceName), strings.Compare(a.currency, b.currency))
}

type commitmentKey struct {
	provider, account, period, id, name, kind, category, status, charge, serviceCategory, currency string
}

type sums struct {
	billed, effective, list, contracted total
	rows                                int64
}

func (s *sums) add(r *focus.Row) {
	s.billed.Add(r.BilledCost)
	s.effective.Add(r.EffectiveCost)
	s.list.Add(r.ListCost)
	s.contracted.Add(r.ContractedCost)
	s.rows++
}

// resourceSums is a resource's cost in a billing period and per day.
type resourceSums struct {
	month                       sums
	days                        []daySums
	name, serviceCategory, team string
	tagged                      bool
}

type daySums struct {
	sums
	day unixDay
}

// day returns the sums of day d, adding them when new. Rows of a
// resource mostly come in day order, so the last day is tried first.
func (r *resourceSums) day(d unixDay) *sums {
	if n := len(r.days); n > 0 && r.days[n-1].day == d {
		return &r.days[n-1].sums
	}
	for i := range r.days {
		if r.days[i].day == d {
			return &r.days[i].sums
		}
	}
	r.days = append(r.days, daySums{day: d})
	return &r.days[len(r.days)-1].sums
}

// allocation is where rows of one resource go.
type allocation struct {
	service, team, rule string
	tagged              bool
}

// Import reads one billing export from r (FOCUS, or a native AWS, Azure,
// GCP or OCI export converted to FOCUS rows), allocates its rows and replaces
// the cost of the billing periods it covers, in one transaction with its
// audit entry. A malformed row fails the import with an *ImportError and
// changes nothing, unless opts.SkipBadRows.
func Import(ctx context.Context, st *store.Store, r io.Reader, opts Options) (Result, error) {
	rd, err := billconv.NewReader(r)
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w: %w", opts.Source, ErrBadFile, err)
	}
	if c, ok := rd.(io.Closer); ok { // a Parquet export spooled to a file
		defer c.Close()
	}
	res := Result{Source: opts.Source, Format: rd.Format(), Allocated: map[string]int{}, Extra: rd.Extra()}
	daily := map[dailyKey]*sums{}
	resources := map[resourceKey]*resourceSums{}
	allocs := map[string]allocation{}
	commitments := map[commitmentKey]*sums{}
	periods := map[store.CostPeriod]bool{}
	totals := map[string]*amountSums{}
	var key []byte
	var raw []store.CostRow
	keepFrom := ""
	if opts.KeepRawDays > 0 {
		now := opts.Now
		if now.IsZero() {
			now = time.Now()
		}
		keepFrom = now.UTC().AddDate(0, 0, -opts.KeepRawDays).Format(time.DateOnly)
	}
	var lastPeriodStart time.Time
	lastPeriod := ""
	next, stop, wait := readAhead(rd)
	defer stop()
	for {
		if err := ctx.Err(); err != nil {
			return Result{}, err
		}
		row, err := next()
		if errors.Is(err, io.EOF) {
			break
		}
		var rowErr *focus.RowError
		if errors.As(err, &rowErr) {
			if !opts.SkipBadRows {
				return Result{}, &ImportError{Source: opts.Source, Err: rowErr}
			}
			res.Skipped++
			if len(res.BadRows) < MaxBadRows {
				res.BadRows = append(res.BadRows, rowErr.Error())
			}
			continue
		}
		if err != nil {
			return Result{}, fmt.Errorf("%s: %w: %w", opts.Source, ErrBadFile, err)
		}
		res.Rows++
		if lastPeriod == "" || !row.BillingPeriodStart.Equal(lastPeriodStart) {
			lastPeriodStart, lastPeriod = row.BillingPeriodStart, row.BillingPeriodStart.UTC().Format(time.DateOnly)
		}
		period := store.CostPeriod{Provider: row.ProviderName, BillingAccount: row.BillingAccountID, BillingPeriod: lastPeriod}
		periods[period] = true

		key = append(key[:0], row.SubAccountID...)
		key = append(key, 0)
		key = append(key, row.BillingAccountID...)
		key = append(key, 0)
		key = append(key, row.ResourceID...)
		key = append(key, 0)
		key = append(key, row.Tags...)
		a, ok := allocs[string(key)]
		if !ok {
			a = allocate(opts.Resolver, row)
			allocs[string(key)] = a
		}
		if a.rule == "" {
			res.Allocated["unallocated"]++
		} else {
			res.Allocated[a.rule]++
		}

		rowDay := dayOf(row.ChargePeriodStart)
		dk := dailyKey{period.Provider, period.BillingAccount, period.BillingPeriod,
			a.service, a.team, row.ServiceCategory, row.ChargeCategory, row.BillingCurrency, rowDay}
		d := daily[dk]
		if d == nil {
			d = &sums{}
			daily[dk] = d
		}
		d.add(row)
		rk := resourceKey{period.Provider, period.BillingAccount, period.BillingPeriod, row.ResourceID, row.SubAccountID,
			a.service, row.ServiceName, row.BillingCurrency}
		rs := resources[rk]
		if rs == nil {
			// The reader's resource strings share memory with the whole
			// line: keep copies.
			rk.resource = strings.Clone(rk.resource)
			rs = &resourceSums{name: strings.Clone(row.ResourceName), serviceCategory: row.ServiceCategory, team: a.team, tagged: a.tagged}
			resources[rk] = rs
		}
		rs.month.add(row)
		rs.day(rowDay).add(row)
		if keepFrom != "" {
			if day := row.ChargePeriodStart.UTC().Format(time.DateOnly); day >= keepFrom {
				raw = append(raw, store.CostRow{CostPeriod: period, Line: row.Line, Day: day, SubAccount: row.SubAccountID,
					ResourceID: strings.Clone(row.ResourceID), ServiceName: row.ServiceName, ServiceCategory: row.ServiceCategory,
					ChargeCategory: row.ChargeCategory, ChargeDescription: row.ChargeDescription, Currency: row.BillingCurrency,
					Billed: row.BilledCost.String(), Effective: row.EffectiveCost.String(), List: row.ListCost.String(),
					Tags: strings.Clone(row.Tags), Service: a.service, Team: a.team})
			}
		}
		if row.CommitmentDiscountID != "" {
			ck := commitmentKey{period.Provider, period.BillingAccount, period.BillingPeriod, row.CommitmentDiscountID,
				row.CommitmentDiscountName, row.CommitmentDiscountType, row.CommitmentDiscountCategory, row.CommitmentDiscountStatus,
				row.ChargeCategory, row.ServiceCategory, row.BillingCurrency}
			cs := commitments[ck]
			if cs == nil {
				cs = &sums{}
				commitments[ck] = cs
			}
			cs.add(row)
		}
		t := totals[row.BillingCurrency]
		if t == nil {
			t = &amountSums{}
			totals[row.BillingCurrency] = t
		}
		t.add(row.ChargeCategory, row.BilledCost, row.EffectiveCost, row.ListCost)
	}
	wait()
	res.Tolerated = rd.Tolerated()
	for p := range periods {
		res.Periods = append(res.Periods, p)
	}
	slices.SortFunc(res.Periods, func(a, b store.CostPeriod) int {
		return strings.Compare(a.Provider+a.BillingAccount+a.BillingPeriod, b.Provider+b.BillingAccount+b.BillingPeriod)
	})
	for currency, t := range totals {
		res.Totals = append(res.Totals, t.amounts(currency))
	}
	slices.SortFunc(res.Totals, func(a, b Amounts) int { return strings.Compare(a.Currency, b.Currency) })

	days := map[unixDay]string{}
	dayString := func(d unixDay) string {
		s, ok := days[d]
		if !ok {
			s = d.String()
			days[d] = s
		}
		return s
	}
	dailyRows := make([]store.CostDaily, 0, len(daily))
	for k, s := range daily {
		dailyRows = append(dailyRows, store.CostDaily{
			CostPeriod: store.CostPeriod{Provider: k.provider, BillingAccount: k.account, BillingPeriod: k.period},
			Day:        dayString(k.day), Service: k.service, Team: k.team, ServiceCategory: k.serviceCategory, ChargeCategory: k.chargeCategory,
			Currency: k.currency, Billed: s.billed.String(), Effective: s.effective.String(), List: s.list.String(),
			Contracted: s.contracted.String(), Rows: s.rows})
	}
	// Rows in key order make the tables' B-trees grow at their end
	// instead of splitting pages all over.
	resourceKeys := slices.SortedFunc(maps.Keys(resources), compareResourceKeys)
	monthRows := make([]store.CostResourceMonth, 0, len(resources))
	for _, k := range resourceKeys {
		s := resources[k]
		slices.SortFunc(s.days, func(a, b daySums) int { return cmp.Compare(a.day, b.day) })
		m := store.CostResourceMonth{CostResource: store.CostResource{
			CostPeriod: store.CostPeriod{Provider: k.provider, BillingAccount: k.account, BillingPeriod: k.period},
			ResourceID: k.resource, ResourceName: s.name, SubAccount: k.subAccount, Service: k.service, Team: s.team,
			ServiceName: k.serviceName, ServiceCategory: s.serviceCategory, Tagged: s.tagged, Currency: k.currency,
			Billed: s.month.billed.String(), Effective: s.month.effective.String(), List: s.month.list.String(), Rows: s.month.rows},
			Days: make([]store.CostDay, len(s.days))}
		for i, d := range s.days {
			m.Days[i] = store.CostDay{Day: dayString(d.day), Billed: d.billed.String(), Effective: d.effective.String(),
				List: d.list.String(), Rows: d.rows}
		}
		monthRows = append(monthRows, m)
	}
	commitmentRows := make([]store.CostCommitment, 0, len(commitments))
	for k, s := range commitments {
		commitmentRows = append(commitmentRows, store.CostCommitment{
			CostPeriod:   store.CostPeriod{Provider: k.provider, BillingAccount: k.account, BillingPeriod: k.period},
			CommitmentID: k.id, CommitmentName: k.name, CommitmentType: k.kind, CommitmentCategory: k.category, Status: k.status,
			ChargeCategory: k.charge, ServiceCategory: k.serviceCategory, Currency: k.currency,
			Billed: s.billed.String(), Effective: s.effective.String(), List: s.list.String(), Rows: s.rows})
	}
	totalsJSON, err := json.Marshal(res.Totals)
	if err != nil {
		return Result{}, err
	}
	toleratedJSON, err := json.Marshal(res.Tolerated)
	if err != nil {
		return Result{}, err
	}
	err = st.InTx(ctx, func(tx *store.Tx) error {
		id, err := tx.ImportCost(ctx, store.CostImport{Source: opts.Source, Format: res.Format, Periods: res.Periods,
			Rows: int64(res.Rows), Skipped: int64(res.Skipped), Totals: totalsJSON, Tolerated: toleratedJSON, Actor: opts.Actor},
			store.CostData{Daily: dailyRows, ResourceMonths: monthRows, Commitments: commitmentRows, Rows: raw})
		if err != nil {
			return err
		}
		if keepFrom != "" {
			if _, err := tx.PruneCostRows(ctx, keepFrom); err != nil {
				return err
			}
		}
		res.ImportID = id
		after, _ := json.Marshal(map[string]any{"source": opts.Source, "rows": res.Rows, "skipped": res.Skipped,
			"periods": res.Periods, "totals": res.Totals})
		return tx.RecordAudit(ctx, store.AuditEntry{Actor: opts.Actor, Action: "cost.import",
			Target: fmt.Sprintf("cost_import/%d", id), After: after})
	})
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", opts.Source, err)
	}
	return res, nil
}

// allocate finds the service of a row's resource: by resource id, then
// tags, then the sub-account (AWS usage account, Azure subscription, GCP
// project), then the billing account; see [ownership.Resolver.Resource].
func allocate(res *ownership.Resolver, row *focus.Row) allocation {
	tags, _ := focus.ParseTags(row.Tags)
	a := allocation{tagged: len(tags) > 0}
	if res == nil {
		return a
	}
	for _, account := range []string{row.SubAccountID, row.BillingAccountID} {
		m, ok := res.Resource(ownership.Resource{Account: account, Tags: tags, ID: row.ResourceID})
		if ok {
			a.service, a.team, a.rule = m.Service, m.Team, m.Rule
			return a
		}
		if row.SubAccountID == row.BillingAccountID {
			break
		}
	}
	return a
}

// ResourceMonths groups the cost of resources per day into the shape
// [store.Tx.ImportCost] writes: per resource and billing period, with the
// period's sums and its days in order. Imports build it themselves; it
// serves callers that write roll-ups of their own.
func ResourceMonths(days []store.CostResource) []store.CostResourceMonth {
	type group struct {
		m    store.CostResourceMonth
		sums [3]total
	}
	groups := map[resourceKey]*group{}
	for _, r := range days {
		k := resourceKey{r.Provider, r.BillingAccount, r.BillingPeriod, r.ResourceID, r.SubAccount, r.Service, r.ServiceName, r.Currency}
		g := groups[k]
		if g == nil {
			g = &group{m: store.CostResourceMonth{CostResource: r}}
			g.m.Day, g.m.Rows = "", 0
			groups[k] = g
		}
		g.sums[0].AddString(r.Billed)
		g.sums[1].AddString(r.Effective)
		g.sums[2].AddString(r.List)
		g.m.Rows += r.Rows
		g.m.Days = append(g.m.Days, store.CostDay{Day: r.Day, Billed: r.Billed, Effective: r.Effective, List: r.List, Rows: r.Rows})
	}
	out := make([]store.CostResourceMonth, 0, len(groups))
	for _, k := range slices.SortedFunc(maps.Keys(groups), compareResourceKeys) {
		g := groups[k]
		g.m.Billed, g.m.Effective, g.m.List = g.sums[0].String(), g.sums[1].String(), g.sums[2].String()
		slices.SortFunc(g.m.Days, func(a, b store.CostDay) int { return strings.Compare(a.Day, b.Day) })
		out = append(out, g.m)
	}
	return out
}
