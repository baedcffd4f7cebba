package translate

import (
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/sidecarctl/sidecarctl/config"
	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/platform"
)

// acsSeedPod is the evidence for what ACS runs: the pod its documentation shows after the
// openkruise/agents controller injected the csi and agent-runtime profiles into an
// alibabacloud.com/acs pod (seed 000, the scenario examples/acs-sandbox-injection).
const acsSeedPod = "the pod ACS documents after injecting the csi profile (seed 000, examples/acs-sandbox-injection)"

// platformRules applies what the platform the pods run on allows, on either target: the
// rules follow the pod, not the injector. hostNetwork, hostPID and hostIPC, which virtual
// nodes also lack, are pod-level fields a profile cannot carry; hostPort, their
// container-level trace, is reported.
func (pc *profileCompiler) platformRules() {
	pc.resourceIgnore()
	pc.hostPaths()
	pc.privileged()
	pc.hostPorts()
	if !usesECIRules(pc.o.Platform) {
		return
	}
	if n := len(pc.inits) + len(pc.containers); n > eciMaxContainers {
		pc.fs.addf(finding.Error, finding.TooManyContainers, pc.p.Name, "", "the profile injects %d containers; ECI allows at most %d per pod", n, eciMaxContainers)
	}
	if n := len(pc.volumes) + len(pc.appVolumes); n > eciMaxVolumes {
		pc.fs.addf(finding.Error, finding.TooManyVolumes, pc.p.Name, "volume", "the profile injects %d volumes; ECI allows at most %d per pod", n, eciMaxVolumes)
	}
}

// selectorAfterScheduling warns when the selector requires the label ACK sets only once the
// pod is on a virtual node.
func (pc *profileCompiler) selectorAfterScheduling() {
	label := string(pc.o.VirtualNodeLabel)
	if pc.o.Target == Kruise {
		label = platformLabel(pc.o.Platform)
	}
	if label != platform.LabelVirtualNode {
		return
	}
	pc.fs.addf(finding.Warning, finding.SelectorAfterScheduling, pc.p.Name, "",
		"%s is set only after the pod is scheduled to a virtual node: ACK's own SidecarSet path sees it, a create-time webhook (Kruise's or sidecarctl's) never does; select %s or %s for create-time injection",
		LabelVirtualNode, LabelECI, LabelACS)
}

// resourceIgnore translates the resource-ignore marker to the platform's spelling
// (translate/PLATFORMS.md §3.4).
func (pc *profileCompiler) resourceIgnore() {
	var sharing []string
	for _, sc := range pc.all() {
		ri := config.ResourceIgnoreOf(&sc.c)
		if !ri.ACS && !ri.ECI {
			continue
		}
		sharing = append(sharing, sc.c.Name)
		var e corev1.EnvVar
		switch {
		case usesECIRules(pc.o.Platform) && !ri.ECI:
			e = corev1.EnvVar{Name: config.EnvECIIgnoreResource, Value: "TRUE"}
		case pc.o.Platform == ACS && !ri.ACS:
			e = corev1.EnvVar{Name: config.EnvACSIgnoreResource, Value: "true"}
		default:
			continue
		}
		if envIndex(sc.c.Env, e.Name) >= 0 {
			continue // set to something other than true: the user's choice stands
		}
		sc.c.Env = append(sc.c.Env, e)
		pc.fs.addf(finding.Rewrite, finding.ResourceIgnoreTranslated, pc.p.Name, sc.path.Child("env").String(),
			"added %s=%s to %q: the profile asks the platform to ignore its requests, and that is the %s spelling", e.Name, e.Value, sc.c.Name, conventionName(pc.o.Platform))
	}
	if len(sharing) > 0 {
		pc.fs.addf(finding.Warning, finding.ResourceIgnoreShares, pc.p.Name, "",
			"the platform ignores the requests of %s, which then share the other containers' resources (risk of CPU throttling or OOM)", strings.Join(sharing, ", "))
	}
}

// resourceIgnoreNoEffect reports resource-ignore env on regular nodes.
func (pc *profileCompiler) resourceIgnoreNoEffect() {
	for _, sc := range pc.all() {
		ri := config.ResourceIgnoreOf(&sc.c)
		if ri.ACS || ri.ECI {
			pc.fs.addf(finding.Warning, finding.ResourceIgnoreNoEffect, pc.p.Name, sc.path.Child("env").String(),
				"container %q carries a virtual-node resource-ignore env (%s); a regular kubelet ignores it, so its requests count in full", sc.c.Name, ignoreEnvNames(ri))
		}
	}
}

