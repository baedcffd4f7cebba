package sidecarset

import (
	"fmt"
	"sort"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/sidecarctl/sidecarctl/finding"
)

// built is everything the matched SidecarSets contribute, before placement.
type built struct {
	containers     []sidecar
	initContainers []sidecar
	volumes        []corev1.Volume
	secrets        []corev1.LocalObjectReference
	annotations    map[string]string
	injectedBy     map[string][]string
}

// build processes the matched SidecarSets in order (sidecarset/BEHAVIOUR.md §2.1 step 3, and
// §5 for v1.3): env, mounts, volumes and hot-upgrade pairs of every sidecar, the pod's hash
// annotations, the injected list and the hot-upgrade bookkeeping.
func (s *State) build(pod *corev1.Pod, matched []*appsv1alpha1.SidecarSet) (*built, error) {
	bh := s.opts.behaviour()
	b := &built{annotations: map[string]string{}, injectedBy: map[string][]string{}}
	// Kruise reads the pod's hash annotations once, before the first SidecarSet, and only
	// because one matched: a garbled value is the pod's fault, attributed to that first set.
	hashes, err := parseHashAnnotation(AnnotationHash, pod.Annotations[AnnotationHash])
	if err != nil {
		return nil, hashRefusal(matched[0].Name, AnnotationHash, err)
	}
	hashesWI, err := parseHashAnnotation(AnnotationHashWithoutImage, pod.Annotations[AnnotationHashWithoutImage])
	if err != nil {
		return nil, hashRefusal(matched[0].Name, AnnotationHashWithoutImage, err)
	}
	existingWorking := pod.Annotations[AnnotationWorkingHotUpgrade]
	working := parseWorkingHotUpgrade(existingWorking)
	var lastWorking string // v1.3 keeps only the last hot-upgrade sidecar it processed
	hotUpgraded := false   // the annotation is written only when this injection adds a pair
	now := s.opts.now()
	var names []string

	for _, ss := range matched {
		names = append(names, ss.Name)
		keep := s.kept[ss] // nil for a pinned revision: Kruise recorded it without the fields
		volumesByName := make(map[string]*corev1.Volume, len(ss.Spec.Volumes))
		for i := range ss.Spec.Volumes {
			volumesByName[ss.Spec.Volumes[i].Name] = &ss.Spec.Volumes[i]
		}
		addVolumes := func(sc *appsv1alpha1.SidecarContainer, p *field.Path) error {
			for j, m := range sc.VolumeMounts {
				vol, ok := volumesByName[m.Name]
				if written, kept := keep.volume(m.Name); kept && ok {
					vol = written // a field Kruise dropped, kept (sidecarset/BEHAVIOUR.md §7.2)
				}
				if !ok {
					// Kruise up to v1.8 dereferences the missing volume and panics; the
					// webhook call fails and the pod is refused.
					return &RefusalError{Code: finding.RefusedMissingVolume, SidecarSet: ss.Name,
						Field: p.Child("volumeMounts").Index(j).Child("name").String(), Message: fmt.Sprintf(
							"panic: runtime error: invalid memory address or nil pointer dereference (sidecar %s mounts volume %q, which spec.volumes does not define)", sc.Name, m.Name)}
				}
				b.volumes = append(b.volumes, *vol.DeepCopy())
			}
			// volumeDevices queue no volume before Kruise v1.9.0 (BEHAVIOUR.md §2.5): a sidecar
			// whose device names a volume only the SidecarSet defines gives a pod the API
			// server refuses, and Kruise lets it through.
			return nil
		}
		var sidecarList []string
		injecting := false

		for i := range ss.Spec.InitContainers {
			ic := ss.Spec.InitContainers[i].DeepCopy()
			native := isNativeSidecar(ic) && bh.NativeSidecars
			if bh.SidecarListHasInitContainers && (native || !bh.SidecarListOnlyNativeInitContainers) {
				sidecarList = append(sidecarList, ic.Name)
			}
			var shared []corev1.VolumeMount
			var extraEnv []corev1.EnvVar
			if bh.InitContainersShareVolumes {
				var subEnvs []corev1.EnvVar
				shared, subEnvs = sharedMounts(ic, pod, bh)
				extraEnv = append(transferEnvs(ic, pod), subEnvs...)
			}
			if err := addVolumes(ic, field.NewPath("spec", "initContainers").Index(i)); err != nil {
				return nil, err
			}
			ic.VolumeMounts = mergeMounts(ic.VolumeMounts, shared)
			ic.Env = append(ic.Env, corev1.EnvVar{Name: EnvIsInjected, Value: "true"})
			if bh.InitContainersShareVolumes {
				ic.Env = mergeEnv(ic.Env, extraEnv)
			} else {
				ic.Env = append(ic.Env, transferEnvs(ic, pod)...)
			}
			if err := keep.container("initContainers", ic.Name, &ic.Container); err != nil {
				return nil, err
			}
			if native && isHotUpgrade(ic) {
				pair, annotations := hotUpgradePair(ic)
				for _, c := range pair {
					b.initContainers = append(b.initContainers, sidecar{container: c, policy: ic.PodInjectPolicy})
				}
				for k, val := range annotations {
					b.annotations[k] = val
				}
				working[ic.Name] = pair[0].Name
				hotUpgraded = true
			} else {
				b.initContainers = append(b.initContainers, sidecar{container: ic.Container, policy: ic.PodInjectPolicy})
			}
			b.injectedBy[ss.Name] = append(b.injectedBy[ss.Name], "init container "+ic.Name)
			if bh.HashEntryForInitOnlySet {
				injecting = true
			}
		}
		b.secrets = append(b.secrets, ss.Spec.ImagePullSecrets...)

		for i := range ss.Spec.Containers {
			c := ss.Spec.Containers[i].DeepCopy()
			sidecarList = append(sidecarList, c.Name)
			shared, subEnvs := sharedMounts(c, pod, bh)
			extraEnv := append(transferEnvs(c, pod), subEnvs...)
			injecting = true
			if err := addVolumes(c, field.NewPath("spec", "containers").Index(i)); err != nil {
				return nil, err
			}
			c.VolumeMounts = mergeMounts(c.VolumeMounts, shared)
			c.Env = append(c.Env, corev1.EnvVar{Name: EnvIsInjected, Value: "true"})
			c.Env = mergeEnv(c.Env, extraEnv)
			if err := keep.container("containers", c.Name, &c.Container); err != nil {
				return nil, err
			}
			if isHotUpgrade(c) {
				pair, annotations := hotUpgradePair(c)
				for _, hc := range pair {
					b.containers = append(b.containers, sidecar{container: hc, policy: c.PodInjectPolicy})
				}
				for k, val := range annotations {
					b.annotations[k] = val
				}
				working[c.Name] = pair[0].Name
				lastWorking = c.Name
				hotUpgraded = true
			} else {
				b.containers = append(b.containers, sidecar{container: c.Container, policy: c.PodInjectPolicy})
			}
			b.injectedBy[ss.Name] = append(b.injectedBy[ss.Name], "container "+c.Name)
		}

		if injecting || bh.HashEntryForEveryMatchedSet {
			sort.Strings(sidecarList)
			if sidecarList == nil {
				sidecarList = []string{}
			}
			hashes[ss.Name] = keepTimestamp(hashes[ss.Name], hashEntry{UpdateTimestamp: now, Hash: ss.Annotations[AnnotationHash],
				SidecarSetName: ss.Name, SidecarList: sidecarList, ControllerRevision: ss.Status.LatestRevision})
			hashesWI[ss.Name] = keepTimestamp(hashesWI[ss.Name], hashEntry{UpdateTimestamp: now, Hash: ss.Annotations[AnnotationHashWithoutImage],
				SidecarSetName: ss.Name, SidecarList: sidecarList})
		}
	}

	b.annotations[AnnotationHash] = encodeHashes(hashes)
	b.annotations[AnnotationHashWithoutImage] = encodeHashes(hashesWI)
	if bh.MergesInjectedList {
		b.annotations[AnnotationInjectedList] = injectedList(pod.Annotations[AnnotationInjectedList], names)
	} else {
		b.annotations[AnnotationInjectedList] = joinNames(names)
	}
	// Kruise writes the annotation only when it injects a hot-upgrade pair; otherwise the
	// pod's value stays as written, whatever its spacing (sidecarset/BEHAVIOUR.md §2.13).
	if bh.RecordsEveryHotUpgradeSidecar {
		if hotUpgraded {
			b.annotations[AnnotationWorkingHotUpgrade] = encodeJSON(working)
		}
	} else if lastWorking != "" {
		kept := parseWorkingHotUpgrade(existingWorking)
		kept[lastWorking] = working[lastWorking]
		b.annotations[AnnotationWorkingHotUpgrade] = encodeJSON(kept)
	}
	return b, nil
}

