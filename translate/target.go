package translate

import (
	"fmt"
	"strings"

	"github.com/sidecarctl/sidecarctl/platform"
)

// Target is the platform a profile set is compiled for.
type Target string

const (
	// Kruise is a cluster running OpenKruise >= 1.7 on Kubernetes >= 1.29: native sidecars
	// (`restartPolicy: Always`) stay native, as SidecarSet init containers.
	Kruise Target = "kruise"
	// VirtualNode is an Alibaba Cloud ECI/ACS virtual node. ACK injects SidecarSets there with
	// the features of OpenKruise v1.3.0 only (agent-sandbox-ecosystem.md D.2), which silently
	// prunes native sidecars and namespaceSelector (kruise-v13-differences.md), so nothing
	// v1.3 would drop is emitted.
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
// value "true" (agent-sandbox-ecosystem.md D.1, D.2). The keys are package platform's, which
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

// Platform is the virtual-node runtime whose sidecar env conventions apply (D.3).
type Platform string

const (
	// ECI marks sidecars with ECI_CONTAINER_TYPE=sidecar and friends.
	ECI Platform = "eci"
	// ACS marks sidecars with __IS_SIDECAR__=true.
	ACS Platform = "acs"
)

// ParsePlatform parses a platform name; the empty string means "derive from the label".
func ParsePlatform(s string) (Platform, error) {
	switch Platform(strings.ToLower(s)) {
	case "":
		return "", nil
	case ECI:
		return ECI, nil
	case ACS:
		return ACS, nil
	}
	return "", fmt.Errorf("unknown platform %q: want %s or %s", s, ECI, ACS)
}

// HostPathPolicy says what to do with hostPath volumes on virtual nodes, which have no host
// filesystem (ECI limits, D.5).
type HostPathPolicy string

const (
	// HostPathError refuses hostPath volumes (the default).
	HostPathError HostPathPolicy = "error"
	// HostPathEmptyDir replaces each hostPath volume with an emptyDir and reports it. That is
	// what the upstream csi design uses for mount-root and the sockets; a device path such as
	// /dev/fuse does not work through an emptyDir, and the report says so.
	HostPathEmptyDir HostPathPolicy = "emptydir"
)

// ParseHostPathPolicy parses a policy name; the empty string means HostPathError.
func ParseHostPathPolicy(s string) (HostPathPolicy, error) {
	switch HostPathPolicy(s) {
	case "", HostPathError:
		return HostPathError, nil
	case HostPathEmptyDir:
		return HostPathEmptyDir, nil
	}
	return "", fmt.Errorf("unknown hostPath policy %q: want %s or %s", s, HostPathError, HostPathEmptyDir)
}

// Options control Compile. The zero value compiles for the Kruise target.
type Options struct {
	// Target is the platform; empty means Kruise.
	Target Target
	// VirtualNodeLabel is the label the virtual-node selector requires; empty means
	// LabelVirtualNode. Ignored for the Kruise target.
	VirtualNodeLabel VirtualNodeLabel
	// Platform picks the sidecar env conventions on virtual nodes; empty derives it from the
	// label: ACS for LabelACS, otherwise ECI (a virtual-node pod that does not ask for ACS
	// runs as ECI).
	Platform Platform
	// HostPath is the hostPath policy on virtual nodes; empty means HostPathError.
	HostPath HostPathPolicy
	// AllowPrivileged accepts privileged sidecars on virtual nodes. ACS grants privileged
	// containers (and hostPath /var/run/csi) only by ticket; ECI support is unverified.
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

// withDefaults fills the empty fields and checks the enums.
func (o Options) withDefaults() (Options, error) {
	var err error
	if o.Target, err = ParseTarget(string(o.Target)); err != nil {
		return o, err
	}
	if o.VirtualNodeLabel, err = ParseVirtualNodeLabel(string(o.VirtualNodeLabel)); err != nil {
		return o, err
	}
	if o.Platform, err = ParsePlatform(string(o.Platform)); err != nil {
		return o, err
	}
	if o.Platform == "" {
		o.Platform = ECI
		if o.VirtualNodeLabel == LabelACS {
			o.Platform = ACS
		}
	}
	if o.HostPath, err = ParseHostPathPolicy(string(o.HostPath)); err != nil {
		return o, err
	}
	if o.AppPatchNamespace == "" {
		o.AppPatchNamespace = DefaultAppPatchNamespace
	}
	if o.Target == Kruise {
		// Virtual-node settings must not leak into a Kruise result.
		o.VirtualNodeLabel, o.Platform, o.HostPath, o.AllowPrivileged = "", "", "", false
	}
	return o, nil
}
