package translate

import (
	"fmt"
	"slices"
	"strings"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"

	"github.com/sidecarctl/sidecarctl/config"
	"github.com/sidecarctl/sidecarctl/finding"
)

// A profile can add containers, volumes, env, mounts, a postStart hook, labels and
// annotations. It cannot set pod-level fields or change the app's command. Some sidecars only
// work when the template provides such a field (OpenSandbox's task-executor needs a shared
// process namespace; its execd installer needs the app command wrapped,
// translate/PLATFORMS.md §1.3). podRequirements says, per stamped pod, whether the template
// has what the profile's sidecars need: kept (info) or missing (warning). Nothing is ever
// removed or added for these fields.

// capSysPtrace is the capability a sidecar adds to trace or inject into the app's processes;
// across containers that needs the pod's process namespace shared.
const capSysPtrace = "SYS_PTRACE"

// podRequirements reports the template fields the compiled profiles' sidecars rely on.
// fieldPrefix locates the pod spec in the object ("spec.template." or "" for a Pod).
func podRequirements(pod *corev1.Pod, compiled []*Compiled, main, fieldPrefix string) []finding.Finding {
	var out []finding.Finding
	add := func(sev finding.Severity, code finding.Code, profile, fieldPath, format string, args ...any) {
		out = append(out, workloadFinding(sev, code, profile, fieldPrefix+fieldPath, fmt.Sprintf(format, args...)))
	}
	for _, c := range compiled {
		ss := c.SidecarSet
		if ss == nil {
			continue
		}
		var sidecars []corev1.Container
		for _, sc := range ss.Spec.InitContainers {
			sidecars = append(sidecars, sc.Container)
		}
		for _, sc := range ss.Spec.Containers {
			sidecars = append(sidecars, sc.Container)
		}
		for _, sc := range sidecars {
			if !addsCapability(&sc, capSysPtrace) {
				continue
			}
			if pod.Spec.ShareProcessNamespace != nil && *pod.Spec.ShareProcessNamespace {
				add(finding.Info, finding.PodLevelFieldKept, c.Name, "spec.shareProcessNamespace",
					"sidecar %q adds %s to reach the app's processes, which needs shareProcessNamespace: true; a profile cannot set pod-level fields, so the template's value is kept",
					sc.Name, capSysPtrace)
			} else {
				add(finding.Warning, finding.PodLevelFieldRequired, c.Name, "spec.shareProcessNamespace",
					"sidecar %q adds %s to reach the app's processes, which needs shareProcessNamespace: true; a profile cannot set pod-level fields, so set it in the template",
					sc.Name, capSysPtrace)
			}
			break
		}

		if c.AppPatch == nil || c.AppPatch.PostStart != nil {
			continue
		}
		i, err := mainContainerIndex(&pod.Spec, c.AppPatch, main)
		if err != nil {
			continue // applyAppPatch has already refused such a pod
		}
		app := &pod.Spec.Containers[i]
		for _, m := range c.AppPatch.VolumeMounts {
			installer := installerOf(ss.Spec.InitContainers, m.Name)
			if installer == "" {
				continue
			}
			fp := fmt.Sprintf("spec.containers[%d].command", i)
			if len(app.Command) > 0 && strings.HasPrefix(app.Command[0], strings.TrimSuffix(m.MountPath, "/")+"/") {
				add(finding.Info, finding.MainCommandKept, c.Name, fp,
					"container %q starts %s from volume %q, which init container %q fills; a profile cannot change the command, so the template's command is kept",
					app.Name, app.Command[0], m.Name, installer)
			} else {
				add(finding.Warning, finding.MainCommandNotWrapped, c.Name, fp,
					"init container %q installs into volume %q (mounted at %s in container %q) and the profile starts nothing from it (no postStart); "+
						"a profile cannot change the command, so the template must start the installed program itself (its command is %s)",
					installer, m.Name, m.MountPath, app.Name, commandString(app.Command))
			}
			break
		}
	}
	return out
}

// installerOf returns the first run-to-completion init container that mounts volume, or "".
func installerOf(inits []appsv1alpha1.SidecarContainer, volume string) string {
	for _, ic := range inits {
		if config.IsNativeSidecar(&ic.Container) {
			continue
		}
		for _, m := range ic.VolumeMounts {
			if m.Name == volume {
				return ic.Name
			}
		}
	}
	return ""
}

func addsCapability(c *corev1.Container, capability corev1.Capability) bool {
	sc := c.SecurityContext
	if sc == nil || sc.Capabilities == nil {
		return false
	}
	return slices.ContainsFunc(sc.Capabilities.Add, func(have corev1.Capability) bool {
		return strings.TrimPrefix(strings.ToUpper(string(have)), "CAP_") == string(capability)
	})
}

func commandString(cmd []string) string {
	if len(cmd) == 0 {
		return "the image's entrypoint"
	}
	return fmt.Sprintf("%q", cmd)
}

// names returns the compiled profile names in order.
func (r *Result) names() []string {
	out := make([]string, 0, len(r.Profiles))
	for _, c := range r.Profiles {
		out = append(out, c.Name)
	}
	return out
}
