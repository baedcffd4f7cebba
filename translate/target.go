package translate

import (
	"fmt"

	"github.com/sidecarctl/sidecarctl/platform"
)

// Target is the platform a profile set is compiled for.
type Target string

const (
	// Kruise is a cluster running OpenKruise >= 1.7 on Kubernetes >= 1.29, whose webhook
	// injects at pod creation: native sidecars (`restartPolicy: Always`) stay native, as
	// SidecarSet init containers. With a Platform the pods are ECI or ACS pods, selected by
	// their create-time label.
	Kruise Target = "kruise"
	// VirtualNode is an Alibaba Cloud ECI/ACS virtual node. ACK injects SidecarSets there with
	// the features of OpenKruise v1.3.0 only (translate/PLATFORMS.md §3.2), which silently
	// prunes native sidecars and namespaceSelector (sidecarset/BEHAVIOUR.md §5.1, §5.2), so
	// nothing v1.3 would drop is emitted.
	VirtualNode Target = "virtual-node"
)

// Targets lists the targets in the order help texts show them.
func Targets() []Target { return []Target{Kruise, VirtualNode} }

// ParseTarget parses a target name; the empty string means Kruise.
func ParseTarget(s string) (Target, error) {
	switch Target(s) {
	case "", Kruise:
		return Kruise, nil
	case VirtualNode:
		return VirtualNode, nil
	}
	return "", fmt.Errorf("unknown target %q: want %s or %s", s, Kruise, VirtualNode)
}

// VirtualNodeLabel is the pod label a virtual-node SidecarSet's selector requires, with the
// value "true" (translate/PLATFORMS.md §3.1). The keys are package platform's, which
// reads the same labels to say where a pod runs.
type VirtualNodeLabel string

const (
	// LabelVirtualNode is set by ACK only after the pod is scheduled to a virtual node. It is
	// the label ACK's own SidecarSet path documents; a create-time webhook never sees it.
	LabelVirtualNode VirtualNodeLabel = platform.LabelVirtualNode
	// LabelECI asks for an ECI instance; it is on the pod at creation, so a create-time
	// injector (sidecarctl's webhook) can select on it.
	LabelECI VirtualNodeLabel = platform.LabelECI
	// LabelACS asks for ACS compute; present at creation like LabelECI.
	LabelACS VirtualNodeLabel = platform.LabelACS
)

// ParseVirtualNodeLabel accepts a label key or its short name (virtual-node, eci, acs).
// The empty string means LabelVirtualNode.
func ParseVirtualNodeLabel(s string) (VirtualNodeLabel, error) {
	switch s {
	case "", "virtual-node", string(LabelVirtualNode):
		return LabelVirtualNode, nil
	case "eci", string(LabelECI):
		return LabelECI, nil
	case "acs", string(LabelACS):
		return LabelACS, nil
	}
	return "", fmt.Errorf("unknown virtual-node label %q: want %s, %s or %s", s, LabelVirtualNode, LabelECI, LabelACS)
}

// HostPathPolicy says what to do with hostPath volumes on virtual nodes. ECI has no host
// filesystem (ECI limits, translate/PLATFORMS.md §3.5); ACS runs the csi sidecars' hostPath
// volumes (seed 000, translate/PLATFORMS.md §4; see examples/acs-sandbox-injection).
type HostPathPolicy string

const (
	// HostPathError refuses hostPath volumes: the default on ECI.
	HostPathError HostPathPolicy = "error"
	// HostPathEmptyDir replaces each hostPath volume with an emptyDir and reports it. That is
	// what the upstream csi design uses for mount-root and the sockets; a device path such as
	// /dev/fuse does not work through an emptyDir, and the report says so.
	HostPathEmptyDir HostPathPolicy = "emptydir"
	// HostPathKeep keeps hostPath volumes and reports each: the default on ACS. ECI cannot
	// keep them, so there it is refused like HostPathError.
	HostPathKeep HostPathPolicy = "keep"
)

// ParseHostPathPolicy parses a policy name; the empty string means the platform's default
// (HostPathError on ECI, HostPathKeep on ACS).
func ParseHostPathPolicy(s string) (HostPathPolicy, error) {
	switch p := HostPathPolicy(s); p {
	case "", HostPathError, HostPathEmptyDir, HostPathKeep:
		return p, nil
	}
	return "", fmt.Errorf("unknown hostPath policy %q: want %s, %s or %s", s, HostPathError, HostPathEmptyDir, HostPathKeep)
}

