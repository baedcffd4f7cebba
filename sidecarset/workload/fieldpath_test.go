package workload

import "testing"

func TestIndexedPath(t *testing.T) {
	t.Parallel()
	raw := map[string]any{"spec": map[string]any{
		"containers": []any{
			map[string]any{"name": "a", "image": "x"},
			map[string]any{"name": "b", "image": int64(7), "ports": []any{map[string]any{"containerPort": int64(80)}, map[string]any{"containerPort": "http"}}},
		},
		"volumes": "none",
		"tags":    []any{"ok", int64(3)},
	}, "metadata": map[string]any{"labels": map[string]any{"app": "web", "tier": true}}}
	for _, tc := range []struct{ dotted, got, want string }{
		{"spec.containers.image", "number", "spec.containers[1].image"},
		{"spec.containers.ports.containerPort", "string", "spec.containers[1].ports[1].containerPort"},
		{"spec.volumes", "string", "spec.volumes"},
		{"spec.containers", "array", "spec.containers"},
		{"spec.tags", "number", "spec.tags[1]"},
		{"spec.missing", "string", "spec.missing"},
		{"spec.containers.image", "bool", "spec.containers.image"},
		{"metadata.labels", "bool", "metadata.labels[tier]"},
	} {
		if got := indexedPath(raw, tc.dotted, tc.got); got != tc.want {
			t.Errorf("indexedPath(%s, %s) = %s, want %s", tc.dotted, tc.got, got, tc.want)
		}
	}
}
