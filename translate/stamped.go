package translate

import (
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// StampedProfiles returns, sorted, the profiles whose selection label
// (SelectionLabelPrefix<profile>: "true") obj's pod template, or a Pod's own labels, carries:
// the profiles obj was given. Stamping moves spec.runtimes to these labels, so after
// injection they are what says which workloads got profiles.
func StampedProfiles(obj *unstructured.Unstructured) ([]string, error) {
	labels, ok, err := profiledTemplateLabels(obj, true)
	if err != nil || !ok {
		return nil, err
	}
	var out []string
	for k, v := range labels {
		if name, found := strings.CutPrefix(k, SelectionLabelPrefix); found && name != "" && v == "true" {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out, nil
}

// ForStampedWorkloads is ForWorkloads for objects that were already given profiles (an
// injected manifest): the platform comes from the workloads that carry a profile's selection
// label, as it came from the same workloads before stamping.
func (o Options) ForStampedWorkloads(objs ...*unstructured.Unstructured) (Options, error) {
	var stamped []*unstructured.Unstructured
	var profiles []string
	for _, obj := range objs {
		names, err := StampedProfiles(obj)
		if err != nil {
			return o, err
		}
		if len(names) > 0 {
			stamped = append(stamped, obj)
			profiles = append(profiles, names...)
		}
	}
	return o.ForWorkloads(profiles, stamped...)
}
