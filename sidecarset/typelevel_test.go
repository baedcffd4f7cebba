package sidecarset_test

import (
	"fmt"
	"strings"
	"testing"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"

	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/sidecarset"
)

// TestSidecarFieldsKruiseDrops pins sidecarset/BEHAVIOUR.md §7.2 and §7.5 in v1.8 mode: a
// hot-upgrade sidecar with lifecycle.stopSignal (Kubernetes 1.33) and an image volume
// (Kubernetes 1.31). Kruise drops both: its hashes are those of the SidecarSet without them,
// and the volume it injects is an emptyDir. The default mode injects both fields (on both
// containers of the hot-upgrade pair); KruiseExact injects what Kruise does.
func TestSidecarFieldsKruiseDrops(t *testing.T) {
	t.Parallel()
	signal := corev1.Signal("SIGUSR1")
	newSS := func(newer bool) *appsv1alpha1.SidecarSet {
		c := hot(withMounts(sc("proxy", ""), mount("assets", "/assets")), "busybox:empty")
		vol := corev1.Volume{Name: "assets"}
		if newer {
			c.Lifecycle = &corev1.Lifecycle{StopSignal: &signal}
			vol.Image = &corev1.ImageVolumeSource{Reference: "example.com/assets:1", PullPolicy: corev1.PullIfNotPresent}
		} else {
			c.Lifecycle = &corev1.Lifecycle{}
		}
		return withVolumes(sidecarSet("ss", c), vol)
	}
	without := cluster{create: []*appsv1alpha1.SidecarSet{newSS(false)}}.state(t)
	plain, _ := without.SidecarSet("ss")

	for _, exact := range []bool{false, true} {
		st := cluster{opts: sidecarset.Options{KruiseExact: exact}, create: []*appsv1alpha1.SidecarSet{newSS(true)}}.state(t)
		stored, _ := st.SidecarSet("ss")
		for _, key := range []string{sidecarset.AnnotationHash, sidecarset.AnnotationHashWithoutImage} {
			diff(t, key, plain.Annotations[key], stored.Annotations[key])
		}
		var fields []string
		for _, f := range st.Findings() {
			if f.Code == finding.SidecarFieldDropped {
				fields = append(fields, f.Field)
			}
		}
		diff(t, "dropped fields", []string{"spec.containers[0].lifecycle.stopSignal", "spec.volumes[0].image"}, fields)

		res, err := sidecarset.Inject(st, appPod("app"), sidecarset.Request{})
		if err != nil {
			t.Fatal(err)
		}
		diff(t, "containers", []string{"proxy-1", "proxy-2", "app"}, names(res.Pod.Spec.Containers))
		for _, name := range []string{"proxy-1", "proxy-2"} {
			lc := container(t, res.Pod, name).Lifecycle
			if kept := lc != nil && lc.StopSignal != nil && *lc.StopSignal == signal; kept == exact {
				t.Errorf("KruiseExact=%t: %s lifecycle %+v", exact, name, lc)
			}
		}
		vol := res.Pod.Spec.Volumes[0]
		if exact && (vol.Image != nil || vol.EmptyDir == nil) || !exact && (vol.Image == nil || vol.EmptyDir != nil) {
			t.Errorf("KruiseExact=%t: volume %+v, want Kruise's emptyDir only with KruiseExact", exact, vol.VolumeSource)
		}
		// Injecting the injected pod again changes nothing.
		again, err := sidecarset.Inject(st, res.Pod, sidecarset.Request{})
		if err != nil || again.Changed {
			t.Errorf("KruiseExact=%t: second injection changed=%v err=%v", exact, again != nil && again.Changed, err)
		}
	}
}

// TestStoredSidecarSetFields: a SidecarSet read from a cluster (State.Store) with a field
// Kruise's types lack is hashed and injected the same way, and the field is reported.
func TestStoredSidecarSetFields(t *testing.T) {
	t.Parallel()
	signal := corev1.Signal("SIGUSR1")
	ss := sidecarSet("ss", sc("agent", ""))
	ss.Spec.Containers[0].Lifecycle = &corev1.Lifecycle{StopSignal: &signal}
	sidecarset.Default(ss, sidecarset.KruiseV18)
	if err := sidecarset.SetHashAnnotations(ss, sidecarset.KruiseV18); err != nil {
		t.Fatal(err)
	}
	created := cluster{create: []*appsv1alpha1.SidecarSet{ss.DeepCopy()}}.state(t)
	want, _ := created.SidecarSet("ss")
	diff(t, "hash of the full SidecarSet", want.Annotations[sidecarset.AnnotationHash], ss.Annotations[sidecarset.AnnotationHash])

	st := sidecarset.NewState(sidecarset.Options{})
	st.Store(ss)
	if len(st.Findings()) != 1 || st.Findings()[0].Code != finding.SidecarFieldDropped {
		t.Errorf("findings %v, want one sidecar_field_dropped", st.Findings())
	}
	res, err := sidecarset.Inject(st, appPod("app"), sidecarset.Request{})
	if err != nil {
		t.Fatal(err)
	}
	if lc := container(t, res.Pod, "agent").Lifecycle; lc == nil || lc.StopSignal == nil {
		t.Errorf("agent lifecycle %+v, want the stop signal kept", lc)
	}
}

// TestV13NativeSidecarInjected: v1.3 drops restartPolicy. With KruiseExact the native sidecar
// is injected as the blocking init container Kruise makes of it; by default it keeps its
// restartPolicy (sidecarset/BEHAVIOUR.md §7.2). Either way v1.3 treats it as a plain init
// container: placed after the pod's own, out of sidecarList, with the warning.
func TestV13NativeSidecarInjected(t *testing.T) {
	t.Parallel()
	newSS := func() *appsv1alpha1.SidecarSet {
		return withInit(sidecarSet("ss", sc("agent", "")), native(sc("proxy", "")))
	}
	// v1.3 drops restartPolicy: with --kruise-exact the native sidecar is injected as the
	// blocking init container Kruise makes of it; by default it keeps its restartPolicy
	// (sidecarset/BEHAVIOUR.md §7.2). Either way v1.3 treats it as a plain init container:
	// placed after the pod's own, out of sidecarList, with the warning.
	for _, exact := range []bool{true, false} {
		t.Run(fmt.Sprintf("v1.3 accepts it, KruiseExact=%t", exact), func(t *testing.T) {
			t.Parallel()
			opts := v13
			opts.KruiseExact = exact
			st := cluster{opts: opts, create: []*appsv1alpha1.SidecarSet{newSS()}}.state(t)
			res, err := sidecarset.Inject(st, withPodInit(appPod("app"), "pod-init"), sidecarset.Request{})
			if err != nil {
				t.Fatal(err)
			}
			diff(t, "init containers", []string{"pod-init", "proxy"}, names(res.Pod.Spec.InitContainers))
			if rp := container(t, res.Pod, "proxy").RestartPolicy; (rp == nil) != exact {
				t.Errorf("proxy restartPolicy = %v, want it kept unless KruiseExact", rp)
			}
			diff(t, "sidecarList", []string{"agent"}, hashEntries(t, res.Pod, sidecarset.AnnotationHash)["ss"].SidecarList)
			var found bool
			for _, n := range st.Findings() {
				if n.Code == finding.SidecarFieldDropped && n.Field == "spec.initContainers[0].restartPolicy" &&
					strings.Contains(n.Message, "native sidecar proxy is injected as a plain init container") {
					found = true
				}
			}
			if !found {
				t.Errorf("findings = %+v, want one on spec.initContainers[0].restartPolicy naming proxy", st.Findings())
			}
		})
	}
}
