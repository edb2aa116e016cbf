package slostatus

import (
	"context"
	"fmt"
	"time"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/slo"
	"kiban.dev/kiban/internal/store"
)

// DefaultPoints is the number of samples History takes when asked for none.
const DefaultPoints = 120

// Timeline is an SLO's course over the part of its current window that has
// passed (WindowStart to At), in evenly spaced samples: the error budget
// burning down, the SLI and the burn rate. Its last sample agrees with
// Evaluate at the same moment.
type Timeline struct {
	ID        string    `json:"id"`
	Objective float64   `json:"objective"` // percent
	At        time.Time `json:"at"`
	// WindowStart and WindowEnd are Status's; PeriodEnd is the end of a
	// calendar period (WindowEnd for a rolling window).
	WindowStart time.Time `json:"window_start"`
	WindowEnd   time.Time `json:"window_end"`
	PeriodEnd   time.Time `json:"period_end"`
	// Budgeting is occurrences or timeslices.
	Budgeting string `json:"budgeting"`
	// OK is false when the window has no events: there is no budget to
	// burn down, and every sample's Remaining is 0.
	OK bool `json:"ok"`
	// Steps names a journey's steps, in the order of Point.Steps.
	Steps  []string `json:"steps,omitempty"`
	Points []Point  `json:"points"`
}

// Point is one sample: the interval [From, At) of whole minutes.
type Point struct {
	From time.Time `json:"from"`
	At   time.Time `json:"at"`
	// Remaining is the error budget left at At, counting what was spent
	// since the window start against the budget of the whole window so
	// far: 1 at the start, falling as errors come, and Status.Remaining at
	// the last sample. Spending at exactly the objective's error ratio
	// takes it down in a straight line to 0 at the end.
	Remaining float64 `json:"remaining"`
	// SLI is the success ratio over the interval (of events, or of
	// slices starting in it for timeslices budgeting); SLIOK is false when
	// the interval had no events.
	SLI    float64 `json:"sli"`
	Events float64 `json:"events"`
	SLIOK  bool    `json:"sli_ok"`
	// BurnRate is the burn rate over the hour ending at At.
	BurnRate   float64 `json:"burn_rate_1h"`
	BurnRateOK bool    `json:"burn_rate_ok"`
	// Steps are a journey's steps over the interval.
	Steps []StepPoint `json:"steps,omitempty"`
}

// StepPoint is a journey step over one interval.
type StepPoint struct {
	SLI    float64 `json:"sli"`
	Events float64 `json:"events"`
	OK     bool    `json:"ok"`
}

