package translate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/platform"
)

// seedSandboxSet reads testdata/sandboxset.yaml, seed 000's SandboxSet labelled
// alibabacloud.com/acs.
func seedSandboxSet(t *testing.T) *unstructured.Unstructured {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "sandboxset.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return parseObject(t, string(data))
}

// TestStampVirtualNodeDerivesACS is `translate --target virtual-node -f` on an ACS template:
// the platform comes from the template, so the converted sidecars carry ACS's env, not ECI's,
// and nothing contradicts.
func TestStampVirtualNodeDerivesACS(t *testing.T) {
	t.Parallel()
	obj := seedSandboxSet(t)
	opts, err := Options{Target: VirtualNode, HostPath: HostPathEmptyDir}.ForWorkloads(nil, obj)
	if err != nil {
		t.Fatal(err)
	}
	if opts.Platform != ACS || opts.PlatformFrom != PlatformFromWorkloads {
		t.Fatalf("ForWorkloads: Platform %q from %q, want acs from workloads", opts.Platform, opts.PlatformFrom)
	}
	res, err := Compile(loadSeed(t, "cn-hangzhou"), opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, ss := range res.SidecarSets() {
		for _, c := range ss.Spec.Containers {
			if envIndex(c.Env, "__IS_SIDECAR__") < 0 {
				t.Errorf("%s/%s: no __IS_SIDECAR__", ss.Name, c.Name)
			}
			for _, eci := range []string{"ECI_CONTAINER_TYPE", "ECI_CONTAINER_IGNORE_EXIT_CODE", "ECI_CONTAINER_LAUNCH_PRIORITY", "__ECI_RESOURCE_IGNORE__"} {
				if envIndex(c.Env, eci) >= 0 {
					t.Errorf("%s/%s: ECI env %s on an ACS pod", ss.Name, c.Name, eci)
				}
			}
		}
	}
	st, err := Stamp(obj, res, StampOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range st.Findings {
		if f.Code == finding.PlatformContradictsLabel {
			t.Errorf("unexpected contradiction: %s", f)
		}
	}
}

// TestStampPlatformContradiction: a template whose platform label contradicts the compiled
// platform is stamped with a warning naming both; a template without the create-time label
// the SidecarSets select is refused.
func TestStampPlatformContradiction(t *testing.T) {
	t.Parallel()
	const withLabels = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: ns}\nspec: {template: {metadata: {labels: LABELS}, spec: {containers: [{name: app}]}}}\n"
	deployment := func(labels string) string { return strings.Replace(withLabels, "LABELS", labels, 1) }
	tests := []struct {
		name     string
		opts     Options
		template string
		want     []string // substrings of the contradiction finding; nil: none
		wantErr  string
	}{
		{
			name:     "ECI by option, template asks for ACS (and carries the eci label too)",
			opts:     Options{Target: VirtualNode, Platform: ECI, VirtualNodeLabel: LabelECI, HostPath: HostPathEmptyDir, AllowPrivileged: true},
			template: deployment(`{alibabacloud.com/acs: "true", alibabacloud.com/eci: "true"}`),
			want:     []string{"warning platform_contradicts_label: Deployment.apps ns/d: spec.template.metadata.labels: the template's label alibabacloud.com/acs=true asks for ACS, but the profiles were compiled for ECI (by the platform option)"},
		},
		{
			name:     "ECI from the virtual-node label, template asks for ACS",
			opts:     Options{Target: VirtualNode, VirtualNodeLabel: LabelECI, HostPath: HostPathEmptyDir, AllowPrivileged: true},
			template: deployment(`{alibabacloud.com/acs: "true", alibabacloud.com/eci: "true"}`),
			want:     []string{"compiled for ECI (from the virtual-node label alibabacloud.com/eci)", "virtual-node label of the platform the template asks for"},
		},
		{
			name:     "ECI by default on the virtual-node target, template asks for ACS",
			opts:     Options{Target: VirtualNode, HostPath: HostPathEmptyDir, AllowPrivileged: true},
			template: deployment(`{alibabacloud.com/acs: "true"}`),
			want:     []string{"asks for ACS, but the profiles were compiled for ECI (the default of the virtual-node target)", "Options.ForWorkloads"},
		},
		{
			name:     "regular nodes by default on the kruise target, template asks for ACS",
			opts:     Options{},
			template: deployment(`{alibabacloud.com/acs: "true"}`),
			want:     []string{"asks for ACS, but the profiles were compiled for regular nodes (the default of the kruise target)"},
		},
		{
			name:     "ACS by option, template asks for ACS",
			opts:     Options{Target: Kruise, Platform: ACS},
			template: deployment(`{alibabacloud.com/acs: "true"}`),
		},
		{
			name:     "ECI and a virtual node that does not say its runtime agree",
			opts:     Options{Target: VirtualNode, HostPath: HostPathEmptyDir, AllowPrivileged: true},
			template: deployment(`{serverless.alibabacloud.com/virtual-node: "true"}`),
		},
		{
			name:     "ACS on the kruise target, template without the label",
			opts:     Options{Target: Kruise, Platform: ACS},
			template: deployment(`{app: d}`),
			wantErr:  "Deployment.apps ns/d: spec.template: metadata.labels: the SidecarSets compiled for ACS select alibabacloud.com/acs=true, which the template does not carry",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res, err := Compile(loadSeed(t, "cn-hangzhou"), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			st, err := StampProfiles(parseObject(t, tc.template), res, []string{"csi"}, StampOptions{})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range st.Findings {
				if f.Code == finding.PlatformContradictsLabel {
					if f.Severity != finding.Warning {
						t.Errorf("severity %s, want warning", f.Severity)
					}
					got = append(got, f.String())
				}
			}
			if tc.want == nil {
				if len(got) > 0 {
					t.Errorf("unexpected contradiction: %v", got)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("got %d contradiction findings %v, want 1", len(got), got)
			}
			for _, w := range tc.want {
				if !strings.Contains(got[0], w) {
					t.Errorf("finding lacks %q:\n%s", w, got[0])
				}
			}
		})
	}
}

func TestPlatformOf(t *testing.T) {
	t.Parallel()
	sandboxSet := func(name, labels string) string {
		return "apiVersion: agents.kruise.io/v1alpha1\nkind: SandboxSet\nmetadata: {name: " + name + ", namespace: default}\n" +
			"spec: {runtimes: [{name: csi}], template: {metadata: {labels: " + labels + "}, spec: {containers: [{name: a}]}}}\n"
	}
	const (
		deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: plain, namespace: default}\nspec: {template: {spec: {containers: [{name: a}]}}}\n"
		pod        = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {alibabacloud.com/eci: \"true\"}}\nspec: {containers: [{name: a}]}\n"
		configMap  = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, labels: {alibabacloud.com/eci: \"true\"}}\n"
		noRuntimes = "apiVersion: agents.kruise.io/v1alpha1\nkind: SandboxSet\nmetadata: {name: bare}\nspec: {template: {spec: {containers: [{name: a}]}}}\n"
	)
	acs := sandboxSet("acs", `{alibabacloud.com/acs: "true"}`)
	tests := []struct {
		name     string
		profiles []string
		objs     []string
		want     Platform
		wantErr  string
	}{
		{name: "nothing", want: platform.Regular},
		{name: "the seed's ACS SandboxSet", objs: []string{acs}, want: ACS},
		{name: "without --profile only objects declaring runtimes count", objs: []string{acs, deployment, configMap, noRuntimes}, want: ACS},
		{name: "ECI and a virtual node agree on ECI", objs: []string{sandboxSet("a", `{alibabacloud.com/eci: "true"}`), sandboxSet("b", `{serverless.alibabacloud.com/virtual-node: "true"}`)}, want: ECI},
		{name: "a Pod's own labels", profiles: []string{"csi"}, objs: []string{pod, configMap}, want: ECI},
		{
			name:     "with --profile every workload counts",
			profiles: []string{"csi"},
			objs:     []string{acs, deployment},
			wantErr:  "the workloads ask for different platforms: SandboxSet.agents.kruise.io default/acs for ACS (alibabacloud.com/acs=true), Deployment.apps default/plain for regular nodes (no platform label)",
		},
		{
			name:    "ACS and ECI disagree",
			objs:    []string{acs, sandboxSet("eci", `{alibabacloud.com/eci: "true"}`)},
			wantErr: "SandboxSet.agents.kruise.io default/acs for ACS (alibabacloud.com/acs=true), SandboxSet.agents.kruise.io default/eci for ECI (alibabacloud.com/eci=true)",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var objs []*unstructured.Unstructured
			for _, o := range tc.objs {
				objs = append(objs, parseObject(t, o))
			}
			got, err := PlatformOf(tc.profiles, objs...)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("PlatformOf = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestForWorkloadsKeepsWhatIsSaid: an explicit platform or an eci/acs virtual-node label wins
// over the templates; workloads without a platform label leave the options alone.
func TestForWorkloadsKeepsWhatIsSaid(t *testing.T) {
	t.Parallel()
	acs := seedSandboxSet(t)
	for _, o := range []Options{
		{Target: Kruise, Platform: ECI},
		{Target: VirtualNode, VirtualNodeLabel: LabelECI},
		{Target: VirtualNode, VirtualNodeLabel: "eci"},
	} {
		got, err := o.ForWorkloads(nil, acs)
		if err != nil || got != o {
			t.Errorf("ForWorkloads(%+v) = %+v, %v; want it unchanged", o, got, err)
		}
	}
	plain := parseObject(t, "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {template: {spec: {containers: [{name: a}]}}}\n")
	if got, err := (Options{Target: VirtualNode}).ForWorkloads([]string{"csi"}, plain); err != nil || got != (Options{Target: VirtualNode}) {
		t.Errorf("ForWorkloads on a regular template = %+v, %v; want the options unchanged", got, err)
	}
}
