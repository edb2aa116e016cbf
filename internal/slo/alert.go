package slo

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// Severity is how urgently an alert needs a human: SeverityPage or
// SeverityTicket.
type Severity string

// The severities of alert windows.
const (
	SeverityPage   Severity = "page"   // wake someone up
	SeverityTicket Severity = "ticket" // handle it during working hours
)

// The names of the four alert windows of DefaultAlertWindows.
const (
	PageQuick   = "page-quick"
	PageSlow    = "page-slow"
	TicketQuick = "ticket-quick"
	TicketSlow  = "ticket-slow"
)

// AlertWindow is one pair of windows of multiwindow, multi-burn-rate
// alerting (The Site Reliability Workbook, chapter 5): it fires when the
// error ratio over both the Long and the Short window is above Factor times
// the error budget. The long window detects that BudgetFraction of the
// period's budget was spent; the short one, 1/12 of it by convention,
// makes the alert stop soon after the errors do.
type AlertWindow struct {
	Severity       Severity
	Name           string        // unique in a catalog, such as PageQuick
	BudgetFraction float64       // share of the period's error budget spent when the alert fires, in (0, 1]
	Long, Short    time.Duration // the two windows; Short < Long
	Factor         float64       // burn-rate threshold: BudgetFraction × period / Long
}

// burnFactor is the burn rate that spends fraction of a period's budget in
// window long. It is computed in the order Sloth computes it (percent ×
// period hours / 100 / long hours), so that generated thresholds print the
// same digits as Sloth's: 14.4 for 30d, 5.6000000000000005 for 28d's 6h
// window.
func burnFactor(fraction float64, long, period time.Duration) float64 {
	return fraction * 100 * period.Hours() / 100 / long.Hours()
}

// DefaultAlertWindows is the Workbook's catalog of alert windows, scaled to
// period as Sloth scales it:
//
//	name          severity  budget  long  short
//	page-quick    page        2%    1h    5m
//	page-slow     page        5%    6h    30m
//	ticket-quick  ticket     10%    1d    2h
//	ticket-slow   ticket     10%    3d    6h
//
// Only the factors depend on the period (Factor = BudgetFraction × period /
// Long): 14.4, 6, 3 and 1 for 30d; 13.44, 5.6, 2.8 and 0.9333… for 28d.
// The catalog is meant for periods of weeks; for a period shorter than 3d
// the ticket-slow long window exceeds the period, and windows made with
// NewAlertWindow suit it better.
func DefaultAlertWindows(period time.Duration) []AlertWindow {
	w := func(sev Severity, name string, fraction float64, short, long time.Duration) AlertWindow {
		return AlertWindow{
			Severity:       sev,
			Name:           name,
			BudgetFraction: fraction,
			Long:           long,
			Short:          short,
			Factor:         burnFactor(fraction, long, period),
		}
	}
	return []AlertWindow{
		w(SeverityPage, PageQuick, 0.02, 5*time.Minute, time.Hour),
		w(SeverityPage, PageSlow, 0.05, 30*time.Minute, 6*time.Hour),
		w(SeverityTicket, TicketQuick, 0.10, 2*time.Hour, Day),
		w(SeverityTicket, TicketSlow, 0.10, 6*time.Hour, 3*Day),
	}
}

// NewAlertWindow makes an alert window that fires when fraction of the
// error budget of period was spent over long, and computes its Factor as
// DefaultAlertWindows does. It returns an error unless sev is a known
// severity, name is not empty, 0 < fraction <= 1 and 0 < short < long <=
// period.
func NewAlertWindow(sev Severity, name string, fraction float64, short, long, period time.Duration) (AlertWindow, error) {
	bad := func(format string, args ...any) (AlertWindow, error) {
		return AlertWindow{}, fmt.Errorf("slo: alert window %q: %s", name, fmt.Sprintf(format, args...))
	}
	switch {
	case sev != SeverityPage && sev != SeverityTicket:
		return bad("unknown severity %q; expected %s or %s", sev, SeverityPage, SeverityTicket)
	case name == "":
		return bad("no name")
	case !(fraction > 0 && fraction <= 1):
		return bad("budget fraction %v is out of range; it must be above 0 and at most 1", fraction)
	case short <= 0:
		return bad("short window %s is not positive", FormatDuration(short))
	case short >= long:
		return bad("short window %s is not shorter than long window %s", FormatDuration(short), FormatDuration(long))
	case long > period:
		return bad("long window %s is longer than the period %s", FormatDuration(long), FormatDuration(period))
	}
	return AlertWindow{
		Severity:       sev,
		Name:           name,
		BudgetFraction: fraction,
		Long:           long,
		Short:          short,
		Factor:         burnFactor(fraction, long, period),
	}, nil
}

