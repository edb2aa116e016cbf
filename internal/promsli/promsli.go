// Package promsli reads SLIs from a Prometheus-compatible query API
// (Prometheus, Thanos, Mimir, VictoriaMetrics): the error ratio and the
// events of an SLO over windows ending at a moment. It uses kiban's
// recording rules when the backend has them, and the SLI's own query
// otherwise. When there is no data it says why, and never makes up a
// value.
package promsli

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/slo/promrules"
)

// Source queries one Prometheus-compatible API.
type Source struct {
	api     v1.API
	url     string
	timeout time.Duration
}

// New returns a source for the API at url (e.g. http://prometheus:9090,
// or a Thanos/Mimir query frontend with its prefix). Each query times out
// after timeout (10s when zero).
func New(url string, timeout time.Duration) (*Source, error) {
	c, err := api.NewClient(api.Config{Address: url})
	if err != nil {
		return nil, fmt.Errorf("promsli: %w", err)
	}
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	return &Source{api: v1.NewAPI(c), url: url, timeout: timeout}, nil
}

// URL is the API's address.
func (s *Source) URL() string { return s.url }

// Sample is an SLI over one window.
type Sample struct {
	ErrorRatio float64 `json:"error_ratio"`
	// Events is the number of events in the window; zero when the SLI
	// counts none.
	Events float64 `json:"events"`
	OK     bool    `json:"ok"`
	// Query is what was asked, so that a figure links to its source.
	Query string `json:"query"`
	// Why explains a missing value.
	Why string `json:"why,omitempty"`
}

// Windows returns the SLO's SLI over each window ending at at. All queries
// run at once; each has its own timeout.
func (s *Source) Windows(ctx context.Context, c *catalog.Catalog, slo *catalog.SLO, windows []time.Duration, at time.Time) (map[time.Duration]Sample, error) {
	q, ok := promrules.QueriesFor(c, slo)
	if !ok {
		return nil, fmt.Errorf("promsli: SLO %s has no PromQL SLI", slo.ID())
	}
	sel := fmt.Sprintf(`{sloth_id=%q}`, slo.ID())
	out := make(map[time.Duration]Sample, len(windows))
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for _, w := range windows {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			name := promrules.WindowName(w)
			// kiban's recording rule first, the SLI's query second.
			smp := s.scalar(ctx, "slo:sli_error:ratio_rate"+name+sel, at)
			if !smp.OK && smp.Why == "no series" {
				fallback := s.scalar(ctx, q.ErrorRatio(name), at)
				if !fallback.OK && fallback.Why == "no series" {
					fallback.Why = "no series: neither the recording rule slo:sli_error:ratio_rate" + name + " nor the SLI query returned data"
				}
				smp = fallback
			}
			if smp.OK && q.Total != nil {
				total := s.scalar(ctx, "slo:sli_total_events:rate"+name+sel, at)
				if !total.OK {
					total = s.scalar(ctx, q.Total(name), at)
				}
				if total.OK {
					smp.Events = total.ErrorRatio * w.Seconds()
				}
			}
			mu.Lock()
			out[w] = smp
			mu.Unlock()
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("promsli: %w", err)
	}
	return out, nil
}

// scalar runs an instant query expected to return one series, and reads
// its value into ErrorRatio.
func (s *Source) scalar(ctx context.Context, query string, at time.Time) Sample {
	smp := Sample{Query: query}
	qctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	v, _, _, err := s.api.Query(qctx, query, at)
	if err != nil {
		smp.Why = s.why(err)
		return smp
	}
	vec, ok := v.(model.Vector)
	if !ok {
		smp.Why = fmt.Sprintf("expected a vector, got %s", v.Type())
		return smp
	}
	switch len(vec) {
	case 0:
		smp.Why = "no series"
		return smp
	case 1:
	default:
		metrics := make([]model.Metric, 0, 3)
		for _, x := range vec[:min(3, len(vec))] {
			metrics = append(metrics, x.Metric)
		}
		smp.Why = manySeries(len(vec), metrics)
		return smp
	}
	f := float64(vec[0].Value)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		smp.Why = "no events in the window (the ratio is " + fmt.Sprint(f) + ")"
		return smp
	}
	smp.ErrorRatio, smp.OK = f, true
	return smp
}

// why explains a failed query.
func (s *Source) why(err error) string {
	var perr *v1.Error
	switch {
	case errors.As(err, &perr):
		return fmt.Sprintf("%s rejected the query: %s", s.url, perr.Msg)
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("%s did not answer within %s", s.url, s.timeout)
	}
	return fmt.Sprintf("%s is unreachable: %v", s.url, err)
}

// manySeries explains an answer of n series where one was expected, with
// the labels of the first few.
func manySeries(n int, first []model.Metric) string {
	var labels []string
	for _, m := range first {
		labels = append(labels, m.String())
	}
	return fmt.Sprintf("the query returned %d series (%s…); aggregate the SLI to one series, e.g. with sum()", n, strings.Join(labels, ", "))
}

// Point is one value of a range query.
type Point struct {
	Time  time.Time `json:"time"`
	Value float64   `json:"value"`
}

// Range runs a range query expected to return one series, evaluated every
// step from start to end, and returns its values in time order. NaN and
// infinite values (no events at that moment) are dropped; no series gives
// no points and no error. Errors explain a failed query as Windows does
// (rejected, not answering, unreachable, several series).
func (s *Source) Range(ctx context.Context, query string, start, end time.Time, step time.Duration) ([]Point, error) {
	if step <= 0 {
		return nil, fmt.Errorf("promsli: %s: step %v is not positive", query, step)
	}
	qctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	v, _, _, err := s.api.QueryRange(qctx, query, v1.Range{Start: start, End: end, Step: step})
	if err != nil {
		return nil, fmt.Errorf("promsli: %s: %s", query, s.why(err))
	}
	m, ok := v.(model.Matrix)
	if !ok {
		return nil, fmt.Errorf("promsli: %s: expected a matrix, got %s", query, v.Type())
	}
	switch len(m) {
	case 0:
		return nil, nil
	case 1:
	default:
		metrics := make([]model.Metric, 0, 3)
		for _, x := range m[:min(3, len(m))] {
			metrics = append(metrics, x.Metric)
		}
		return nil, fmt.Errorf("promsli: %s: %s", query, manySeries(len(m), metrics))
	}
	out := make([]Point, 0, len(m[0].Values))
	for _, p := range m[0].Values {
		f := float64(p.Value)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		out = append(out, Point{Time: p.Timestamp.Time().UTC(), Value: f})
	}
	return out, nil
}
