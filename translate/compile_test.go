package translate

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"

	"github.com/sidecarctl/sidecarctl/config"
)

// loadProfiles builds a profile set from data-key -> JSON profile.
func loadProfiles(t *testing.T, data map[string]string) *config.ProfileSet {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": "sandbox-injection-config", "namespace": "sandbox-system"},
		"data":     data,
	})
	if err != nil {
		t.Fatal(err)
	}
	set, err := config.LoadProfiles("profiles.yaml", b)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func manySidecars(n int) string {
	var cs []string
	for i := range n {
		cs = append(cs, fmt.Sprintf(`{"name": "s%d", "image": "i"}`, i))
	}
	return `{"containers": [` + strings.Join(cs, ",") + `]}`
}

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	const loc = "profiles.yaml: ConfigMap sandbox-system/sandbox-injection-config: "
	vn := Options{Target: VirtualNode}
	tests := []struct {
		name    string
		seed    bool // use the rendered seed profiles instead of data
		region  string
		data    map[string]string
		opts    Options
		wantErr []string
	}{
		{
			name: "hostPath on virtual-node without the emptydir rewrite",
			seed: true, region: "cn-hangzhou", opts: Options{Target: VirtualNode, AllowPrivileged: true},
			wantErr: []string{
				loc + `data[csi]: volume[0].hostPath: volume "fuse-device" uses hostPath /dev/fuse (CharDevice), which ECI does not support`,
				loc + `data[csi]: volume[1].hostPath: volume "cgroup-net-cls"`,
				loc + `data[csi]: volume[2].hostPath: volume "mount-root"`,
				"(hostpath_unsupported)",
			},
		},
		{
			name: "privileged sidecar on virtual-node without the opt-in",
			seed: true, region: "cn-hangzhou", opts: Options{Target: VirtualNode, HostPath: HostPathEmptyDir},
			wantErr: []string{
				loc + `data[csi]: csiSidecar[0].securityContext.privileged: container "csi-sidecar" is privileged`,
				loc + `data[csi]: csiSidecar[1].securityContext.privileged: container "csi-agent-sidecar" is privileged`,
				"(privileged_not_allowed)",
			},
		},
		{
			name:    "unresolved region",
			seed:    true,
			wantErr: []string{loc + "data[csi]: csiSidecar[0].image: unresolved placeholder <region-id>", loc + "data[agent-runtime]: csiSidecar[0].image"},
		},
		{
			name: "shared volume that differs between profiles",
			data: map[string]string{
				"agent-runtime": `{"csiSidecar": [{"name": "init", "image": "i", "restartPolicy": "Always", "volumeMounts": [{"name": "envd-volume", "mountPath": "/mnt/envd"}]}],
					"volume": [{"name": "envd-volume", "emptyDir": {}}]}`,
				"debug": `{"containers": [{"name": "dbg", "image": "i", "volumeMounts": [{"name": "envd-volume", "mountPath": "/envd"}]}],
					"volume": [{"name": "envd-volume", "emptyDir": {"medium": "Memory"}}]}`,
			},
			wantErr: []string{loc + `data[debug]: volume: volume "envd-volume" differs from the one profile agent-runtime declares (emptyDir vs emptyDir); ` +
				"Kruise refuses overlapping SidecarSets whose same-named volumes differ: make them identical or merge the profiles (volume_conflict)"},
		},
		{
			name: "same container name in two profiles",
			data: map[string]string{
				"a": `{"containers": [{"name": "proxy", "image": "i"}]}`,
				"b": `{"containers": [{"name": "proxy", "image": "j"}]}`,
			},
			wantErr: []string{loc + `data[b]: container "proxy" is also injected by profile a`, "(container_name_conflict)"},
		},
		{
			name:    "sidecar mount of an undeclared volume",
			data:    map[string]string{"a": `{"containers": [{"name": "c", "image": "i", "volumeMounts": [{"name": "nope", "mountPath": "/x"}]}]}`},
			wantErr: []string{loc + `data[a]: containers[0].volumeMounts[0].name: volume "nope" is not declared`},
		},
		{
			name: "Bidirectional propagation without privileged",
			data: map[string]string{"a": `{"containers": [{"name": "c", "image": "i", "volumeMounts": [{"name": "v", "mountPath": "/x", "mountPropagation": "Bidirectional"}]}],
				"volume": [{"name": "v", "emptyDir": {}}]}`},
			wantErr: []string{loc + "data[a]: containers[0].volumeMounts[0].mountPropagation: Bidirectional mount propagation is only valid in a privileged container"},
		},
		{
			name: "fields Kruise v1.3 would drop",
			data: map[string]string{"a": `{"containers": [{"name": "c", "image": "i", "readinessProbe": {"grpc": {"port": 9}},
				"resizePolicy": [{"resourceName": "cpu", "restartPolicy": "NotRequired"}], "resources": {"claims": [{"name": "gpu"}]}}],
				"volume": [{"name": "v", "image": {"reference": "x"}}]}`},
			opts: vn,
			wantErr: []string{
				loc + "data[a]: containers[0].readinessProbe.grpc: a grpc probe is newer than Kubernetes 1.22",
				loc + "data[a]: containers[0].resizePolicy: resizePolicy is newer",
				// Package sidecarset's list, shared with v1.3 mode, knows resource claims too.
				loc + "data[a]: containers[0].resources.claims: resource claims is newer than Kubernetes 1.22 (it came in 1.26)",
				loc + "data[a]: volume[0].image: an image volume is newer",
				"(field_dropped_by_kruise_v13)",
			},
		},
		{
			name:    "more containers than ECI allows",
			data:    map[string]string{"a": manySidecars(21)},
			opts:    vn,
			wantErr: []string{loc + "data[a]: the profile injects 21 containers; ECI allows at most 20 per pod (too_many_containers)"},
		},
		{
			name:    "unknown target",
			data:    map[string]string{"a": manySidecars(1)},
			opts:    Options{Target: "ecs"},
			wantErr: []string{loc[:len(loc)-2] + `: unknown target "ecs"`},
		},
		{
			name:    "unknown virtual-node label",
			data:    map[string]string{"a": manySidecars(1)},
			opts:    Options{Target: VirtualNode, VirtualNodeLabel: "type=virtual"},
			wantErr: []string{`unknown virtual-node label "type=virtual"`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var set *config.ProfileSet
			if tc.seed {
				set = loadSeed(t, tc.region)
			} else {
				set = loadProfiles(t, tc.data)
			}
			res, err := Compile(set, tc.opts)
			if err == nil {
				t.Fatalf("Compile succeeded with findings %v, want an error", res.Findings)
			}
			for _, want := range tc.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error does not contain %q:\n%v", want, err)
				}
			}
		})
	}
}

