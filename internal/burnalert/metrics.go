package burnalert

import (
	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	deliveries  *prometheus.CounterVec
	evaluations *prometheus.CounterVec
	firing      *prometheus.GaugeVec
	lastRound   prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kiban_burnalert_deliveries_total",
			Help: "Burn alert deliveries by target (alertmanager, chat) and result (success, failure).",
		}, []string{"target", "result"}),
		evaluations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kiban_burnalert_evaluations_total",
			Help: "SLO evaluations of the burn alert evaluator by result (success, failure).",
		}, []string{"result"}),
		firing: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "kiban_burnalert_firing",
			Help: "Burn alerts firing by severity (page, ticket).",
		}, []string{"severity"}),
		lastRound: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kiban_burnalert_last_round_timestamp_seconds",
			Help: "When the burn alert evaluator last ran.",
		}),
	}
	// Known series start at zero, so that rate() and alerts see them.
	for _, t := range []string{"alertmanager", "chat"} {
		for _, r := range []string{"success", "failure"} {
			m.deliveries.WithLabelValues(t, r)
		}
	}
	for _, r := range []string{"success", "failure"} {
		m.evaluations.WithLabelValues(r)
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.deliveries, m.evaluations, m.firing, m.lastRound} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}
