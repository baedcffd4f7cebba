package manifest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const kustomizePod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: app\n    image: nginx\n"

// TestKustomize: a kustomization builds in process with its documents tagged "kustomize build
// DIR"; URLs anywhere kustomize would fetch them, and files outside the root, are refused
// before the build.
func TestKustomize(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		files   map[string]string
		dir     string
		objects []string // Kind/name in order
		wantErr string
	}{
		{name: "base and overlay", dir: "overlay", files: map[string]string{
			"base/kustomization.yaml":    "resources:\n- pod.yaml\n",
			"base/pod.yaml":              kustomizePod,
			"overlay/kustomization.yaml": "resources:\n- ../base\nnamePrefix: prod-\nconfigMapGenerator:\n- name: cfg\n  literals: [a=b]\n",
		}, objects: []string{"Pod/prod-web", "ConfigMap/prod-cfg-"}},
		{name: "remote resource", dir: "k", files: map[string]string{"k/kustomization.yaml": "resources:\n- https://example.com/x.yaml\n"},
			wantErr: `k/kustomization.yaml: resources[0]: "https://example.com/x.yaml" is a URL`},
		{name: "git base", dir: "k", files: map[string]string{"k/kustomization.yaml": "resources:\n- git@github.com:example/m.git//base\n"},
			wantErr: `resources[0]: "git@github.com:example/m.git//base" is a URL`},
		{name: "remote base in a base", dir: "overlay", files: map[string]string{
			"base/kustomization.yaml":    "resources:\n- github.com/example/m//base?ref=v1\n",
			"overlay/kustomization.yaml": "resources:\n- ../base\n",
		}, wantErr: `base/kustomization.yaml: resources[0]: "github.com/example/m//base?ref=v1" is not a local file or directory`},
		{name: "remote patch", dir: "k", files: map[string]string{"k/kustomization.yaml": "patches:\n- path: http://example.com/p.yaml\n"},
			wantErr: `patches[0].path: "http://example.com/p.yaml" is a URL`},
		{name: "inline patch mentioning a URL", dir: "k", files: map[string]string{
			"k/kustomization.yaml": "resources:\n- pod.yaml\npatches:\n- patch: |\n    - op: add\n      path: /metadata/annotations\n      value: {docs: \"https://example.com\"}\n  target: {kind: Pod}\n",
			"k/pod.yaml":           kustomizePod,
		}, objects: []string{"Pod/web"}},
		{name: "file outside the root", dir: "k", files: map[string]string{"k/kustomization.yaml": "resources:\n- ../pod.yaml\n", "pod.yaml": kustomizePod},
			wantErr: "the file ../pod.yaml is outside"},
		{name: "no kustomization", dir: "k", files: map[string]string{"k/pod.yaml": kustomizePod}, wantErr: "no kustomization.yaml"},
		{name: "a file, not a directory", dir: "k/pod.yaml", files: map[string]string{"k/pod.yaml": kustomizePod}, wantErr: "not a directory"},
		{name: "kustomize refuses", dir: "k", files: map[string]string{"k/kustomization.yaml": "resources:\n- pod.yaml\nreplicas:\n- name: web\n  count: x\n", "k/pod.yaml": kustomizePod},
			wantErr: "-k "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			for name, content := range tc.files {
				p := filepath.Join(root, filepath.FromSlash(name))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			dir := filepath.Join(root, filepath.FromSlash(tc.dir))
			docs, err := Kustomize(dir)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(filepath.ToSlash(err.Error()), tc.wantErr) {
					t.Fatalf("error %v, want one saying %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range docs {
				if d.Source != KustomizeSource(dir) {
					t.Errorf("source %q, want %q", d.Source, KustomizeSource(dir))
				}
				got = append(got, d.Object.GetKind()+"/"+d.Object.GetName())
			}
			if len(got) != len(tc.objects) {
				t.Fatalf("objects %v, want %v", got, tc.objects)
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tc.objects[i]) {
					t.Errorf("object %d: %s, want %s...", i, got[i], tc.objects[i])
				}
			}
		})
	}
}

// TestInputErrors: binary data, JSON syntax and nesting are said with their line (and column)
// and in words.
func TestInputErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, data, want string
	}{
		{"NUL byte", "apiVersion: v1\nkind: Pod\x00\n", "x.yaml: line 2: not UTF-8 text (binary data, or another encoding such as UTF-16?): byte 25 of the file"},
		{"Latin-1", "a: 1\nb: caf\xe9\n", "x.yaml: line 2: not UTF-8 text"},
		{"UTF-16", "\xff\xfea\x00:\x00", "x.yaml: line 1: not UTF-8 text"},
		{"JSON syntax", "{\"a\": 1,\n \"b\": }\n", "x.yaml: document 1 starting at line 1: JSON: line 2, column 7: unexpected character '}' looking for beginning of value"},
		{"JSON truncated", "{\"a\": [1, 2\n", "JSON: the file ends before the value is complete"},
		{"JSON too deep", strings.Repeat("[", 10001) + strings.Repeat("]", 10001), "JSON: line 1, column 10001: nested more than 10000 levels deep"},
		{"YAML duplicate key", "apiVersion: v1\nkind: Pod\nkind: Service\n", "x.yaml:3: document 1: YAML: key \"kind\" already set in map"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse("x.yaml", []byte(tc.data))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
}
