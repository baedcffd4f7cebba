package workload

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

type obj = map[string]any
type list = []any

func TestMergeLossless(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name               string
		raw, before, after any
		want               any
	}{
		{
			name:   "equal before and after keep raw spelling",
			raw:    obj{"cpu": int64(1), "x": "unknown"},
			before: obj{"cpu": "1"},
			after:  obj{"cpu": "1"},
			want:   obj{"cpu": int64(1), "x": "unknown"},
		},
		{
			name:   "changed scalar takes after",
			raw:    obj{"image": "a:1"},
			before: obj{"image": "a:1"},
			after:  obj{"image": "a:2"},
			want:   obj{"image": "a:2"},
		},
		{
			name:   "raw-only key survives a change next to it",
			raw:    obj{"image": "a:1", "x-vendor": obj{"k": "v"}},
			before: obj{"image": "a:1"},
			after:  obj{"image": "a:2"},
			want:   obj{"image": "a:2", "x-vendor": obj{"k": "v"}},
		},
		{
			name:   "key removed by the engine is removed",
			raw:    obj{"a": "1", "b": "2"},
			before: obj{"a": "1", "b": "2"},
			after:  obj{"a": "1"},
			want:   obj{"a": "1"},
		},
		{
			name:   "key added by the engine is added",
			raw:    obj{"a": "1"},
			before: obj{"a": "1"},
			after:  obj{"a": "1", "b": "2"},
			want:   obj{"a": "1", "b": "2"},
		},
		{
			name:   "key made up by the round trip and left alone stays out",
			raw:    obj{"name": "app"},
			before: obj{"name": "app", "resources": obj{}},
			after:  obj{"name": "app", "resources": obj{}, "image": "x"},
			want:   obj{"name": "app", "image": "x"},
		},
		{
			name:   "key made up by the round trip and then changed is written",
			raw:    obj{"name": "app"},
			before: obj{"name": "app", "resources": obj{}},
			after:  obj{"name": "app", "resources": obj{"limits": obj{"cpu": "1"}}},
			want:   obj{"name": "app", "resources": obj{"limits": obj{"cpu": "1"}}},
		},
		{
			name:   "named list: matched by name, order from after, unknown fields kept",
			raw:    list{obj{"name": "a", "x": int64(1)}, obj{"name": "b", "x": int64(2)}},
			before: list{obj{"name": "a"}, obj{"name": "b"}},
			after:  list{obj{"name": "new"}, obj{"name": "b", "image": "i"}, obj{"name": "a"}},
			want:   list{obj{"name": "new"}, obj{"name": "b", "x": int64(2), "image": "i"}, obj{"name": "a", "x": int64(1)}},
		},
		{
			name:   "named list: removed item is removed",
			raw:    list{obj{"name": "a", "x": int64(1)}, obj{"name": "b", "x": int64(2)}},
			before: list{obj{"name": "a"}, obj{"name": "b"}},
			after:  list{obj{"name": "b"}},
			want:   list{obj{"name": "b", "x": int64(2)}},
		},
		{
			name:   "named list with repeated names pairs by occurrence",
			raw:    list{obj{"name": "v", "mountPath": "/a", "x": "1"}, obj{"name": "v", "mountPath": "/b", "x": "2"}},
			before: list{obj{"name": "v", "mountPath": "/a"}, obj{"name": "v", "mountPath": "/b"}},
			after:  list{obj{"name": "v", "mountPath": "/a"}, obj{"name": "v", "mountPath": "/b", "readOnly": true}, obj{"name": "w"}},
			want:   list{obj{"name": "v", "mountPath": "/a", "x": "1"}, obj{"name": "v", "mountPath": "/b", "x": "2", "readOnly": true}, obj{"name": "w"}},
		},
		{
			name:   "unnamed list keeps raw items equal to before",
			raw:    list{obj{"key": "k", "x": "kept"}},
			before: list{obj{"key": "k"}},
			after:  list{obj{"key": "k"}, obj{"key": "new"}},
			want:   list{obj{"key": "k", "x": "kept"}, obj{"key": "new"}},
		},
		{
			name:   "unnamed list: an item edited in place keeps its unknown fields",
			raw:    list{obj{"annotations": obj{"a": "1"}, "x": "kept"}, obj{"key": "k", "y": "kept"}},
			before: list{obj{"annotations": obj{"a": "1"}}, obj{"key": "k"}},
			after:  list{obj{"annotations": obj{"a": "1"}, "patchPolicy": "Retain"}, obj{"key": "k"}},
			want:   list{obj{"annotations": obj{"a": "1"}, "patchPolicy": "Retain", "x": "kept"}, obj{"key": "k", "y": "kept"}},
		},
		{
			name:   "unnamed list: an item inserted before a changed one is not paired with it",
			raw:    list{obj{"key": "k", "x": "kept"}},
			before: list{obj{"key": "k"}},
			after:  list{obj{"key": "new"}, obj{"key": "k"}},
			want:   list{obj{"key": "new"}, obj{"key": "k", "x": "kept"}},
		},
		{
			name:   "scalar list takes after",
			raw:    list{"a", "b"},
			before: list{"a", "b"},
			after:  list{"b", "c"},
			want:   list{"b", "c"},
		},
		{
			name:   "raw list of a different length falls back to after",
			raw:    list{obj{"name": "a", "x": "1"}},
			before: list{obj{"name": "a"}, obj{"name": "b"}},
			after:  list{obj{"name": "a", "image": "i"}},
			want:   list{obj{"name": "a", "image": "i"}},
		},
		{
			name:   "type change takes after",
			raw:    obj{"v": "1"},
			before: obj{"v": "1"},
			after:  obj{"v": list{"1"}},
			want:   obj{"v": list{"1"}},
		},
		{
			name:   "raw null for a known field survives when untouched",
			raw:    obj{"nodeSelector": nil, "image": "a"},
			before: obj{"image": "a"},
			after:  obj{"image": "b"},
			want:   obj{"nodeSelector": nil, "image": "b"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := MergeLossless(tc.raw, tc.before, tc.after)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("MergeLossless (-want +got):\n%s", diff)
			}
		})
	}
}
