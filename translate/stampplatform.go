package translate

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/platform"
	"github.com/sidecarctl/sidecarctl/sidecarset"
)

// kruiseAnnotations are the annotations Kruise's pod webhook writes on every pod it injects
// into; with sidecarset.EnvIsInjected on every injected container they show who injected a
// pod, since the agents controller adds nothing of the kind.
func kruiseAnnotations() []string {
	return []string{sidecarset.AnnotationHash, sidecarset.AnnotationHashWithoutImage, sidecarset.AnnotationInjectedList}
}

// checkPlatformPod compares a template with the platform the profiles were compiled for.
// Without the create-time label the SidecarSets select, they never match: refused. With a
// platform label that asks for another platform, the sidecars follow the wrong platform's
// rules and conventions: a warning naming both. ECI refuses pods over its limits: refused.
func checkPlatformPod(pod *corev1.Pod, res *Result, compiled []*Compiled, fieldPrefix string) ([]finding.Finding, error) {
	o := res.Options
	// On the virtual-node target, the after-scheduling label is set by ACK, never by the
	// template; every other selected label must be in the template.
	if l := selectorPlatformLabel(o); l != "" && !(o.Target == VirtualNode && l == platform.LabelVirtualNode) && pod.Labels[l] != "true" {
		what := "virtual-node SidecarSets"
		if o.Target == Kruise {
			what = "SidecarSets compiled for " + platformName(o.Platform)
		}
		return nil, fmt.Errorf("metadata.labels: the %s select %s=true, which the template does not carry; "+
			"add it (it sends the pods to %s) or compile for another platform (%s)", what, l, platformName(o.Platform), finding.VirtualNodeLabelMissing)
	}
	var out []finding.Finding
	if asked := platform.Of(pod.Labels); asked != platform.Regular && !samePlatform(asked, o.Platform) {
		out = append(out, workloadFinding(finding.Warning, finding.PlatformContradictsLabel, "", fieldPrefix+"metadata.labels",
			fmt.Sprintf("the template's label %s=true asks for %s, but the profiles were compiled for %s (%s); "+
				"the sidecars follow the rules of %s (sidecar env, hostPath, privileged, resource-ignore env), not those of the platform the pods run on: %s",
				platformLabel(asked), platformName(asked), platformName(o.Platform), describeFrom(o), platformName(o.Platform), adviceFor(o.PlatformFrom))))
	}
	if !usesECIRules(o.Platform) {
		return out, nil
	}
	containers := len(pod.Spec.Containers) + len(pod.Spec.InitContainers)
	volumes := map[string]bool{}
	for _, v := range pod.Spec.Volumes {
		volumes[v.Name] = true
	}
	for _, c := range compiled {
		if ss := c.SidecarSet; ss != nil {
			containers += len(ss.Spec.Containers) + len(ss.Spec.InitContainers)
			for _, v := range ss.Spec.Volumes {
				volumes[v.Name] = true
			}
		}
		if c.AppPatch != nil {
			for _, v := range c.AppPatch.Volumes {
				volumes[v.Name] = true
			}
		}
	}
	if containers > eciMaxContainers {
		return nil, fmt.Errorf("spec: the pod would have %d containers with its sidecars; ECI allows at most %d (%s)", containers, eciMaxContainers, finding.TooManyContainers)
	}
	if len(volumes) > eciMaxVolumes {
		return nil, fmt.Errorf("spec.volumes: the pod would have %d volumes with its sidecars'; ECI allows at most %d (%s)", len(volumes), eciMaxVolumes, finding.TooManyVolumes)
	}
	return out, nil
}

// samePlatform reports whether a pod asking for a runs under the rules compiled for b: ECI
// and a virtual node that does not say its runtime are both ECI.
func samePlatform(a, b Platform) bool {
	return a == b || usesECIRules(a) && usesECIRules(b)
}

// describeFrom says how the compiled platform was chosen.
func describeFrom(o Options) string {
	switch o.PlatformFrom {
	case PlatformFromWorkloads:
		return "from the labels of the workloads' templates"
	case PlatformFromLabel:
		return "from the virtual-node label " + string(o.VirtualNodeLabel)
	case PlatformDefault:
		return "the default of the " + string(o.Target) + " target"
	}
	return "by the platform option"
}

// adviceFor says which setting to change so that the platform follows the template.
func adviceFor(from PlatformFrom) string {
	switch from {
	case PlatformFromLabel:
		return "compile with the virtual-node label of the platform the template asks for"
	case PlatformDefault:
		return "compile for the template's platform (Options.ForWorkloads derives it from the templates, as translate -f does)"
	}
	return "compile for the platform the template asks for, or leave the platform unset to derive it from the templates"
}
