package workload

import (
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Kind is a workload kind sidecarctl can inject into, and where its pod
// template lives.
type Kind struct {
	// GroupKind identifies the kind in every served version: all versions of a
	// supported kind keep the template at the same path.
	GroupKind schema.GroupKind
	// Title names the kind for humans, e.g. "Kruise Advanced StatefulSet".
	Title string
	// Template is the field path of the pod template (a PodTemplateSpec:
	// metadata and spec). It is empty for Pod, where the object itself is the
	// pod.
	Template []string
}

// IsPod reports whether the object itself is the pod (no template).
func (k Kind) IsPod() bool { return len(k.Template) == 0 }

// TemplatePath returns Template as a field path for error messages and reports,
// or nil for Pod.
func (k Kind) TemplatePath() *field.Path {
	if k.IsPod() {
		return nil
	}
	return field.NewPath(k.Template[0], k.Template[1:]...)
}

// Groups of the CRD kinds, as translate/PLATFORMS.md §1.1-§1.3 gives them (apps.kruise.io is
// Kruise's own).
const (
	groupKruiseApps      = "apps.kruise.io"             // v1alpha1 and v1beta1
	groupKruiseAgents    = "agents.kruise.io"           // openkruise/agents, v1alpha1
	groupAgentSandbox    = "agents.x-k8s.io"            // kubernetes-sigs/agent-sandbox, v1alpha1 and v1beta1
	groupAgentSandboxExt = "extensions.agents.x-k8s.io" // its SandboxTemplate, v1alpha1 and v1beta1
	groupOpenSandbox     = "sandbox.opensandbox.io"     // alibaba/OpenSandbox, v1alpha1
)

// kindTable is built on each call so that no caller can change the table
// another caller sees.
func kindTable() []Kind {
	specTemplate := []string{"spec", "template"}
	podTemplate := []string{"spec", "podTemplate"}
	return []Kind{
		{GroupKind: schema.GroupKind{Kind: "Pod"}, Title: "Pod"},
		{GroupKind: schema.GroupKind{Group: "apps", Kind: "Deployment"}, Title: "Deployment", Template: specTemplate},
		{GroupKind: schema.GroupKind{Group: "apps", Kind: "StatefulSet"}, Title: "StatefulSet", Template: specTemplate},
		{GroupKind: schema.GroupKind{Group: "apps", Kind: "DaemonSet"}, Title: "DaemonSet", Template: specTemplate},
		{GroupKind: schema.GroupKind{Group: "apps", Kind: "ReplicaSet"}, Title: "ReplicaSet", Template: specTemplate},
		{GroupKind: schema.GroupKind{Group: "batch", Kind: "Job"}, Title: "Job", Template: specTemplate},
		{GroupKind: schema.GroupKind{Group: "batch", Kind: "CronJob"}, Title: "CronJob", Template: []string{"spec", "jobTemplate", "spec", "template"}},
		{GroupKind: schema.GroupKind{Group: groupKruiseApps, Kind: "CloneSet"}, Title: "Kruise CloneSet", Template: specTemplate},
		{GroupKind: schema.GroupKind{Group: groupKruiseApps, Kind: "StatefulSet"}, Title: "Kruise Advanced StatefulSet", Template: specTemplate},
		{GroupKind: schema.GroupKind{Group: groupKruiseApps, Kind: "DaemonSet"}, Title: "Kruise Advanced DaemonSet", Template: specTemplate},
		// openkruise/agents inlines EmbeddedSandboxTemplate into the spec: either
		// `template` or `templateRef` (then there is nothing to inject here).
		{GroupKind: schema.GroupKind{Group: groupKruiseAgents, Kind: "Sandbox"}, Title: "openkruise/agents Sandbox", Template: specTemplate},
		{GroupKind: schema.GroupKind{Group: groupKruiseAgents, Kind: "SandboxSet"}, Title: "openkruise/agents SandboxSet", Template: specTemplate},
		{GroupKind: schema.GroupKind{Group: groupKruiseAgents, Kind: "SandboxTemplate"}, Title: "openkruise/agents SandboxTemplate", Template: specTemplate},
		// agent-sandbox keeps a reduced PodTemplate (metadata labels and
		// annotations, spec) under podTemplate; SandboxTemplate inlines the
		// same SandboxBlueprint.
		{GroupKind: schema.GroupKind{Group: groupAgentSandbox, Kind: "Sandbox"}, Title: "agent-sandbox Sandbox", Template: podTemplate},
		{GroupKind: schema.GroupKind{Group: groupAgentSandboxExt, Kind: "SandboxTemplate"}, Title: "agent-sandbox SandboxTemplate", Template: podTemplate},
		// A BatchSandbox may use poolRef instead of a template; the Pool then
		// owns the pods and is where injection belongs.
		{GroupKind: schema.GroupKind{Group: groupOpenSandbox, Kind: "Pool"}, Title: "OpenSandbox Pool", Template: specTemplate},
		{GroupKind: schema.GroupKind{Group: groupOpenSandbox, Kind: "BatchSandbox"}, Title: "OpenSandbox BatchSandbox", Template: specTemplate},
	}
}

// Kinds returns every supported kind, sorted by group then kind.
func Kinds() []Kind {
	kinds := kindTable()
	slices.SortFunc(kinds, func(a, b Kind) int {
		if c := strings.Compare(a.GroupKind.Group, b.GroupKind.Group); c != 0 {
			return c
		}
		return strings.Compare(a.GroupKind.Kind, b.GroupKind.Kind)
	})
	return kinds
}

// Lookup returns the supported kind for gk. Group and kind are matched
// exactly, as the API server does.
func Lookup(gk schema.GroupKind) (Kind, bool) {
	for _, k := range kindTable() {
		if k.GroupKind == gk {
			return k, true
		}
	}
	return Kind{}, false
}
