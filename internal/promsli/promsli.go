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
		var perr *v1.Error
		switch {
		case errors.As(err, &perr):
			smp.Why = fmt.Sprintf("%s rejected the query: %s", s.url, perr.Msg)
		case errors.Is(err, context.DeadlineExceeded):
			smp.Why = fmt.Sprintf("%s did not answer within %s", s.url, s.timeout)
		default:
			smp.Why = fmt.Sprintf("%s is unreachable: %v", s.url, err)
		}
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
		var labels []string
		for _, x := range vec[:min(3, len(vec))] {
			labels = append(labels, x.Metric.String())
		}
		smp.Why = fmt.Sprintf("the query returned %d series (%s…); aggregate the SLI to one series, e.g. with sum()", len(vec), strings.Join(labels, ", "))
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
