package translate

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/sidecarctl/sidecarctl/finding"
)

func parseObject(t *testing.T, y string) *unstructured.Unstructured {
	t.Helper()
	obj := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(y), &obj.Object); err != nil {
		t.Fatal(err)
	}
	return obj
}

func TestStamp(t *testing.T) {
	t.Parallel()
	kruise, err := Compile(loadSeed(t, "cn-hangzhou"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	acs, err := Compile(loadSeed(t, "cn-hangzhou"), Options{Target: VirtualNode, VirtualNodeLabel: LabelACS, HostPath: HostPathEmptyDir, AllowPrivileged: true})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		res         *Result
		in          string
		opts        StampOptions
		want        string // expected object; empty means "unchanged"
		wantReasons []finding.Code
		wantErr     string
	}{
		{
			name:        "other kinds pass through",
			res:         kruise,
			in:          "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {template: {spec: {containers: [{name: a}]}}}\n",
			wantReasons: []finding.Code{finding.NotARuntimeWorkload},
		},
		{
			name:        "no runtimes",
			res:         kruise,
			in:          "apiVersion: agents.kruise.io/v1alpha1\nkind: SandboxSet\nmetadata: {name: s}\nspec: {template: {spec: {containers: [{name: a}]}}}\n",
			wantReasons: []finding.Code{finding.NoRuntimes},
		},
		{
			name:        "templateRef only: left for the referenced template",
			res:         kruise,
			in:          "apiVersion: agents.kruise.io/v1alpha1\nkind: Sandbox\nmetadata: {name: s}\nspec: {runtimes: [{name: csi}], templateRef: {name: t}}\n",
			wantReasons: []finding.Code{finding.NoInlineTemplate},
		},
		{
			name: "unknown runtime stays, unknown fields survive, user postStart nests",
			res:  kruise,
			in: `apiVersion: agents.kruise.io/v1alpha1
kind: SandboxTemplate
metadata: {name: t, namespace: ns}
spec:
  runtimes: [{name: traffic-proxy}, {name: agent-runtime}]
  template:
    spec:
      containers:
      - name: main
        image: app
        x-vendor-field: keep
        lifecycle: {postStart: {exec: {command: [sh, -c, start-app]}}}
`,
			want: `apiVersion: agents.kruise.io/v1alpha1
kind: SandboxTemplate
metadata: {name: t, namespace: ns}
spec:
  runtimes: [{name: traffic-proxy}]
  template:
    metadata:
      labels: {runtime.sidecarctl.dev/agent-runtime: "true"}
    spec:
      containers:
      - name: main
        image: app
        x-vendor-field: keep
        env:
        - {name: ENVD_DIR, value: /mnt/envd}
        - {name: GODEBUG, value: multipathtcp=0}
        - {name: POD_UID, valueFrom: {fieldRef: {fieldPath: metadata.uid}}}
        volumeMounts: [{name: envd-volume, mountPath: /mnt/envd}]
        lifecycle: {postStart: {exec: {command: [bash, -c, /mnt/envd/envd-run.sh, "--", sh, -c, start-app]}}}
`,
			wantReasons: []finding.Code{finding.RuntimeNotInProfiles, finding.AppPatchApplied, finding.RuntimesStamped, finding.KruiseInjectionMarks},
		},
		{
			name:    "virtual-node label missing from the template",
			res:     acs,
			in:      "apiVersion: agents.kruise.io/v1alpha1\nkind: SandboxSet\nmetadata: {name: s, namespace: default}\nspec: {runtimes: [{name: csi}], template: {spec: {containers: [{name: a}]}}}\n",
			wantErr: "SandboxSet.agents.kruise.io default/s: spec.template: metadata.labels: the virtual-node SidecarSets select alibabacloud.com/acs=true, which the template does not carry",
		},
		{
			name:    "runtime without a name",
			res:     kruise,
			in:      "apiVersion: agents.kruise.io/v1alpha1\nkind: Sandbox\nmetadata: {name: s}\nspec: {runtimes: [{}], template: {spec: {containers: [{name: a}]}}}\n",
			wantErr: "Sandbox.agents.kruise.io s: spec.runtimes[0].name: want a non-empty string",
		},
		{
			name:    "main container named but absent",
			res:     kruise,
			opts:    StampOptions{MainContainer: "sandbox"},
			in:      "apiVersion: agents.kruise.io/v1alpha1\nkind: Sandbox\nmetadata: {name: s}\nspec: {runtimes: [{name: csi}], template: {spec: {containers: [{name: a}]}}}\n",
			wantErr: `Sandbox.agents.kruise.io s: spec.template: profile csi: main container "sandbox" not found`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := parseObject(t, tc.in)
			orig := in.DeepCopy()
			got, err := Stamp(in, tc.res, tc.opts)
			if diff := cmp.Diff(orig.Object, in.Object); diff != "" {
				t.Errorf("Stamp modified its input:\n%s", diff)
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := orig
			if tc.want != "" {
				want = parseObject(t, tc.want)
			}
			if diff := cmp.Diff(want.Object, got.Object.Object); diff != "" {
				t.Errorf("object (-want +got):\n%s", diff)
			}
			if got.Changed != (tc.want != "") {
				t.Errorf("Changed = %v", got.Changed)
			}
			var reasons []finding.Code
			for _, f := range got.Findings {
				reasons = append(reasons, f.Code)
			}
			if diff := cmp.Diff(tc.wantReasons, reasons); diff != "" {
				t.Errorf("reasons (-want +got):\n%s", diff)
			}
		})
	}
}
