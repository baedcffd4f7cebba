package manifest

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestEditMeansTheObject: whatever the edit, the written document reads back as the changed
// object, and the lines the change does not touch stay as they were.
func TestEditMeansTheObject(t *testing.T) {
	t.Parallel()
	const pod = `apiVersion: v1
kind: Pod
metadata:
  name: web # the name
  labels: {app: web, tier: front}
spec:
  containers:
  - name: app
    image: app:1
    env: &shared
    - name: A
      value: "1"
  - name: helper
    image: helper:1
    env: *shared
    resources: &res
      limits: {cpu: 100m}
  - <<: {name: merged, image: merged:1}
    resources: *res
`
	for _, tc := range []struct {
		name   string
		change func(obj map[string]any)
		keep   []string
	}{
		{"an anchored list changed in one place", func(obj map[string]any) {
			c := containers(obj)[0].(map[string]any)
			c["env"] = append(c["env"].([]any), map[string]any{"name": "B", "value": "2"})
		}, []string{"  name: web # the name", "  labels: {app: web, tier: front}"}},
		{"a scalar changed, its comment kept", func(obj map[string]any) {
			obj["metadata"].(map[string]any)["name"] = "web-2"
		}, []string{"  name: web-2 # the name", "    env: &shared"}},
		{"a key added to a flow mapping", func(obj map[string]any) {
			obj["metadata"].(map[string]any)["labels"].(map[string]any)["zone"] = "a"
		}, []string{"  labels: {app: web, tier: front, zone: a}"}},
		{"a merged mapping changed", func(obj map[string]any) {
			containers(obj)[2].(map[string]any)["image"] = "merged:2"
		}, []string{"  name: web # the name"}},
		{"an item removed and one inserted", func(obj map[string]any) {
			spec := obj["spec"].(map[string]any)
			cs := containers(obj)
			spec["containers"] = []any{map[string]any{"name": "first", "image": "first:1"}, cs[0], cs[2]}
		}, []string{"  - name: first", "    image: first:1"}},
		{"a key removed", func(obj map[string]any) {
			delete(obj["metadata"].(map[string]any), "labels")
		}, []string{"  name: web # the name"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			docs, err := Parse("pod.yaml", []byte(pod))
			if err != nil {
				t.Fatal(err)
			}
			tc.change(docs[0].Object.Object)
			docs[0].Raw = nil
			var out bytes.Buffer
			if err := WriteDocuments(&out, docs, FormatYAML); err != nil {
				t.Fatal(err)
			}
			back, err := Parse("out.yaml", out.Bytes())
			if err != nil {
				t.Fatalf("the output does not read: %v\n%s", err, out.String())
			}
			want, _ := Parse("pod.yaml", []byte(pod))
			tc.change(want[0].Object.Object)
			if diff := cmp.Diff(want[0].Object.Object, back[0].Object.Object); diff != "" {
				t.Errorf("the output means something else (-want +got):\n%s\n%s", diff, out.String())
			}
			for _, line := range tc.keep {
				if !strings.Contains(out.String(), line+"\n") {
					t.Errorf("the output lost %q:\n%s", line, out.String())
				}
			}
		})
	}
}

func containers(obj map[string]any) []any {
	return obj["spec"].(map[string]any)["containers"].([]any)
}
