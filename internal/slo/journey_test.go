package slo

import (
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// checkout is a journey of three steps weighted 1, 2 and 1:
//
//	step    weight  good  total  bad  success
//	browse  1        990   1000   10  0.99
//	cart    2         95    100    5  0.95
//	pay     1        800    800    0  1
//
// weightedAverage = (1×0.99 + 2×0.95 + 1×1) / (1+2+1) = 3.89/4 = 0.9725.
// eventWeighted = 1 - (1×10 + 2×5 + 1×0) / (1×1000 + 2×100 + 1×800)
// = 1 - 20/2000 = 0.99.
//
// They differ because the cart step, the worst, is also the quietest: the
// average gives its 5% of failures a weight of 2 out of 4, while pooling
// the events gives them 200 weighted events out of 2000.
var checkout = []StepCounts{
	{Name: "browse", Weight: 1, Good: 990, Total: 1000},
	{Name: "cart", Weight: 2, Good: 95, Total: 100},
	{Name: "pay", Weight: 1, Good: 800, Total: 800},
}

// withStep returns steps with s appended, leaving steps unchanged.
func withStep(steps []StepCounts, s StepCounts) []StepCounts {
	return append(steps[:len(steps):len(steps)], s)
}

type journeyResult struct {
	Success float64
	OK      bool
}

func TestJourneySuccess(t *testing.T) {
	idle := StepCounts{Name: "search", Weight: 5, Good: 0, Total: 0}
	tests := []struct {
		name  string
		c     Combine
		steps []StepCounts
		want  journeyResult
	}{
		{"checkout, weighted average", CombineWeightedAverage, checkout, journeyResult{0.9725, true}},
		{"checkout, event weighted", CombineEventWeighted, checkout, journeyResult{0.99, true}},
		// A step without traffic changes neither: its weight of 5 is left
		// out of the average's denominator too.
		{"idle step, weighted average", CombineWeightedAverage, withStep(checkout, idle), journeyResult{0.9725, true}},
		{"idle step, event weighted", CombineEventWeighted, withStep(checkout, idle), journeyResult{0.99, true}},
		{"only idle steps", CombineWeightedAverage, []StepCounts{idle, idle}, journeyResult{0, false}},
		{"only idle steps, event weighted", CombineEventWeighted, []StepCounts{idle}, journeyResult{0, false}},
		{"no steps", CombineWeightedAverage, nil, journeyResult{0, false}},
		{"one step", CombineWeightedAverage, checkout[1:2], journeyResult{0.95, true}},
		{"one step, event weighted", CombineEventWeighted, checkout[1:2], journeyResult{0.95, true}},
		// Equal weights and equal traffic: both are the plain average.
		{
			"equal weights and traffic", CombineEventWeighted,
			[]StepCounts{{Weight: 3, Good: 90, Total: 100}, {Weight: 3, Good: 100, Total: 100}},
			journeyResult{0.95, true},
		},
		// Weights scale: 2, 4, 2 is 1, 2, 1.
		{
			"weights scale, weighted average", CombineWeightedAverage,
			[]StepCounts{{Weight: 2, Good: 990, Total: 1000}, {Weight: 4, Good: 95, Total: 100}, {Weight: 2, Good: 800, Total: 800}},
			journeyResult{0.9725, true},
		},
		// Rates work as well as counts.
		{
			"rates", CombineEventWeighted,
			[]StepCounts{{Weight: 1, Good: 9.9, Total: 10}, {Weight: 1, Good: 0.5, Total: 0.5}},
			// 1 - 0.1/10.5
			journeyResult{1 - 0.1/10.5, true},
		},
		// Counter skew: good above total counts as no errors.
		{
			"good above total", CombineWeightedAverage,
			[]StepCounts{{Weight: 1, Good: 101, Total: 100}, {Weight: 1, Good: 90, Total: 100}},
			journeyResult{0.95, true},
		},
		{
			"good above total, event weighted", CombineEventWeighted,
			[]StepCounts{{Weight: 1, Good: 101, Total: 100}, {Weight: 1, Good: 90, Total: 100}},
			journeyResult{0.95, true},
		},
		{"all failing", CombineEventWeighted, []StepCounts{{Weight: 1, Good: 0, Total: 7}}, journeyResult{0, true}},
	}
	for _, tt := range tests {
		var got journeyResult
		var err error
		got.Success, got.OK, err = JourneySuccess(tt.c, tt.steps)
		if err != nil {
			t.Errorf("%s: JourneySuccess error: %v", tt.name, err)
			continue
		}
		if diff := cmp.Diff(got, tt.want, approx); diff != "" {
			t.Errorf("%s: JourneySuccess mismatch (-got +want):\n%s", tt.name, diff)
		}
	}
}

func TestJourneyErrors(t *testing.T) {
	step := func(w, good, total float64) []StepCounts {
		return withStep(checkout, StepCounts{Name: "bad", Weight: w, Good: good, Total: total})
	}
	tests := []struct {
		name    string
		c       Combine
		steps   []StepCounts
		wantErr string
	}{
		{"zero weight", CombineWeightedAverage, step(0, 1, 1), "journey step bad: weight 0 is not positive"},
		{"negative weight", CombineEventWeighted, step(-1, 1, 1), "journey step bad: weight -1 is not positive"},
		{"NaN weight", CombineWeightedAverage, step(math.NaN(), 1, 1), "weight NaN is not positive"},
		{"infinite weight", CombineWeightedAverage, step(math.Inf(1), 1, 1), "weight +Inf is not positive"},
		// Weights are checked even on steps without traffic.
		{"zero weight, no traffic", CombineWeightedAverage, step(0, 0, 0), "weight 0 is not positive"},
		{"negative good", CombineWeightedAverage, step(1, -1, 1), "good events -1"},
		{"NaN good", CombineEventWeighted, step(1, math.NaN(), 1), "good events NaN"},
		{"negative total", CombineWeightedAverage, step(1, 0, -1), "total events -1"},
		{"infinite total", CombineEventWeighted, step(1, 0, math.Inf(1)), "total events +Inf"},
		{"unnamed step", CombineWeightedAverage, []StepCounts{{Weight: 1, Total: 1}, {Weight: 0}}, "journey step #2: weight 0"},
		{"unknown combination", "median", checkout, `unknown journey combination "median"`},
		{"no combination", "", checkout, `unknown journey combination ""`},
	}
	for _, tt := range tests {
		if _, _, err := JourneySuccess(tt.c, tt.steps); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: JourneySuccess error = %v, want one containing %q", tt.name, err, tt.wantErr)
		}
		if shares, err := StepShares(tt.c, tt.steps); err == nil || !strings.Contains(err.Error(), tt.wantErr) || shares != nil {
			t.Errorf("%s: StepShares = %v, %v; want nil and an error containing %q", tt.name, shares, err, tt.wantErr)
		}
	}
}

