package slo

import (
	"fmt"
	"math"
)

// Combine is how a journey combines the SLIs of its steps into one success
// ratio.
type Combine string

// The ways to combine steps. With weights wᵢ and, for step i, goodᵢ,
// badᵢ = totalᵢ - goodᵢ and totalᵢ events:
const (
	// CombineWeightedAverage averages the steps' success ratios:
	// Σwᵢ·(goodᵢ/totalᵢ) / Σwᵢ. Steps with no traffic (totalᵢ = 0) are
	// left out of both sums. Every step counts by its weight alone, so a
	// rarely used step that fails often pulls the journey down as much as
	// a busy one.
	CombineWeightedAverage Combine = "weightedAverage"
	// CombineEventWeighted pools the steps' events: 1 - Σwᵢ·badᵢ /
	// Σwᵢ·totalᵢ. Busy steps count for more, as each event does.
	CombineEventWeighted Combine = "eventWeighted"
)

// StepCounts is what one step of a journey measured over some window.
type StepCounts struct {
	Name   string  // the step, for error messages
	Weight float64 // the step's weight; positive
	Good   float64 // good events, or their rate
	Total  float64 // all events, or their rate
}

// goodBad is the step's good and bad events. Good above Total, which scrape
// skew between two counters can produce, counts as Total good events and no
// bad ones.
func (s StepCounts) goodBad() (good, bad float64) {
	good = min(s.Good, s.Total)
	return good, s.Total - good
}

// validateSteps checks that c is known and that every step has a positive
// weight and finite, non-negative counts.
func validateSteps(c Combine, steps []StepCounts) error {
	if c != CombineWeightedAverage && c != CombineEventWeighted {
		return fmt.Errorf("slo: unknown journey combination %q; expected %s or %s", c, CombineWeightedAverage, CombineEventWeighted)
	}
	for i, s := range steps {
		name := s.Name
		if name == "" {
			name = fmt.Sprintf("#%d", i+1)
		}
		switch {
		case !(s.Weight > 0) || math.IsInf(s.Weight, 0):
			return fmt.Errorf("slo: journey step %s: weight %v is not positive", name, s.Weight)
		case !(s.Good >= 0) || math.IsInf(s.Good, 0):
			return fmt.Errorf("slo: journey step %s: good events %v are not a non-negative number", name, s.Good)
		case !(s.Total >= 0) || math.IsInf(s.Total, 0):
			return fmt.Errorf("slo: journey step %s: total events %v are not a non-negative number", name, s.Total)
		}
	}
	return nil
}

// JourneySuccess combines the steps' counts into the journey's success
// ratio as c says. ok is false when no step had traffic, as nothing was
// measured. It returns an error for an unknown c, a weight that is not
// positive, or a count that is negative, NaN or infinite. Good above Total
// in a step, which scrape skew between two counters can produce, counts as
// a step without errors.
func JourneySuccess(c Combine, steps []StepCounts) (success float64, ok bool, err error) {
	if err := validateSteps(c, steps); err != nil {
		return 0, false, err
	}
	var num, den float64
	for _, s := range steps {
		if s.Total == 0 {
			continue
		}
		good, bad := s.goodBad()
		if c == CombineWeightedAverage {
			num += s.Weight * good / s.Total
			den += s.Weight
		} else {
			num += s.Weight * bad
			den += s.Weight * s.Total
		}
	}
	if den == 0 {
		return 0, false, nil
	}
	if c == CombineWeightedAverage {
		return num / den, true, nil
	}
	return 1 - num/den, true, nil
}

// StepShares attributes the journey's errors to its steps: element i is the
// share of the journey's error ratio, and so of the budget it spent, that
// step i caused. With c = CombineWeightedAverage that is wᵢ·badᵢ/totalᵢ,
// with CombineEventWeighted wᵢ·badᵢ, each over the sum of all steps'. The
// shares are in the order of steps and sum to 1 (up to rounding); steps
// without errors or traffic have 0, and all are 0 when no step had errors.
// It returns the errors JourneySuccess does.
func StepShares(c Combine, steps []StepCounts) ([]float64, error) {
	if err := validateSteps(c, steps); err != nil {
		return nil, err
	}
	shares := make([]float64, len(steps))
	var sum float64
	for i, s := range steps {
		if s.Total == 0 {
			continue
		}
		_, bad := s.goodBad()
		shares[i] = s.Weight * bad
		if c == CombineWeightedAverage {
			shares[i] /= s.Total
		}
		sum += shares[i]
	}
	if sum == 0 {
		return shares, nil
	}
	for i := range shares {
		shares[i] /= sum
	}
	return shares, nil
}
