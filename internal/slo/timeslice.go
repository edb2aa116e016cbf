package slo

// Slice is what one timeslice (one minute, say) of a timeslice SLO saw.
type Slice struct {
	Good, Total float64 // good events and all events, or their rates
}

// EmptySlices says how TimesliceSuccessWith counts slices without events.
type EmptySlices int

// The ways to count slices without events.
const (
	// EmptySlicesGood counts them as good slices: no one was let down in a
	// minute no one used the service, and counting it bad would make every
	// quiet night spend budget. It is the default, what TimesliceSuccess
	// does.
	EmptySlicesGood EmptySlices = iota
	// EmptySlicesBad counts them as bad slices, for SLIs where silence
	// itself is a failure, such as a job that must report every minute.
	EmptySlicesBad
	// EmptySlicesSkipped leaves them out of both counts.
	EmptySlicesSkipped
)

// TimesliceSuccess counts the good slices of a timeslice SLO: a slice is
// good when its success ratio Good/Total is at least threshold, or when it
// had no events (see EmptySlicesGood). totalSlices is len(slices); the SLO
// compares goodSlices/totalSlices with its objective.
func TimesliceSuccess(slices []Slice, threshold float64) (goodSlices, totalSlices int) {
	return TimesliceSuccessWith(slices, threshold, EmptySlicesGood)
}

// TimesliceSuccessWith is TimesliceSuccess with a choice for slices without
// events, those whose Total is not positive (zero, negative or NaN). A
// slice with events whose ratio is NaN is bad. An unknown empty counts
// empty slices as good.
func TimesliceSuccessWith(slices []Slice, threshold float64, empty EmptySlices) (goodSlices, totalSlices int) {
	for _, s := range slices {
		if !(s.Total > 0) {
			switch empty {
			case EmptySlicesSkipped:
				continue
			case EmptySlicesBad:
			default:
				goodSlices++
			}
			totalSlices++
			continue
		}
		if s.Good/s.Total >= threshold {
			goodSlices++
		}
		totalSlices++
	}
	return goodSlices, totalSlices
}
