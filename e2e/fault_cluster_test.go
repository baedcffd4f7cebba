package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	admissionv1 "k8s.io/api/admission/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	bindingv1alpha1 "github.com/sidecarctl/sidecarctl/binding/v1alpha1"
)

const (
	// faultNamespace holds the replicas' leader-election lease; its pods are never sent.
	faultNamespace = "sidecarctl-fault"
	// faultConfig names the webhook configurations the replicas keep.
	faultConfig = "sidecarctl-fault"
	// leaseDuration is the replicas' leader-election lease.
	leaseDuration = 30 * time.Second
)

// faultCluster is the fault suite's own control plane (stopping its API server disturbs no
// other test), two `sidecarctl serve` replicas with leader election behind a balancer (the
// webhooks' URL), and the CA whose certificates they serve.
type faultCluster struct {
	env        *envtest.Environment
	cfg        *rest.Config
	c          client.Client
	kubeconfig string
	lb         *balancer
	ca         *testCA
	replicas   []*replica
}

// replica is one serve process and where it listens.
type replica struct {
	*server
	name        string
	addr        string // webhook server, host:port
	certDir     string
	metricsAddr string
}

func startFaultCluster(ctx context.Context, t *testing.T) *faultCluster {
	t.Helper()
	controlPlane(t) // skips as the rest of the suite does
	crds, err := loadCRDs()
	if err != nil {
		t.Fatal(err)
	}
	fc := &faultCluster{env: &envtest.Environment{BinaryAssetsDirectory: os.Getenv(assetsEnv),
		CRDInstallOptions: envtest.CRDInstallOptions{CRDs: crds}}}
	// A certificate directory of our own survives a stop of the API server (envtest
	// regenerates a temporary one), so the restarted server has the certificates and the
	// port the replicas' kubeconfig names.
	fc.env.ControlPlane.GetAPIServer().CertDir = t.TempDir()
	fc.env.ControlPlaneStopTimeout = apiServerStopTimeout
	if fc.cfg, err = fc.env.Start(); err != nil {
		t.Fatalf("start the fault suite's control plane: %v", err)
	}
	t.Cleanup(func() {
		if err := fc.stopAPIServer(context.Background()); err != nil {
			t.Error(err)
		}
		// etcd has the same short stop timeout; killed is as good as stopped here.
		if err := fc.env.ControlPlane.Etcd.Stop(); err != nil && !killed(err) {
			t.Errorf("stop etcd: %v", err)
		}
		if err := fc.env.Stop(); err != nil {
			t.Errorf("stop the fault suite's control plane: %v", err)
		}
	})
	fc.cfg.QPS, fc.cfg.Burst = 500, 1000
	// The SidecarSet webhooks answer with warnings (a reference a regular kubelet cannot
	// mount); the scenarios read what they need from the objects.
	fc.cfg.WarningHandlerWithContext = rest.NoWarnings{}
	scheme, err := newScheme()
	if err != nil {
		t.Fatal(err)
	}
	if fc.c, err = client.New(fc.cfg, client.Options{Scheme: scheme}); err != nil {
		t.Fatal(err)
	}
	fc.kubeconfig = fc.writeKubeconfig(t)
	ensureNamespace(ctx, t, fc.c, faultNamespace, nil)

	if fc.ca, err = newTestCA("sidecarctl-fault-ca-1"); err != nil {
		t.Fatal(err)
	}
	first, err := fc.ca.issue()
	if err != nil {
		t.Fatal(err)
	}
	var addrs []string
	for _, name := range []string{"a", "b"} {
		r := fc.newReplica(t, name)
		if err := writeLeaf(r.certDir, first); err != nil {
			t.Fatal(err)
		}
		fc.replicas = append(fc.replicas, r)
		addrs = append(addrs, r.addr)
	}
	fc.lb = newBalancer(t, addrs...)
	for _, r := range fc.replicas {
		r.webhookURL = "https://" + fc.lb.addr()
		r.args = append(r.args, "--webhook-url", r.webhookURL)
		r.start(ctx)
		t.Cleanup(r.stop)
	}
	// The leader writes both configurations without a CA bundle; the test injects it, as
	// cert-manager's CA injector would, and the leader keeps it from then on.
	waitFor(ctx, t, "the webhook configurations and their CA bundle", func() (bool, error) {
		ok, err := setCABundle(ctx, fc.c, faultConfig, fc.ca.pem)
		if err != nil || !ok {
			return false, nil
		}
		return caBundleIs(ctx, fc.c, faultConfig, fc.ca.pem)
	})
	return fc
}

func newScheme() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, appsv1alpha1.AddToScheme, bindingv1alpha1.AddToScheme} {
		if err := add(s); err != nil {
			return nil, fmt.Errorf("build scheme: %w", err)
		}
	}
	return s, nil
}

