package sidecarset

import (
	"fmt"
	"sort"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/kruisev1beta1"
)

// built is everything the matched SidecarSets contribute, before placement.
type built struct {
	containers     []sidecar
	initContainers []sidecar
	volumes        []corev1.Volume
	secrets        []corev1.LocalObjectReference
	annotations    map[string]string
	injectedBy     map[string][]string
	// findings are what building noticed (Kruise v1.9 skipping a missing volume).
	findings finding.List
}

// volumeRef is a sidecar's mount or device of a SidecarSet volume.
type volumeRef struct {
	name string
	path *field.Path
}

// build processes the matched SidecarSets in order (sidecarset/BEHAVIOUR.md §2.1 step 3, and
// §5 for v1.3): env, mounts, volumes and hot-upgrade pairs of every sidecar, the pod's hash
// annotations, the injected list and the hot-upgrade bookkeeping.
// pinned holds the v1.9 sidecar fields of pinned revisions among matched, which the state
// does not hold.
func (s *State) build(pod *corev1.Pod, matched []*appsv1alpha1.SidecarSet, pinned map[*appsv1alpha1.SidecarSet]*kruisev1beta1.Fields) (*built, error) {
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
	// resourcesPolicy sees the pod as submitted (build merges nothing into it), and never
	// targets a matched set's sidecar.
	var sidecarNames map[string]bool

	for _, ss := range matched {
		names = append(names, ss.Name)
		keep := s.kept[ss] // nil for a pinned revision: Kruise recorded it without the fields
		volumesByName := make(map[string]*corev1.Volume, len(ss.Spec.Volumes))
		for i := range ss.Spec.Volumes {
			volumesByName[ss.Spec.Volumes[i].Name] = &ss.Spec.Volumes[i]
		}
		addVolumes := func(sc *appsv1alpha1.SidecarContainer, p *field.Path) error {
			refs := make([]volumeRef, 0, len(sc.VolumeMounts)+len(sc.VolumeDevices))
			for j, m := range sc.VolumeMounts {
				refs = append(refs, volumeRef{m.Name, p.Child("volumeMounts").Index(j)})
			}
			// volumeDevices queue no volume before Kruise v1.9.0 (BEHAVIOUR.md §2.5, §8.4): a
			// sidecar whose device names a volume only the SidecarSet defines gives a pod the
			// API server refuses, and Kruise lets it through.
			if bh.DeviceVolumes {
				for j, d := range sc.VolumeDevices {
					refs = append(refs, volumeRef{d.Name, p.Child("volumeDevices").Index(j)})
				}
			}
			for _, ref := range refs {
				vol, ok := volumesByName[ref.name]
				if written, kept := keep.volume(ref.name); kept && ok {
					vol = written // a field Kruise dropped, kept (sidecarset/BEHAVIOUR.md §7.2)
				}
				switch {
				case !ok && bh.DeviceVolumes:
					// Kruise v1.9 logs the missing volume and goes on (#2079).
					b.findings.Add(finding.Finding{Severity: finding.Warning, Code: finding.MissingVolumeSkipped, SidecarSet: ss.Name,
						Field: ref.path.Child("name").String(), Message: fmt.Sprintf(
							"sidecar %s uses volume %q, which spec.volumes does not define: Kruise v1.9 injects it without a volume, so the pod needs one of that name", sc.Name, ref.name)})
					continue
				case !ok:
					// Kruise up to v1.8 dereferences the missing volume and panics; the
					// webhook call fails and the pod is refused.
					return &RefusalError{Code: finding.RefusedMissingVolume, SidecarSet: ss.Name,
						Field: ref.path.Child("name").String(), Message: fmt.Sprintf(
							"panic: runtime error: invalid memory address or nil pointer dereference (sidecar %s mounts volume %q, which spec.volumes does not define)", sc.Name, ref.name)}
				}
				b.volumes = append(b.volumes, *vol.DeepCopy())
			}
			return nil
		}
		fields, isPinned := pinned[ss] // before Kruise v1.9, none
		if !isPinned {
			fields = s.fields[ss]
		}
		// applyFields computes a sidecar's resources (before anything is merged into it: the
		// policy sees the pod as submitted) and reports whether it shares devices.
		applyFields := func(sc *appsv1alpha1.SidecarContainer, init bool, p *field.Path) (bool, error) {
			cf := fields.Get(init, sc.Name)
			if rp := cf.ResourcesPolicy; rp != nil {
				if sidecarNames == nil {
					sidecarNames = matchedSidecarNames(matched)
				}
				res, err := policyResources(rp, pod, sidecarNames)
				if err != nil {
					return false, &RefusalError{Code: finding.RefusedResourcesPolicy, SidecarSet: ss.Name,
						Field: p.Child("resourcesPolicy").String(), Message: err.Error(), Err: err}
				}
				sc.Resources = res
			}
			return cf.DeviceShareEnabled(), nil
		}
		mergeOwnMounts := func(sc *appsv1alpha1.SidecarContainer, shared []corev1.VolumeMount) []corev1.VolumeMount {
			if bh.DeviceVolumes {
				return mergeMountsBesideDevices(sc.VolumeMounts, sc.VolumeDevices, shared)
			}
			return mergeMounts(sc.VolumeMounts, shared)
		}
		var sidecarList []string
		injecting := false

		for i := range ss.Spec.InitContainers {
			ic := ss.Spec.InitContainers[i].DeepCopy()
			icPath := field.NewPath("spec", "initContainers").Index(i)
			shareDevices, err := applyFields(ic, true, icPath)
			if err != nil {
				return nil, err
			}
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
			if err := addVolumes(ic, icPath); err != nil {
				return nil, err
			}
			ic.VolumeMounts = mergeOwnMounts(ic, shared)
			ic.Env = append(ic.Env, corev1.EnvVar{Name: EnvIsInjected, Value: "true"})
			if bh.InitContainersShareVolumes {
				ic.Env = mergeEnv(ic.Env, extraEnv)
			} else {
				ic.Env = append(ic.Env, transferEnvs(ic, pod)...)
			}
			if shareDevices {
				ic.VolumeDevices = sharedDevices(ic.VolumeDevices, ic.VolumeMounts, pod, bh)
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
			cPath := field.NewPath("spec", "containers").Index(i)
			shareDevices, err := applyFields(c, false, cPath)
			if err != nil {
				return nil, err
			}
			sidecarList = append(sidecarList, c.Name)
			shared, subEnvs := sharedMounts(c, pod, bh)
			extraEnv := append(transferEnvs(c, pod), subEnvs...)
			injecting = true
			if err := addVolumes(c, cPath); err != nil {
				return nil, err
			}
			c.VolumeMounts = mergeOwnMounts(c, shared)
			c.Env = append(c.Env, corev1.EnvVar{Name: EnvIsInjected, Value: "true"})
			c.Env = mergeEnv(c.Env, extraEnv)
			if shareDevices {
				c.VolumeDevices = sharedDevices(c.VolumeDevices, c.VolumeMounts, pod, bh)
			}
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
