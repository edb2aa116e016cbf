package slo

import (
	"errors"
	"fmt"
	"time"
)

// Calendar windows, the values of Window.Calendar.
const (
	CalendarWeek  = "week"  // Monday 00:00 to the next Monday 00:00
	CalendarMonth = "month" // the 1st 00:00 to the next month's 1st 00:00
)

// Window is the time window an SLO is measured over: either a rolling
// window, the last Rolling of time, or a calendar window, the current
// calendar week or month in Location. Exactly one of Rolling and Calendar
// is set; Validate checks it.
type Window struct {
	Rolling  time.Duration  // length of a rolling window, such as 30d; zero for calendar windows
	Calendar string         // "" for rolling windows, CalendarWeek or CalendarMonth
	Location *time.Location // where calendar weeks and months begin; nil means UTC
}

// Validate reports whether w is a window: a positive Rolling with no
// Calendar, or CalendarWeek or CalendarMonth with no Rolling.
func (w Window) Validate() error {
	switch w.Calendar {
	case "":
		if w.Rolling <= 0 {
			return errors.New("slo: a window needs a positive rolling duration or a calendar (week or month)")
		}
	case CalendarWeek, CalendarMonth:
		if w.Rolling != 0 {
			return fmt.Errorf("slo: a window is either rolling (%s) or calendar (%s), not both", FormatDuration(w.Rolling), w.Calendar)
		}
	default:
		return fmt.Errorf("slo: unknown calendar window %q; expected %s or %s", w.Calendar, CalendarWeek, CalendarMonth)
	}
	return nil
}

// mustBeValid panics unless w is valid. Windows come from configuration,
// which is validated when it is loaded; an invalid one here is a bug.
func (w Window) mustBeValid() {
	if err := w.Validate(); err != nil {
		panic(err)
	}
}

func (w Window) location() *time.Location {
	if w.Location == nil {
		return time.UTC
	}
	return w.Location
}

// Period is the window's period that contains at.
//
// For a rolling window it is the half-open interval (at-Rolling, at],
// returned as start = at-Rolling and end = at in at's location.
//
// For a calendar window it is the half-open interval [start, end) of the
// calendar week (starting Monday 00:00) or month (starting on the 1st at
// 00:00) that contains at, in Location; both are returned in Location, and
// end is the start of the next period. A day begins at its first instant:
// where a time-zone change skips midnight, at the end of the gap; where it
// repeats midnight, at the first one.
//
// Period panics if w is not valid (see Validate).
func (w Window) Period(at time.Time) (start, end time.Time) {
	w.mustBeValid()
	if w.Calendar == "" {
		return at.Add(-w.Rolling), at
	}
	loc := w.location()
	y, m, d := at.In(loc).Date()
	if w.Calendar == CalendarWeek {
		sinceMonday := (int(at.In(loc).Weekday()) + 6) % 7
		return startOfDay(y, m, d-sinceMonday, loc), startOfDay(y, m, d-sinceMonday+7, loc)
	}
	return startOfDay(y, m, 1, loc), startOfDay(y, m+1, 1, loc)
}

// startOfDay is the first instant of the civil date y-m-d in loc; the date
// is normalized as time.Date does (the 0th of a month is the last day of
// the previous one).
//
// time.Date alone does not always give it: where a time-zone change skips
// midnight or repeats it, "the choice of time zone, and therefore the
// time, is not guaranteed".
func startOfDay(y int, m time.Month, d int, loc *time.Location) time.Time {
	y, m, d = time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Date()
	onDay := func(t time.Time) bool {
		ty, tm, td := t.Date()
		return ty == y && tm == m && td == d
	}
	t := time.Date(y, m, d, 0, 0, 0, 0, loc)
	switch h, mi, s := t.Clock(); {
	case !onDay(t):
		// Midnight is in a gap (clocks jumped from 23:59:59 to 01:00) and
		// t is before it, on the previous day: the day begins where the
		// zone in effect at t ends.
		_, t = t.ZoneBounds()
	case h != 0 || mi != 0 || s != 0:
		// Midnight is in a gap that began before it (23:30 to 00:30) and
		// t is after the gap but not at its end: the day begins where the
		// zone in effect at t begins.
		t, _ = t.ZoneBounds()
	case onDay(t.Add(-time.Nanosecond)):
		// Midnight came twice (clocks went back from 01:00 to 00:00) and t
		// is the second: the day began at the first.
		p := t.Add(-time.Nanosecond)
		h, mi, s := p.Clock()
		t = p.Add(-(time.Duration(h)*time.Hour + time.Duration(mi)*time.Minute +
			time.Duration(s)*time.Second + time.Duration(p.Nanosecond())))
	}
	return t
}

// Length is the length of the period containing at (see Period). Rolling
// windows always have length Rolling; calendar months are 28 to 31 days,
// and a week or month in which daylight saving time begins or ends in
// Location is an hour shorter or longer. Length panics if w is not valid.
func (w Window) Length(at time.Time) time.Duration {
	start, end := w.Period(at)
	return end.Sub(start)
}

// NominalLength is the fixed length that stands for the window where a
// single duration is needed: to scale the alert windows (see
// DefaultAlertWindows) and to name and measure the Prometheus rule for the
// whole period. It is Rolling for rolling windows, 7d for calendar weeks
// and 30d for calendar months. NominalLength panics if w is not valid.
func (w Window) NominalLength() time.Duration {
	w.mustBeValid()
	switch w.Calendar {
	case CalendarWeek:
		return 7 * Day
	case CalendarMonth:
		return 30 * Day
	}
	return w.Rolling
}