func (fc *faultCluster) writeKubeconfig(t *testing.T) string {
	t.Helper()
	user, err := fc.env.AddUser(envtest.User{Name: "sidecarctl-fault", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		t.Fatalf("add user: %v", err)
	}
	data, err := user.KubeConfig()
	if err != nil {
		t.Fatalf("kubeconfig: %v", err)
	}
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// newReplica prepares one serve process: its own webhook, probe and metrics ports, its own
// certificate directory, leader election for the controllers.
func (fc *faultCluster) newReplica(t *testing.T, name string) *replica {
	t.Helper()
	port := freePort(t)
	r := &replica{name: name, addr: fmt.Sprintf("127.0.0.1:%d", port), certDir: t.TempDir(),
		metricsAddr: fmt.Sprintf("127.0.0.1:%d", freePort(t))}
	r.server = &server{t: t, probeAddr: fmt.Sprintf("127.0.0.1:%d", freePort(t)),
		log: filepath.Join(t.TempDir(), "serve-"+name+".log")}
	r.args = []string{"serve", "--kubeconfig", fc.kubeconfig, "--namespace", faultNamespace, "--mode", "standalone",
		"--app-patch-namespace", faultNamespace, "--webhook-host", "127.0.0.1", "--webhook-port", strconv.Itoa(port),
		"--cert-dir", r.certDir, "--manage-certs=false", "--webhook-config-name", faultConfig, "--exclude-namespaces", "",
		"--metrics-bind-address", r.metricsAddr, "--health-probe-bind-address", r.probeAddr,
		"--leader-elect", "--leader-election-namespace", faultNamespace,
		// The leader rides out the API server's restart (5 to 15 s on a busy machine) without
		// exiting; a killed leader's lease moves after leaseDuration.
		"--leader-elect-renew-deadline", "25s", "--leader-elect-lease-duration", leaseDuration.String()}
	return r
}

// running reports whether the replica's process is alive.
func (r *replica) running() bool {
	if r.cmd == nil {
		return false
	}
	select {
	case <-r.done:
		return false
	default:
		return true
	}
}

// pid identifies the process, to tell a restart from a reconnect.
func (r *replica) pid() int {
	if r.cmd == nil || r.cmd.Process == nil {
		return 0
	}
	return r.cmd.Process.Pid
}

// leads reports whether the replica holds the controllers' lease, from its
// leader_election_master_status gauge; a replica that is down does not.
func (r *replica) leads(ctx context.Context) bool {
	if !r.running() {
		return false
	}
	n, err := r.scrape(ctx, "leader_election_master_status", `name="sidecarctl-leader"`)
	return err == nil && n == 1
}

// admissions scrapes the replica's sidecarctl_admissions_total for the pod webhook.
func (r *replica) admissions(ctx context.Context) (float64, error) {
	return r.scrape(ctx, "sidecarctl_admissions_total", `webhook="pod"`)
}

// scrape sums the replica's samples of metric with the given labels.
func (r *replica) scrape(ctx context.Context, metric string, labels ...string) (float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+r.metricsAddr+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("scrape replica %s: %w", r.name, err)
	}
	defer resp.Body.Close()
	return sumSeries(resp.Body, metric, labels...)
}

// webhookCalls reads how many times the API server called the pod webhook, whatever the
// outcome (kube-apiserver's apiserver_admission_webhook_request_total; it restarts from
// zero with the API server).
func (fc *faultCluster) webhookCalls(ctx context.Context) (float64, error) {
	cs, err := kubernetes.NewForConfig(fc.cfg)
	if err != nil {
		return 0, err
	}
	raw, err := cs.RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return 0, fmt.Errorf("API server metrics: %w", err)
	}
	return sumSeries(bytes.NewReader(raw), "apiserver_admission_webhook_request_total", `name="pods.sidecarctl.dev"`)
}

// sumSeries adds up the samples of metric whose labels contain every one of labels, from
// the Prometheus text format.
func sumSeries(r io.Reader, metric string, labels ...string) (float64, error) {
	var sum float64
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, metric+"{") {
			continue
		}
		keep := true
		for _, l := range labels {
			keep = keep && strings.Contains(line, l)
		}
		if !keep {
			continue
		}
		v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", line, err)
		}
		sum += v
	}
	return sum, sc.Err()
}

// apiServerStopTimeout is how long kube-apiserver gets to shut down gracefully before it is
// killed (envtest sends SIGTERM, then SIGKILL). Its graceful shutdown takes tens of seconds on
// a busy machine; the fault suite stops it as a crash would.
const apiServerStopTimeout = 2 * time.Second

