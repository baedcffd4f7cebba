package sidecarset

import (
	"sort"

	corev1 "k8s.io/api/core/v1"
)

// RecordedInjection is what Kruise recorded on a pod about one SidecarSet's injection
// (sidecarset/BEHAVIOUR.md §3.1), read the way Uninject reads it.
type RecordedInjection struct {
	SidecarSet string
	// Hash is the SidecarSet hash the pod was injected with (kruise.io/sidecarset-hash), the
	// without-image one when only that is recorded; empty when only the injected list names
	// the SidecarSet.
	Hash string
	// Sidecars is the recorded sidecarList.
	Sidecars []string
	// Absent are the recorded sidecars the pod no longer has: no container or native sidecar
	// of that name, nor its hot-upgrade pair.
	Absent []string
}

// RecordedInjections returns the SidecarSets the pod's bookkeeping records, sorted by name.
// The error is a hash annotation that does not parse, which Kruise refuses too.
func RecordedInjections(pod *corev1.Pod) ([]RecordedInjection, error) {
	bk, err := readBookkeeping(pod)
	if err != nil {
		return nil, err
	}
	var out []RecordedInjection
	for _, name := range bk.sidecarSets() {
		r := RecordedInjection{SidecarSet: name}
		if e, ok := bk.entry(name); ok {
			r.Hash, r.Sidecars = e.Hash, e.SidecarList
		}
		for _, base := range r.Sidecars {
			p := &setPlan{name: name}
			p.claimRecorded(pod, hashEntry{SidecarList: []string{base}}, bk)
			if len(p.claims) == 0 {
				r.Absent = append(r.Absent, base)
			}
		}
		sort.Strings(r.Absent)
		out = append(out, r)
	}
	return out, nil
}
