package slo

import (
	"math"
	"testing"
	"time"
)

// TestDocsWorkedExample checks the numbers docs/slo.md gives for the
// checkout journey and the budget table.
func TestDocsWorkedExample(t *testing.T) {
	steps := []StepCounts{
		{Name: "cart", Weight: 1, Good: 60000 - 600, Total: 60000},
		{Name: "payment", Weight: 3, Good: 6000 - 60, Total: 6000},
		{Name: "confirmation", Weight: 1, Good: 6000 - 600, Total: 6000},
	}
	near := func(got, want float64) bool { return math.Abs(got-want) < 1e-6 }
	avg, _, err := JourneySuccess(CombineWeightedAverage, steps)
	if err != nil || !near(avg, 0.972) {
		t.Errorf("weighted average success = %v, %v; docs say 97.2%%", avg, err)
	}
	ev, _, err := JourneySuccess(CombineEventWeighted, steps)
	if err != nil || !near(ev, 1-1380.0/84000) {
		t.Errorf("event-weighted success = %v, %v; docs say 1 - 1380/84000", ev, err)
	}
	if got := BurnRate(1-avg, 0.995); !near(got, 5.6) {
		t.Errorf("weighted-average burn rate = %v; docs say 5.6", got)
	}
	period := 30 * Day
	if got := BudgetMinutes(1, 0.999, period); !near(got, 43.2) {
		t.Errorf("99.9%% over 30d = %v minutes; docs say 43.2", got)
	}
	if got := BudgetConsumed(14.4, time.Hour, period); !near(got, 0.02) {
		t.Errorf("14.4x for 1h consumes %v; docs say 2%%", got)
	}
	if got, _ := TimeToExhaustion(0.5, 2, period); got != 7*Day+12*time.Hour {
		t.Errorf("time to exhaustion = %v; docs say 7.5 days", got)
	}
	if got := MinEventsFor(0.999, 14.4); got != 70 {
		t.Errorf("MinEventsFor = %d; docs say 70", got)
	}
	for _, w := range DefaultAlertWindows(28 * Day) {
		if w.Name == PageQuick && !near(w.Factor, 13.44) {
			t.Errorf("28d page factor = %v; docs say 13.44", w.Factor)
		}
	}
}