func TestStepShares(t *testing.T) {
	idle := StepCounts{Name: "search", Weight: 5}
	tests := []struct {
		name  string
		c     Combine
		steps []StepCounts
		want  []float64
	}{
		// The average's error is Σwᵢ(1 - successᵢ)/Σwᵢ: browse brings
		// 1×0.01, cart 2×0.05 = 0.1, pay 0; of 0.11, 1/11 and 10/11.
		{"checkout, weighted average", CombineWeightedAverage, checkout, []float64{1.0 / 11, 10.0 / 11, 0}},
		// Pooled, browse has 1×10 bad events and cart 2×5: half each.
		{"checkout, event weighted", CombineEventWeighted, checkout, []float64{0.5, 0.5, 0}},
		{"idle step", CombineEventWeighted, withStep(checkout, idle), []float64{0.5, 0.5, 0, 0}},
		{"no errors", CombineWeightedAverage, []StepCounts{{Weight: 1, Good: 5, Total: 5}, idle}, []float64{0, 0}},
		{"no steps", CombineEventWeighted, nil, []float64{}},
		{"one failing step", CombineWeightedAverage, []StepCounts{{Weight: 1, Good: 5, Total: 5}, {Weight: 1, Good: 1, Total: 2}}, []float64{0, 1}},
		{"good above total", CombineEventWeighted, []StepCounts{{Weight: 1, Good: 6, Total: 5}, {Weight: 1, Good: 1, Total: 2}}, []float64{0, 1}},
	}
	for _, tt := range tests {
		got, err := StepShares(tt.c, tt.steps)
		if err != nil {
			t.Errorf("%s: StepShares error: %v", tt.name, err)
			continue
		}
		if diff := cmp.Diff(got, tt.want, approx); diff != "" {
			t.Errorf("%s: StepShares mismatch (-got +want):\n%s", tt.name, diff)
		}
	}
}

func TestStepSharesExplainJourneyErrors(t *testing.T) {
	// Each step's share of the journey's error ratio, times that ratio, is
	// what the step would add to the error ratio on its own: removing a
	// step's bad events lowers the journey's error by its share.
	for _, c := range []Combine{CombineWeightedAverage, CombineEventWeighted} {
		success, _, err := JourneySuccess(c, checkout)
		if err != nil {
			t.Fatal(err)
		}
		shares, err := StepShares(c, checkout)
		if err != nil {
			t.Fatal(err)
		}
		for i := range checkout {
			fixed := append([]StepCounts(nil), checkout...)
			fixed[i].Good = fixed[i].Total
			without, _, err := JourneySuccess(c, fixed)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(without-success, shares[i]*(1-success), approx); diff != "" {
				t.Errorf("%s, step %s: the error it causes mismatch (-got +want):\n%s", c, checkout[i].Name, diff)
			}
		}
	}
}
