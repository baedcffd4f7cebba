package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"

	"github.com/sidecarctl/sidecarctl/binding/crd"
	"github.com/sidecarctl/sidecarctl/config/manifests"
)

var (
	sidecarSetsV1Alpha1 = schema.GroupVersionResource{Group: "apps.kruise.io", Version: "v1alpha1", Resource: "sidecarsets"}
	sidecarSetsV1Beta1  = schema.GroupVersionResource{Group: "apps.kruise.io", Version: "v1beta1", Resource: "sidecarsets"}
)

// TestSidecarSetConversion runs `sidecarctl serve --mode standalone` as the conversion webhook
// of the SidecarSet CRD that `install --without-kruise` installs (v1alpha1 and v1beta1 served,
// v1beta1 stored, as in Kruise v1.9). It needs a control plane of its own: with that CRD every
// SidecarSet read depends on the webhook, which the shared control plane's tests do not run.
// Objects written in one version are read in the other, through the API server's conversion.
func TestSidecarSetConversion(t *testing.T) {
	controlPlane(t)
	ctx := t.Context()
	env := conversionControlPlane(t)
	cfg := env.Config
	user, err := env.AddUser(envtest.User{Name: "e2e-conversion", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	kc, err := user.KubeConfig()
	if err != nil {
		t.Fatal(err)
	}
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(kubeconfig, kc, 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := client.New(cfg, client.Options{Scheme: newClient(t).Scheme()})
	if err != nil {
		t.Fatal(err)
	}
	if err := apiextensionsv1.AddToScheme(c.Scheme()); err != nil {
		t.Fatal(err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ensureNamespace(ctx, t, c, serverNamespace, nil)
	ensureNamespace(ctx, t, c, "conv-apps", nil)
	srv := newServer(t, kubeconfig, serverNamespace, configName, "--mode", "standalone", "--kruise-version", "1.9")
	srv.start(ctx)
	t.Cleanup(srv.stop)
	waitFor(ctx, t, "the CRD's conversion webhook pointed at the server", func() (bool, error) {
		var got apiextensionsv1.CustomResourceDefinition
		if err := c.Get(ctx, client.ObjectKey{Name: "sidecarsets.apps.kruise.io"}, &got); err != nil {
			return false, err
		}
		conv := got.Spec.Conversion
		if conv == nil || conv.Webhook == nil {
			return false, fmt.Errorf("the CRD has no conversion webhook: %+v", conv)
		}
		cc := conv.Webhook.ClientConfig
		return cc != nil && cc.URL != nil && *cc.URL == srv.webhookURL+manifests.ConversionPath && len(cc.CABundle) > 0, nil
	})

	alpha := sidecarSetObject(t, "apps.kruise.io/v1alpha1", "written-as-v1alpha1", `
metadata:
  labels:
    apps.kruise.io/sidecarset-custom-version: v2
spec:
  namespace: conv-apps
  selector: {matchLabels: {app: conv}}
  containers:
  - name: agent
    image: busybox:1.36
    x-future-field: 9007199254740993
    resourcesPolicy:
      targetContainersMode: sum
      resourcesExpr: {limits: {cpu: "max(cpu*50%, 50m)"}}
`)
	if _, err := dyn.Resource(sidecarSetsV1Alpha1).Create(ctx, alpha, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create v1alpha1 SidecarSet: %v\n%s", err, srv.logs())
	}
	beta, err := dyn.Resource(sidecarSetsV1Beta1).Get(ctx, "written-as-v1alpha1", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("read it as v1beta1: %v\n%s", err, srv.logs())
	}
	expectField(t, beta, "v1beta1 spec.customVersion", "v2", "spec", "customVersion")
	expectField(t, beta, "v1beta1 namespaceSelector", "conv-apps", "spec", "namespaceSelector", "matchLabels", "kubernetes.io/metadata.name")
	expectAbsent(t, beta, "v1beta1 spec.namespace", "spec", "namespace")
	expectAbsent(t, beta, "v1beta1 custom-version label", "metadata", "labels", "apps.kruise.io/sidecarset-custom-version")
	agent := firstContainer(t, beta)
	if fmt.Sprint(agent["x-future-field"]) != "9007199254740993" {
		t.Errorf("v1beta1 containers[0].x-future-field = %v, want 9007199254740993 kept (2^53+1: a float would lose it)", agent["x-future-field"])
	}
	policy, _ := agent["resourcesPolicy"].(map[string]any)
	if policy["targetContainersNameRegex"] != ".*" {
		t.Errorf("v1beta1 resourcesPolicy = %v, want the CRD default targetContainersNameRegex .*", policy)
	}

	written := sidecarSetObject(t, "apps.kruise.io/v1beta1", "written-as-v1beta1", `
spec:
  customVersion: v7
  namespaceSelector: {matchLabels: {team: a}}
  selector: {matchLabels: {app: conv}}
  containers:
  - name: agent2
    image: busybox:1.36
`)
	if _, err := dyn.Resource(sidecarSetsV1Beta1).Create(ctx, written, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create v1beta1 SidecarSet: %v\n%s", err, srv.logs())
	}
	back, err := dyn.Resource(sidecarSetsV1Alpha1).Get(ctx, "written-as-v1beta1", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("read it as v1alpha1: %v\n%s", err, srv.logs())
	}
	expectField(t, back, "v1alpha1 custom-version label", "v7", "metadata", "labels", "apps.kruise.io/sidecarset-custom-version")
	expectAbsent(t, back, "v1alpha1 spec.customVersion", "spec", "customVersion")
	expectField(t, back, "v1alpha1 namespaceSelector", "a", "spec", "namespaceSelector", "matchLabels", "team")

	// The server's own cache reads SidecarSets through the conversion too: a pod of the
	// namespace is injected by the SidecarSet written as v1alpha1.
	waitPodWebhook(ctx, t, c, &metav1.LabelSelector{MatchLabels: map[string]string{"app": "conv"}})
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "conv-apps", Name: "app", Labels: map[string]string{"app": "conv"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: "busybox:1.36",
			Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")}}}}}}
	if err := c.Create(ctx, pod); err != nil {
		t.Fatalf("create pod: %v\n%s", err, srv.logs())
	}
	var names []string
	for _, ctr := range pod.Spec.Containers {
		names = append(names, ctr.Name)
	}
	if fmt.Sprint(names) != "[agent main]" {
		t.Fatalf("pod containers = %v, want [agent main] (agent from the SidecarSet stored as v1beta1)\n%s", names, srv.logs())
	}
	// resourcesPolicy reached the server's engine through its cache: max(cpu*50%, 50m) of a
	// main container limited to 1 CPU is 500m.
	if got := pod.Spec.Containers[0].Resources.Limits.Cpu().String(); got != "500m" {
		t.Errorf("agent's cpu limit = %s, want 500m from resourcesPolicy", got)
	}

	// What kubectl shows of a v1.9 cluster (v1beta1, its preferred version) is --from input
	// that gives the same pod offline.
	state, err := kubectl(t, kubeconfig, nil, "get", "sidecarsets", "-o", "yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(state), "apiVersion: apps.kruise.io/v1beta1") {
		t.Fatalf("kubectl get sidecarsets did not show v1beta1:\n%s", state)
	}
	dir := t.TempDir()
	stateFile, podFile := filepath.Join(dir, "state.yaml"), filepath.Join(dir, "pod.yaml")
	podYAML := "apiVersion: v1\nkind: Pod\nmetadata: {name: app, namespace: conv-apps, labels: {app: conv}}\n" +
		"spec: {containers: [{name: main, image: busybox:1.36, resources: {limits: {cpu: \"1\"}}}]}\n"
	nsYAML := "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: conv-apps, labels: {kubernetes.io/metadata.name: conv-apps}}\n"
	if err := os.WriteFile(stateFile, append(state, nsYAML...), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(podFile, []byte(podYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	var offline corev1.Pod
	if err := yaml.Unmarshal(sidecarctl(t, "inject", "-q", "--kruise-version", "1.9", "--from", stateFile, "-f", podFile), &offline); err != nil {
		t.Fatal(err)
	}
	// The API server defaults the stored pod after admission (requests from limits), so the
	// sidecar is compared on what injection decides.
	decided := func(c corev1.Container) any { return []any{c.Name, c.Image, c.Env, c.Resources.Limits, c.VolumeMounts} }
	if len(offline.Spec.Containers) != 2 || !equality.Semantic.DeepEqual(decided(offline.Spec.Containers[0]), decided(pod.Spec.Containers[0])) {
		t.Errorf("offline from kubectl's v1beta1 output:\n%+v\nthe server:\n%+v", offline.Spec.Containers, pod.Spec.Containers)
	}
}

// conversionControlPlane starts a control plane whose SidecarSet CRD is without-kruise's.
func conversionControlPlane(t *testing.T) *envtest.Environment {
	t.Helper()
	kruise, err := os.ReadFile(kruiseCRDFile)
	if err != nil {
		t.Fatal(err)
	}
	data, err := manifests.SidecarSetCRD(kruise)
	if err != nil {
		t.Fatal(err)
	}
	var sidecarSets, bindings apiextensionsv1.CustomResourceDefinition
	if err := yaml.UnmarshalStrict(data, &sidecarSets); err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(crd.YAML(), &bindings); err != nil {
		t.Fatal(err)
	}
	// envtest's CRD installer rewrites a conversion webhook it did not configure to None, so
	// the SidecarSet CRD is created as `kubectl apply` would, and waited for.
	env := &envtest.Environment{BinaryAssetsDirectory: testEnv.BinaryAssetsDirectory,
		CRDInstallOptions: envtest.CRDInstallOptions{CRDs: []*apiextensionsv1.CustomResourceDefinition{&bindings}}}
	cfg, err := env.Start()
	if err != nil {
		t.Fatalf("start the conversion control plane: %v", err)
	}
	t.Cleanup(func() {
		if err := env.Stop(); err != nil {
			t.Errorf("stop the conversion control plane: %v", err)
		}
	})
	scheme := runtime.NewScheme()
	if err := apiextensionsv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if err := c.Create(ctx, &sidecarSets); err != nil {
		t.Fatalf("create the SidecarSet CRD: %v", err)
	}
	waitFor(ctx, t, "the SidecarSet CRD established", func() (bool, error) {
		var got apiextensionsv1.CustomResourceDefinition
		if err := c.Get(ctx, client.ObjectKey{Name: sidecarSets.Name}, &got); err != nil {
			return false, err
		}
		for _, cond := range got.Status.Conditions {
			if cond.Type == apiextensionsv1.Established && cond.Status == apiextensionsv1.ConditionTrue {
				return true, nil
			}
		}
		return false, nil
	})
	return env
}

func sidecarSetObject(t *testing.T, apiVersion, name, body string) *unstructured.Unstructured {
	t.Helper()
	// Through JSON into Unstructured, whose decoder keeps integers as int64: a plain YAML
	// unmarshal into a map would make them floats.
	data, err := yaml.YAMLToJSON([]byte("apiVersion: " + apiVersion + "\nkind: SidecarSet\n" + body))
	if err != nil {
		t.Fatal(err)
	}
	obj := &unstructured.Unstructured{}
	if err := obj.UnmarshalJSON(data); err != nil {
		t.Fatal(err)
	}
	obj.SetAPIVersion(apiVersion)
	obj.SetKind("SidecarSet")
	obj.SetName(name)
	return obj
}

func expectField(t *testing.T, obj *unstructured.Unstructured, what, want string, path ...string) {
	t.Helper()
	got, found, err := unstructured.NestedString(obj.Object, path...)
	if err != nil || !found || got != want {
		t.Errorf("%s = %q (found %v, %v), want %q", what, got, found, err, want)
	}
}

func expectAbsent(t *testing.T, obj *unstructured.Unstructured, what string, path ...string) {
	t.Helper()
	if v, found, _ := unstructured.NestedFieldNoCopy(obj.Object, path...); found {
		t.Errorf("%s = %v, want absent", what, v)
	}
}

func firstContainer(t *testing.T, obj *unstructured.Unstructured) map[string]any {
	t.Helper()
	list, _, _ := unstructured.NestedSlice(obj.Object, "spec", "containers")
	if len(list) == 0 {
		t.Fatalf("%s has no containers", obj.GetName())
	}
	c, _ := list[0].(map[string]any)
	return c
}
