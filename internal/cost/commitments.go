package cost

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"kiban.dev/kiban/internal/store"
)

// CommitmentUse is one commitment discount (a Savings Plan, a reservation)
// in one month: what was bought, what it covered and what went unused.
type CommitmentUse struct {
	Provider string `json:"provider"`
	Month    string `json:"month"` // YYYY-MM, the billing period
	ID       string `json:"commitment_id"`
	Name     string `json:"name,omitempty"`
	Type     string `json:"type,omitempty"`
	Category string `json:"category,omitempty"` // Spend or Usage
	Currency string `json:"currency"`
	// Purchased is the billed cost of its purchase rows; Used and Unused
	// are the effective cost of the usage it covered and of the
	// commitment left unused.
	Purchased decimal.Decimal `json:"purchased"`
	Used      decimal.Decimal `json:"used"`
	Unused    decimal.Decimal `json:"unused"`
	// Utilization is Used / (Used + Unused); nil without either.
	Utilization *float64 `json:"utilization"`
}

// Coverage is how much of a provider's usage, in the service categories
// commitments apply to, commitments covered in one month.
type Coverage struct {
	Provider string `json:"provider"`
	Month    string `json:"month"`
	Currency string `json:"currency"`
	// Covered is the effective cost of usage covered by commitments;
	// OnDemand the effective cost of the other usage of the same service
	// categories.
	Covered  decimal.Decimal `json:"covered"`
	OnDemand decimal.Decimal `json:"on_demand"`
	Coverage *float64        `json:"coverage"`
	// Utilization is used / (used + unused) over all its commitments.
	Utilization *float64 `json:"utilization"`
	// ServiceCategories are the categories commitments applied to.
	ServiceCategories []string `json:"service_categories"`
}

// CommitmentReport is commitment use and coverage over a range of months.
type CommitmentReport struct {
	From        string          `json:"from"`
	To          string          `json:"to"`
	Commitments []CommitmentUse `json:"commitments"`
	Coverage    []Coverage      `json:"coverage"`
}

// Commitment statuses of FOCUS (CommitmentDiscountStatus).
const (
	statusUsed   = "Used"
	statusUnused = "Unused"
)

func ratio(num, den decimal.Decimal) *float64 {
	if !den.IsPositive() {
		return nil
	}
	f, _ := num.Div(den).Round(4).Float64()
	return &f
}