// TestCompileLeavesInputAlone checks that Compile is pure: the set it was given is unchanged.
func TestCompileLeavesInputAlone(t *testing.T) {
	t.Parallel()
	set := loadSeed(t, "cn-hangzhou")
	before := loadSeed(t, "cn-hangzhou")
	if _, err := Compile(set, Options{Target: VirtualNode, HostPath: HostPathEmptyDir, AllowPrivileged: true}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, set); diff != "" {
		t.Errorf("Compile modified its input (-before +after):\n%s", diff)
	}
}

func TestCompileSharedIdenticalVolume(t *testing.T) {
	t.Parallel()
	set := loadProfiles(t, map[string]string{
		"a": `{"containers": [{"name": "a", "image": "i", "volumeMounts": [{"name": "shared", "mountPath": "/s"}]}], "volume": [{"name": "shared", "emptyDir": {}}]}`,
		"b": `{"containers": [{"name": "b", "image": "i", "volumeMounts": [{"name": "shared", "mountPath": "/s"}]}], "volume": [{"name": "shared", "emptyDir": {}}]}`,
	})
	res, err := Compile(set, Options{})
	if err != nil {
		t.Fatalf("identical shared volumes must compile: %v", err)
	}
	if got := len(res.SidecarSets()); got != 2 {
		t.Errorf("got %d SidecarSets, want 2", got)
	}
}