// Options control Compile. The zero value compiles for the Kruise target and regular nodes.
type Options struct {
	// Target is how the sidecars are injected; empty means Kruise.
	Target Target
	// VirtualNodeLabel is the label the virtual-node selector requires; empty means
	// LabelVirtualNode. Ignored for the Kruise target, whose selector label follows Platform.
	VirtualNodeLabel VirtualNodeLabel
	// Platform is where the pods run: ECI or ACS (or platform.VirtualNode, a virtual node
	// that does not say which, treated as ECI). It decides the platform's rules (hostPath,
	// privileged, resource-ignore env, ECI's limits) on both targets, and:
	//   - on the Kruise target, the SidecarSets also select the platform's create-time label
	//     (alibabacloud.com/acs or /eci), so Kruise's own webhook injects them when the pod
	//     is created, before scheduling, native sidecars and all; empty means regular nodes;
	//   - on the virtual-node target, the sidecar env the converted native sidecars get;
	//     empty derives it from VirtualNodeLabel: ACS for LabelACS, otherwise ECI (a
	//     virtual-node pod that does not ask for ACS runs as ECI).
	// ForWorkloads sets it from the labels of the workloads the profiles are for.
	Platform Platform
	// PlatformFrom says where Platform came from, for findings that question it. Callers
	// leave it empty (a Platform they set is PlatformFromOption); ForWorkloads sets it, and
	// Compile fills it in the Result's Options.
	PlatformFrom PlatformFrom
	// HostPath is the hostPath policy on ECI and ACS; empty means the platform's default.
	HostPath HostPathPolicy
	// AllowPrivileged accepts privileged sidecars on ECI, whose support is unverified. ACS
	// runs the csi sidecars privileged without it.
	AllowPrivileged bool
	// Namespace, if set, restricts every SidecarSet to one namespace (`spec.namespace`, which
	// Kruise v1.3 knows; namespaceSelector it does not).
	Namespace string
	// MainContainer names the app container the app patches go to; empty means the first
	// container that is not one of the profiles' sidecars.
	MainContainer string
	// AppPatchNamespace is the namespace of the `sidecarctl-app-patches` ConfigMap; empty
	// means DefaultAppPatchNamespace.
	AppPatchNamespace string
}

// withDefaults fills the empty fields, checks the enums and says where the platform came
// from.
func (o Options) withDefaults() (Options, error) {
	var err error
	if o.Target, err = ParseTarget(string(o.Target)); err != nil {
		return o, err
	}
	if o.VirtualNodeLabel, err = ParseVirtualNodeLabel(string(o.VirtualNodeLabel)); err != nil {
		return o, err
	}
	if err = checkPlatform(o.Platform); err != nil {
		return o, err
	}
	if o.HostPath, err = ParseHostPathPolicy(string(o.HostPath)); err != nil {
		return o, err
	}
	if o.AppPatchNamespace == "" {
		o.AppPatchNamespace = DefaultAppPatchNamespace
	}
	from := PlatformFromOption
	if o.Platform != "" && o.PlatformFrom != "" {
		from = o.PlatformFrom
	}
	switch {
	case o.Target == Kruise:
		// The virtual-node label is the virtual-node target's; on Kruise the selector label
		// follows the platform.
		o.VirtualNodeLabel = ""
		if o.Platform == "" {
			from = PlatformDefault
		}
	case o.Platform == platform.VirtualNode:
		// The selector label is VirtualNodeLabel; what remains is which conventions apply.
		o.Platform = ECI
	case o.Platform == "" && o.VirtualNodeLabel == LabelACS:
		o.Platform, from = ACS, PlatformFromLabel
	case o.Platform == "" && o.VirtualNodeLabel == LabelECI:
		o.Platform, from = ECI, PlatformFromLabel
	case o.Platform == "":
		o.Platform, from = ECI, PlatformDefault
	}
	if o.Platform == platform.Regular {
		// Platform settings must not leak into a regular-node result.
		o.HostPath, o.AllowPrivileged = "", false
	} else if o.HostPath == "" {
		o.HostPath = HostPathError
		if o.Platform == ACS {
			o.HostPath = HostPathKeep
		}
	}
	o.PlatformFrom = from
	return o, nil
}
