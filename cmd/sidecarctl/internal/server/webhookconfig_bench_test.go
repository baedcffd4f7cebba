package server

import (
	"encoding/json"
	"testing"
	"time"
)

// BenchmarkWebhookConfig10000 builds the webhook configurations for 10,000 SidecarSets whose
// selectors each require their own label key (the worst case for the pod webhook's
// condition) and reports the object's size, the figure `make bench` keeps an eye on.
func BenchmarkWebhookConfig10000(b *testing.B) {
	certs := &CertSource{Namespace: "sidecarctl-system", ServiceName: "sidecarctl-webhook"}
	data, err := certs.issue(time.Now(), nil)
	if err != nil {
		b.Fatal(err)
	}
	opts := WebhookConfigOptions{Name: "sidecarctl", ServiceNamespace: "sidecarctl-system", ServiceName: "sidecarctl-webhook",
		CABundle: data[keyCACert], ExcludeNamespaces: []string{"kube-system", "sidecarctl-system"}}
	sets := distinctKeySidecarSets(10000)
	var size int
	b.ReportAllocs()
	for b.Loop() {
		raw, err := json.Marshal(MutatingWebhookConfiguration(sets, nil, opts))
		if err != nil {
			b.Fatal(err)
		}
		size = len(raw)
	}
	b.ReportMetric(float64(size)/1024, "config_kb")
}
