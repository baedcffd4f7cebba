package sidecarset_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/sidecarctl/sidecarctl/sidecarset"
)

// releaseScenario is one example of sidecarset/BEHAVIOUR.md §5.14 run in every emulated
// release: the cluster objects, a pod, and what to look at in the outcome.
type releaseScenario struct {
	name string
	// state holds YAML documents: Namespaces and ControllerRevisions, then SidecarSets,
	// created in order.
	state string
	// pod is the pod's YAML; empty means web (app=x, one container app, namespace default).
	pod string
	// skipDefaulting stores the SidecarSets without Kruise's SidecarSet webhooks.
	skipDefaulting bool
	probe          func(pod *corev1.Pod) string
	// want is pairs of release and outcome, oldest first: each outcome holds from its release
	// until the next pair's. An outcome "refused: TEXT" is Kruise's message; TEXT ending in
	// "…" is a prefix (the rest holds a Go value dump).
	want []string
}

const web = `
metadata: {name: web, namespace: default, labels: {app: x}}
spec: {containers: [{name: app, image: app:1}]}`

// set is a SidecarSet selecting app=x; spec is YAML for the rest of its spec.
func set(name, spec string) string {
	return "apiVersion: apps.kruise.io/v1alpha1\nkind: SidecarSet\nmetadata: {name: " + name + "}\nspec:\n  selector: {matchLabels: {app: x}}\n" + spec
}

func TestReleaseBoundaries(t *testing.T) {
	t.Parallel()
	for _, sc := range releaseScenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			for _, v := range sidecarset.Releases() {
				want := outcomeFor(t, sc.want, v)
				got := runScenario(t, sc, v)
				if prefix, ok := strings.CutSuffix(want, "…"); ok && strings.HasPrefix(got, prefix) {
					continue
				}
				if got != want {
					t.Errorf("Kruise v%s:\n got %s\nwant %s", v, got, want)
				}
			}
		})
	}
}

func outcomeFor(t *testing.T, pairs []string, v sidecarset.Version) string {
	t.Helper()
	var out string
	for i := 0; i+1 < len(pairs); i += 2 {
		from, err := sidecarset.ParseVersion(pairs[i])
		if err != nil {
			t.Fatal(err)
		}
		if !releaseAtLeast(v, from) {
			break
		}
		out = pairs[i+1]
	}
	return out
}

func releaseAtLeast(v, from sidecarset.Version) bool {
	for _, r := range sidecarset.Releases() {
		if r == from {
			return true
		}
		if r == v {
			return false
		}
	}
	return false
}

// runScenario admits the state and injects the pod in release v with KruiseExact, and
// renders the outcome: the probe's view of the pod, or "refused: " and Kruise's message.
func runScenario(t *testing.T, sc releaseScenario, v sidecarset.Version) string {
	t.Helper()
	st := sidecarset.NewState(sidecarset.Options{Version: v, KruiseExact: true, Now: scenarioNow,
		SkipDefaulting: sc.skipDefaulting, SkipValidation: sc.skipDefaulting})
	for _, doc := range strings.Split(sc.state, "\n---\n") {
		var meta struct{ Kind string }
		if err := yaml.Unmarshal([]byte(doc), &meta); err != nil {
			t.Fatalf("state: %v", err)
		}
		var err error
		switch meta.Kind {
		case "Namespace":
			ns := &corev1.Namespace{}
			err = yaml.UnmarshalStrict([]byte(doc), ns)
			st.AddNamespace(ns)
		case "ControllerRevision":
			cr := &appsv1.ControllerRevision{}
			err = yaml.UnmarshalStrict([]byte(doc), cr)
			st.AddControllerRevision(cr)
		case "SidecarSet":
			ss := &appsv1alpha1.SidecarSet{}
			if err = yaml.UnmarshalStrict([]byte(doc), ss); err == nil {
				if _, cerr := st.Create(ss); cerr != nil {
					return refusal(cerr)
				}
			}
		default:
			t.Fatalf("state: kind %q", meta.Kind)
		}
		if err != nil {
			t.Fatalf("state: %s: %v", meta.Kind, err)
		}
	}
	pod := &corev1.Pod{}
	src := sc.pod
	if src == "" {
		src = web
	}
	if err := yaml.UnmarshalStrict([]byte(src), pod); err != nil {
		t.Fatalf("pod: %v", err)
	}
	res, err := sidecarset.Inject(st, pod, sidecarset.Request{Namespace: pod.Namespace})
	if err != nil {
		return refusal(err)
	}
	return sc.probe(res.Pod)
}

func refusal(err error) string {
	var adm *sidecarset.AdmissionError
	if errors.As(err, &adm) {
		return "refused: " + adm.Message
	}
	return "refused: " + err.Error()
}

// Probes.

func containerNames(pod *corev1.Pod) string { return strings.Join(names(pod.Spec.Containers), ",") }

func initNames(pod *corev1.Pod) string { return strings.Join(names(pod.Spec.InitContainers), ",") }

func annotation(key string) func(*corev1.Pod) string {
	return func(pod *corev1.Pod) string { return pod.Annotations[key] }
}

// sidecarLists renders kruise.io/sidecarset-hash as "set:[list] ..." or "{}".
func sidecarLists(pod *corev1.Pod) string {
	var entries map[string]struct {
		SidecarList []string `json:"sidecarList"`
	}
	if err := json.Unmarshal([]byte(pod.Annotations[sidecarset.AnnotationHash]), &entries); err != nil {
		return "bad annotation: " + err.Error()
	}
	if len(entries) == 0 {
		return "{}"
	}
	var out []string
	for name, e := range entries {
		out = append(out, name+":["+strings.Join(e.SidecarList, ",")+"]")
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

// each renders one fact per container, "name:fact", joined by ",".
func each(init bool, fact func(c *corev1.Container) string) func(*corev1.Pod) string {
	return func(pod *corev1.Pod) string {
		cs := pod.Spec.Containers
		if init {
			cs = pod.Spec.InitContainers
		}
		var out []string
		for i := range cs {
			out = append(out, cs[i].Name+":"+fact(&cs[i]))
		}
		return strings.Join(out, ",")
	}
}

func has(b bool) string {
	if b {
		return "+"
	}
	return "-"
}

func envAndMounts(c *corev1.Container) string {
	var env, mounts []string
	for _, e := range c.Env {
		env = append(env, e.Name+"="+e.Value)
	}
	for _, m := range c.VolumeMounts {
		mounts = append(mounts, m.MountPath)
	}
	return fmt.Sprintf("env %s mounts %s", strings.Join(env, ";"), strings.Join(mounts, ";"))
}