// TestCompileReasons checks the decisions for small profiles, by reason code.
func TestCompileReasons(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		data map[string]string
		opts Options
		want []string // "severity reason field"
	}{
		{
			name: "app-only profile: no SidecarSet, volumes in the AppPatch",
			data: map[string]string{"env-only": `{"mainContainer": {"env": [{"name": "A", "value": "1"}], "volumeMounts": [{"name": "cache", "mountPath": "/cache"}]},
				"volume": [{"name": "cache", "emptyDir": {}}], "labels": {"team": "x"}}`},
			want: []string{"info app_volume_in_app_patch volume[0]", "info app_patch_emitted mainContainer", "info no_sidecars "},
		},
		{
			name: "main container mounts a volume the pod must bring",
			data: map[string]string{"a": `{"mainContainer": {"volumeMounts": [{"name": "data", "mountPath": "/data"}]}, "containers": [{"name": "c", "image": "i"}]}`},
			want: []string{"warning main_mount_pod_volume mainContainer.volumeMounts[0].name", "info app_patch_emitted mainContainer"},
		},
		{
			name: "user-set platform env is kept; hostPort on virtual nodes",
			data: map[string]string{"a": `{"initContainers": [{"name": "c", "image": "i", "restartPolicy": "Always",
				"env": [{"name": "ECI_CONTAINER_LAUNCH_PRIORITY", "value": "5"}], "readinessProbe": {"tcpSocket": {"port": 1}},
				"ports": [{"containerPort": 80, "hostPort": 80}]}]}`},
			opts: Options{Target: VirtualNode, VirtualNodeLabel: LabelECI, MainContainer: "app"},
			want: []string{
				"warning platform_env_kept initContainers[0].env[0]",
				"rewrite native_sidecar_to_container initContainers[0]",
				"warning exit_order_unverified ",
				"warning host_port initContainers[0].ports[0].hostPort",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res, err := Compile(loadProfiles(t, tc.data), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range res.Findings {
				got = append(got, fmt.Sprintf("%s %s %s", f.Severity, f.Code, f.Field))
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCompileVirtualNodeShape checks the structural promises of the virtual-node target on the
// seed: nothing Kruise v1.3 drops, every selector requires the virtual-node label.
func TestCompileVirtualNodeShape(t *testing.T) {
	t.Parallel()
	res, err := Compile(loadSeed(t, "cn-hangzhou"), Options{Target: VirtualNode, VirtualNodeLabel: LabelECI, HostPath: HostPathEmptyDir, AllowPrivileged: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, ss := range res.SidecarSets() {
		if ss.Spec.NamespaceSelector != nil {
			t.Errorf("%s: namespaceSelector set", ss.Name)
		}
		if got := ss.Spec.Selector.MatchLabels[string(LabelECI)]; got != "true" {
			t.Errorf("%s: selector %v lacks %s=true", ss.Name, ss.Spec.Selector.MatchLabels, LabelECI)
		}
		for _, c := range append(ss.Spec.InitContainers, ss.Spec.Containers...) {
			if c.RestartPolicy != nil {
				t.Errorf("%s/%s: restartPolicy %s survives", ss.Name, c.Name, *c.RestartPolicy)
			}
		}
		for _, v := range ss.Spec.Volumes {
			if v.HostPath != nil {
				t.Errorf("%s: volume %s still hostPath", ss.Name, v.Name)
			}
		}
	}
	csi, _ := res.Profile("csi")
	var order []string
	for _, c := range csi.SidecarSet.Spec.Containers {
		order = append(order, string(c.PodInjectPolicy)+" "+c.Name)
	}
	if diff := cmp.Diff([]string{"BeforeAppContainer csi-sidecar", "BeforeAppContainer csi-agent-sidecar"}, order); diff != "" {
		t.Errorf("csi containers (-want +got):\n%s", diff)
	}
	if got := envValue(csi.SidecarSet.Spec.Containers[0].Env, "ECI_CONTAINER_TYPE"); got != "sidecar" {
		t.Errorf("ECI_CONTAINER_TYPE = %q, want sidecar", got)
	}
}

func envValue(env []corev1.EnvVar, name string) string {
	if i := envIndex(env, name); i >= 0 {
		return env[i].Value
	}
	return ""
}
