package slo

import (
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// approx compares floats to within 1e-9, enough to absorb the rounding of
// 1 - objective (1 - 0.999 is 0.0010000000000000009) and no more.
var approx = cmpopts.EquateApprox(0, 1e-9)

func TestObjectiveFromPercent(t *testing.T) {
	tests := []struct {
		p       float64
		want    float64
		wantErr bool
	}{
		{p: 99.9, want: 0.999},
		{p: 99.99, want: 0.9999},
		{p: 99, want: 0.99},
		{p: 95, want: 0.95},
		{p: 50, want: 0.5},
		{p: 0.001, want: 0.00001},
		{p: 99.95, want: 0.9995},
		{p: 99.999, want: 0.99999},
		{p: 33.333333333333336, want: 0.33333333333333337}, // the float64 nearest 1/3 × 100
		{p: 5e-324, wantErr: true},                         // the smallest float64 underflows
		{p: 99.99999999999999, want: 0.9999999999999999},
		{p: 0, wantErr: true},
		{p: 100, wantErr: true},
		{p: -1, wantErr: true},
		{p: 100.5, wantErr: true},
		{p: math.NaN(), wantErr: true},
		{p: math.Inf(1), wantErr: true},
	}
	for _, tt := range tests {
		got, err := ObjectiveFromPercent(tt.p)
		if gotErr := err != nil; gotErr != tt.wantErr {
			t.Errorf("ObjectiveFromPercent(%v) error = %v, want error: %t", tt.p, err, tt.wantErr)
			continue
		}
		// The literal's float64 exactly: no tolerance.
		if got != tt.want {
			t.Errorf("ObjectiveFromPercent(%v) = %v, want %v", tt.p, got, tt.want)
		}
	}
}

func TestObjectiveFromPercentDecimals(t *testing.T) {
	// Every percentage with up to three decimals gives the float64 nearest
	// to its ratio, which dividing the integers computes.
	for i := 1; i < 100_000; i++ {
		p := float64(i) / 1000
		got, err := ObjectiveFromPercent(p)
		if err != nil {
			t.Fatalf("ObjectiveFromPercent(%v) error: %v", p, err)
		}
		if want := float64(i) / 100_000; got != want {
			t.Fatalf("ObjectiveFromPercent(%v) = %v, want %v", p, got, want)
		}
	}
}

func TestErrorBudget(t *testing.T) {
	tests := []struct {
		objective, want float64
	}{
		{0.999, 0.001},
		{0.99, 0.01},
		{0.9999, 0.0001},
		{0.5, 0.5},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(ErrorBudget(tt.objective), tt.want, approx); diff != "" {
			t.Errorf("ErrorBudget(%v) mismatch (-got +want):\n%s", tt.objective, diff)
		}
	}
}

func TestBurnRate(t *testing.T) {
	tests := []struct {
		errorRatio, objective, want float64
	}{
		{errorRatio: 0, objective: 0.999, want: 0},
		{errorRatio: 0.001, objective: 0.999, want: 1},
		{errorRatio: 0.0144, objective: 0.999, want: 14.4},
		{errorRatio: 0.01, objective: 0.99, want: 1},
		{errorRatio: 1, objective: 0.999, want: 1000},     // a full outage
		{errorRatio: 0.0005, objective: 0.999, want: 0.5}, // half the sustainable rate
	}
	for _, tt := range tests {
		if diff := cmp.Diff(BurnRate(tt.errorRatio, tt.objective), tt.want, approx); diff != "" {
			t.Errorf("BurnRate(%v, %v) mismatch (-got +want):\n%s", tt.errorRatio, tt.objective, diff)
		}
	}
}

func TestBudgetConsumed(t *testing.T) {
	tests := []struct {
		name           string
		burnRate       float64
		window, period time.Duration
		want           float64
	}{
		// The Workbook's page-quick alert: 14.4 for 1h spends 2% of 30d.
		{"14.4 for 1h of 30d", 14.4, time.Hour, 30 * Day, 0.02},
		{"6 for 6h of 30d", 6, 6 * time.Hour, 30 * Day, 0.05},
		{"3 for 1d of 30d", 3, Day, 30 * Day, 0.1},
		{"1 for 3d of 30d", 1, 3 * Day, 30 * Day, 0.1},
		{"1 for the whole period", 1, 28 * Day, 28 * Day, 1},
		{"2 for half the period", 2, 15 * Day, 30 * Day, 1},
		{"nothing burnt", 0, time.Hour, 30 * Day, 0},
	}
	for _, tt := range tests {
		got := BudgetConsumed(tt.burnRate, tt.window, tt.period)
		if diff := cmp.Diff(got, tt.want, approx); diff != "" {
			t.Errorf("%s: BudgetConsumed(%v, %v, %v) mismatch (-got +want):\n%s", tt.name, tt.burnRate, tt.window, tt.period, diff)
		}
	}
}

func TestRemainingBudget(t *testing.T) {
	tests := []struct {
		name                  string
		errorRatio, objective float64
		want                  float64
	}{
		{"no errors", 0, 0.999, 1},
		{"half spent", 0.0005, 0.999, 0.5},
		{"exactly spent", 0.001, 0.999, 0},
		{"overspent: twice the budget", 0.002, 0.999, -1},
		{"full outage all period", 1, 0.99, -99},
	}
	for _, tt := range tests {
		got := RemainingBudget(tt.errorRatio, tt.objective)
		if diff := cmp.Diff(got, tt.want, approx); diff != "" {
			t.Errorf("%s: RemainingBudget(%v, %v) mismatch (-got +want):\n%s", tt.name, tt.errorRatio, tt.objective, diff)
		}
	}
}

func TestRemainingBudgetEvents(t *testing.T) {
	type result struct {
		Remaining float64
		OK        bool
	}
	tests := []struct {
		name                   string
		good, total, objective float64
		want                   result
	}{
		{"no errors", 1000, 1000, 0.999, result{1, true}},
		// 1,000,000 events at 99.9% allow 1,000 bad ones; 250 were bad.
		{"a quarter spent", 999_750, 1_000_000, 0.999, result{0.75, true}},
		{"overspent", 997_000, 1_000_000, 0.999, result{-2, true}},
		{"no traffic", 0, 0, 0.999, result{0, false}},
		{"negative total", 0, -1, 0.999, result{0, false}},
		{"NaN total", 0, math.NaN(), 0.999, result{0, false}},
		// Counter skew: not clamped.
		{"good above total", 1001, 1000, 0.999, result{2, true}},
	}
	for _, tt := range tests {
		var got result
		got.Remaining, got.OK = RemainingBudgetEvents(tt.good, tt.total, tt.objective)
		if diff := cmp.Diff(got, tt.want, approx); diff != "" {
			t.Errorf("%s: RemainingBudgetEvents(%v, %v, %v) mismatch (-got +want):\n%s", tt.name, tt.good, tt.total, tt.objective, diff)
		}
	}
}

func TestTimeToExhaustion(t *testing.T) {
	type result struct {
		D  time.Duration
		OK bool
	}
	tests := []struct {
		name                string
		remaining, burnRate float64
		period              time.Duration
		want                result
	}{
		// Half of a 30d budget is 15 days at burn rate 1, 7.5 days at 2.
		{"half left at 2 over 30d", 0.5, 2, 30 * Day, result{7*Day + 12*time.Hour, true}},
		{"all left at 1", 1, 1, 30 * Day, result{30 * Day, true}},
		{"all left at 14.4", 1, 14.4, 30 * Day, result{50 * time.Hour, true}},
		{"a tenth left at 1000", 0.1, 1000, 30 * Day, result{4*time.Minute + 19*time.Second + 200*time.Millisecond, true}},
		{"no burn never exhausts", 0.5, 0, 30 * Day, result{0, false}},
		{"negative burn never exhausts", 0.5, -1, 30 * Day, result{0, false}},
		{"already spent", 0, 2, 30 * Day, result{0, true}},
		{"overspent", -0.5, 2, 30 * Day, result{0, true}},
		{"overspent without burning is still exhausted", -0.5, 0, 30 * Day, result{0, true}},
		{"clamped to the longest duration", 1, 1e-12, 30 * Day, result{math.MaxInt64, true}},
		{"NaN remaining", math.NaN(), 1, 30 * Day, result{0, false}},
		{"NaN burn rate", 0.5, math.NaN(), 30 * Day, result{0, false}},
		{"no period", 0.5, 1, 0, result{0, false}},
	}
	for _, tt := range tests {
		var got result
		got.D, got.OK = TimeToExhaustion(tt.remaining, tt.burnRate, tt.period)
		if diff := cmp.Diff(got, tt.want); diff != "" {
			t.Errorf("%s: TimeToExhaustion(%v, %v, %v) mismatch (-got +want):\n%s", tt.name, tt.remaining, tt.burnRate, tt.period, diff)
		}
	}
}

func TestBudgetMinutes(t *testing.T) {
	tests := []struct {
		name                 string
		remaining, objective float64
		period               time.Duration
		want                 float64
	}{
		// 0.1% of 30 × 24 × 60 = 43,200 minutes.
		{"99.9% over 30d", 1, 0.999, 30 * Day, 43.2},
		{"half of 99.9% over 30d", 0.5, 0.999, 30 * Day, 21.6},
		{"99.9% over 28d", 1, 0.999, 28 * Day, 40.32},
		{"99.99% over 30d", 1, 0.9999, 30 * Day, 4.32},
		{"99% over 7d", 1, 0.99, 7 * Day, 100.8},
		{"overspent", -0.25, 0.999, 30 * Day, -10.8},
	}
	for _, tt := range tests {
		got := BudgetMinutes(tt.remaining, tt.objective, tt.period)
		if diff := cmp.Diff(got, tt.want, approx); diff != "" {
			t.Errorf("%s: BudgetMinutes(%v, %v, %v) mismatch (-got +want):\n%s", tt.name, tt.remaining, tt.objective, tt.period, diff)
		}
	}
}
