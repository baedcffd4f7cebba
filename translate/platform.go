package translate

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sidecarctl/sidecarctl/platform"
	"github.com/sidecarctl/sidecarctl/sidecarset/workload"
)

// Platform is where the pods of the profiles run. It is package platform's type, so the
// platform a pod's labels ask for (platform.Of) and the one profiles are compiled for
// compare directly.
type Platform = platform.Platform

const (
	// ECI marks converted sidecars with ECI_CONTAINER_TYPE=sidecar and friends, and has
	// ECI's limits: no hostPath, privileged unverified, 20 containers and 20 volumes.
	ECI = platform.ECI
	// ACS marks converted sidecars with __IS_SIDECAR__=true, and runs the csi sidecars'
	// hostPath volumes and privileged containers (seed 000's injected pod).
	ACS = platform.ACS
)

// ParsePlatform parses a platform name, eci or acs; the empty string means "derive it"
// (from the virtual-node label, or from the workloads with ForWorkloads).
func ParsePlatform(s string) (Platform, error) {
	switch p := Platform(strings.ToLower(s)); p {
	case platform.Regular, ECI, ACS:
		return p, nil
	}
	return "", fmt.Errorf("unknown platform %q: want %s or %s", s, ECI, ACS)
}

// checkPlatform accepts what ParsePlatform accepts and platform.VirtualNode, which
// PlatformOf returns for templates that carry only the after-scheduling label.
func checkPlatform(p Platform) error {
	if p == platform.VirtualNode {
		return nil
	}
	_, err := ParsePlatform(string(p))
	return err
}

// PlatformFrom says where a Result's platform came from, so a finding that questions it can
// say which setting to change.
type PlatformFrom string

const (
	// PlatformFromOption: the caller set Options.Platform.
	PlatformFromOption PlatformFrom = "option"
	// PlatformFromWorkloads: ForWorkloads read it from the workloads' template labels.
	PlatformFromWorkloads PlatformFrom = "workloads"
	// PlatformFromLabel: derived from Options.VirtualNodeLabel (virtual-node target).
	PlatformFromLabel PlatformFrom = "virtual-node label"
	// PlatformDefault: nothing said it; ECI on the virtual-node target, regular nodes on
	// the Kruise target.
	PlatformDefault PlatformFrom = "default"
)

// usesECIRules reports whether ECI's conventions and limits apply: on ECI, and on a virtual
// node whose runtime the labels do not say.
func usesECIRules(p Platform) bool { return p == ECI || p == platform.VirtualNode }

// platformName names a platform in messages.
func platformName(p Platform) string {
	switch p {
	case ACS:
		return "ACS"
	case ECI:
		return "ECI"
	case platform.VirtualNode:
		return "a virtual node (ECI assumed)"
	}
	return "regular nodes"
}

// platformLabel is the create-time label a pod on p carries, which a Kruise-target selector
// requires; "" for regular nodes.
func platformLabel(p Platform) string {
	switch p {
	case ACS:
		return platform.LabelACS
	case ECI:
		return platform.LabelECI
	case platform.VirtualNode:
		return platform.LabelVirtualNode
	}
	return ""
}

// describeLabels says which platform label a pod carries, for messages.
func describeLabels(p Platform) string {
	if l := platformLabel(p); l != "" {
		return l + "=true"
	}
	return "no platform label"
}

// PlatformOf returns the platform the workloads that get profiles ask for through the labels
// of their pod templates (platform.Of; a Pod's own labels), or an error naming two of them
// when they disagree: one SidecarSet per profile cannot follow two platforms' rules.
//
// A workload gets profiles when it has an inline pod template and either profiles are given
// (StampProfiles gives them to every workload) or it is an openkruise/agents object that
// declares spec.runtimes. Other objects do not count. ECI and a virtual node that does not
// say its runtime agree (ECI). Without any workload that counts, the result is
// platform.Regular.
func PlatformOf(profiles []string, objs ...*unstructured.Unstructured) (Platform, error) {
	result, first := platform.Regular, ""
	for _, obj := range objs {
		labels, ok, err := profiledTemplateLabels(obj, len(profiles) > 0)
		if err != nil {
			return "", err
		}
		if !ok {
			continue
		}
		p, name := platform.Of(labels), objectName(obj)
		switch {
		case first == "":
			result, first = p, name
		case p == result:
		case usesECIRules(p) && usesECIRules(result):
			result = ECI
		default:
			return "", fmt.Errorf("the workloads ask for different platforms: %s for %s (%s), %s for %s (%s); translate them separately or set the platform",
				first, platformName(result), describeLabels(result), name, platformName(p), describeLabels(p))
		}
	}
	return result, nil
}

// profiledTemplateLabels returns the labels of obj's pod template when obj gets profiles.
func profiledTemplateLabels(obj *unstructured.Unstructured, anyWorkload bool) (map[string]string, bool, error) {
	gvk := obj.GroupVersionKind()
	kind, ok := workload.Lookup(gvk.GroupKind())
	if !ok {
		return nil, false, nil
	}
	if !anyWorkload {
		if !DeclaresRuntimes(obj) {
			return nil, false, nil
		}
		runtimes, _, err := unstructured.NestedSlice(obj.Object, "spec", "runtimes")
		if err != nil {
			return nil, false, fmt.Errorf("%s: spec.runtimes: %w", objectName(obj), err)
		}
		if len(runtimes) == 0 {
			return nil, false, nil
		}
	}
	if kind.IsPod() {
		return obj.GetLabels(), true, nil
	}
	if _, found, _ := unstructured.NestedFieldNoCopy(obj.Object, kind.Template...); !found {
		return nil, false, nil
	}
	path := append(slices.Clone(kind.Template), "metadata", "labels")
	labels, _, err := unstructured.NestedStringMap(obj.Object, path...)
	if err != nil {
		return nil, false, fmt.Errorf("%s: %s: %w", objectName(obj), strings.Join(path, "."), err)
	}
	return labels, true, nil
}

// DeclaresRuntimes reports whether obj is an openkruise/agents kind that declares runtimes
// (spec.runtimes): Sandbox, SandboxSet, SandboxTemplate.
func DeclaresRuntimes(obj *unstructured.Unstructured) bool {
	gvk := obj.GroupVersionKind()
	return gvk.Group == agentsGroup && slices.Contains([]string{"Sandbox", "SandboxSet", "SandboxTemplate"}, gvk.Kind)
}

// ForWorkloads returns o with Platform set from the workloads the profiles are for
// (PlatformOf), when nothing else says it: Options.Platform is empty and, on the
// virtual-node target, VirtualNodeLabel is not eci or acs. This is how a template labelled
// alibabacloud.com/acs gets ACS's conventions without a platform option. profiles are the
// profiles given to every workload (StampProfiles), nil when only declared runtimes count.
// Workloads without a platform label leave o as it is.
func (o Options) ForWorkloads(profiles []string, objs ...*unstructured.Unstructured) (Options, error) {
	if o.Platform != "" {
		return o, nil
	}
	if t, _ := ParseTarget(string(o.Target)); t == VirtualNode {
		if l, _ := ParseVirtualNodeLabel(string(o.VirtualNodeLabel)); l == LabelECI || l == LabelACS {
			return o, nil
		}
	}
	p, err := PlatformOf(profiles, objs...)
	if err != nil {
		return o, err
	}
	if p != platform.Regular {
		o.Platform, o.PlatformFrom = p, PlatformFromWorkloads
	}
	return o, nil
}
