package slo

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestDefaultAlertWindows(t *testing.T) {
	catalog := func(f1, f2, f3, f4 float64) []AlertWindow {
		return []AlertWindow{
			{Severity: SeverityPage, Name: PageQuick, BudgetFraction: 0.02, Long: time.Hour, Short: 5 * time.Minute, Factor: f1},
			{Severity: SeverityPage, Name: PageSlow, BudgetFraction: 0.05, Long: 6 * time.Hour, Short: 30 * time.Minute, Factor: f2},
			{Severity: SeverityTicket, Name: TicketQuick, BudgetFraction: 0.10, Long: Day, Short: 2 * time.Hour, Factor: f3},
			{Severity: SeverityTicket, Name: TicketSlow, BudgetFraction: 0.10, Long: 3 * Day, Short: 6 * time.Hour, Factor: f4},
		}
	}
	tests := []struct {
		period time.Duration
		want   []AlertWindow
	}{
		// The Workbook's factors: 2% of 30d (14.4h) in 1h is 14.4; 5% (36h)
		// in 6h is 6; 10% (72h) in 1d is 3 and in 3d is 1.
		{30 * Day, catalog(14.4, 6, 3, 1)},
		// Sloth's for 28d: 2% of 672h is 13.44h, in 1h 13.44; 5% is 33.6h,
		// in 6h 5.6; 10% is 67.2h, in 24h 2.8 and in 72h 0.9333….
		{28 * Day, catalog(13.44, 5.6, 2.8, 67.2/72)},
		// 7d with the default windows: 2% of 168h is 3.36h, and so on.
		{7 * Day, catalog(3.36, 1.4, 0.7, 16.8/72)},
	}
	for _, tt := range tests {
		got := DefaultAlertWindows(tt.period)
		if diff := cmp.Diff(got, tt.want, approx); diff != "" {
			t.Errorf("DefaultAlertWindows(%v) mismatch (-got +want):\n%s", tt.period, diff)
		}
	}
}

func TestDefaultAlertWindowsExactFactors(t *testing.T) {
	// The 30d factors are the round numbers of the Workbook exactly, as
	// the rules print them.
	var got []float64
	for _, w := range DefaultAlertWindows(30 * Day) {
		got = append(got, w.Factor)
	}
	if diff := cmp.Diff(got, []float64{14.4, 6, 3, 1}); diff != "" {
		t.Errorf("DefaultAlertWindows(30d) factors mismatch (-got +want):\n%s", diff)
	}
}

func TestDefaultAlertWindowsSpendTheirFraction(t *testing.T) {
	// Burning at a pair's factor for its long window spends its budget
	// fraction, whatever the period.
	for _, period := range []time.Duration{7 * Day, 28 * Day, 30 * Day, 90 * Day} {
		for _, w := range DefaultAlertWindows(period) {
			if diff := cmp.Diff(BudgetConsumed(w.Factor, w.Long, period), w.BudgetFraction, approx); diff != "" {
				t.Errorf("period %v, %s: BudgetConsumed(Factor, Long, period) mismatch (-got +want):\n%s", period, w.Name, diff)
			}
		}
	}
}

func TestNewAlertWindowSloth7d(t *testing.T) {
	// Sloth's custom windows for a 7d period (its 7d windows example).
	// 168h × 8% = 13.44h, in 1h: 13.44; × 12.5% = 21h, in 6h: 3.5;
	// × 20% = 33.6h, in 24h: 1.4; × 42% = 70.56h, in 72h: 0.98.
	period := 7 * Day
	specs := []struct {
		sev         Severity
		name        string
		fraction    float64
		short, long time.Duration
		wantFactor  float64
	}{
		{SeverityPage, PageQuick, 0.08, 5 * time.Minute, time.Hour, 13.44},
		{SeverityPage, PageSlow, 0.125, 30 * time.Minute, 6 * time.Hour, 3.5},
		{SeverityTicket, TicketQuick, 0.20, 2 * time.Hour, 24 * time.Hour, 1.4},
		{SeverityTicket, TicketSlow, 0.42, 6 * time.Hour, 72 * time.Hour, 0.98},
	}
	var got, want []AlertWindow
	for _, s := range specs {
		w, err := NewAlertWindow(s.sev, s.name, s.fraction, s.short, s.long, period)
		if err != nil {
			t.Fatalf("NewAlertWindow(%q, %q, %v, %v, %v, %v) error: %v", s.sev, s.name, s.fraction, s.short, s.long, period, err)
		}
		got = append(got, w)
		want = append(want, AlertWindow{Severity: s.sev, Name: s.name, BudgetFraction: s.fraction, Long: s.long, Short: s.short, Factor: s.wantFactor})
	}
	if diff := cmp.Diff(got, want, approx); diff != "" {
		t.Errorf("Sloth's 7d windows mismatch (-got +want):\n%s", diff)
	}
	if diff := cmp.Diff(SLIWindows(got), []time.Duration{5 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 6 * time.Hour, Day, 3 * Day}); diff != "" {
		t.Errorf("SLIWindows mismatch (-got +want):\n%s", diff)
	}
}