// Commitments reports commitment utilisation and coverage for the billing
// periods that start in [from, to), from FOCUS's CommitmentDiscount
// columns: Used and Unused rows give utilisation; usage of the same
// service categories without a commitment is on demand.
func Commitments(ctx context.Context, st *store.Store, from, to time.Time) (CommitmentReport, error) {
	r := CommitmentReport{From: from.Format(time.DateOnly), To: to.Format(time.DateOnly), Commitments: []CommitmentUse{}, Coverage: []Coverage{}}
	rows, err := st.CostCommitments(ctx, r.From, r.To)
	if err != nil {
		return CommitmentReport{}, err
	}
	type covKey struct{ provider, month, currency string }
	type cov struct {
		used, unused map[string]decimal.Decimal // by service category
	}
	uses := map[[4]string]*CommitmentUse{}
	covs := map[covKey]*cov{}
	for _, c := range rows {
		month := c.BillingPeriod[:7]
		k := [4]string{c.Provider, month, c.CommitmentID, c.Currency}
		u := uses[k]
		if u == nil {
			u = &CommitmentUse{Provider: c.Provider, Month: month, ID: c.CommitmentID, Currency: c.Currency}
			uses[k] = u
		}
		u.Name, u.Type, u.Category = cmp.Or(u.Name, c.CommitmentName), cmp.Or(u.Type, c.CommitmentType), cmp.Or(u.Category, c.CommitmentCategory)
		ck := covKey{c.Provider, month, c.Currency}
		v := covs[ck]
		if v == nil {
			v = &cov{used: map[string]decimal.Decimal{}, unused: map[string]decimal.Decimal{}}
			covs[ck] = v
		}
		e := parse(c.Effective)
		switch {
		case c.ChargeCategory == "Purchase":
			u.Purchased = u.Purchased.Add(parse(c.Billed))
		case c.Status == statusUsed:
			u.Used = u.Used.Add(e)
			v.used[c.ServiceCategory] = v.used[c.ServiceCategory].Add(e)
		case c.Status == statusUnused:
			u.Unused = u.Unused.Add(e)
			v.unused[c.ServiceCategory] = v.unused[c.ServiceCategory].Add(e)
		}
	}
	for _, u := range uses {
		u.Utilization = ratio(u.Used, u.Used.Add(u.Unused))
		r.Commitments = append(r.Commitments, *u)
	}
	slices.SortFunc(r.Commitments, func(a, b CommitmentUse) int {
		return cmp.Or(strings.Compare(a.Month, b.Month), strings.Compare(a.Provider, b.Provider), strings.Compare(a.ID, b.ID))
	})

	days, err := st.CostDays(ctx, store.CostQuery{From: r.From, To: to.AddDate(0, 1, 0).Format(time.DateOnly)})
	if err != nil {
		return CommitmentReport{}, err
	}
	usage := map[covKey]map[string]decimal.Decimal{}
	for _, d := range days {
		if d.ChargeCategory != "Usage" || d.BillingPeriod < r.From || d.BillingPeriod >= r.To {
			continue
		}
		k := covKey{d.Provider, d.BillingPeriod[:7], d.Currency}
		if usage[k] == nil {
			usage[k] = map[string]decimal.Decimal{}
		}
		usage[k][d.ServiceCategory] = usage[k][d.ServiceCategory].Add(parse(d.Effective))
	}
	for k, v := range covs {
		c := Coverage{Provider: k.provider, Month: k.month, Currency: k.currency, ServiceCategories: []string{}}
		var used, unused decimal.Decimal
		for cat := range mergeKeys(v.used, v.unused) {
			c.ServiceCategories = append(c.ServiceCategories, cat)
			c.Covered = c.Covered.Add(v.used[cat])
			used, unused = used.Add(v.used[cat]), unused.Add(v.unused[cat])
			onDemand := usage[k][cat].Sub(v.used[cat]).Sub(v.unused[cat])
			if onDemand.IsPositive() {
				c.OnDemand = c.OnDemand.Add(onDemand)
			}
		}
		slices.Sort(c.ServiceCategories)
		c.Coverage = ratio(c.Covered, c.Covered.Add(c.OnDemand))
		c.Utilization = ratio(used, used.Add(unused))
		r.Coverage = append(r.Coverage, c)
	}
	slices.SortFunc(r.Coverage, func(a, b Coverage) int {
		return cmp.Or(strings.Compare(a.Month, b.Month), strings.Compare(a.Provider, b.Provider), strings.Compare(a.Currency, b.Currency))
	})
	return r, nil
}

func mergeKeys(a, b map[string]decimal.Decimal) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// MonthRange reads a range of months, from and to (YYYY-MM, to
// exclusive); empty from is six months before to, empty to the month
// after now's.
func MonthRange(from, to string, now time.Time) (time.Time, time.Time, error) {
	end := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1, 0)
	if to != "" {
		t, err := time.Parse("2006-01", to)
		if err != nil {
			return time.Time{}, time.Time{}, fmt.Errorf("to: %q is not a month, YYYY-MM", to)
		}
		end = t
	}
	start := end.AddDate(0, -6, 0)
	if from != "" {
		t, err := time.Parse("2006-01", from)
		if err != nil {
			return time.Time{}, time.Time{}, fmt.Errorf("from: %q is not a month, YYYY-MM", from)
		}
		start = t
	}
	if !start.Before(end) {
		return time.Time{}, time.Time{}, fmt.Errorf("from %s is not before to %s", start.Format("2006-01"), end.Format("2006-01"))
	}
	return start, end, nil
}
