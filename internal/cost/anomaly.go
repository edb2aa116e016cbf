package cost

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/notify"
	"kiban.dev/kiban/internal/store"
)

// AnomalyOptions tune anomaly detection; zero fields take the defaults.
type AnomalyOptions struct {
	// Weeks of history each day is compared with: the same weekday over
	// that many weeks (4 to 8; default 6).
	Weeks int
	// Threshold is the robust z-score above which a day is anomalous
	// (default 4): (cost - median) / (1.4826 × MAD).
	Threshold float64
	// MinExcess is the smallest excess over the expected cost worth a
	// message, in the billing currency (default 20): noise on small
	// amounts is ignored.
	MinExcess decimal.Decimal
	// MinRatio is the smallest cost / expected ratio (default 1.5).
	MinRatio float64
}

func (o AnomalyOptions) withDefaults() AnomalyOptions {
	if o.Weeks == 0 {
		o.Weeks = 6
	}
	o.Weeks = min(max(o.Weeks, 4), 8)
	if o.Threshold == 0 {
		o.Threshold = 4
	}
	if o.MinExcess.IsZero() {
		o.MinExcess = decimal.NewFromInt(20)
	}
	if o.MinRatio == 0 {
		o.MinRatio = 1.5
	}
	return o
}

// Anomaly is a day whose cost of a service and service category is far
// above what that weekday usually costs.
type Anomaly struct {
	Day             string          `json:"day"`
	Service         string          `json:"service"` // empty: unallocated
	Team            string          `json:"team,omitempty"`
	ServiceCategory string          `json:"service_category"`
	Currency        string          `json:"currency"`
	Cost            decimal.Decimal `json:"cost"`
	Expected        decimal.Decimal `json:"expected"`
	Excess          decimal.Decimal `json:"excess"`
	Score           float64         `json:"score"`
	// TopResources are the resources whose cost grew the most that day.
	TopResources []ResourceLine `json:"top_resources"`
}

type seriesKey struct{ service, team, category, currency string }

// minHistory is how many same-weekday days with data a day needs before
// it can be called anomalous.
const minHistory = 4

