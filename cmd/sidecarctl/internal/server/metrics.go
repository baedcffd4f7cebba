package server

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the webhook's Prometheus series. Reasons are the engine's reason codes, so a
// dashboard and `sidecarctl explain` speak the same words.
type Metrics struct {
	Admissions *prometheus.CounterVec
	Decisions  *prometheus.CounterVec
	Latency    *prometheus.HistogramVec
}

// NewMetrics creates the series and registers them with reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		Admissions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sidecarctl_admissions_total",
			Help: "Admission requests by webhook and result (injected, unchanged, refused, error, allowed, denied).",
		}, []string{"webhook", "result"}),
		Decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sidecarctl_sidecarset_decisions_total",
			Help: "Per-SidecarSet injection decisions by reason code.",
		}, []string{"reason"}),
		Latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "sidecarctl_admission_duration_seconds",
			Help: "Time spent handling one admission request, server side.",
			// 100us to 10s, x2.5 per bucket: injection is sub-millisecond, the API server's
			// whole mutating budget is about a second.
			Buckets: prometheus.ExponentialBucketsRange(0.0001, 10, 14),
		}, []string{"webhook"}),
	}
	for _, c := range []prometheus.Collector{m.Admissions, m.Decisions, m.Latency} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}
