package sidecarset

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/sidecarctl/sidecarctl/finding"
)

// check builds what p.ss injects into the pod's app containers, exactly as injection built
// it (sidecarset/BEHAVIOUR.md §2.1 step 3: env, transferEnv, shared mounts, hot-upgrade
// pairs), claims the pod's containers of those names and keeps the injection in place when
// one differs (§3.4). same says whether p.ss carries the hash the pod records.
func (p *setPlan) check(s *State, pod *corev1.Pod, entry hashEntry, same bool) {
	b, err := s.build(appPod(pod), []*appsv1alpha1.SidecarSet{p.ss}, p.restored)
	if err != nil {
		p.claimRecorded(pod, entry, &bookkeeping{})
		p.keep(finding.UninjectSidecarSetChanged, "", fmt.Sprintf(
			"Kruise would not inject SidecarSet %s into this pod now (%v): its injection is left in place", p.name, err))
		return
	}
	p.volumes = b.volumes
	bases := map[string]bool{}
	for _, group := range []struct {
		init     bool
		sidecars []sidecar
	}{{true, b.initContainers}, {false, b.containers}} {
		for i := range group.sidecars {
			want := &group.sidecars[i].container
			c := claim{init: group.init, name: want.Name, expected: want, policy: group.sidecars[i].policy,
				index: findExpected(listOf(pod, group.init), want)}
			p.claims = append(p.claims, c)
			if c.index >= 0 {
				p.compare(c, listOf(pod, group.init)[c.index], entry, same)
			}
		}
	}
	bh := s.opts.behaviour()
	for _, sc := range p.ss.Spec.InitContainers {
		bases[sc.Name] = true
		if isNativeSidecar(&sc) && bh.NativeSidecars && isHotUpgrade(&sc) {
			p.hotBases = append(p.hotBases, sc.Name)
		}
	}
	for _, sc := range p.ss.Spec.Containers {
		bases[sc.Name] = true
		if isHotUpgrade(&sc) {
			p.hotBases = append(p.hotBases, sc.Name)
		}
	}
	// A sidecar the pod records and the SidecarSet no longer has (containers can be removed
	// from a SidecarSet, §4.7): the version the pod got is not in the state.
	for _, base := range entry.SidecarList {
		if bases[base] {
			continue
		}
		gone := &setPlan{name: p.name}
		gone.claimRecorded(pod, hashEntry{SidecarList: []string{base}}, &bookkeeping{})
		p.claims = append(p.claims, gone.claims...)
		p.keep(finding.UninjectSidecarSetChanged, "", fmt.Sprintf(
			"the pod records sidecar %s of SidecarSet %s, which the SidecarSet no longer has%s: its injection is left in place", base, p.name, noRevision(p.ss, entry)))
	}
}

// compare reports a claimed container that differs from what the SidecarSet injects.
func (p *setPlan) compare(c claim, got corev1.Container, entry hashEntry, same bool) {
	fields := differingFields(got, *c.expected)
	if len(fields) == 0 {
		return
	}
	kind := "container"
	if c.init {
		kind = "init container"
	}
	if !same {
		p.keep(finding.UninjectSidecarSetChanged, c.path(), fmt.Sprintf(
			"%s %s differs from what SidecarSet %s injects now (%s)%s: its injection is left in place", kind, c.name, p.name, strings.Join(fields, ", "), noRevision(p.ss, entry)))
		return
	}
	p.keep(finding.UninjectEdited, c.path(), fmt.Sprintf(
		"%s %s differs from what SidecarSet %s injects (%s): edited after injection; its injection is left in place", kind, c.name, p.name, strings.Join(fields, ", ")))
}

// noRevision says that the SidecarSet changed since the pod was injected.
func noRevision(ss *appsv1alpha1.SidecarSet, entry hashEntry) string {
	return fmt.Sprintf("; the SidecarSet changed since injection (the pod records hash %s, the state has %s) and no ControllerRevision given holds the recorded version",
		entry.Hash, ss.Annotations[AnnotationHash])
}