func TestNewAlertWindowMatchesDefaults(t *testing.T) {
	for _, period := range []time.Duration{28 * Day, 30 * Day} {
		for _, want := range DefaultAlertWindows(period) {
			got, err := NewAlertWindow(want.Severity, want.Name, want.BudgetFraction, want.Short, want.Long, period)
			if err != nil {
				t.Fatalf("NewAlertWindow for %s over %v: %v", want.Name, period, err)
			}
			if diff := cmp.Diff(got, want); diff != "" {
				t.Errorf("NewAlertWindow for %s over %v mismatch (-got +want):\n%s", want.Name, period, diff)
			}
		}
	}
}

func TestNewAlertWindowErrors(t *testing.T) {
	const h = time.Hour
	tests := []struct {
		name                string
		sev                 Severity
		wname               string
		fraction            float64
		short, long, period time.Duration
		wantErr             string
	}{
		{"unknown severity", "critical", "x", 0.02, 5 * time.Minute, h, 30 * Day, `unknown severity "critical"`},
		{"no name", SeverityPage, "", 0.02, 5 * time.Minute, h, 30 * Day, "no name"},
		{"zero fraction", SeverityPage, "x", 0, 5 * time.Minute, h, 30 * Day, "budget fraction 0 is out of range"},
		{"negative fraction", SeverityPage, "x", -0.1, 5 * time.Minute, h, 30 * Day, "budget fraction -0.1 is out of range"},
		{"fraction above 1", SeverityPage, "x", 1.5, 5 * time.Minute, h, 30 * Day, "budget fraction 1.5 is out of range"},
		{"NaN fraction", SeverityPage, "x", math.NaN(), 5 * time.Minute, h, 30 * Day, "budget fraction NaN is out of range"},
		{"zero short", SeverityPage, "x", 0.02, 0, h, 30 * Day, "short window 0s is not positive"},
		{"short equals long", SeverityPage, "x", 0.02, h, h, 30 * Day, "short window 1h is not shorter than long window 1h"},
		{"short above long", SeverityPage, "x", 0.02, 2 * h, h, 30 * Day, "short window 2h is not shorter than long window 1h"},
		{"long above period", SeverityTicket, "x", 0.1, 6 * h, 3 * Day, 2 * Day, "long window 3d is longer than the period 2d"},
	}
	for _, tt := range tests {
		_, err := NewAlertWindow(tt.sev, tt.wname, tt.fraction, tt.short, tt.long, tt.period)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: NewAlertWindow error = %v, want one containing %q", tt.name, err, tt.wantErr)
		}
	}
	// The limits themselves are allowed.
	if _, err := NewAlertWindow(SeverityTicket, "x", 1, time.Millisecond, 30*Day, 30*Day); err != nil {
		t.Errorf("NewAlertWindow with fraction 1 and long = period: %v", err)
	}
}

func TestSLIWindows(t *testing.T) {
	tests := []struct {
		name string
		ws   []AlertWindow
		want []time.Duration
	}{
		{"default catalog", DefaultAlertWindows(30 * Day), []time.Duration{5 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 6 * time.Hour, Day, 3 * Day}},
		{"none", nil, []time.Duration{}},
		{
			"shared and unsorted",
			[]AlertWindow{{Short: 6 * time.Hour, Long: 3 * Day}, {Short: time.Hour, Long: 6 * time.Hour}, {Short: time.Hour, Long: 6 * time.Hour}},
			[]time.Duration{time.Hour, 6 * time.Hour, 3 * Day},
		},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(SLIWindows(tt.ws), tt.want); diff != "" {
			t.Errorf("%s: SLIWindows mismatch (-got +want):\n%s", tt.name, diff)
		}
	}
}

func TestMinEventsFor(t *testing.T) {
	tests := []struct {
		objective, factor float64
		want              int
	}{
		// 99.9% and 14.4: the threshold is 1.44%; 1/0.0144 = 69.4…, so at
		// 69 events one bad event is 1.45% and fires, at 70 it is 1.43%.
		{0.999, 14.4, 70},
		{0.999, 6, 167},     // 1/0.006 = 166.7
		{0.999, 3, 334},     // 1/0.003 = 333.3
		{0.999, 1, 1000},    // exactly: 1/1000 is not above 0.1%
		{0.999, 10, 100},    // exactly
		{0.9, 1, 11},        // in float64 1 - 0.9 is below 0.1, so 1 in 10 fires
		{0.99, 14.4, 7},     // 1/0.144 = 6.9
		{0.9999, 14.4, 695}, // 1/0.00144 = 694.4
		{0.5, 2, 1},         // any single event is at most the threshold
		{0.5, 4, 1},         // threshold 200%: never exceeded, but at least 1
		{0.999, 0, 0},
		{0.999, -1, 0},
		{1, 14.4, 0},
		{0, 14.4, 0},
		{math.NaN(), 14.4, 0},
		{0.999, math.NaN(), 0},
		{0.999, 1e-300, math.MaxInt},
		// Where 1/threshold rounds across an integer, the float64
		// comparisons decide. The threshold here is the float64 1/49, and
		// one bad event in 49 is exactly it, not above: 49, not
		// ceil(49.00000000000001) = 50.
		{0.5, 2.0 / 49, 49},
		// The threshold is just below 1/76900 and 1/t rounds to 76900, yet
		// 1 in 76900 is above the threshold: 76901.
		{0.5, 2.6007802340702208e-05, 76901},
	}
	for _, tt := range tests {
		if got := MinEventsFor(tt.objective, tt.factor); got != tt.want {
			t.Errorf("MinEventsFor(%v, %v) = %d, want %d", tt.objective, tt.factor, got, tt.want)
		}
	}
}

