package slo

import (
	"fmt"
	"testing"
)

func BenchmarkJourneySuccess(b *testing.B) {
	for _, n := range []int{3, 30} {
		steps := make([]StepCounts, n)
		for i := range steps {
			steps[i] = StepCounts{Name: fmt.Sprintf("step-%d", i), Weight: float64(1 + i%3), Good: float64(1000 - i), Total: 1000}
		}
		for _, c := range []Combine{CombineWeightedAverage, CombineEventWeighted} {
			b.Run(fmt.Sprintf("%s/%d", c, n), func(b *testing.B) {
				for b.Loop() {
					if _, _, err := JourneySuccess(c, steps); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
