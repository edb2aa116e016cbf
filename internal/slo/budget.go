package slo

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ObjectiveFromPercent converts a target written as a percentage, such as
// 99.9, to the ratio the rest of the package uses. It returns an error
// unless 0 < p < 100: an objective of 100% leaves no error budget, and one
// of 0% is no objective at all.
//
// The result is the float64 nearest to the decimal number p stands for
// divided by 100, so 99.9 gives 0.999 and 99.99 gives 0.9999, the same
// float64 values as those literals. The float division 99.9/100 would
// instead give 0.9990000000000001 (the value Sloth writes in its rules),
// because the float64 99.9 is slightly above 99.9.
func ObjectiveFromPercent(p float64) (float64, error) {
	if !(p > 0 && p < 100) { // written so that NaN fails too
		return 0, fmt.Errorf("slo: objective %v%% is out of range; it must be above 0 and below 100", p)
	}
	// The shortest decimal that reads back as p, with its exponent
	// lowered by 2, read with correct rounding.
	mant, exp, _ := strings.Cut(strconv.FormatFloat(p, 'e', -1, 64), "e")
	var o float64
	e, err := strconv.Atoi(exp)
	if err == nil {
		o, err = strconv.ParseFloat(mant+"e"+strconv.Itoa(e-2), 64)
	}
	if err != nil || !(o > 0) { // the smallest denormals underflow
		return 0, fmt.Errorf("slo: objective %v%% is too small", p)
	}
	return o, nil
}

// ErrorBudget is the share of events allowed to fail under objective:
// 1 - objective, so 0.001 for 0.999. Computed in float64, it carries the
// rounding of the subtraction (1 - 0.999 is 0.0010000000000000009).
func ErrorBudget(objective float64) float64 {
	return 1 - objective
}

// BurnRate is how fast an error ratio spends the error budget, relative to
// spending exactly the whole budget over the whole period: errorRatio /
// ErrorBudget(objective). A burn rate of 1 exhausts the budget at the end
// of the period, 2 halfway through it. The objective must be below 1, or
// the result is infinite (or NaN for a zero error ratio).
func BurnRate(errorRatio, objective float64) float64 {
	return errorRatio / ErrorBudget(objective)
}

// BudgetConsumed is the fraction of a period's error budget spent by
// burning at burnRate for the duration window: burnRate × window / period.
// A burn rate of 14.4 for 1h spends 2% of a 30d budget. The period must be
// positive.
func BudgetConsumed(burnRate float64, window, period time.Duration) float64 {
	return burnRate * float64(window) / float64(period)
}

// RemainingBudget is the fraction of the error budget left after a period
// whose error ratio is errorRatioOverPeriod: 1 - errorRatio / budget. It is
// 1 with no errors, 0 when the budget is exactly spent and negative when it
// is overspent (-1 means twice the budget was spent). It is not clamped.
func RemainingBudget(errorRatioOverPeriod, objective float64) float64 {
	return 1 - errorRatioOverPeriod/ErrorBudget(objective)
}

// RemainingBudgetEvents is RemainingBudget from event counts over the
// period: the error ratio is (total - good) / total. ok is false when there
// were no events (total is not positive), as nothing was measured. The
// counts are not clamped: good above total, which scrape skew between two
// counters can produce, gives a remaining budget above 1.
func RemainingBudgetEvents(good, total, objective float64) (remaining float64, ok bool) {
	if !(total > 0) {
		return 0, false
	}
	return RemainingBudget((total-good)/total, objective), true
}

// TimeToExhaustion is how long the remaining fraction of a period's error
// budget lasts at burnRate: remaining × period / burnRate, so half the
// budget of a 30d period lasts 7.5 days at a burn rate of 2.
//
// A budget that is already spent (remaining <= 0) is exhausted now: the
// result is 0 and ok is true, whatever the burn rate. Otherwise ok is false
// when the budget is never exhausted at this rate (burnRate <= 0), and
// when an argument is NaN or the period is not positive. Results beyond
// the largest time.Duration (about 292 years) are clamped to it.
func TimeToExhaustion(remaining, burnRate float64, period time.Duration) (time.Duration, bool) {
	if math.IsNaN(remaining) || math.IsNaN(burnRate) || period <= 0 {
		return 0, false
	}
	if remaining <= 0 {
		return 0, true
	}
	if burnRate <= 0 {
		return 0, false
	}
	t := math.Round(remaining * float64(period) / burnRate)
	if t >= math.MaxInt64 { // float64(MaxInt64) is 2⁶³, itself out of range
		return math.MaxInt64, true
	}
	return time.Duration(t), true
}

// BudgetMinutes expresses a remaining budget fraction as minutes of full
// outage (every event failing) that the period can still absorb:
// remaining × ErrorBudget(objective) × period in minutes. A whole budget at
// 99.9% over 30d is 43.2 minutes.
func BudgetMinutes(remaining, objective float64, period time.Duration) float64 {
	return remaining * ErrorBudget(objective) * period.Minutes()
}