// hostPaths keeps, refuses or rewrites hostPath volumes: ECI has no host filesystem, ACS
// runs the csi sidecars' hostPath volumes.
func (pc *profileCompiler) hostPaths() {
	for _, list := range []*[]volume{&pc.volumes, &pc.appVolumes} {
		for i := range *list {
			v := &(*list)[i]
			hp := v.v.HostPath
			if hp == nil {
				continue
			}
			what := hp.Path
			if hp.Type != nil && *hp.Type != "" {
				what += " (" + string(*hp.Type) + ")"
			}
			fp := v.path.Child("hostPath").String()
			switch {
			case pc.o.HostPath == HostPathEmptyDir:
				note := ""
				if hp.Type != nil && (*hp.Type == corev1.HostPathCharDev || *hp.Type == corev1.HostPathBlockDev || *hp.Type == corev1.HostPathSocket) {
					note = "; the host's device or socket is not available through an emptyDir"
				}
				v.v.VolumeSource = corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}
				pc.fs.addf(finding.Rewrite, finding.HostPathToEmptyDir, pc.p.Name, fp,
					"volume %q: hostPath %s replaced by an emptyDir%s", v.v.Name, what, note)
			case pc.o.Platform == ACS && pc.o.HostPath == HostPathKeep:
				pc.fs.addf(finding.Info, finding.HostPathKeptOnACS, pc.p.Name, fp,
					"volume %q: hostPath %s kept: ACS runs hostPath volumes for Agent Sandbox pods; %s has hostPath /dev/fuse, /sys/fs/cgroup/net_cls/kubepods and /var/run/csi",
					v.v.Name, what, acsSeedPod)
			case pc.o.Platform == ACS:
				pc.fs.addf(finding.Error, finding.HostPathUnsupported, pc.p.Name, fp,
					"volume %q uses hostPath %s, refused by the hostPath=%s option although ACS runs hostPath volumes; keep it or rewrite it with hostPath=emptydir", v.v.Name, what, pc.o.HostPath)
			default:
				pc.fs.addf(finding.Error, finding.HostPathUnsupported, pc.p.Name, fp,
					"volume %q uses hostPath %s, which ECI does not support; rewrite it with the hostPath=emptydir option or give the profile a virtual-node variant", v.v.Name, what)
			}
		}
	}
}

// privileged accepts privileged sidecars on ACS, which runs the csi sidecars privileged, and
// on ECI only by option.
func (pc *profileCompiler) privileged() {
	for _, sc := range pc.all() {
		if sc.c.SecurityContext == nil || sc.c.SecurityContext.Privileged == nil || !*sc.c.SecurityContext.Privileged {
			continue
		}
		fp := sc.path.Child("securityContext", "privileged").String()
		switch {
		case pc.o.Platform == ACS:
			pc.fs.addf(finding.Info, finding.PrivilegedKeptOnACS, pc.p.Name, fp,
				"container %q is privileged, kept: ACS runs privileged sidecars for Agent Sandbox pods; %s has csi-sidecar and csi-agent-sidecar privileged", sc.c.Name, acsSeedPod)
		case !pc.o.AllowPrivileged:
			pc.fs.addf(finding.Error, finding.PrivilegedNotAllowed, pc.p.Name, fp,
				"container %q is privileged: ECI's support for privileged containers is unverified; accept it with the allow-privileged option", sc.c.Name)
		default:
			pc.fs.addf(finding.Warning, finding.PrivilegedNeedsExemption, pc.p.Name, fp,
				"container %q is privileged: allowed by option; pods fail on virtual nodes without the platform's exemption", sc.c.Name)
		}
	}
}

func (pc *profileCompiler) hostPorts() {
	for _, sc := range pc.all() {
		for i, p := range sc.c.Ports {
			if p.HostPort != 0 {
				pc.fs.addf(finding.Warning, finding.HostPort, pc.p.Name, sc.path.Child("ports").Index(i).Child("hostPort").String(),
					"virtual nodes have no host network; hostPort %d has no meaning there", p.HostPort)
			}
		}
	}
}

// conventionName names the platform whose env spelling and limits apply.
func conventionName(p Platform) string {
	if p == ACS {
		return "ACS"
	}
	return "ECI"
}
