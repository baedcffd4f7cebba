package workload

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestLookup(t *testing.T) {
	t.Parallel()
	tests := []struct {
		group, kind string
		wantPath    string // "" for the pod itself, "-" for unsupported
	}{
		{"", "Pod", ""},
		{"apps", "Deployment", "spec.template"},
		{"apps", "StatefulSet", "spec.template"},
		{"apps", "DaemonSet", "spec.template"},
		{"apps", "ReplicaSet", "spec.template"},
		{"batch", "Job", "spec.template"},
		{"batch", "CronJob", "spec.jobTemplate.spec.template"},
		{"apps.kruise.io", "CloneSet", "spec.template"},
		{"apps.kruise.io", "StatefulSet", "spec.template"},
		{"apps.kruise.io", "DaemonSet", "spec.template"},
		{"agents.kruise.io", "Sandbox", "spec.template"},
		{"agents.kruise.io", "SandboxSet", "spec.template"},
		{"agents.kruise.io", "SandboxTemplate", "spec.template"},
		{"agents.x-k8s.io", "Sandbox", "spec.podTemplate"},
		{"extensions.agents.x-k8s.io", "SandboxTemplate", "spec.podTemplate"},
		{"sandbox.opensandbox.io", "Pool", "spec.template"},
		{"sandbox.opensandbox.io", "BatchSandbox", "spec.template"},
		// Not workloads, or not ones we know the template of.
		{"", "ConfigMap", "-"},
		{"", "List", "-"},
		{"apps", "Pod", "-"},
		{"agents.kruise.io", "SandboxClaim", "-"},
		{"extensions.agents.x-k8s.io", "SandboxClaim", "-"},
		{"apps.kruise.io", "BroadcastJob", "-"},
		{"apps", "deployment", "-"},
	}
	for _, tc := range tests {
		t.Run(tc.group+"/"+tc.kind, func(t *testing.T) {
			t.Parallel()
			k, ok := Lookup(schema.GroupKind{Group: tc.group, Kind: tc.kind})
			got := "-"
			if ok {
				got = ""
				if p := k.TemplatePath(); p != nil {
					got = p.String()
				}
			}
			if got != tc.wantPath {
				t.Errorf("template path = %q, want %q", got, tc.wantPath)
			}
		})
	}
}

func TestKindsSortedAndComplete(t *testing.T) {
	t.Parallel()
	var got []string
	for _, k := range Kinds() {
		got = append(got, k.GroupKind.String())
	}
	want := []string{
		"Pod",
		"Sandbox.agents.kruise.io",
		"SandboxSet.agents.kruise.io",
		"SandboxTemplate.agents.kruise.io",
		"Sandbox.agents.x-k8s.io",
		"DaemonSet.apps",
		"Deployment.apps",
		"ReplicaSet.apps",
		"StatefulSet.apps",
		"CloneSet.apps.kruise.io",
		"DaemonSet.apps.kruise.io",
		"StatefulSet.apps.kruise.io",
		"CronJob.batch",
		"Job.batch",
		"SandboxTemplate.extensions.agents.x-k8s.io",
		"BatchSandbox.sandbox.opensandbox.io",
		"Pool.sandbox.opensandbox.io",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Kinds() (-want +got):\n%s", diff)
	}
}
