package platform

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Labels that put a pod on a virtual node. LabelVirtualNode is set by ACK once the pod is
// scheduled to a virtual node (ACK's own SidecarSet examples select on it); LabelECI and
// LabelACS are set by the user at creation and ask for an ECI instance or ACS compute, so a
// create-time webhook sees them.
const (
	LabelVirtualNode = "serverless.alibabacloud.com/virtual-node"
	LabelECI         = "alibabacloud.com/eci"
	LabelACS         = "alibabacloud.com/acs"
)

// VirtualNodeLabels lists the labels in the order messages name them.
func VirtualNodeLabels() []string { return []string{LabelVirtualNode, LabelECI, LabelACS} }

// Platform is where a pod runs.
type Platform string

const (
	// Regular is a node with a kubelet of its own (the default).
	Regular Platform = ""
	// ECI is an Elastic Container Instance on a virtual node.
	ECI Platform = "eci"
	// ACS is Alibaba Cloud Container Compute Service compute on a virtual node.
	ACS Platform = "acs"
	// VirtualNode is a virtual node whose runtime the labels do not say (only
	// LabelVirtualNode is set); ECI's limits are the safe assumption.
	VirtualNode Platform = "virtual-node"
)

// Of returns the platform a pod with these labels asks for. ACS wins over ECI when a pod
// carries both, as ACS is the more specific request.
func Of(labels map[string]string) Platform {
	switch {
	case labels[LabelACS] == "true":
		return ACS
	case labels[LabelECI] == "true":
		return ECI
	case labels[LabelVirtualNode] == "true":
		return VirtualNode
	}
	return Regular
}

// IsVirtualNode reports whether a pod with these labels runs on a virtual node, whose
// kubelet resolves namespace/name ConfigMap and Secret references itself.
func IsVirtualNode(labels map[string]string) bool { return Of(labels) != Regular }

// SelectorRequiresVirtualNode reports whether every pod a selector matches runs on a virtual
// node: the selector requires one of the virtual-node labels to be "true", through
// matchLabels or an In expression whose only value is "true". Requirements are ANDed, so one
// is enough. A nil selector matches no pod in Kruise and is treated as not requiring one,
// which errs toward warning.
func SelectorRequiresVirtualNode(sel *metav1.LabelSelector) bool {
	if sel == nil {
		return false
	}
	for _, key := range VirtualNodeLabels() {
		if v, ok := sel.MatchLabels[key]; ok && v == "true" {
			return true
		}
		for _, e := range sel.MatchExpressions {
			if e.Key == key && e.Operator == metav1.LabelSelectorOpIn && onlyTrue(e.Values) {
				return true
			}
		}
	}
	return false
}

func onlyTrue(values []string) bool {
	for _, v := range values {
		if v != "true" {
			return false
		}
	}
	return len(values) > 0
}

// Sidecar env conventions of the virtual-node platforms (translate/PLATFORMS.md §3.3): what
// makes an ordinary container behave like a sidecar, started first and not holding a Job open.
const (
	// EnvECIContainerType set to "sidecar": ECI force-kills the container once the app
	// containers have exited for good (a Job's).
	EnvECIContainerType = "ECI_CONTAINER_TYPE"
	// EnvECIIgnoreExitCode set to "true": the force-killed sidecar counts as Succeeded.
	EnvECIIgnoreExitCode = "ECI_CONTAINER_IGNORE_EXIT_CODE"
	// EnvECILaunchPriority: higher starts first.
	EnvECILaunchPriority = "ECI_CONTAINER_LAUNCH_PRIORITY"
	// EnvACSIsSidecar set to "true" marks a sidecar on ACS (Kubernetes <= 1.28 style).
	EnvACSIsSidecar = "__IS_SIDECAR__"
)
