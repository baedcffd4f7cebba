package server

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"

	"github.com/sidecarctl/sidecarctl/sidecarset/sidecarsettest"
)

// distinctKeySidecarSets returns n SidecarSets whose selectors each require a label key no
// other requires: the worst case for the pod webhook's key condition.
func distinctKeySidecarSets(n int) []*appsv1alpha1.SidecarSet {
	out := make([]*appsv1alpha1.SidecarSet, n)
	for i := range out {
		out[i] = set(fmt.Sprintf("team-%05d", i), "", map[string]string{fmt.Sprintf("team-%05d.example.com/inject", i): "true"})
	}
	return out
}

// TestPodWebhookConfigurationSize: one pod webhook entry and a bounded object at N=10, 1,000
// and 10,000 SidecarSets, both for the benchmark's sets (distinct selectors over a few keys)
// and for distinct keys; the condition compiles and stays within the API server's CEL cost
// budget for a pod with many labels.
func TestPodWebhookConfigurationSize(t *testing.T) {
	t.Parallel()
	certs := &CertSource{Namespace: "sidecarctl-system", ServiceName: "sidecarctl-webhook"}
	data, err := certs.issue(time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	opts := WebhookConfigOptions{Name: "sidecarctl", ServiceNamespace: "sidecarctl-system", ServiceName: "sidecarctl-webhook",
		CABundle: data[keyCACert], ExcludeNamespaces: []string{"kube-system", "sidecarctl-system"}}
	for _, n := range []int{10, 1000, 10000} {
		bench, err := sidecarsettest.BenchSidecarSets(n)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name string
			sets []*appsv1alpha1.SidecarSet
			// a pod matching one of the sets, and one matching none
			match, other map[string]string
		}{
			{"bench", bench, map[string]string{"app": "code-interpreter"}, map[string]string{"run": "x"}},
			{"distinct-keys", distinctKeySidecarSets(n), map[string]string{fmt.Sprintf("team-%05d.example.com/inject", n-1): "true"},
				map[string]string{"app": "x"}},
		} {
			t.Run(fmt.Sprintf("%s/N=%d", tc.name, n), func(t *testing.T) {
				t.Parallel()
				cfg := MutatingWebhookConfiguration(tc.sets, nil, opts)
				raw, err := json.Marshal(cfg)
				if err != nil {
					t.Fatal(err)
				}
				wh, ok := podWebhook(t, cfg)
				if !ok {
					t.Fatal("no pod webhook")
				}
				if len(raw) > 100<<10 {
					t.Errorf("configuration is %d bytes, want at most 100 KB", len(raw))
				}
				m := newCELMatcher(t, wh)
				manyLabels := map[string]string{}
				for i := range 2000 {
					manyLabels[fmt.Sprintf("label-%04d.example.com/some-longer-key-name", i)] = "v"
				}
				var costs []int64
				for _, p := range []struct {
					labels map[string]string
					sent   bool
				}{{tc.match, true}, {tc.other, false}, {manyLabels, false}} {
					got, cost := m.matches(t, labelled("default", p.labels), map[string]string{"kubernetes.io/metadata.name": "default"})
					if got != p.sent {
						t.Errorf("pod with %d labels: sent = %t, want %t", len(p.labels), got, p.sent)
					}
					costs = append(costs, cost)
				}
				t.Logf("%s N=%d: %d webhook entries (1 for pods), %d bytes, condition %d bytes; CEL cost matching/other/2,000 labels: %v",
					tc.name, n, len(cfg.Webhooks), len(raw), len(wh.MatchConditions[0].Expression), costs)
			})
		}
	}
}
