package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	bindingv1alpha1 "github.com/sidecarctl/sidecarctl/binding/v1alpha1"
	"github.com/sidecarctl/sidecarctl/sidecarset/sidecarsettest"
)

const (
	serverNamespace = "sidecarctl-e2e"
	configName      = "sidecarctl-e2e"
)

// TestWebhook runs `sidecarctl serve` against the real API server and checks every scenario
// of the in-cluster issue that does not need the mirroring controller. The subtests share the
// server and run in order; the test is not parallel, so it finishes (and removes its webhook
// configurations) before the parallel tests of the package start.
func TestWebhook(t *testing.T) {
	c := newClient(t)
	ctx := t.Context()
	kubeconfig := writeKubeconfig(t)
	ensureNamespace(ctx, t, c, serverNamespace, nil)
	srv := newServer(t, kubeconfig, serverNamespace, configName, "--mode", "standalone", "--app-patch-namespace", serverNamespace)
	srv.start(ctx)
	t.Cleanup(func() {
		srv.stop()
		bg := context.Background()
		_ = c.Delete(bg, &admissionregistrationv1.MutatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: configName}})
		_ = c.Delete(bg, &admissionregistrationv1.ValidatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: configName}})
		_ = c.DeleteAllOf(bg, &appsv1alpha1.SidecarSet{})
	})
	waitFor(ctx, t, "webhook configurations", func() (bool, error) {
		var m admissionregistrationv1.MutatingWebhookConfiguration
		var v admissionregistrationv1.ValidatingWebhookConfiguration
		return c.Get(ctx, client.ObjectKey{Name: configName}, &m) == nil && c.Get(ctx, client.ObjectKey{Name: configName}, &v) == nil, nil
	})

	t.Run("corpus", func(t *testing.T) { testCorpus(ctx, t, c, srv) })
	t.Run("profiles", func(t *testing.T) { testProfiles(ctx, t, c, kubeconfig) })
	t.Run("binding", func(t *testing.T) { testBindingAuthorization(ctx, t, c, kubeconfig) })
	t.Run("mirror", func(t *testing.T) { testMirror(ctx, t, c) })
	t.Run("outage", func(t *testing.T) { testOutage(ctx, t, c, srv) })
	if t.Failed() {
		t.Logf("server log:\n%s", srv.logs())
	}
}

func waitFor(ctx context.Context, t *testing.T, what string, cond func() (bool, error)) {
	t.Helper()
	if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		return cond()
	}); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

