package catalog

import (
	"cmp"
	"fmt"
	"maps"
	"regexp"
	"slices"
)

// KindCostBudget is the kind of monthly cost budgets.
const KindCostBudget = "CostBudget"

// CostBudget is a monthly budget of a team's or a service's cloud cost.
type CostBudget struct {
	Metadata `yaml:"metadata" json:"metadata"`
	Spec     CostBudgetSpec `yaml:"spec" json:"spec"`
	Source   Source         `yaml:"-" json:"source"`
}

// CostBudgetSpec is the body of a CostBudget document.
type CostBudgetSpec struct {
	// Team or Service whose effective cost the budget covers; exactly one.
	Team    string `yaml:"team,omitempty" json:"team,omitempty"`
	Service string `yaml:"service,omitempty" json:"service,omitempty"`
	// Amount is the monthly budget, a decimal number in Currency.
	Amount   string `yaml:"amount" json:"amount"`
	Currency string `yaml:"currency,omitempty" json:"currency,omitempty"`
	// Thresholds notify the owning team once a month each, when actual
	// spend, or the month-end forecast, reaches a percentage of Amount.
	Thresholds []BudgetAlert `yaml:"thresholds,omitempty" json:"thresholds,omitempty"`
}

// BudgetAlert is one threshold of a cost budget; exactly one of Actual and
// Forecast is set, in percent of the amount.
type BudgetAlert struct {
	Actual   float64 `yaml:"actual,omitempty" json:"actual,omitempty"`
	Forecast float64 `yaml:"forecast,omitempty" json:"forecast,omitempty"`
}

var decimalAmount = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)

var currencyCode = regexp.MustCompile(`^[A-Z]{3}$`)

// DefaultBudgetThresholds apply when a budget lists none: 80% and 100% of
// actual spend, 100% of the forecast.
var DefaultBudgetThresholds = []BudgetAlert{{Actual: 80}, {Actual: 100}, {Forecast: 100}}

// Owner is the team that answers for the budget: its team, or its
// service's owner.
func (b *CostBudget) Owner(c *Catalog) string {
	if b.Spec.Team != "" {
		return b.Spec.Team
	}
	if s, ok := c.Service(b.Spec.Service); ok {
		return s.Spec.Owner
	}
	return ""
}

func (b *builder) checkCostBudgets(c *Catalog) {
	names := map[string]bool{}
	for _, x := range b.costBudgets {
		if !b.checkName(x.Source, x.Name) {
			continue
		}
		if names[x.Name] {
			b.errorf(x.Source, "metadata.name", "duplicate cost budget %q", x.Name)
			continue
		}
		names[x.Name] = true
		ok := true
		switch {
		case x.Spec.Team == "" && x.Spec.Service == "":
			b.errorf(x.Source, "spec", "missing field \"team\" or \"service\": a budget covers one team or one service")
			ok = false
		case x.Spec.Team != "" && x.Spec.Service != "":
			b.errorf(x.Source, "spec.service", "a budget covers a team or a service, not both; write two budgets")
			ok = false
		case x.Spec.Team != "":
			if _, found := c.Team(x.Spec.Team); !found {
				b.errorf(x.Source, "spec.team", "team %q is not in the catalog%s", x.Spec.Team, suggest(x.Spec.Team, c.teams))
				ok = false
			}
		default:
			if _, found := c.Service(x.Spec.Service); !found {
				b.errorf(x.Source, "spec.service", "service %q is not in the catalog%s", x.Spec.Service, suggest(x.Spec.Service, c.services))
				ok = false
			}
		}
		if !decimalAmount.MatchString(x.Spec.Amount) {
			b.errorf(x.Source, "spec.amount", "amount %q is not a positive decimal number such as 1200 or 1200.50", x.Spec.Amount)
			ok = false
		}
		if x.Spec.Currency == "" {
			x.Spec.Currency = "USD"
		} else if !currencyCode.MatchString(x.Spec.Currency) {
			b.errorf(x.Source, "spec.currency", "currency %q is not an ISO 4217 code such as USD or EUR", x.Spec.Currency)
			ok = false
		}
		for i, t := range x.Spec.Thresholds {
			path := fmt.Sprintf("spec.thresholds[%d]", i)
			switch {
			case (t.Actual == 0) == (t.Forecast == 0):
				b.errorf(x.Source, path, "a threshold sets exactly one of actual and forecast (percent of the amount)")
				ok = false
			case t.Actual < 0 || t.Forecast < 0 || t.Actual > 1000 || t.Forecast > 1000:
				b.errorf(x.Source, path, "a threshold is a percentage of the amount from 1 to 1000")
				ok = false
			}
		}
		if len(x.Spec.Thresholds) == 0 {
			x.Spec.Thresholds = DefaultBudgetThresholds
		}
		if ok {
			c.CostBudgets = append(c.CostBudgets, x)
		}
	}
	slices.SortFunc(c.CostBudgets, func(a, b *CostBudget) int { return cmp.Compare(a.Name, b.Name) })
}

func (b *builder) checkSharedCosts(c *Catalog) {
	for _, s := range c.Services {
		sc := s.Spec.SharedCost
		if sc == nil {
			continue
		}
		switch sc.Split {
		case SplitEven, SplitProportional:
			if len(sc.Weights) > 0 {
				b.errorf(s.Source, "spec.sharedCost.weights", "weights apply to split: weights only")
			}
			if len(sc.To) == 0 {
				b.errorf(s.Source, "spec.sharedCost", "missing field \"to\": the services that share the cost")
			}
		case SplitWeights:
			if len(sc.To) > 0 {
				b.errorf(s.Source, "spec.sharedCost.to", "with split: weights, the services are the keys of weights; remove to")
			}
			if len(sc.Weights) == 0 {
				b.errorf(s.Source, "spec.sharedCost", "missing field \"weights\": each sharing service's weight")
			}
		default:
			b.errorf(s.Source, "spec.sharedCost.split", "split %q is not even, proportional or weights", sc.Split)
		}
		check := func(path, name string) {
			if name == s.Name {
				b.errorf(s.Source, path, "a service cannot share its cost with itself")
			} else if _, ok := c.Service(name); !ok {
				b.errorf(s.Source, path, "service %q is not in the catalog%s", name, suggest(name, c.services))
			}
		}
		for i, name := range sc.To {
			check(fmt.Sprintf("spec.sharedCost.to[%d]", i), name)
		}
		for _, name := range slices.Sorted(maps.Keys(sc.Weights)) {
			check("spec.sharedCost.weights."+name, name)
			if sc.Weights[name] <= 0 {
				b.errorf(s.Source, "spec.sharedCost.weights."+name, "weight %g must be positive", sc.Weights[name])
			}
		}
	}
}
