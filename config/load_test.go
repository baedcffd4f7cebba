package config

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

const seedFile = "testdata/sandbox-injection-config.yaml"

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// profilesCM builds a JSON ConfigMap named sandbox-system/sandbox-injection-config.
func profilesCM(t *testing.T, data map[string]string) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": "sandbox-injection-config", "namespace": "sandbox-system"},
		"data":     data,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestLoadProfilesSeed(t *testing.T) {
	t.Parallel()
	data := readFile(t, seedFile)
	set, err := LoadProfiles("profiles.yaml", data)
	if err != nil {
		t.Fatalf("LoadProfiles: %v", err)
	}
	if diff := cmp.Diff([]string{"agent-runtime", "csi"}, set.Names()); diff != "" {
		t.Errorf("profile names (-want +got):\n%s", diff)
	}
	if got, want := set.Location("csi"), "profiles.yaml: ConfigMap sandbox-system/sandbox-injection-config: data[csi]"; got != want {
		t.Errorf("Location = %q, want %q", got, want)
	}

	// Lossless: each loaded profile serialises back to exactly the JSON in the ConfigMap.
	var cm corev1.ConfigMap
	if err := yaml.Unmarshal(data, &cm); err != nil {
		t.Fatal(err)
	}
	for _, p := range set.Profiles {
		var want, got any
		if err := json.Unmarshal([]byte(cm.Data[p.Name]), &want); err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("profile %s does not round-trip (-want +got):\n%s", p.Name, diff)
		}
	}

	ar, _ := set.Profile("agent-runtime")
	if !ar.HasAppPart() || !IsNativeSidecar(&ar.CSISidecar[0]) {
		t.Errorf("agent-runtime: HasAppPart=%v native=%v, want both true", ar.HasAppPart(), IsNativeSidecar(&ar.CSISidecar[0]))
	}
	if got := ResourceIgnoreOf(&ar.CSISidecar[0]); got != (ResourceIgnore{ACS: true}) {
		t.Errorf("ResourceIgnoreOf(init) = %+v, want ACS only", got)
	}
}