func ensureNamespace(ctx context.Context, t *testing.T, c client.Client, name string, labels map[string]string) {
	t.Helper()
	ns := &corev1.Namespace{}
	err := c.Get(ctx, client.ObjectKey{Name: name}, ns)
	if apierrors.IsNotFound(err) {
		ns = &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
		if err := c.Create(ctx, ns); err != nil {
			t.Fatal(err)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range labels {
		if ns.Labels == nil {
			ns.Labels = map[string]string{}
		}
		ns.Labels[k] = v
	}
	if err := c.Update(ctx, ns); err != nil {
		t.Fatal(err)
	}
}

// waitPodWebhook waits until the server's pod webhook covers the selector, so that a pod
// created next is sent to it and meets the state it needs: the configuration's
// observed-SidecarSets digest (name and UID of every SidecarSet, sorted, as the server writes
// it) equals the SidecarSets the API server lists, its observed-Namespaces digest the
// Namespaces (their labels decide namespaceSelector), and the pod webhook's match condition
// names one of the keys the selector requires, or sends every pod (README "In a cluster").
// The server writes both digests from the state it swapped in, which every later admission
// reads.
func waitPodWebhook(ctx context.Context, t *testing.T, c client.Client, sel *metav1.LabelSelector) {
	t.Helper()
	waitFor(ctx, t, "a pod webhook for "+metav1.FormatLabelSelector(sel), func() (bool, error) {
		var m admissionregistrationv1.MutatingWebhookConfiguration
		if err := c.Get(ctx, client.ObjectKey{Name: configName}, &m); err != nil {
			return false, nil
		}
		var list appsv1alpha1.SidecarSetList
		if err := c.List(ctx, &list); err != nil {
			return false, nil
		}
		lines := make([]string, len(list.Items))
		for i, ss := range list.Items {
			lines[i] = ss.Name + "/" + string(ss.UID) + "\n"
		}
		sort.Strings(lines)
		sum := sha256.Sum256([]byte(strings.Join(lines, "")))
		if m.Annotations["sidecarctl.dev/observed-sidecarsets"] != hex.EncodeToString(sum[:])[:16] {
			return false, nil
		}
		if ok, err := observedNamespaces(ctx, c, &m); !ok || err != nil {
			return false, nil
		}
		for _, wh := range m.Webhooks {
			if wh.Name != "pods.sidecarctl.dev" {
				continue
			}
			if len(wh.MatchConditions) == 0 {
				return true, nil
			}
			for k := range sel.MatchLabels {
				if strings.Contains(wh.MatchConditions[0].Expression, strconv.Quote(k)) {
					return true, nil
				}
			}
			for _, r := range sel.MatchExpressions {
				if (r.Operator == metav1.LabelSelectorOpIn || r.Operator == metav1.LabelSelectorOpExists) &&
					strings.Contains(wh.MatchConditions[0].Expression, strconv.Quote(r.Key)) {
					return true, nil
				}
			}
		}
		return false, nil
	})
}

// observedNamespaces reports whether the configuration's observed-Namespaces digest (name
// and sorted labels of every Namespace, sorted, as the server writes it) equals the
// Namespaces the API server lists.
func observedNamespaces(ctx context.Context, c client.Client, m *admissionregistrationv1.MutatingWebhookConfiguration) (bool, error) {
	var list corev1.NamespaceList
	if err := c.List(ctx, &list); err != nil {
		return false, err
	}
	lines := make([]string, len(list.Items))
	for i, ns := range list.Items {
		labels := make([]string, 0, len(ns.Labels))
		for k, v := range ns.Labels {
			labels = append(labels, k+"="+v)
		}
		sort.Strings(labels)
		lines[i] = ns.Name + " " + strings.Join(labels, ",") + "\n"
	}
	sort.Strings(lines)
	sum := sha256.Sum256([]byte(strings.Join(lines, "")))
	return m.Annotations["sidecarctl.dev/observed-namespaces"] == hex.EncodeToString(sum[:])[:16], nil
}

func deletePod(ctx context.Context, t *testing.T, c client.Client, ns, name string) {
	t.Helper()
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	if err := c.Delete(ctx, pod, client.GracePeriodSeconds(0)); err != nil && !apierrors.IsNotFound(err) {
		t.Fatal(err)
	}
	waitFor(ctx, t, "pod deletion", func() (bool, error) {
		err := c.Get(ctx, client.ObjectKeyFromObject(pod), &corev1.Pod{})
		return apierrors.IsNotFound(err), nil
	})
}

func deleteSidecarSets(ctx context.Context, t *testing.T, c client.Client) {
	t.Helper()
	if err := c.DeleteAllOf(ctx, &appsv1alpha1.SidecarSet{}); err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, "SidecarSet deletion", func() (bool, error) {
		var list appsv1alpha1.SidecarSetList
		err := c.List(ctx, &list)
		return err == nil && len(list.Items) == 0, nil
	})
}

// testCorpus creates every Kruise conformance case through the API server: SidecarSets go
// through sidecarctl's SidecarSet webhooks (a refused one must be refused with Kruise's
// reason), the pod through its pod webhook, and the stored pod must carry what the oracle's
// pod carries.
func testCorpus(ctx context.Context, t *testing.T, c client.Client, srv *server) {
	cases, err := sidecarsettest.Cases()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		if tc.Pod.Status.Phase != "" || len(tc.FeatureGates) > 0 || len(tc.ConfigMaps) > 0 && tc.Name != "120-filebeat-stdlog" {
			// Pod status cannot be created; feature gates and kruise-configuration are
			// per-case settings of a running server.
			continue
		}
		t.Run(tc.Name, func(t *testing.T) {
			deleteSidecarSets(ctx, t, c)
			for _, ns := range tc.Namespaces {
				ensureNamespace(ctx, t, c, ns.Name, ns.Labels)
			}
			refusal, refused := tc.ExpectsRefusal()
			for i := range tc.SidecarSets {
				ss := tc.SidecarSets[i].DeepCopy()
				err := c.Create(ctx, ss)
				if refused && refusal.Stage == "sidecarset-validating-webhook" && i == len(tc.SidecarSets)-1 {
					if err == nil || !strings.Contains(err.Error(), refusal.Error) {
						t.Fatalf("creating SidecarSet %s: want Kruise's refusal %q, got %v", ss.Name, refusal.Error, err)
					}
					return
				}
				if err != nil {
					t.Fatalf("create SidecarSet %s: %v", ss.Name, err)
				}
				waitPodWebhook(ctx, t, c, ss.Spec.Selector)
			}
			pod := tc.Pod.DeepCopy()
			if pod.Namespace == "" {
				pod.Namespace = "default"
			}
			deletePod(ctx, t, c, pod.Namespace, pod.Name)
			err := c.Create(ctx, pod)
			if refused {
				if err == nil {
					t.Fatalf("want the pod refused (%s), it was created", refusal.Error)
				}
				return
			}
			if err != nil {
				t.Fatalf("create pod: %v\n%s", err, srv.logs())
			}
			defer deletePod(ctx, t, c, pod.Namespace, pod.Name)
			var want corev1.Pod
			if err := json.Unmarshal(tc.Expected, &want); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(project(&want), project(pod)); diff != "" {
				t.Errorf("pod created through the webhook differs from Kruise's (-want +got):\n%s", diff)
			}
		})
	}
	deleteSidecarSets(ctx, t, c)
}