// killed reports whether envtest's stop error says the process was killed after the timeout.
func killed(err error) bool {
	return strings.Contains(err.Error(), "timeout waiting for process")
}

// stopAPIServer stops kube-apiserver (etcd keeps running) and waits until its port is free.
func (fc *faultCluster) stopAPIServer(ctx context.Context) error {
	api := fc.env.ControlPlane.GetAPIServer()
	if err := api.Stop(); err != nil && !killed(err) {
		return fmt.Errorf("stop kube-apiserver: %w", err)
	}
	addr := net.JoinHostPort(api.SecureServing.Address, api.SecureServing.Port)
	return wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return true, nil
		}
		conn.Close()
		return false, nil
	})
}

// restartAPIServer stops kube-apiserver and starts it again on the same port with the same
// certificates, and returns how long it was down.
func (fc *faultCluster) restartAPIServer(ctx context.Context, t *testing.T) time.Duration {
	t.Helper()
	start := time.Now()
	if err := fc.stopAPIServer(ctx); err != nil {
		t.Fatal(err)
	}
	if err := fc.env.ControlPlane.GetAPIServer().Start(); err != nil {
		t.Fatalf("start kube-apiserver again: %v", err)
	}
	return time.Since(start)
}

// review sends one pod straight to a replica's pod webhook (not through the API server) and
// returns whether it was allowed and whether it was patched.
func (r *replica) review(ctx context.Context, pod *corev1.Pod) (allowed, patched bool, err error) {
	raw, err := json.Marshal(pod)
	if err != nil {
		return false, false, err
	}
	body, err := json.Marshal(admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request: &admissionv1.AdmissionRequest{UID: types.UID("probe-" + pod.Name), Kind: metav1.GroupVersionKind{Version: "v1", Kind: "Pod"},
			Resource: metav1.GroupVersionResource{Version: "v1", Resource: "pods"}, Namespace: pod.Namespace, Name: pod.Name,
			Operation: admissionv1.Create, Object: runtime.RawExtension{Raw: raw}},
	})
	if err != nil {
		return false, false, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "https://"+r.addr+"/mutate-pod", bytes.NewReader(body))
	if err != nil {
		return false, false, err
	}
	req.Header.Set("Content-Type", "application/json")
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec // loopback probe; the API server verifies
	resp, err := hc.Do(req)
	if err != nil {
		return false, false, err
	}
	defer resp.Body.Close()
	var out admissionv1.AdmissionReview
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return false, false, fmt.Errorf("replica %s: decode review: %w", r.name, err)
	}
	if out.Response == nil {
		return false, false, fmt.Errorf("replica %s: review without a response", r.name)
	}
	return out.Response.Allowed, len(out.Response.Patch) > 0, nil
}

// waitReplicas waits until every running replica answers pod as want says: each serves
// from its own cache, so one that has not seen a change yet would answer the old way.
func (fc *faultCluster) waitReplicas(ctx context.Context, t *testing.T, what string, pod *corev1.Pod, want func(allowed, patched bool) bool) {
	t.Helper()
	waitFor(ctx, t, what, func() (bool, error) {
		for _, r := range fc.replicas {
			if !r.running() {
				continue
			}
			allowed, patched, err := r.review(ctx, pod)
			if err != nil || !want(allowed, patched) {
				return false, nil
			}
		}
		return true, nil
	})
}

// waitPodWebhookCovers waits until the leader's pod webhook entry exists, carries a CA
// bundle and names the label key and value in its match condition, so the API server sends
// the pods labelled key=value.
func (fc *faultCluster) waitPodWebhookCovers(ctx context.Context, t *testing.T, key, value string) {
	t.Helper()
	waitFor(ctx, t, "the pod webhook to cover "+key+"="+value, func() (bool, error) {
		var m admissionregistrationv1.MutatingWebhookConfiguration
		if err := fc.c.Get(ctx, client.ObjectKey{Name: faultConfig}, &m); err != nil {
			return false, nil
		}
		for _, wh := range m.Webhooks {
			if wh.Name == "pods.sidecarctl.dev" && len(wh.ClientConfig.CABundle) > 0 &&
				(len(wh.MatchConditions) == 0 || strings.Contains(wh.MatchConditions[0].Expression, strconv.Quote(key)) &&
					strings.Contains(wh.MatchConditions[0].Expression, strconv.Quote(value))) {
				return true, nil
			}
		}
		return false, nil
	})
}

// dumpLogs prints the replicas' logs when the test failed.
func (fc *faultCluster) dumpLogs(t *testing.T) {
	if !t.Failed() {
		return
	}
	for _, r := range fc.replicas {
		t.Logf("replica %s log (tail):\n%s", r.name, r.logs())
	}
}
