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
	// StateUpdates times the snapshot worker's updates by kind (incremental, rebuild,
	// failed): the work done off the request path.
	StateUpdates *prometheus.HistogramVec
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
		StateUpdates: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "sidecarctl_state_update_duration_seconds",
			Help: "Time the background worker spent building and swapping in a new cluster state, by kind (incremental, rebuild, failed).",
			// 1ms to 100s, x2.5 per bucket: an incremental update takes milliseconds, a
			// rebuild of 10,000 SidecarSets about a second.
			Buckets: prometheus.ExponentialBucketsRange(0.001, 100, 14),
		}, []string{"kind"}),
	}
	for _, c := range []prometheus.Collector{m.Admissions, m.Decisions, m.Latency, m.StateUpdates} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}
