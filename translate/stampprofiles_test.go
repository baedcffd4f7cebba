package translate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/sidecarctl/sidecarctl/config"
	"github.com/sidecarctl/sidecarctl/finding"
)

// compileFile loads, renders and compiles a profiles ConfigMap under testdata/.
func compileFile(t *testing.T, name, region string, opts Options) *Result {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	set, err := config.LoadProfiles(name, data)
	if err != nil {
		t.Fatal(err)
	}
	if set, err = config.Render(set, config.Settings{Region: region}); err != nil {
		t.Fatal(err)
	}
	res, err := Compile(set, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestStampProfiles(t *testing.T) {
	t.Parallel()
	seed := compileFile(t, "profiles.yaml", "cn-hangzhou", Options{})
	osb := compileFile(t, "stamp-profiles/opensandbox-profiles.yaml", "", Options{})
	tests := []struct {
		name        string
		res         *Result
		profiles    []string
		in          string
		want        string // expected object; empty means "unchanged"
		wantReasons []finding.Code
		wantErr     string
	}{
		{
			name:     "Deployment: label and app part; unknown and pod-level fields survive",
			res:      seed,
			profiles: []string{"csi"},
			in: `apiVersion: apps/v1
kind: Deployment
metadata: {name: d, namespace: ns}
spec:
  template:
    metadata: {labels: {app: d}}
    spec:
      shareProcessNamespace: true
      x-vendor-pod-field: {keep: me}
      containers:
      - {name: app, image: app, command: [/entry, run], x-vendor-field: keep}
`,
			want: `apiVersion: apps/v1
kind: Deployment
metadata: {name: d, namespace: ns}
spec:
  template:
    metadata: {labels: {app: d, runtime.sidecarctl.dev/csi: "true"}}
    spec:
      shareProcessNamespace: true
      x-vendor-pod-field: {keep: me}
      containers:
      - name: app
        image: app
        command: [/entry, run]
        x-vendor-field: keep
        volumeMounts:
        - {name: mount-root, mountPath: /run/csi/mount-root, mountPropagation: HostToContainer}
        - {name: nas-plugin-dir, mountPath: /var/run/csi/sockets/nasplugin.csi.alibabacloud.com}
        - {name: oss-plugin-dir, mountPath: /var/run/csi/sockets/ossplugin.csi.alibabacloud.com}
`,
			wantReasons: []finding.Code{finding.AppPatchApplied, finding.ProfilesStamped},
		},
		{
			name:     "Pod: the pod itself is stamped; a repeated profile counts once",
			res:      seed,
			profiles: []string{"csi", "csi"},
			in:       "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: a}]}\n",
			want: `apiVersion: v1
kind: Pod
metadata: {name: p, labels: {runtime.sidecarctl.dev/csi: "true"}}
spec:
  containers:
  - name: a
    volumeMounts:
    - {name: mount-root, mountPath: /run/csi/mount-root, mountPropagation: HostToContainer}
    - {name: nas-plugin-dir, mountPath: /var/run/csi/sockets/nasplugin.csi.alibabacloud.com}
    - {name: oss-plugin-dir, mountPath: /var/run/csi/sockets/ossplugin.csi.alibabacloud.com}
`,
			wantReasons: []finding.Code{finding.AppPatchApplied, finding.ProfilesStamped},
		},
		{
			name:     "SandboxSet: declared runtimes and --profile apply together, agent-runtime first",
			res:      seed,
			profiles: []string{"csi"},
			in: `apiVersion: agents.kruise.io/v1alpha1
kind: SandboxSet
metadata: {name: s}
spec:
  runtimes: [{name: agent-runtime}, {name: traffic-proxy}]
  template: {spec: {containers: [{name: a}]}}
`,
			want: `apiVersion: agents.kruise.io/v1alpha1
kind: SandboxSet
metadata: {name: s}
spec:
  runtimes: [{name: traffic-proxy}]
  template:
    metadata: {labels: {runtime.sidecarctl.dev/agent-runtime: "true", runtime.sidecarctl.dev/csi: "true"}}
    spec:
      containers:
      - name: a
        env:
        - {name: ENVD_DIR, value: /mnt/envd}
        - {name: GODEBUG, value: multipathtcp=0}
        - {name: POD_UID, valueFrom: {fieldRef: {fieldPath: metadata.uid}}}
        volumeMounts:
        - {name: envd-volume, mountPath: /mnt/envd}
        - {name: mount-root, mountPath: /run/csi/mount-root, mountPropagation: HostToContainer}
        - {name: nas-plugin-dir, mountPath: /var/run/csi/sockets/nasplugin.csi.alibabacloud.com}
        - {name: oss-plugin-dir, mountPath: /var/run/csi/sockets/ossplugin.csi.alibabacloud.com}
        lifecycle: {postStart: {exec: {command: [bash, -c, /mnt/envd/envd-run.sh]}}}
`,
			wantReasons: []finding.Code{finding.RuntimeNotInProfiles, finding.AppPatchApplied, finding.AppPatchApplied, finding.RuntimesStamped, finding.KruiseInjectionMarks, finding.ProfilesStamped},
		},
		{
			name:        "kinds without a pod template pass through",
			res:         seed,
			profiles:    []string{"csi"},
			in:          "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n",
			wantReasons: []finding.Code{finding.NotAWorkload},
		},
		{
			name:        "BatchSandbox with poolRef: the Pool is where the profile belongs",
			res:         osb,
			profiles:    []string{"opensandbox"},
			in:          "apiVersion: sandbox.opensandbox.io/v1alpha1\nkind: BatchSandbox\nmetadata: {name: b}\nspec: {poolRef: agent-pool, replicas: 1}\n",
			wantReasons: []finding.Code{finding.NoInlineTemplate},
		},
		{
			name:     "Pod without shareProcessNamespace: a warning, nothing invented",
			res:      osb,
			profiles: []string{"opensandbox"},
			in:       "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: a, command: [/opt/opensandbox/bin/bootstrap.sh, app]}]}\n",
			want: `apiVersion: v1
kind: Pod
metadata: {name: p, labels: {runtime.sidecarctl.dev/opensandbox: "true"}}
spec:
  containers:
  - name: a
    command: [/opt/opensandbox/bin/bootstrap.sh, app]
    env: [{name: EXECD, value: /opt/opensandbox/bin/execd}]
    volumeMounts: [{name: opensandbox-bin, mountPath: /opt/opensandbox/bin, readOnly: true}]
`,
			wantReasons: []finding.Code{finding.AppPatchApplied, finding.PodLevelFieldRequired, finding.MainCommandKept, finding.ProfilesStamped},
		},
		{
			name:     "unknown profile",
			res:      seed,
			profiles: []string{"traffic-proxy"},
			in:       "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: ns}\nspec: {template: {spec: {containers: [{name: a}]}}}\n",
			wantErr:  `Deployment.apps ns/d: profile "traffic-proxy" is not among the compiled profiles (agent-runtime, csi)`,
		},
		{
			name:     "app part that cannot merge fails with the object and template path",
			res:      seed,
			profiles: []string{"agent-runtime"},
			in:       "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {template: {spec: {containers: [{name: a, lifecycle: {postStart: {httpGet: {port: 80}}}}]}}}\n",
			wantErr:  "Deployment.apps d: spec.template: profile agent-runtime: spec.containers[0].lifecycle.postStart: container \"a\" has a postStart handler that cannot be merged",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := parseObject(t, tc.in)
			orig := in.DeepCopy()
			got, err := StampProfiles(in, tc.res, tc.profiles, StampOptions{})
			if diff := cmp.Diff(orig.Object, in.Object); diff != "" {
				t.Errorf("StampProfiles modified its input:\n%s", diff)
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
			if got.Object == nil || !got.Changed {
				return
			}
			// Stamping the result again changes nothing.
			again, err := StampProfiles(got.Object, tc.res, tc.profiles, StampOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if again.Changed || cmp.Diff(got.Object.Object, again.Object.Object) != "" {
				t.Errorf("second StampProfiles changed the object: %s", cmp.Diff(got.Object.Object, again.Object.Object))
			}
		})
	}
}

// TestStampProfilesGolden stamps the OpenSandbox Pool of seed 003 (bare, and keeping what a
// profile cannot express) and the gVisor Sandboxes of seed 002; the findings follow the
// objects as comments.
func TestStampProfilesGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, profiles, region, workloads string
		stamp                             []string
	}{
		{name: "pool-bare", profiles: "stamp-profiles/opensandbox-profiles.yaml", workloads: "pool-bare.yaml", stamp: []string{"opensandbox"}},
		{name: "pool", profiles: "stamp-profiles/opensandbox-profiles.yaml", workloads: "pool.yaml", stamp: []string{"opensandbox"}},
		{name: "gvisor-sandboxes", profiles: "profiles.yaml", region: "cn-beijing", workloads: "gvisor-sandboxes.yaml", stamp: []string{"agent-runtime"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := compileFile(t, tc.profiles, tc.region, Options{})
			data, err := os.ReadFile(filepath.Join("testdata", "stamp-profiles", tc.workloads))
			if err != nil {
				t.Fatal(err)
			}
			var out []byte
			for i, doc := range strings.Split(string(data), "\n---\n") {
				obj := &unstructured.Unstructured{}
				if err := yaml.Unmarshal([]byte(doc), &obj.Object); err != nil {
					t.Fatal(err)
				}
				st, err := StampProfiles(obj, res, tc.stamp, StampOptions{})
				if err != nil {
					t.Fatalf("document %d: %v", i, err)
				}
				if i > 0 {
					out = append(out, "---\n"...)
				}
				out = append(out, manifests(t, []*unstructured.Unstructured{st.Object})...)
				out = append(out, prefixedFindings("# ", st.Findings)...)
			}
			checkGolden(t, filepath.Join("stamp-profiles", tc.name+".golden.yaml"), out)
		})
	}
}
