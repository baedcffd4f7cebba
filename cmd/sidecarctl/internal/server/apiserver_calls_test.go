package server

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// callCounter is a loopback admission webhook that counts the pods it is sent, by name; on
// pathOther it adds an annotation, so that a webhook called before it is reinvoked.
type callCounter struct {
	mu    sync.Mutex
	calls map[string]int
}

const pathOther = "/other"

func (c *callCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var review admissionv1.AdmissionReview
	if err := json.NewDecoder(r.Body).Decode(&review); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var pod corev1.Pod
	_ = json.Unmarshal(review.Request.Object.Raw, &pod)
	resp := &admissionv1.AdmissionResponse{UID: review.Request.UID, Allowed: true}
	if r.URL.Path == pathOther {
		if _, done := pod.Annotations["other"]; !done {
			resp.Patch = []byte(`[{"op":"add","path":"/metadata/annotations/other","value":"x"}]`)
			resp.PatchType = ptr(admissionv1.PatchTypeJSONPatch)
		}
	} else {
		c.mu.Lock()
		c.calls[pod.Name]++
		c.mu.Unlock()
	}
	review.Response, review.Request = resp, nil
	_ = json.NewEncoder(w).Encode(&review)
}

func (c *callCounter) count(name string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[name]
}

// TestPodWebhookCallsThroughAPIServer applies the configuration for 10,000 SidecarSets with
// distinct label keys to a real kube-apiserver (envtest; SIDECARCTL_E2E and KUBEBUILDER_ASSETS
// as for the e2e suite) and counts the calls to the pod webhook: one for a matching pod, two
// when a later webhook changes it (reinvocation), none for an unrelated pod.
func TestPodWebhookCallsThroughAPIServer(t *testing.T) {
	if os.Getenv("SIDECARCTL_E2E") == "" || os.Getenv("KUBEBUILDER_ASSETS") == "" {
		t.Skip("needs SIDECARCTL_E2E=1 and KUBEBUILDER_ASSETS (a kube-apiserver)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	data, err := (&CertSource{Namespace: "x", ServiceName: "x", Hosts: []string{"127.0.0.1"}}).issue(time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tlsPair(data)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12})
	if err != nil {
		t.Fatal(err)
	}
	counter := &callCounter{calls: map[string]int{}}
	srv := &http.Server{Handler: counter, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	url := "https://" + ln.Addr().(*net.TCPAddr).String()

	env := &envtest.Environment{}
	cfg, err := env.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = env.Stop() }()
	c, err := client.New(cfg, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const n = 10000
	mutating := MutatingWebhookConfiguration(distinctKeySidecarSets(n), nil, WebhookConfigOptions{Name: "a-sidecarctl", URL: url,
		CABundle: data[keyCACert], ExcludeNamespaces: []string{"kube-system"}, Mode: Standalone})
	other := &admissionregistrationv1.MutatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: "z-other"},
		Webhooks: []admissionregistrationv1.MutatingWebhook{{
			Name: "other.sidecarctl.dev", ClientConfig: WebhookConfigOptions{URL: url, CABundle: data[keyCACert]}.clientConfig(pathOther),
			Rules:         rules("", "v1", "pods", admissionregistrationv1.Create),
			FailurePolicy: ptr(admissionregistrationv1.Fail), SideEffects: ptr(admissionregistrationv1.SideEffectClassNone),
			AdmissionReviewVersions: []string{"v1"},
			NamespaceSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{corev1.LabelMetadataName: "reinvoked"}},
		}}}
	for _, obj := range []client.Object{mutating, other,
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "plain"}}, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "reinvoked"}}} {
		if err := c.Create(ctx, obj); err != nil {
			t.Fatal(err)
		}
	}
	var stored admissionregistrationv1.MutatingWebhookConfiguration
	if err := c.Get(ctx, client.ObjectKeyFromObject(mutating), &stored); err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(&stored)
	if len(raw) > 100<<10 {
		t.Errorf("stored configuration is %d bytes, want at most 100 KB", len(raw))
	}

	matching := map[string]string{fmt.Sprintf("team-%05d.example.com/inject", n-1): "true"}
	create := func(ns, name string, labels map[string]string) {
		t.Helper()
		pod := labelled(ns, labels)
		pod.Name, pod.Annotations = name, map[string]string{"created-by": "test"}
		if err := c.Create(ctx, pod); err != nil {
			t.Fatalf("create pod %s/%s: %v", ns, name, err)
		}
	}
	// The API server loads webhook configurations from an informer: wait until it calls ours.
	for i := 0; counter.count(fmt.Sprintf("warm-%d", i-1)) == 0; i++ {
		if i == 60 || ctx.Err() != nil {
			t.Fatal("the API server never called the pod webhook")
		}
		create("plain", fmt.Sprintf("warm-%d", i), matching)
		time.Sleep(500 * time.Millisecond)
	}
	create("plain", "matching", matching)
	create("reinvoked", "matching-reinvoked", matching)
	create("plain", "unrelated", map[string]string{"app": "x", "team-0.example.com/inject": "true"})
	create("reinvoked", "unlabelled", nil)
	got := map[string]int{}
	for _, name := range []string{"matching", "matching-reinvoked", "unrelated", "unlabelled"} {
		got[name] = counter.count(name)
	}
	t.Logf("N=%d: %d webhook entries, stored configuration %d bytes; pod webhook calls: %v", n, len(stored.Webhooks), len(raw), got)
	want := map[string]int{"matching": 1, "matching-reinvoked": 2, "unrelated": 0, "unlabelled": 0}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("pod %s: %d calls to the pod webhook, want %d", name, got[name], w)
		}
	}
}