// names returns the names of the containers and init containers built.
func (b *built) names() map[string]bool {
	out := make(map[string]bool, len(b.containers)+len(b.initContainers))
	for _, list := range [][]sidecar{b.containers, b.initContainers} {
		for _, sc := range list {
			out[sc.container.Name] = true
		}
	}
	return out
}

// hashRefusal is the refusal for a pod whose hash annotation key does not parse.
func hashRefusal(set, key string, err error) *RefusalError {
	return &RefusalError{Code: finding.RefusedHashAnnotation, SidecarSet: set,
		Field: field.NewPath("metadata", "annotations").Key(key).String(), Message: err.Error(), Err: err}
}

func joinNames(names []string) string {
	out := ""
	for i, n := range names {
		if i > 0 {
			out += ","
		}
		out += n
	}
	return out
}

// keepTimestamp keeps the recorded updateTimestamp when the pod already carries this very
// entry, so that injecting an injected pod again changes nothing (Kruise would write the
// current time; nothing reads it but humans).
func keepTimestamp(existing, fresh hashEntry) hashEntry {
	if existing.UpdateTimestamp.IsZero() {
		return fresh
	}
	probe := fresh
	probe.UpdateTimestamp = existing.UpdateTimestamp
	if equality.Semantic.DeepEqual(existing, probe) {
		return probe
	}
	return fresh
}
