package sidecarset

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/sidecarctl/sidecarctl/finding"
)

// undo takes out of the pod what the plans that are not kept injected
// (sidecarset/BEHAVIOUR.md §3.4).
type undo struct {
	pod   *corev1.Pod
	plans []*setPlan
	bk    *bookkeeping
	// removed are the plans undone, in plan order, with what went.
	removed []*setPlan
	record  map[*setPlan]*Removal
}

func (u *undo) run(res *UninjectResult) {
	u.record = map[*setPlan]*Removal{}
	for _, p := range u.plans {
		if !p.kept() {
			u.removed = append(u.removed, p)
			u.record[p] = &Removal{SidecarSet: p.name, Checked: p.ss != nil}
		}
	}
	if len(u.removed) == 0 {
		return
	}
	mounted := u.removeContainers()
	u.removeVolumes(mounted, &res.Findings)
	u.removeSecrets(&res.Findings)
	u.removeBookkeeping()
	u.removePatchedMetadata(&res.Findings)
	if len(u.pod.Annotations) == 0 {
		u.pod.Annotations = nil
	}
	for _, p := range u.removed {
		r := u.record[p]
		res.Removed = append(res.Removed, *r)
		if p.ss == nil {
			res.Findings.Add(uncheckedFinding(p, r))
		}
	}
}

func uncheckedFinding(p *setPlan, r *Removal) finding.Finding {
	removed := strings.Join(append(append([]string(nil), r.InitContainers...), r.Containers...), ", ")
	if removed == "" {
		removed = "none in the pod"
	}
	if p.name == "" {
		return finding.Finding{Severity: finding.Warning, Code: finding.UninjectUnchecked, Message: fmt.Sprintf(
			"init containers %s carry %s=true and were injected by one of the recorded SidecarSets the state does not hold: removed unchecked for edits", removed, EnvIsInjected)}
	}
	return finding.Finding{Severity: finding.Warning, Code: finding.UninjectUnchecked, SidecarSet: p.name, Message: fmt.Sprintf(
		"SidecarSet %s is not in the state: its sidecars (%s) were removed by Kruise's annotations alone, unchecked for edits; volumes, imagePullSecrets and patchPodMetadata annotations it may have added are left", p.name, removed)}
}

// removeContainers deletes the claimed containers of the removed plans and returns, for the
// plans without a SidecarSet, the volumes their sidecars mounted.
func (u *undo) removeContainers() map[*setPlan][]string {
	mounted := map[*setPlan][]string{}
	drop := map[string]bool{}
	for _, p := range u.removed {
		r := u.record[p]
		for _, c := range p.claims {
			if c.index < 0 || drop[listKey(c.init, fmt.Sprint(c.index))] {
				continue
			}
			drop[listKey(c.init, fmt.Sprint(c.index))] = true
			if c.init {
				r.InitContainers = append(r.InitContainers, c.name)
			} else {
				r.Containers = append(r.Containers, c.name)
			}
			if p.ss == nil {
				for _, m := range listOf(u.pod, c.init)[c.index].VolumeMounts {
					mounted[p] = append(mounted[p], m.Name)
				}
			}
		}
	}
	keep := func(init bool, list []corev1.Container) []corev1.Container {
		var out []corev1.Container
		for i := range list {
			if !drop[listKey(init, fmt.Sprint(i))] {
				out = append(out, list[i])
			}
		}
		return out
	}
	u.pod.Spec.InitContainers = keep(true, u.pod.Spec.InitContainers)
	u.pod.Spec.Containers = keep(false, u.pod.Spec.Containers)
	return mounted
}

// removeVolumes deletes a volume a removed SidecarSet queued when no remaining container uses
// it and it equals the SidecarSet's definition; a different one is the pod's own, which won
// the name clash (§2.5). Without the SidecarSet, whether the pod had it cannot be told.
func (u *undo) removeVolumes(mounted map[*setPlan][]string, fs *finding.List) {
	type candidate struct {
		plan *setPlan
		def  *corev1.Volume
	}
	candidates := map[string][]candidate{}
	for _, p := range u.removed {
		for i := range p.volumes {
			candidates[p.volumes[i].Name] = append(candidates[p.volumes[i].Name], candidate{p, &p.volumes[i]})
		}
		for _, name := range mounted[p] {
			candidates[name] = append(candidates[name], candidate{p, nil})
		}
	}
	used := usedVolumes(&u.pod.Spec)
	var out []corev1.Volume
	for i, v := range u.pod.Spec.Volumes {
		cs := candidates[v.Name]
		if len(cs) == 0 || used[v.Name] {
			out = append(out, v)
			continue
		}
		var owner, checked *setPlan
		for _, c := range cs {
			if c.def != nil && checked == nil {
				checked = c.plan
			}
			if c.def != nil && sameVolume(v, *c.def) {
				owner = c.plan
				break
			}
		}
		path := field.NewPath("spec", "volumes").Index(i).String()
		switch {
		case owner != nil:
			u.record[owner].Volumes = append(u.record[owner].Volumes, v.Name)
			continue
		case checked != nil:
			fs.Add(finding.Finding{Severity: finding.Info, Code: finding.UninjectPodVolume, SidecarSet: checked.name, Field: path, Message: fmt.Sprintf(
				"volume %s differs from SidecarSet %s's: the pod's own, which won the name clash at injection, or one changed since; kept", v.Name, checked.name)})
		default:
			fs.Add(finding.Finding{Severity: finding.Warning, Code: finding.UninjectUnchecked, SidecarSet: cs[0].plan.name, Field: path, Message: fmt.Sprintf(
				"volume %s was used only by removed sidecars of a SidecarSet the state does not hold: whether the pod had it before is unknown; left", v.Name)})
		}
		out = append(out, v)
	}
	u.pod.Spec.Volumes = out
}