// sidecarctl runs the CLI binary and returns its stdout.
func sidecarctl(t *testing.T, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(sidecarctlBinary(t), args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("sidecarctl %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
	}
	return out.Bytes()
}

func kubectl(t *testing.T, kubeconfig string, stdin []byte, args ...string) ([]byte, error) {
	t.Helper()
	cmd := exec.Command(lookKubectl(t), append([]string{"--kubeconfig", kubeconfig, "--cache-dir", t.TempDir()}, args...)...)
	cmd.Stdin = bytes.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if err != nil {
		return out.Bytes(), &kubectlError{err: err, stderr: errOut.String()}
	}
	return out.Bytes(), nil
}

type kubectlError struct {
	err    error
	stderr string
}

func (e *kubectlError) Error() string { return e.err.Error() + ": " + e.stderr }

// testProfiles translates the ACS profiles of seed 000 for both targets, applies the result
// with kubectl, creates the code-interpreter pod and compares it with `sidecarctl inject`'s
// offline prediction for the same pod and objects.
func testProfiles(ctx context.Context, t *testing.T, c client.Client, kubeconfig string) {
	profiles := filepath.Join("..", "examples", "acs-sandbox-injection", "sandbox-injection-config.yaml")
	for _, target := range []struct {
		name  string
		args  []string
		label map[string]string
	}{
		{"kruise", []string{"--target", "kruise"}, nil},
		{"virtual-node", []string{"--target", "virtual-node", "--virtual-node-label", "acs", "--hostpath", "emptydir", "--allow-privileged"},
			map[string]string{"alibabacloud.com/acs": "true"}},
	} {
		t.Run(target.name, func(t *testing.T) {
			deleteSidecarSets(ctx, t, c)
			translated := sidecarctl(t, append([]string{"translate", "-q", "--profiles", profiles, "--region", "cn-hangzhou",
				"--app-patch-namespace", serverNamespace}, target.args...)...)
			if out, err := kubectl(t, kubeconfig, translated, "apply", "-f", "-"); err != nil {
				t.Fatalf("kubectl apply: %v\n%s", err, out)
			}
			labels := map[string]string{"app": "code-interpreter", "runtime.sidecarctl.dev/csi": "true", "runtime.sidecarctl.dev/agent-runtime": "true"}
			for k, v := range target.label {
				labels[k] = v
			}
			pod := &corev1.Pod{
				TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
				ObjectMeta: metav1.ObjectMeta{Name: "code-interpreter-" + target.name, Namespace: "default", Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "sandbox",
					Image: "registry-cn-hangzhou-vpc.ack.aliyuncs.com/acs/code-interpreter:v1.6"}}},
			}
			for _, sel := range []string{"csi", "agent-runtime"} {
				waitPodWebhook(ctx, t, c, &metav1.LabelSelector{MatchLabels: selectorOf(t, c, ctx, "sidecarctl-"+sel)})
			}
			dir := t.TempDir()
			podFile := filepath.Join(dir, "pod.json")
			raw, _ := json.Marshal(pod)
			if err := os.WriteFile(podFile, raw, 0o600); err != nil {
				t.Fatal(err)
			}
			stateFile := filepath.Join(dir, "state.yaml")
			if err := os.WriteFile(stateFile, translated, 0o600); err != nil {
				t.Fatal(err)
			}
			var predicted corev1.Pod
			if err := json.Unmarshal(sidecarctl(t, "inject", "-q", "-o", "json", "-f", podFile, "--from", stateFile), &predicted); err != nil {
				t.Fatal(err)
			}
			if err := c.Create(ctx, pod); err != nil {
				t.Fatalf("create pod: %v", err)
			}
			defer deletePod(ctx, t, c, pod.Namespace, pod.Name)
			if diff := cmp.Diff(project(&predicted), project(pod)); diff != "" {
				t.Errorf("webhook result differs from the offline prediction (-want +got):\n%s", diff)
			}
			if len(pod.Spec.Containers[len(pod.Spec.Containers)-1].Env)+len(pod.Spec.Containers[0].Env) == 0 {
				t.Error("the app container got no env from the agent-runtime profile's app patch")
			}
		})
	}
	deleteSidecarSets(ctx, t, c)
}