// checkPlacement keeps the injection in place when one of its sidecars stands where
// placement never puts it (BEHAVIOUR.md §2.3): before-sidecars precede every app container
// and after-sidecars follow them all, so a sidecar elsewhere replaced the pod's own container
// of its name, whose definition is lost.
func (p *setPlan) checkPlacement(pod *corev1.Pod, claimed map[string]bool, bh behaviour) {
	if p.kept() {
		return
	}
	for _, c := range p.claims {
		if c.index < 0 || (c.init && !bh.PlacesInitContainers) {
			continue
		}
		list := listOf(pod, c.init)
		first, last := -1, -1
		for i := range list {
			if !claimed[listKey(c.init, list[i].Name)] {
				if first < 0 {
					first = i
				}
				last = i
			}
		}
		if first < 0 {
			continue
		}
		emptyBefore := !c.init && !bh.EmptyInjectPolicyAfter
		before := c.policy == appsv1alpha1.BeforeAppContainerType || (c.policy == "" && emptyBefore)
		var app string
		switch {
		case before && c.index > first:
			app = list[first].Name
		case !before && c.index < last:
			app = list[last].Name
		default:
			continue
		}
		side, policy := "after", string(c.policy)
		if !before {
			side = "before"
		}
		if policy == "" {
			policy = "empty-policy"
		}
		p.keep(finding.UninjectReplacedContainer, c.path(), fmt.Sprintf(
			"%s stands %s the pod's %s, where Kruise never places a %s sidecar: SidecarSet %s replaced the pod's own %s, whose definition is lost; its injection is left in place",
			c.name, side, app, policy, p.name, c.name))
	}
}

// appPod is the pod as injection saw it: without the containers that carry IS_INJECTED=true,
// which are sidecars (BEHAVIOUR.md §2.6); a shallow copy for build, which only reads it.
func appPod(pod *corev1.Pod) *corev1.Pod {
	out := *pod
	out.Spec.Containers = nil
	for i := range pod.Spec.Containers {
		if !marked(&pod.Spec.Containers[i]) {
			out.Spec.Containers = append(out.Spec.Containers, pod.Spec.Containers[i])
		}
	}
	return &out
}

// findExpected returns the index of the container named like want: the first one equal to
// it, else the first of that name, else -1 (v1.3 may leave two of a name, §5.4).
func findExpected(list []corev1.Container, want *corev1.Container) int {
	found := -1
	for i := range list {
		if list[i].Name != want.Name {
			continue
		}
		if len(differingFields(list[i], *want)) == 0 {
			return i
		}
		if found < 0 {
			found = i
		}
	}
	return found
}

// differingFields lists the top-level fields in which two containers differ once both carry
// the Kubernetes container defaults (the API server's, which Kruise's SidecarSet defaulting
// applies too, §2.0): a pod read from a cluster is compared as stored.
func differingFields(got, want corev1.Container) []string {
	g, w := defaultedContainer(got), defaultedContainer(want)
	if equality.Semantic.DeepEqual(g, w) {
		return nil
	}
	gm, err1 := runtime.DefaultUnstructuredConverter.ToUnstructured(&g)
	wm, err2 := runtime.DefaultUnstructuredConverter.ToUnstructured(&w)
	if err1 != nil || err2 != nil {
		return []string{"spec"}
	}
	keys := map[string]bool{}
	for k := range gm {
		keys[k] = true
	}
	for k := range wm {
		keys[k] = true
	}
	var out []string
	for k := range keys {
		if !reflect.DeepEqual(gm[k], wm[k]) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	if len(out) == 0 {
		// A safeguard: a semantic difference shows in the JSON of some field.
		out = []string{"spec"}
	}
	return out
}

func defaultedContainer(c corev1.Container) corev1.Container {
	sc := appsv1alpha1.SidecarContainer{Container: *c.DeepCopy()}
	defaultContainer(&sc)
	return sc.Container
}

// sameVolume compares two volumes with Kubernetes' volume defaults applied to both.
func sameVolume(a, b corev1.Volume) bool {
	vols := []corev1.Volume{*a.DeepCopy(), *b.DeepCopy()}
	DefaultVolumes(vols)
	return equality.Semantic.DeepEqual(vols[0], vols[1])
}