// DetectAnomalies looks at each day of [from, to) for every service and
// service category: the day's effective cost is compared with the same
// weekday of the weeks before (a seasonal median and the median absolute
// deviation, robust to earlier spikes); it is anomalous when its robust
// z-score passes the threshold and the excess is worth money. Only usage
// counts (purchases, fees and taxes come on their day by design), and a
// day needs data on at least four of the weeks before.
func DetectAnomalies(ctx context.Context, st *store.Store, from, to time.Time, opts AnomalyOptions) ([]Anomaly, error) {
	opts = opts.withDefaults()
	histFrom := from.AddDate(0, 0, -7*opts.Weeks)
	days, err := st.CostDays(ctx, store.CostQuery{From: histFrom.Format(time.DateOnly), To: to.Format(time.DateOnly)})
	if err != nil {
		return nil, err
	}
	series := map[seriesKey]map[string]decimal.Decimal{}
	for _, d := range days {
		if d.ChargeCategory != "Usage" {
			continue // purchases, fees and taxes come on their day by design
		}
		k := seriesKey{d.Service, d.Team, d.ServiceCategory, d.Currency}
		if series[k] == nil {
			series[k] = map[string]decimal.Decimal{}
		}
		series[k][d.Day] = series[k][d.Day].Add(parse(d.Effective))
	}
	var out []Anomaly
	for k, s := range series {
		for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
			day := d.Format(time.DateOnly)
			x, ok := s[day]
			if !ok {
				continue
			}
			var hist []float64
			known := 0
			for w := 1; w <= opts.Weeks; w++ {
				v, ok := s[d.AddDate(0, 0, -7*w).Format(time.DateOnly)] // a missing day cost nothing
				if ok {
					known++
				}
				f, _ := v.Float64()
				hist = append(hist, f)
			}
			if known < minHistory {
				continue // too new to judge
			}
			score, expected, anomalous := robustScore(x, hist, opts)
			if !anomalous {
				continue
			}
			exp := decimal.NewFromFloat(expected).Round(2)
			out = append(out, Anomaly{Day: day, Service: k.service, Team: k.team, ServiceCategory: k.category, Currency: k.currency,
				Cost: x, Expected: exp, Excess: x.Sub(exp), Score: score})
		}
	}
	slices.SortFunc(out, func(a, b Anomaly) int {
		return cmp.Or(strings.Compare(a.Day, b.Day), b.Excess.Cmp(a.Excess), strings.Compare(a.Service, b.Service))
	})
	for i := range out {
		out[i].TopResources, err = contributors(ctx, st, out[i], 5)
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// robustScore compares x with its history: the score is (x - median) /
// (1.4826 × MAD), with the scale floored at 5% of the median (and 1 cent)
// so that a flat history does not make every wiggle an anomaly.
func robustScore(x decimal.Decimal, hist []float64, opts AnomalyOptions) (score, expected float64, anomalous bool) {
	xf, _ := x.Float64()
	med := medianFloat(hist)
	dev := make([]float64, len(hist))
	for i, h := range hist {
		dev[i] = max(h-med, med-h)
	}
	scale := max(1.4826*medianFloat(dev), 0.05*med, 0.01)
	score = (xf - med) / scale
	excess := decimal.NewFromFloat(xf - med)
	anomalous = score >= opts.Threshold && excess.GreaterThanOrEqual(opts.MinExcess) && xf >= opts.MinRatio*med
	return score, med, anomalous
}

func medianFloat(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// contributors are the resources of an anomaly's service and category
// whose cost that day exceeds their usual cost (the median of the same
// weekday over the four weeks before) the most.
func contributors(ctx context.Context, st *store.Store, a Anomaly, n int) ([]ResourceLine, error) {
	d, _ := time.Parse(time.DateOnly, a.Day)
	q := store.CostQuery{Service: a.Service, Unallocated: a.Service == "", From: d.AddDate(0, 0, -28).Format(time.DateOnly),
		To: d.AddDate(0, 0, 1).Format(time.DateOnly)}
	rs, err := st.CostResources(ctx, q)
	if err != nil {
		return nil, err
	}
	type acc struct {
		line *resourceSum
		past map[string]float64
	}
	byID := map[string]*acc{}
	for _, r := range rs {
		if r.ServiceCategory != a.ServiceCategory || r.Currency != a.Currency {
			continue
		}
		k := r.Provider + "\x00" + r.ResourceID + "\x00" + r.ServiceName
		x := byID[k]
		if x == nil {
			x = &acc{line: newResourceSum(r), past: map[string]float64{}}
			byID[k] = x
		}
		e := parse(r.Effective)
		if r.Day == a.Day {
			x.line.add(r)
			continue
		}
		f, _ := e.Float64()
		x.past[r.Day] += f
	}
	type scored struct {
		line   ResourceLine
		growth float64
	}
	var all []scored
	for _, x := range byID {
		line := x.line.result()
		if line.Effective.IsZero() {
			continue
		}
		var hist []float64
		for w := 1; w <= 4; w++ {
			hist = append(hist, x.past[d.AddDate(0, 0, -7*w).Format(time.DateOnly)])
		}
		f, _ := line.Effective.Float64()
		all = append(all, scored{line, f - medianFloat(hist)})
	}
	slices.SortFunc(all, func(a, b scored) int { return cmp.Compare(b.growth, a.growth) })
	out := []ResourceLine{}
	for _, s := range all[:min(n, len(all))] {
		out = append(out, s.line)
	}
	return out, nil
}

// NotifyAnomalies queues one chat message per anomaly to the owning team
// (the service's team; unallocated anomalies go to fallbackTeam when set),
// once per anomaly however often it runs. It returns how many were queued.
func NotifyAnomalies(ctx context.Context, st *store.Store, c *catalog.Catalog, anomalies []Anomaly, fallbackTeam, baseURL string) (int, error) {
	msgs := make([]message, 0, len(anomalies))
	for _, a := range anomalies {
		msgs = append(msgs, message{team: cmp.Or(a.Team, fallbackTeam), kind: "cost.anomaly",
			dedup: fmt.Sprintf("cost.anomaly:%s:%s:%s:%s", a.Service, a.ServiceCategory, a.Currency, a.Day), msg: anomalyMessage(a, baseURL)})
	}
	return queueAll(ctx, st, c, msgs)
}

func anomalyMessage(a Anomaly, baseURL string) notify.Message {
	what := cmp.Or(a.Service, "unallocated cost")
	head := fmt.Sprintf("Cost anomaly: %s %s on %s", what, a.ServiceCategory, a.Day)
	body := fmt.Sprintf("%s spent *%s %s* on %s (%s), where that weekday usually costs %s %s: *+%s %s*.",
		notify.Escape(what), a.Cost.StringFixed(2), a.Currency, notify.Escape(a.ServiceCategory), a.Day,
		a.Expected.StringFixed(2), a.Currency, a.Excess.StringFixed(2), a.Currency)
	var top []string
	for _, r := range a.TopResources {
		top = append(top, fmt.Sprintf("• %s (%s): %s %s", notify.Escape(cmp.Or(r.ResourceID, "(no resource id)")),
			notify.Escape(r.ServiceName), r.Effective.StringFixed(2), r.Currency))
	}
	blocks := []notify.Block{notify.Header(head), notify.Section(body)}
	if len(top) > 0 {
		blocks = append(blocks, notify.Section("*Top resources that day*\n"+strings.Join(top, "\n")))
	}
	if baseURL != "" && a.Service != "" {
		blocks = append(blocks, notify.Actions(notify.LinkButton("Open the cost view", strings.TrimRight(baseURL, "/")+"/cost?service="+a.Service, "")))
	}
	return notify.Message{Text: head, Blocks: blocks}
}