func selectorOf(t *testing.T, c client.Client, ctx context.Context, name string) map[string]string {
	t.Helper()
	var ss appsv1alpha1.SidecarSet
	if err := c.Get(ctx, client.ObjectKey{Name: name}, &ss); err != nil {
		t.Fatal(err)
	}
	return ss.Spec.Selector.MatchLabels
}

// testBindingAuthorization: the filebeat SidecarSet of seed 001 references
// kube-system/filebeat-config; it is denied until a binding allows it. Both are applied with
// kubectl, as a user would.
func testBindingAuthorization(ctx context.Context, t *testing.T, c client.Client, kubeconfig string) {
	dir := filepath.Join("..", "examples", "filebeat-stdlog")
	deleteSidecarSets(ctx, t, c)
	out, err := kubectl(t, kubeconfig, nil, "apply", "-f", filepath.Join(dir, "sidecarset.yaml"))
	if err == nil {
		t.Fatalf("SidecarSet with an unauthorized cross-namespace reference was admitted:\n%s", out)
	}
	for _, want := range []string{"spec.volumes[0].configMap.name", "kube-system/filebeat-config", "SidecarSetResourceBinding"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("denial does not name %q: %v", want, err)
		}
	}
	if out, err := kubectl(t, kubeconfig, nil, "apply", "-f", filepath.Join(dir, "binding.yaml")); err != nil {
		t.Fatalf("apply binding: %v\n%s", err, out)
	}
	if out, err := kubectl(t, kubeconfig, nil, "apply", "-f", filepath.Join(dir, "sidecarset.yaml")); err != nil {
		t.Fatalf("SidecarSet still denied with its binding: %v\n%s", err, out)
	}
	var ss appsv1alpha1.SidecarSet
	if err := c.Get(ctx, client.ObjectKey{Name: "filebeat-sidecarset"}, &ss); err != nil {
		t.Fatal(err)
	}
	if ss.Annotations["kruise.io/sidecarset-hash"] == "" {
		t.Error("standalone mode: the SidecarSet was not defaulted (no hash annotation)")
	}
	waitPodWebhook(ctx, t, c, ss.Spec.Selector)
	if out, err := kubectl(t, kubeconfig, nil, "create", "-f", filepath.Join(dir, "echo-server-pod.yaml")); err != nil {
		t.Fatalf("kubectl create pod: %v\n%s", err, out)
	}
	defer deletePod(ctx, t, c, "default", "echo-server-f8bdc5844-r44nj")
	got, err := kubectl(t, kubeconfig, nil, "get", "pod", "echo-server-f8bdc5844-r44nj", "-o", "jsonpath={.spec.containers[*].name}")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "filebeat echo-server" {
		t.Errorf("containers = %q, want %q", got, "filebeat echo-server")
	}
}

// testOutage: with the server down, a pod no SidecarSet can match is created (it never
// reaches the webhook), a matching one is refused (fail closed), and it is created once the
// server is back.
func testOutage(ctx context.Context, t *testing.T, c client.Client, srv *server) {
	var ss appsv1alpha1.SidecarSet
	if err := c.Get(ctx, client.ObjectKey{Name: "filebeat-sidecarset"}, &ss); err != nil {
		t.Fatalf("the binding scenario's SidecarSet is needed: %v", err)
	}
	srv.stop()
	unrelated := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "unrelated", Namespace: "default", Labels: map[string]string{"app": "unrelated"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx:1.25"}}}}
	if err := c.Create(ctx, unrelated); err != nil {
		t.Errorf("a pod that matches nothing was blocked by the outage: %v", err)
	} else {
		defer deletePod(ctx, t, c, "default", "unrelated")
	}
	matching := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "matching", Namespace: "default", Labels: ss.Spec.Selector.MatchLabels},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx:1.25"}}}}
	if err := c.Create(ctx, matching.DeepCopy()); err == nil {
		deletePod(ctx, t, c, "default", "matching")
		t.Fatal("a matching pod was created without its sidecars while the webhook was down")
	}
	srv.start(ctx)
	waitFor(ctx, t, "the matching pod to be admitted", func() (bool, error) {
		p := matching.DeepCopy()
		if err := c.Create(ctx, p); err != nil {
			return false, nil
		}
		if len(p.Spec.Containers) != 2 {
			return false, nil
		}
		return true, nil
	})
	deletePod(ctx, t, c, "default", "matching")
}