// SLIWindows lists the distinct windows the alert windows ws measure error
// ratios over, their Shorts and Longs, in increasing order: for
// DefaultAlertWindows, 5m, 30m, 1h, 2h, 6h, 1d and 3d.
func SLIWindows(ws []AlertWindow) []time.Duration {
	ds := make([]time.Duration, 0, 2*len(ws))
	for _, w := range ws {
		ds = append(ds, w.Short, w.Long)
	}
	slices.Sort(ds)
	return slices.Compact(ds)
}

// Threshold is the error ratio both windows must exceed for a to fire:
// Factor × ErrorBudget(objective).
func (a AlertWindow) Threshold(objective float64) float64 {
	return a.Factor * ErrorBudget(objective)
}

// MinEventsFor suggests the minimum number of events the long window of an
// alert with burn-rate threshold factor must see before the alert may fire.
//
// Error ratios from little traffic say little: a single failed request at
// 3am, when it was the only one in the window, is an error ratio of 100%
// and a burn rate of 1000 for a 99.9% objective, yet it spent almost none
// of the budget. Alerting only when the long window saw enough events keeps
// such noise from paging anyone.
//
// With n events, one bad event is an error ratio of 1/n, which exceeds the
// threshold factor × budget while n < 1/(factor × budget). MinEventsFor
// returns that bound, ceil(1 / (factor × budget)): the fewest events for
// which a single bad event no longer fires the alert on its own. For 99.9%
// and the page-quick factor 14.4 it is ceil(1/0.0144) = 70. The result
// agrees with the float64 comparison Fires makes, which can differ from
// exact arithmetic by one: in float64, 1 - 0.9 is 0.09999999999999998,
// which one bad event in 10 exceeds, so 90% and factor 1 give 11, not 10.
//
// It returns 0, no protection, when objective is not in (0, 1) or factor
// is not positive, as no count makes sense then, and at least 1 otherwise.
func MinEventsFor(objective, factor float64) int {
	t := factor * ErrorBudget(objective)
	if !(objective > 0 && objective < 1 && factor > 0) || !(t > 0) {
		return 0
	}
	n := math.Ceil(1 / t)
	if n >= math.MaxInt {
		return math.MaxInt
	}
	k := max(int(n), 1)
	// Settle rounding so that one bad event in k is not above t and one in
	// k-1 is; each loop runs at most once.
	for k > 1 && !(1/float64(k-1) > t) {
		k--
	}
	for 1/float64(k) > t {
		k++
	}
	return k
}

// WindowSample is what was measured over one SLI window.
type WindowSample struct {
	ErrorRatio float64 // bad events / all events
	Events     float64 // all events, or their rate: compared with the minEvents of Fires
	OK         bool    // false when there was no data (no series, or no events)
}

// Fires reports whether the alert pair a fires on the samples of its short
// and long windows for objective: both samples have data, the long window
// saw at least minEvents events (see MinEventsFor), and both error ratios
// are above a.Threshold(objective). The comparison is strict, as
// Prometheus's > is. A missing sample or a NaN never fires.
func (a AlertWindow) Fires(short, long WindowSample, objective float64, minEvents float64) bool {
	if !short.OK || !long.OK || !(long.Events >= minEvents) {
		return false
	}
	t := a.Threshold(objective)
	return short.ErrorRatio > t && long.ErrorRatio > t
}
