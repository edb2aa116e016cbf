package slo

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestTimesliceSuccess(t *testing.T) {
	type counts struct{ Good, Total int }
	tests := []struct {
		name      string
		slices    []Slice
		threshold float64
		want      counts
	}{
		{"none", nil, 0.99, counts{0, 0}},
		{
			"above, at and below the threshold", []Slice{
				{Good: 1000, Total: 1000}, // 100%
				{Good: 999, Total: 1000},  // 99.9%, at the threshold: good
				{Good: 998, Total: 1000},  // 99.8%
			}, 0.999, counts{2, 3},
		},
		{"empty slices are good", []Slice{{0, 0}, {0, 0}, {Good: 1, Total: 2}}, 0.9, counts{2, 3}},
		{"an all-bad slice", []Slice{{Good: 0, Total: 5}}, 0.5, counts{0, 1}},
		{"rates", []Slice{{Good: 0.95, Total: 1}, {Good: 0.2, Total: 0.25}}, 0.9, counts{1, 2}},
		{"good above total is good", []Slice{{Good: 11, Total: 10}}, 0.99, counts{1, 1}},
		{"NaN good is bad", []Slice{{Good: math.NaN(), Total: 10}}, 0.99, counts{0, 1}},
		{"threshold 0: every slice is good", []Slice{{Good: 0, Total: 10}}, 0, counts{1, 1}},
	}
	for _, tt := range tests {
		var got counts
		got.Good, got.Total = TimesliceSuccess(tt.slices, tt.threshold)
		if diff := cmp.Diff(got, tt.want); diff != "" {
			t.Errorf("%s: TimesliceSuccess(%v, %v) mismatch (-got +want):\n%s", tt.name, tt.slices, tt.threshold, diff)
		}
	}
}

func TestTimesliceSuccessWith(t *testing.T) {
	type counts struct{ Good, Total int }
	// One good slice, one bad, and three without events (no traffic, and
	// a negative and a NaN total, which count as none).
	slices := []Slice{{Good: 10, Total: 10}, {Good: 5, Total: 10}, {}, {Good: 0, Total: -1}, {Good: 0, Total: math.NaN()}}
	tests := []struct {
		empty EmptySlices
		want  counts
	}{
		{EmptySlicesGood, counts{4, 5}},
		{EmptySlicesBad, counts{1, 5}},
		{EmptySlicesSkipped, counts{1, 2}},
		{EmptySlices(42), counts{4, 5}}, // unknown: as good
	}
	for _, tt := range tests {
		var got counts
		got.Good, got.Total = TimesliceSuccessWith(slices, 0.99, tt.empty)
		if diff := cmp.Diff(got, tt.want); diff != "" {
			t.Errorf("TimesliceSuccessWith(..., %d) mismatch (-got +want):\n%s", tt.empty, diff)
		}
	}
}