func TestMinEventsForIsTheBound(t *testing.T) {
	// With MinEventsFor events a single bad one does not fire the alert;
	// with one fewer it does.
	var ws []AlertWindow
	for _, period := range []time.Duration{7 * Day, 28 * Day, 30 * Day, 90 * Day} {
		ws = append(ws, DefaultAlertWindows(period)...)
	}
	for _, f := range []float64{13.44, 3.5, 1.4, 0.98, 10, 2, 0.5, 2.0 / 49, 2.6007802340702208e-05} { // Sloth's 7d factors and others
		ws = append(ws, AlertWindow{Name: fmt.Sprint(f), Factor: f})
	}
	for _, objective := range []float64{0.5, 0.9, 0.95, 0.99, 0.995, 0.999, 0.9995, 0.9999, 0.99999} {
		for _, a := range ws {
			n := MinEventsFor(objective, a.Factor)
			sample := func(events int) WindowSample {
				return WindowSample{ErrorRatio: 1 / float64(events), Events: float64(events), OK: true}
			}
			if a.Fires(sample(n), sample(n), objective, 0) {
				t.Errorf("%v, %s: one bad event in %d fires", objective, a.Name, n)
			}
			if n > 1 && !a.Fires(sample(n-1), sample(n-1), objective, 0) {
				t.Errorf("%v, %s: one bad event in %d does not fire", objective, a.Name, n-1)
			}
		}
	}
}

func TestFires(t *testing.T) {
	// page-quick over 30d at 99.9%: the threshold is 14.4 × 0.001 = 1.44%.
	a := DefaultAlertWindows(30 * Day)[0]
	const objective = 0.999
	over := WindowSample{ErrorRatio: 0.02, Events: 1000, OK: true}
	under := WindowSample{ErrorRatio: 0.01, Events: 1000, OK: true}
	tests := []struct {
		name        string
		short, long WindowSample
		minEvents   float64
		want        bool
	}{
		{"both over", over, over, 70, true},
		{"short only over", over, under, 70, false},
		{"long only over", under, over, 70, false},
		{"both under", under, under, 70, false},
		{"no data in short", WindowSample{}, over, 70, false},
		{"no data in long", over, WindowSample{}, 70, false},
		{"no data at all", WindowSample{}, WindowSample{}, 0, false},
		// A full outage of one request at 3am.
		{"below minEvents", WindowSample{ErrorRatio: 1, Events: 1, OK: true}, WindowSample{ErrorRatio: 1, Events: 1, OK: true}, 70, false},
		{"at minEvents", over, WindowSample{ErrorRatio: 0.02, Events: 70, OK: true}, 70, true},
		{"just below minEvents", over, WindowSample{ErrorRatio: 0.02, Events: 69.9, OK: true}, 70, false},
		// Only the long window's traffic is checked.
		{"short window quiet", WindowSample{ErrorRatio: 0.02, Events: 1, OK: true}, over, 70, true},
		{"no minimum", WindowSample{ErrorRatio: 1, Events: 1, OK: true}, WindowSample{ErrorRatio: 1, Events: 1, OK: true}, 0, true},
		// Above, not at: Prometheus's >.
		{"at the threshold", WindowSample{ErrorRatio: a.Threshold(objective), Events: 1000, OK: true}, over, 0, false},
		{"at the threshold in the long window", over, WindowSample{ErrorRatio: a.Threshold(objective), Events: 1000, OK: true}, 0, false},
		{"just above the threshold", WindowSample{ErrorRatio: math.Nextafter(a.Threshold(objective), 1), Events: 1000, OK: true}, over, 0, true},
		{"NaN ratio", WindowSample{ErrorRatio: math.NaN(), Events: 1000, OK: true}, over, 0, false},
		{"NaN events", over, WindowSample{ErrorRatio: 0.02, Events: math.NaN(), OK: true}, 0, false},
	}
	for _, tt := range tests {
		if got := a.Fires(tt.short, tt.long, objective, tt.minEvents); got != tt.want {
			t.Errorf("%s: Fires(%+v, %+v, %v, %v) = %t, want %t", tt.name, tt.short, tt.long, objective, tt.minEvents, got, tt.want)
		}
	}
}

func TestThreshold(t *testing.T) {
	ws := DefaultAlertWindows(30 * Day)
	var got []float64
	for _, w := range ws {
		got = append(got, w.Threshold(0.999))
	}
	if diff := cmp.Diff(got, []float64{0.0144, 0.006, 0.003, 0.001}, approx); diff != "" {
		t.Errorf("Threshold(0.999) mismatch (-got +want):\n%s", diff)
	}
}