// History samples an SLO over its current window as of at, in points
// evenly spaced intervals of whole minutes (fewer when the window so far
// is shorter than points minutes; DefaultPoints when points <= 0). It
// reads the counts with one query.
func History(ctx context.Context, st *store.Store, c *catalog.Catalog, s *catalog.SLO, at time.Time, points int) (Timeline, error) {
	if points <= 0 {
		points = DefaultPoints
	}
	objective := s.Spec.Objective / 100
	budget := slo.ErrorBudget(objective)
	win, start, end := sloWindow(s, at)
	_, periodEnd := win.Period(at)
	if win.Calendar == "" {
		periodEnd = end
	}
	h := Timeline{ID: s.ID(), Objective: s.Spec.Objective, At: at.UTC(), WindowStart: start.UTC(), WindowEnd: end.UTC(),
		PeriodEnd: periodEnd.UTC(), Budgeting: catalog.BudgetingOccurrences}
	timeslices := s.Spec.Budgeting.Method == catalog.BudgetingTimeslices
	if timeslices {
		h.Budgeting = catalog.BudgetingTimeslices
	}
	keys := Keys(c, s)
	if len(keys) == 0 {
		return h, nil
	}
	journey := findJourney(c, s.Spec.Journey)
	if journey != nil {
		for _, js := range journey.Spec.Steps {
			h.Steps = append(h.Steps, js.Name)
		}
	}

	startMin, endMin := floorMinute(start), ceilMinute(end)
	n := endMin - startMin
	if n <= 0 {
		return h, nil
	}
	from := startMin - int64(time.Hour/time.Minute) // the burn rate of the first sample looks back an hour
	ser, err := loadSeries(ctx, st, keys, from, endMin)
	if err != nil {
		return h, fmt.Errorf("slostatus: history of %s: %w", s.ID(), err)
	}
	cn := counts{ser: ser, journey: journey}

	// The sample bounds: t[0] = startMin < t[1] < … < t[len-1] = endMin.
	np := min(int64(points), n)
	t := make([]int64, 0, np+1)
	for i := range np + 1 {
		t = append(t, startMin+i*n/np)
	}

	// spent(m) is the budget spent over [startMin, m), as a fraction of the
	// budget of the whole window so far.
	var spent func(m int64) float64
	// sliceSLI(a, b) is the share of good slices among those starting in
	// [a, b), for timeslices budgeting.
	var sliceSLI func(a, b int64) (float64, bool)
	if timeslices {
		sliceLen, _ := catalog.ParseDuration(s.Spec.Budgeting.SliceLength)
		step := max(int64(sliceLen/time.Minute), 1)
		// good[j] counts the good slices among the first j, as Evaluate
		// cuts them: from startMin, the last one cut short at endMin.
		good := []int{0}
		for a := startMin; a < endMin; a += step {
			e, ev, ok := cn.ratio(a, min(a+step, endMin))
			sl := slo.Slice{}
			if ok {
				sl = slo.Slice{Good: ev * (1 - e), Total: ev}
			}
			g, _ := slo.TimesliceSuccess([]slo.Slice{sl}, s.Spec.Budgeting.GoodSliceThreshold)
			good = append(good, good[len(good)-1]+g)
		}
		total := len(good) - 1
		// first returns the index of the first slice starting at or after m.
		first := func(m int64) int { return int(min(max((m-startMin+step-1)/step, 0), int64(total))) }
		spent = func(m int64) float64 {
			j := first(m)
			return float64(j-good[j]) / (budget * float64(total))
		}
		sliceSLI = func(a, b int64) (float64, bool) {
			i, j := first(a), first(b)
			if j <= i {
				return 0, false
			}
			return float64(good[j]-good[i]) / float64(j-i), true
		}
	} else {
		// The error ratio over the window is Σ kᵢ·badᵢ with badᵢ each
		// series' bad events over it: spent(m) sums the same terms over
		// [startMin, m).
		k := make([]float64, len(ser))
		switch {
		case journey == nil:
			if _, tot := ser[0].sum(startMin, endMin); tot > 0 {
				k[0] = 1 / tot
			}
		case journey.Spec.Combine == catalog.CombineWeightedAverage:
			var w float64
			for i, js := range journey.Spec.Steps {
				if _, tot := ser[i].sum(startMin, endMin); tot > 0 {
					w += js.Weight
				}
			}
			for i, js := range journey.Spec.Steps {
				if _, tot := ser[i].sum(startMin, endMin); tot > 0 {
					k[i] = js.Weight / (w * tot)
				}
			}
		default: // eventWeighted
			var den float64
			for i, js := range journey.Spec.Steps {
				_, tot := ser[i].sum(startMin, endMin)
				den += js.Weight * tot
			}
			if den > 0 {
				for i, js := range journey.Spec.Steps {
					k[i] = js.Weight / den
				}
			}
		}
		spent = func(m int64) float64 {
			var e float64
			for i, x := range ser {
				g, tot := x.sum(startMin, m)
				e += k[i] * max(tot-g, 0)
			}
			return e / budget
		}
	}
	if _, events, ok := cn.ratio(startMin, endMin); ok && events > 0 {
		h.OK = true
	}

	for i := 1; i < len(t); i++ {
		a, b := t[i-1], t[i]
		p := Point{From: time.Unix(a*60, 0).UTC(), At: time.Unix(b*60, 0).UTC()}
		if h.OK {
			p.Remaining = 1 - spent(b)
		}
		e, ev, ok := cn.ratio(a, b)
		p.Events = ev
		if ok && ev > 0 {
			p.SLI, p.SLIOK = 1-e, true
			if timeslices {
				p.SLI, p.SLIOK = sliceSLI(a, b)
			}
		}
		if e, _, ok := cn.ratio(b-int64(time.Hour/time.Minute), b); ok {
			p.BurnRate, p.BurnRateOK = slo.BurnRate(e, objective), true
		}
		if journey != nil {
			for _, x := range ser {
				g, tot := x.sum(a, b)
				sp := StepPoint{Events: tot}
				if tot > 0 {
					sp.SLI, sp.OK = g/tot, true
				}
				p.Steps = append(p.Steps, sp)
			}
		}
		h.Points = append(h.Points, p)
	}
	return h, nil
}
