package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

func newRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

type metrics struct {
	requests    *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	reloads     *prometheus.CounterVec
	loadSeconds prometheus.Histogram
	lastSuccess prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer, s *Server) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kiban_http_requests_total", Help: "HTTP requests by route pattern, method and status code.",
		}, []string{"handler", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "kiban_http_request_duration_seconds", Help: "HTTP request latency by route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"handler"}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kiban_catalog_loads_total", Help: "Catalog loads (start and reloads) by result.",
		}, []string{"result"}),
		loadSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "kiban_catalog_load_duration_seconds", Help: "Time to read and validate the tree.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 8),
		}),
		lastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kiban_catalog_last_load_success_timestamp_seconds", Help: "When the tree last loaded without errors.",
		}),
	}
	healthy := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "kiban_catalog_last_load_ok", Help: "1 when the last load of the tree succeeded, 0 while serving an older catalog.",
	}, func() float64 {
		if st := s.state.Load(); st != nil && st.err != nil {
			return 0
		}
		return 1
	})
	objects := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "kiban_catalog_services", Help: "Services in the catalog being served.",
	}, func() float64 { return float64(len(s.current().cat.Services)) })
	teams := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "kiban_catalog_teams", Help: "Teams in the catalog being served.",
	}, func() float64 { return float64(len(s.current().cat.Teams)) })
	reg.MustRegister(m.requests, m.duration, m.reloads, m.loadSeconds, m.lastSuccess, healthy, objects, teams)
	return m
}

func (m *metrics) observeLoad(ok bool, took time.Duration) {
	result := "success"
	if !ok {
		result = "failure"
	} else {
		m.lastSuccess.SetToCurrentTime()
	}
	m.reloads.WithLabelValues(result).Inc()
	m.loadSeconds.Observe(took.Seconds())
}

// statusRecorder remembers the status code a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// instrument counts requests by the ServeMux pattern that served them, so
// that /services/{name} is one series however many services there are.
func (m *metrics) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		pattern := r.Pattern
		if pattern == "" {
			pattern = "unmatched"
		}
		if rec.code == 0 {
			rec.code = http.StatusOK
		}
		m.requests.WithLabelValues(pattern, r.Method, strconv.Itoa(rec.code)).Inc()
		m.duration.WithLabelValues(pattern).Observe(time.Since(start).Seconds())
	})
}
