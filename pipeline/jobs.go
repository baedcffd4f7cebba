package pipeline

import (
	"fmt"
	"slices"
	"strings"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/platform"
	"github.com/sidecarctl/sidecarctl/sidecarset"
)

// The env vars that end a sidecar with the app, per platform (translate/PLATFORMS.md §3.3 for
// ECI and ACS; Kruise's job sidecar terminator, behind its SidecarTerminator gate from v1.4,
// needs kruise-daemon on the node, or its image-swap form on a virtual kubelet).
const (
	envKruiseTerminate          = "KRUISE_TERMINATE_SIDECAR_WHEN_JOB_EXIT"
	envKruiseTerminateWithImage = "KRUISE_TERMINATE_SIDECAR_WHEN_JOB_EXIT_WITH_IMAGE"
	gateSidecarTerminator       = "SidecarTerminator"
)

// jobFindings says, for a pod that runs to completion (restartPolicy Never or OnFailure: a
// Job's, a CronJob's), whether each injected sidecar ends with the app. A long-running
// container in spec.containers keeps such a pod running forever; the fix depends on where the
// pod runs, and the finding names it. Native sidecars (init containers with restartPolicy
// Always) end with the app by themselves. Plain init containers run to completion anyway.
func (s *State) jobFindings(pod *corev1.Pod) finding.List {
	if pod.Spec.RestartPolicy != corev1.RestartPolicyNever && pod.Spec.RestartPolicy != corev1.RestartPolicyOnFailure {
		return nil
	}
	var out finding.List
	where := platform.Of(pod.Labels)
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		if !injected(c) {
			continue
		}
		f := finding.Finding{SidecarSet: s.injectorOf(pod, c.Name), Field: field.NewPath("spec", "containers").Index(i).String()}
		f.Severity, f.Code, f.Message = s.jobVerdict(c, where)
		f.Message = fmt.Sprintf("sidecar %s in a pod with restartPolicy %s: %s", c.Name, pod.Spec.RestartPolicy, f.Message)
		out.Add(f)
	}
	return out
}

// jobVerdict decides for one sidecar on one platform.
func (s *State) jobVerdict(c *corev1.Container, where platform.Platform) (finding.Severity, finding.Code, string) {
	blocks := func(fix string) (finding.Severity, finding.Code, string) {
		return finding.Warning, finding.JobSidecarBlocksCompletion, "it keeps running after the app exits, so the Job never completes; " + fix
	}
	switch where {
	case platform.ECI, platform.VirtualNode:
		switch {
		case envIs(c, platform.EnvECIContainerType, "sidecar") && envIs(c, platform.EnvECIIgnoreExitCode, "true"):
			return finding.Info, finding.JobSidecarTerminates, "ECI force-kills it once the app has exited and ignores its exit code (ECI_CONTAINER_TYPE=sidecar, ECI_CONTAINER_IGNORE_EXIT_CODE=true)"
		case envIs(c, platform.EnvECIContainerType, "sidecar"):
			return finding.Warning, finding.JobSidecarBlocksCompletion, "ECI force-kills it once the app has exited (ECI_CONTAINER_TYPE=sidecar), but its exit code counts, so the Job may end Failed; set ECI_CONTAINER_IGNORE_EXIT_CODE=true"
		case envIs(c, envKruiseTerminateWithImage, ""):
			return finding.Info, finding.JobSidecarTerminates, "Kruise's job sidecar terminator swaps its image once the app has exited (KRUISE_TERMINATE_SIDECAR_WHEN_JOB_EXIT_WITH_IMAGE), the form that works on a virtual kubelet"
		}
		return blocks("on ECI set env ECI_CONTAINER_TYPE=sidecar and ECI_CONTAINER_IGNORE_EXIT_CODE=true on it")
	case platform.ACS:
		if envIs(c, platform.EnvACSIsSidecar, "true") {
			return finding.Info, finding.JobSidecarTerminates, "ACS stops it once the app has exited (__IS_SIDECAR__=true; on Kubernetes >= 1.29 ACS recommends a native sidecar)"
		}
		return blocks("on ACS make it a native sidecar (an init container with restartPolicy: Always, Kubernetes >= 1.29) or set env __IS_SIDECAR__=true on it")
	}
	caps := sidecarset.CapabilitiesOf(s.opts.Engine.Version)
	if envIs(c, envKruiseTerminate, "true") {
		switch {
		case !caps.JobSidecarTerminator:
			// Falls through to the advice below, which says what this release offers instead.
		case !s.opts.Engine.FeatureGates.Enabled(gateSidecarTerminator):
			return blocks("it sets KRUISE_TERMINATE_SIDECAR_WHEN_JOB_EXIT=true, which works only with Kruise's SidecarTerminator feature gate on (--feature-gates SidecarTerminator=true) and kruise-daemon on the node")
		default:
			return finding.Info, finding.JobSidecarTerminates, "Kruise's job sidecar terminator stops it once the app has exited (KRUISE_TERMINATE_SIDECAR_WHEN_JOB_EXIT=true, SidecarTerminator gate on; kruise-daemon must run on the node)"
		}
	}
	switch {
	case caps.NativeSidecars && caps.JobSidecarTerminator:
		return blocks("make it a native sidecar (a SidecarSet initContainer with restartPolicy: Always; Kruise >= 1.7, Kubernetes >= 1.29; `sidecarctl translate --target kruise` does this for profiles), or set env KRUISE_TERMINATE_SIDECAR_WHEN_JOB_EXIT=true with Kruise's SidecarTerminator feature gate on")
	case caps.JobSidecarTerminator:
		return blocks("this Kruise release has no native sidecars (from v1.7): set env KRUISE_TERMINATE_SIDECAR_WHEN_JOB_EXIT=true with Kruise's SidecarTerminator feature gate on (kruise-daemon must run on the node), or end it from the app")
	}
	return blocks("this Kruise release has neither native sidecars (from v1.7) nor a job sidecar terminator (from v1.4): end it from the app, or run the Job on a virtual node with the platform's sidecar env")
}

// injected reports whether Kruise injected c: it marks every container it injects.
func injected(c *corev1.Container) bool {
	return envIs(c, sidecarset.EnvIsInjected, "true")
}

// envIs reports whether c sets name to value (any value when value is empty).
func envIs(c *corev1.Container, name, value string) bool {
	return slices.ContainsFunc(c.Env, func(e corev1.EnvVar) bool {
		return e.Name == name && e.ValueFrom == nil && (value == "" || e.Value == value)
	})
}

// injectorOf names the SidecarSet of the pod's injected list that has a container of that name.
func (s *State) injectorOf(pod *corev1.Pod, container string) string {
	for _, name := range strings.Split(pod.Annotations[sidecarset.AnnotationInjectedList], ",") {
		ss, ok := s.sets.SidecarSet(name)
		if !ok {
			continue
		}
		if slices.ContainsFunc(ss.Spec.Containers, func(c appsv1alpha1.SidecarContainer) bool { return c.Name == container }) {
			return name
		}
	}
	return ""
}
