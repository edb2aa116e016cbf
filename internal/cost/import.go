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

// add adds one row's or roll-up's amounts.
func (a *Amounts) add(charge string, billed, effective, list decimal.Decimal) {
	a.Billed = a.Billed.Add(billed)
	a.Effective = a.Effective.Add(effective)
	a.List = a.List.Add(list)
	if charge == "Usage" {
		a.Saved = a.Saved.Add(list.Sub(effective))
	}
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

type dailyKey struct {
	provider, account, period, day, service, team, serviceCategory, chargeCategory, currency string
}

type resourceKey struct {
	provider, account, period, day, resource, subAccount, service, serviceName, currency string
}

type commitmentKey struct {
	provider, account, period, id, name, kind, category, status, charge, serviceCategory, currency string
}

type sums struct {
	billed, effective, list, contracted decimal.Decimal
	rows                                int64
}

func (s *sums) add(r *focus.Row) {
	s.billed = s.billed.Add(r.BilledCost)
	s.effective = s.effective.Add(r.EffectiveCost)
	s.list = s.list.Add(r.ListCost)
	s.contracted = s.contracted.Add(r.ContractedCost)
	s.rows++
}

type resourceSums struct {
	sums
	name, serviceCategory, team string
	tagged                      bool
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
	res := Result{Source: opts.Source, Format: rd.Format(), Allocated: map[string]int{}, Extra: rd.Extra()}
	daily := map[dailyKey]*sums{}
	resources := map[resourceKey]*resourceSums{}
	allocs := map[string]allocation{}
	commitments := map[commitmentKey]*sums{}
	periods := map[store.CostPeriod]bool{}
	totals := map[string]*Amounts{}
	var key strings.Builder
	var raw []store.CostRow
	keepFrom := ""
	if opts.KeepRawDays > 0 {
		now := opts.Now
		if now.IsZero() {
			now = time.Now()
		}
		keepFrom = now.UTC().AddDate(0, 0, -opts.KeepRawDays).Format(time.DateOnly)
	}
	for {
		if err := ctx.Err(); err != nil {
			return Result{}, err
		}
		row, err := rd.Next()
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
		period := store.CostPeriod{Provider: row.ProviderName, BillingAccount: row.BillingAccountID,
			BillingPeriod: row.BillingPeriodStart.UTC().Format(time.DateOnly)}
		periods[period] = true

		key.Reset()
		key.WriteString(row.SubAccountID)
		key.WriteByte(0)
		key.WriteString(row.BillingAccountID)
		key.WriteByte(0)
		key.WriteString(row.ResourceID)
		key.WriteByte(0)
		key.WriteString(row.Tags)
		a, ok := allocs[key.String()]
		if !ok {
			a = allocate(opts.Resolver, row)
			allocs[key.String()] = a
		}
		if a.rule == "" {
			res.Allocated["unallocated"]++
		} else {
			res.Allocated[a.rule]++
		}

		day := row.ChargePeriodStart.UTC().Format(time.DateOnly)
		dk := dailyKey{period.Provider, period.BillingAccount, period.BillingPeriod, day,
			a.service, a.team, row.ServiceCategory, row.ChargeCategory, row.BillingCurrency}
		d := daily[dk]
		if d == nil {
			d = &sums{}
			daily[dk] = d
		}
		d.add(row)
		rk := resourceKey{period.Provider, period.BillingAccount, period.BillingPeriod, day, row.ResourceID, row.SubAccountID,
			a.service, row.ServiceName, row.BillingCurrency}
		rs := resources[rk]
		if rs == nil {
			rs = &resourceSums{name: row.ResourceName, serviceCategory: row.ServiceCategory, team: a.team, tagged: a.tagged}
			resources[rk] = rs
		}
		rs.add(row)
		if keepFrom != "" && day >= keepFrom {
			raw = append(raw, store.CostRow{CostPeriod: period, Line: row.Line, Day: day, SubAccount: row.SubAccountID,
				ResourceID: strings.Clone(row.ResourceID), ServiceName: row.ServiceName, ServiceCategory: row.ServiceCategory,
				ChargeCategory: row.ChargeCategory, ChargeDescription: row.ChargeDescription, Currency: row.BillingCurrency,
				Billed: row.BilledCost.String(), Effective: row.EffectiveCost.String(), List: row.ListCost.String(),
				Tags: strings.Clone(row.Tags), Service: a.service, Team: a.team})
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
			t = &Amounts{Currency: row.BillingCurrency}
			totals[row.BillingCurrency] = t
		}
		t.add(row.ChargeCategory, row.BilledCost, row.EffectiveCost, row.ListCost)
	}
	res.Tolerated = rd.Tolerated()
	for p := range periods {
		res.Periods = append(res.Periods, p)
	}
	slices.SortFunc(res.Periods, func(a, b store.CostPeriod) int {
		return strings.Compare(a.Provider+a.BillingAccount+a.BillingPeriod, b.Provider+b.BillingAccount+b.BillingPeriod)
	})
	for _, t := range totals {
		res.Totals = append(res.Totals, *t)
	}
	slices.SortFunc(res.Totals, func(a, b Amounts) int { return strings.Compare(a.Currency, b.Currency) })

	dailyRows := make([]store.CostDaily, 0, len(daily))
	for k, s := range daily {
		dailyRows = append(dailyRows, store.CostDaily{
			CostPeriod: store.CostPeriod{Provider: k.provider, BillingAccount: k.account, BillingPeriod: k.period},
			Day:        k.day, Service: k.service, Team: k.team, ServiceCategory: k.serviceCategory, ChargeCategory: k.chargeCategory,
			Currency: k.currency, Billed: s.billed.String(), Effective: s.effective.String(), List: s.list.String(),
			Contracted: s.contracted.String(), Rows: s.rows})
	}
	resourceRows := make([]store.CostResource, 0, len(resources))
	for k, s := range resources {
		resourceRows = append(resourceRows, store.CostResource{
			CostPeriod: store.CostPeriod{Provider: k.provider, BillingAccount: k.account, BillingPeriod: k.period},
			Day:        k.day, ResourceID: k.resource, ResourceName: s.name, SubAccount: k.subAccount, Service: k.service, Team: s.team,
			ServiceName: k.serviceName, ServiceCategory: s.serviceCategory, Tagged: s.tagged, Currency: k.currency,
			Billed: s.billed.String(), Effective: s.effective.String(), List: s.list.String(), Rows: s.rows})
	}
	commitmentRows := make([]store.CostCommitment, 0, len(commitments))
	for k, s := range commitments {
		commitmentRows = append(commitmentRows, store.CostCommitment{
			CostPeriod:   store.CostPeriod{Provider: k.provider, BillingAccount: k.account, BillingPeriod: k.period},
			CommitmentID: k.id, CommitmentName: k.name, CommitmentType: k.kind, CommitmentCategory: k.category, Status: k.status,
			ChargeCategory: k.charge, ServiceCategory: k.serviceCategory, Currency: k.currency,
			Billed: s.billed.String(), Effective: s.effective.String(), List: s.list.String(), Rows: s.rows})
	}
	// The same per resource and month, for reports over whole months.
	months := map[resourceKey]*store.CostResource{}
	monthSums := map[resourceKey]*sums{}
	for _, r := range resourceRows {
		k := resourceKey{r.Provider, r.BillingAccount, r.BillingPeriod, "", r.ResourceID, r.SubAccount, r.Service, r.ServiceName, r.Currency}
		if months[k] == nil {
			m := r
			m.Day = ""
			months[k], monthSums[k] = &m, &sums{}
		}
		ms := monthSums[k]
		ms.billed = ms.billed.Add(parse(r.Billed))
		ms.effective = ms.effective.Add(parse(r.Effective))
		ms.list = ms.list.Add(parse(r.List))
		ms.rows += r.Rows
	}
	monthRows := make([]store.CostResource, 0, len(months))
	for k, m := range months {
		s := monthSums[k]
		m.Billed, m.Effective, m.List, m.Rows = s.billed.String(), s.effective.String(), s.list.String(), s.rows
		monthRows = append(monthRows, *m)
	}
	slices.SortFunc(monthRows, func(a, b store.CostResource) int {
		return cmp.Or(strings.Compare(a.Provider, b.Provider), strings.Compare(a.BillingAccount, b.BillingAccount),
			strings.Compare(a.BillingPeriod, b.BillingPeriod), strings.Compare(a.ResourceID, b.ResourceID),
			strings.Compare(a.SubAccount, b.SubAccount), strings.Compare(a.Service, b.Service),
			strings.Compare(a.ServiceName, b.ServiceName), strings.Compare(a.Currency, b.Currency))
	})
	// Rows in key order make the tables' B-trees grow at their end
	// instead of splitting pages all over.
	slices.SortFunc(dailyRows, func(a, b store.CostDaily) int {
		return cmp.Or(strings.Compare(a.Provider, b.Provider), strings.Compare(a.BillingAccount, b.BillingAccount),
			strings.Compare(a.BillingPeriod, b.BillingPeriod), strings.Compare(a.Day, b.Day), strings.Compare(a.Service, b.Service),
			strings.Compare(a.Team, b.Team), strings.Compare(a.ServiceCategory, b.ServiceCategory),
			strings.Compare(a.ChargeCategory, b.ChargeCategory), strings.Compare(a.Currency, b.Currency))
	})
	slices.SortFunc(resourceRows, func(a, b store.CostResource) int {
		return cmp.Or(strings.Compare(a.Provider, b.Provider), strings.Compare(a.BillingAccount, b.BillingAccount),
			strings.Compare(a.BillingPeriod, b.BillingPeriod), strings.Compare(a.Day, b.Day), strings.Compare(a.ResourceID, b.ResourceID),
			strings.Compare(a.SubAccount, b.SubAccount), strings.Compare(a.Service, b.Service),
			strings.Compare(a.ServiceName, b.ServiceName), strings.Compare(a.Currency, b.Currency))
	})
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
			store.CostData{Daily: dailyRows, Resources: resourceRows, ResourceMonths: monthRows, Commitments: commitmentRows, Rows: raw})
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