// usedVolumes names the volumes the pod's containers, init containers and ephemeral
// containers mount or use as devices.
func usedVolumes(spec *corev1.PodSpec) map[string]bool {
	used := map[string]bool{}
	add := func(mounts []corev1.VolumeMount, devices []corev1.VolumeDevice) {
		for _, m := range mounts {
			used[m.Name] = true
		}
		for _, d := range devices {
			used[d.Name] = true
		}
	}
	for _, list := range [][]corev1.Container{spec.InitContainers, spec.Containers} {
		for i := range list {
			add(list[i].VolumeMounts, list[i].VolumeDevices)
		}
	}
	for i := range spec.EphemeralContainers {
		add(spec.EphemeralContainers[i].VolumeMounts, spec.EphemeralContainers[i].VolumeDevices)
	}
	return used
}

// removeSecrets undoes the imagePullSecrets merge (§2.10): injection appends the secrets of
// the matched SidecarSets the pod lacks, so the appended ones are the shortest tail whose
// names are exactly the recorded SidecarSets' secrets that the rest lacks. From that tail go
// the secrets of removed SidecarSets that no kept one lists.
func (u *undo) removeSecrets(fs *finding.List) {
	all, kept := map[string]bool{}, map[string]bool{}
	owner := map[string]*setPlan{}
	for _, p := range u.plans {
		if p.ss == nil {
			continue
		}
		for _, s := range p.ss.Spec.ImagePullSecrets {
			all[s.Name] = true
			if p.kept() {
				kept[s.Name] = true
			} else if owner[s.Name] == nil {
				owner[s.Name] = p
			}
		}
	}
	list := u.pod.Spec.ImagePullSecrets
	if len(owner) == 0 || len(list) == 0 {
		return
	}
	from := appendedFrom(list, all)
	if from < 0 {
		var names []string
		for _, s := range list {
			if owner[s.Name] != nil && !kept[s.Name] {
				names = append(names, s.Name)
			}
		}
		if len(names) > 0 {
			fs.Add(finding.Finding{Severity: finding.Warning, Code: finding.UninjectEdited, SidecarSet: owner[names[0]].name, Field: "spec.imagePullSecrets",
				Message: fmt.Sprintf("the imagePullSecrets are not what Kruise's merge leaves (a SidecarSet's secret is missing or moved): edited after injection; %s left", strings.Join(names, ", "))})
		}
		return
	}
	out := append([]corev1.LocalObjectReference(nil), list[:from]...)
	for _, s := range list[from:] {
		if p := owner[s.Name]; p != nil && !kept[s.Name] {
			u.record[p].ImagePullSecrets = append(u.record[p].ImagePullSecrets, s.Name)
			continue
		}
		out = append(out, s)
	}
	u.pod.Spec.ImagePullSecrets = out
}

// appendedFrom returns the smallest k such that list[k:] holds, once each, exactly the names
// of all that list[:k] lacks, or -1.
func appendedFrom(list []corev1.LocalObjectReference, all map[string]bool) int {
	for k := 0; k <= len(list); k++ {
		head := map[string]bool{}
		for _, s := range list[:k] {
			head[s.Name] = true
		}
		tail, ok := map[string]bool{}, true
		for _, s := range list[k:] {
			if !all[s.Name] || head[s.Name] || tail[s.Name] {
				ok = false
				break
			}
			tail[s.Name] = true
		}
		for name := range all {
			if ok && !head[name] && !tail[name] {
				ok = false
			}
		}
		if ok {
			return k
		}
	}
	return -1
}