func TestLoadProfilesErrors(t *testing.T) {
	t.Parallel()
	const loc = "profiles.yaml: ConfigMap sandbox-system/sandbox-injection-config: "
	tests := []struct {
		name    string
		file    string            // testdata file, or
		data    map[string]string // profiles for an inline ConfigMap, or
		raw     string            // raw bytes
		wantErr []string
	}{
		{
			name:    "unknown field names file, configmap, key and path",
			file:    "testdata/bad/unknown-field.yaml",
			wantErr: []string{"profiles.yaml: ConfigMap kube-system/sandbox-injection-config: data[csi]: csiSidecar[0].imagee: unknown field"},
		},
		{
			name:    "bad JSON reports line and column inside the value",
			file:    "testdata/bad/bad-json.yaml",
			wantErr: []string{loc + "data[agent-runtime]: invalid JSON at line 3, column 50"},
		},
		{
			name:    "wrong kind",
			file:    "testdata/bad/wrong-kind.yaml",
			wantErr: []string{`profiles.yaml: want apiVersion v1, kind ConfigMap, got apiVersion "v1", kind "Secret"`},
		},
		{
			name:    "main container field an injector would drop",
			file:    "testdata/bad/main-container-image.json",
			wantErr: []string{"profiles.yaml: ConfigMap profiles: data[agent-runtime]: mainContainer.image: not supported: the app-container part may set only env, volumeMounts and lifecycle.postStart"},
		},
		{
			name:    "field name case matters",
			data:    map[string]string{"csi": `{"csiSidecar": [{"name": "a", "Image": "x"}]}`},
			wantErr: []string{loc + "data[csi]: csiSidecar[0].Image: unknown field"},
		},
		{
			name:    "duplicate JSON field",
			data:    map[string]string{"csi": `{"volume": [{"name": "a", "name": "b", "emptyDir": {}}]}`},
			wantErr: []string{loc + "data[csi]: volume[0].name: duplicate field"},
		},
		{
			name:    "unknown top-level profile field",
			data:    map[string]string{"csi": `{"sidecars": []}`},
			wantErr: []string{loc + "data[csi]: sidecars: unknown field"},
		},
		{
			name:    "type mismatch",
			data:    map[string]string{"csi": `{"volume": {"name": "a"}}`},
			wantErr: []string{loc + "data[csi]: json: cannot unmarshal object into Go struct field Profile.volume of type []v1.Volume"},
		},
		{
			name:    "empty profile value",
			data:    map[string]string{"csi": "  \n"},
			wantErr: []string{loc + "data[csi]: empty profile"},
		},
		{
			name:    "profile that injects nothing",
			data:    map[string]string{"csi": "{}"},
			wantErr: []string{loc + "data[csi]: required: profile injects nothing"},
		},
		{
			name:    "profile name unusable in labels",
			data:    map[string]string{"Agent_Runtime": `{"volume": [{"name": "a", "emptyDir": {}}]}`},
			wantErr: []string{loc + `data[Agent_Runtime]: name: invalid value "Agent_Runtime": profile names are used in label keys`},
		},
		{
			name:    "container names unique across lists",
			data:    map[string]string{"x": `{"csiSidecar": [{"name": "a", "image": "i"}], "containers": [{"name": "a", "image": "i"}]}`},
			wantErr: []string{loc + `data[x]: containers[0].name: duplicate value "a": also declared at csiSidecar[0].name`},
		},
		{
			name:    "restartPolicy other than Always on an init container",
			data:    map[string]string{"x": `{"csiSidecar": [{"name": "a", "image": "i", "restartPolicy": "OnFailure"}]}`},
			wantErr: []string{loc + `data[x]: csiSidecar[0].restartPolicy: unsupported value "OnFailure": supported values: "Always"`},
		},
		{
			name:    "restartPolicy on a regular container",
			data:    map[string]string{"x": `{"containers": [{"name": "a", "image": "i", "restartPolicy": "Always"}]}`},
			wantErr: []string{loc + `data[x]: containers[0].restartPolicy: only init containers take restartPolicy`},
		},
		{
			name: "main container name, resources, preStop and resource-ignore env",
			data: map[string]string{"x": `{"mainContainer": {"name": "app", "resources": {"limits": {"cpu": "1"}},
				"lifecycle": {"preStop": {"exec": {"command": ["x"]}}}, "env": [{"name": "__IGNORE_RESOURCE__", "value": "true"}]}}`},
			wantErr: []string{
				loc + "data[x]: mainContainer.name: must be empty",
				loc + "data[x]: mainContainer.resources: an injector cannot change the application's resources",
				loc + "data[x]: mainContainer.lifecycle: not supported",
				loc + "data[x]: mainContainer.env[0].name: __IGNORE_RESOURCE__ on the main container",
			},
		},
		{
			name:    "postStart with two handlers",
			data:    map[string]string{"x": `{"mainContainer": {"lifecycle": {"postStart": {"exec": {"command": ["a"]}, "tcpSocket": {"port": 1}}}}}`},
			wantErr: []string{loc + "data[x]: mainContainer.lifecycle.postStart: must set exactly one handler"},
		},
		{
			name:    "invalid annotation key",
			data:    map[string]string{"x": `{"annotations": {"a b": "c"}}`},
			wantErr: []string{loc + `data[x]: annotations: invalid value "a b"`},
		},
		{
			name:    "unknown ConfigMap field",
			raw:     "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: p, namespace: ns}\ndatta: {}\n",
			wantErr: []string{"profiles.yaml: ConfigMap ns/p: datta: unknown field"},
		},
		{
			name:    "two documents",
			raw:     "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {}\n---\n# second\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n",
			wantErr: []string{"profiles.yaml: want exactly one ConfigMap document, found 2"},
		},
		{
			name:    "no data",
			raw:     "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: p}\n",
			wantErr: []string{"profiles.yaml: ConfigMap p: data: no profiles"},
		},
		{
			name:    "binaryData is never read",
			raw:     "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: p}\nbinaryData: {csi: e30=}\ndata: {a: '{}'}\n",
			wantErr: []string{"profiles.yaml: ConfigMap p: binaryData[csi]: profiles must be in data as JSON text"},
		},
		{
			name:    "missing name",
			raw:     `{"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "{}"}}`,
			wantErr: []string{"profiles.yaml: ConfigMap: metadata.name: required"},
		},
		{
			name:    "not YAML",
			raw:     "a: [b\n",
			wantErr: []string{"profiles.yaml: yaml: line 1"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var data []byte
			switch {
			case tc.file != "":
				data = readFile(t, filepath.FromSlash(tc.file))
			case tc.data != nil:
				data = profilesCM(t, tc.data)
			default:
				data = []byte(tc.raw)
			}
			set, err := LoadProfiles("profiles.yaml", data)
			if err == nil {
				t.Fatalf("LoadProfiles succeeded with %v, want error", set.Names())
			}
			for _, want := range tc.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error does not contain %q:\n%v", want, err)
				}
			}
		})
	}
}

// TestLoadProfilesGenericPath checks that the generic runtime fields load and keep order.
func TestLoadProfilesGenericPath(t *testing.T) {
	t.Parallel()
	data := profilesCM(t, map[string]string{
		"traffic-proxy": `{"initContainers": [{"name": "proxy-init", "image": "p:1"}],
			"containers": [{"name": "proxy", "image": "p:1"}],
			"annotations": {"example.com/a": "1"}, "labels": {"example.com/l": "x"}}`,
	})
	set, err := LoadProfiles("-", bytes.TrimSpace(data))
	if err != nil {
		t.Fatal(err)
	}
	p, ok := set.Profile("traffic-proxy")
	if !ok {
		t.Fatal("profile traffic-proxy missing")
	}
	got := []string{p.InitContainers[0].Name, p.Containers[0].Name, p.Annotations["example.com/a"], p.Labels["example.com/l"]}
	if diff := cmp.Diff([]string{"proxy-init", "proxy", "1", "x"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if !p.HasAppPart() {
		t.Error("HasAppPart = false for a profile with labels and annotations")
	}
}