// testMirror: a SidecarSet for regular nodes references kube-system/app-config. With its
// binding, the ConfigMap is copied into the pod's namespace and the pod mounts the copy by
// name; when the binding goes, the copy is garbage-collected.
func testMirror(ctx context.Context, t *testing.T, c client.Client) {
	ensureNamespace(ctx, t, c, "mirror-app", nil)
	source := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "kube-system", Name: "app-config"}, Data: map[string]string{"k": "v1"}}
	if err := c.Create(ctx, source); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	b := &bindingv1alpha1.SidecarSetResourceBinding{ObjectMeta: metav1.ObjectMeta{Namespace: "kube-system", Name: "mirror-e2e"},
		Spec: bindingv1alpha1.SidecarSetResourceBindingSpec{
			Subjects:     []bindingv1alpha1.Subject{{Kind: bindingv1alpha1.SubjectKindSidecarSet, Name: "mirror-e2e"}},
			ResourceRefs: []bindingv1alpha1.ResourceRef{{Kind: bindingv1alpha1.ResourceKindConfigMap, Name: "app-config"}}}}
	if err := c.Create(ctx, b); err != nil {
		t.Fatal(err)
	}
	ss := &appsv1alpha1.SidecarSet{ObjectMeta: metav1.ObjectMeta{Name: "mirror-e2e"}, Spec: appsv1alpha1.SidecarSetSpec{
		Namespace: "mirror-app",
		Selector:  &metav1.LabelSelector{MatchLabels: map[string]string{"app": "mirror-e2e"}},
		Containers: []appsv1alpha1.SidecarContainer{{Container: corev1.Container{Name: "agent", Image: "agent:1",
			VolumeMounts: []corev1.VolumeMount{{Name: "cfg", MountPath: "/etc/agent"}}}}},
		Volumes: []corev1.Volume{{Name: "cfg", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: "kube-system/app-config"}}}}},
	}}
	if err := c.Create(ctx, ss); err != nil {
		t.Fatalf("authorized SidecarSet refused: %v", err)
	}
	defer func() { _ = c.Delete(ctx, ss) }()
	mirror := client.ObjectKey{Namespace: "mirror-app", Name: "sidecarctl-kube-system.app-config"}
	waitFor(ctx, t, "the mirror "+mirror.String(), func() (bool, error) {
		var cm corev1.ConfigMap
		return c.Get(ctx, mirror, &cm) == nil && cm.Data["k"] == "v1", nil
	})
	source.Data["k"] = "v2"
	if err := c.Update(ctx, source); err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, "the mirror to follow its source", func() (bool, error) {
		var cm corev1.ConfigMap
		return c.Get(ctx, mirror, &cm) == nil && cm.Data["k"] == "v2", nil
	})
	waitPodWebhook(ctx, t, c, ss.Spec.Selector)
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "mirror-e2e", Namespace: "mirror-app", Labels: map[string]string{"app": "mirror-e2e"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx:1.25"}}}}
	if err := c.Create(ctx, pod); err != nil {
		t.Fatal(err)
	}
	defer deletePod(ctx, t, c, pod.Namespace, pod.Name)
	var got string
	for _, v := range pod.Spec.Volumes {
		if v.Name == "cfg" && v.ConfigMap != nil {
			got = v.ConfigMap.Name
		}
	}
	if got != mirror.Name {
		t.Errorf("pod mounts ConfigMap %q, want the mirror %q", got, mirror.Name)
	}
	if err := c.Delete(ctx, b); err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, "the mirror to be garbage-collected", func() (bool, error) {
		return apierrors.IsNotFound(c.Get(ctx, mirror, &corev1.ConfigMap{})), nil
	})
}