// removeBookkeeping deletes the removed SidecarSets' entries from Kruise's annotations
// (§3.1): the hash entries, the injected list, the working hot-upgrade containers and the
// version annotations of their hot-upgrade pairs; an annotation left empty goes.
func (u *undo) removeBookkeeping() {
	a := u.pod.Annotations
	note := func(p *setPlan, key string) {
		r := u.record[p]
		if len(r.Annotations) == 0 || r.Annotations[len(r.Annotations)-1] != key {
			r.Annotations = append(r.Annotations, key)
		}
	}
	for _, h := range []struct {
		key     string
		entries map[string]hashEntry
	}{{AnnotationHash, u.bk.hashes}, {AnnotationHashWithoutImage, u.bk.hashesWI}} {
		changed := false
		for _, p := range u.removed {
			if _, ok := h.entries[p.name]; ok && p.name != "" {
				delete(h.entries, p.name)
				note(p, h.key)
				changed = true
			}
		}
		if _, written := a[h.key]; written && !changed && len(h.entries) == 0 && u.bk.allListedIn(u.removed) {
			// Kruise v1.4.0 to v1.5.0 write no entry for a SidecarSet of init containers
			// only, but still write the annotation (§3.2): it goes with the last set listed.
			for _, p := range u.removed {
				if slices.Contains(u.bk.injected, p.name) {
					note(p, h.key)
					changed = true
				}
			}
		}
		if changed && len(h.entries) == 0 {
			delete(a, h.key)
		} else if changed {
			a[h.key] = encodeHashes(h.entries)
		}
	}
	gone := map[string]bool{}
	for _, p := range u.removed {
		gone[p.name] = p.name != ""
	}
	var list []string
	for _, n := range u.bk.injected {
		if !gone[n] {
			list = append(list, n)
		}
	}
	if len(list) != len(u.bk.injected) {
		for _, p := range u.removed {
			if slices.Contains(u.bk.injected, p.name) {
				note(p, AnnotationInjectedList)
			}
		}
		if len(list) == 0 {
			delete(a, AnnotationInjectedList)
		} else {
			a[AnnotationInjectedList] = strings.Join(list, ",")
		}
	}
	changed := false
	for _, p := range u.removed {
		for _, base := range p.hotBases {
			if _, ok := u.bk.working[base]; ok {
				delete(u.bk.working, base)
				note(p, AnnotationWorkingHotUpgrade)
				changed = true
			}
			for _, key := range []string{AnnotationVersionPrefix + base + "-1", AnnotationVersionPrefix + base + "-2",
				AnnotationVersionAltPrefix + base + "-1", AnnotationVersionAltPrefix + base + "-2"} {
				if _, ok := a[key]; ok {
					delete(a, key)
					note(p, key)
				}
			}
		}
	}
	if changed && len(u.bk.working) == 0 {
		delete(a, AnnotationWorkingHotUpgrade)
	} else if changed {
		a[AnnotationWorkingHotUpgrade] = encodeJSON(u.bk.working)
	}
}

// removePatchedMetadata undoes patchPodMetadata (§2.11) where it can be undone exactly: a
// Retain or MergePatchJson annotation whose value is the one the SidecarSet writes into a pod
// that lacks it goes; a different Retain value is the pod's own. An Overwrite annotation, or
// a merge into the pod's value, cannot be undone: it is left and reported. Keys a kept
// SidecarSet patches too stay.
func (u *undo) removePatchedMetadata(fs *finding.List) {
	keptKeys := map[string]bool{}
	for _, p := range u.plans {
		if p.ss != nil && p.kept() {
			for _, patch := range p.ss.Spec.PatchPodMetadata {
				for k := range patch.Annotations {
					keptKeys[k] = true
				}
			}
		}
	}
	reported := map[string]bool{}
	for _, p := range u.removed {
		if p.ss == nil {
			continue
		}
		for _, patch := range p.ss.Spec.PatchPodMetadata {
			keys := make([]string, 0, len(patch.Annotations))
			for k := range patch.Annotations {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, key := range keys {
				got, ok := u.pod.Annotations[key]
				if !ok || keptKeys[key] || reported[key] {
					continue
				}
				want := patch.Annotations[key]
				path := field.NewPath("metadata", "annotations").Key(key).String()
				report := func(code finding.Code, msg string) {
					reported[key] = true
					fs.Add(finding.Finding{Severity: finding.Warning, Code: code, SidecarSet: p.name, Field: path, Message: msg})
				}
				switch {
				case patch.PatchPolicy == appsv1alpha1.SidecarSetOverwritePatchPolicy && got == want:
					report(finding.UninjectMetadataOverwritten, fmt.Sprintf(
						"SidecarSet %s overwrites annotation %s: the value the pod had before, if any, is lost; left", p.name, key))
				case patch.PatchPolicy == appsv1alpha1.SidecarSetOverwritePatchPolicy:
					report(finding.UninjectMetadataOverwritten, fmt.Sprintf(
						"SidecarSet %s overwrites annotation %s, which was changed after injection; left", p.name, key))
				case got == want:
					delete(u.pod.Annotations, key)
					u.record[p].Annotations = append(u.record[p].Annotations, key)
				case patch.PatchPolicy == appsv1alpha1.SidecarSetMergePatchJsonPatchPolicy:
					report(finding.UninjectMetadataMerged, fmt.Sprintf(
						"SidecarSet %s merged %s into annotation %s, which then held another value: the merge cannot be undone; left", p.name, want, key))
				}
			}
		}
	}
}
