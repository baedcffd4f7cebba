package kruisev1beta1

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"
)

func obj(t *testing.T, y string) map[string]any {
	t.Helper()
	out := map[string]any{}
	if err := yaml.Unmarshal([]byte(y), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestConvert pins Kruise v1.9.0's conversion rules (sidecarset/BEHAVIOUR.md §8.2) in both
// directions, with a field no Kruise type knows passing through.
func TestConvert(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, to, want string
	}{{
		name: "namespace becomes a selector and wins over one",
		to:   APIVersion,
		in: `{apiVersion: apps.kruise.io/v1alpha1, kind: SidecarSet, metadata: {name: s},
		      spec: {namespace: ns1, namespaceSelector: {matchLabels: {env: prod}}, futureField: 1,
		             containers: [{name: c, image: i, resourcesPolicy: {targetContainersMode: sum}}]}}`,
		want: `{apiVersion: apps.kruise.io/v1beta1, kind: SidecarSet, metadata: {name: s},
		      spec: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ns1}}, futureField: 1,
		             containers: [{name: c, image: i, resourcesPolicy: {targetContainersMode: sum}}]}}`,
	}, {
		name: "empty namespace dropped, selector kept",
		to:   APIVersion,
		in:   `{apiVersion: apps.kruise.io/v1alpha1, metadata: {name: s}, spec: {namespace: "", namespaceSelector: {matchLabels: {env: prod}}}}`,
		want: `{apiVersion: apps.kruise.io/v1beta1, metadata: {name: s}, spec: {namespaceSelector: {matchLabels: {env: prod}}}}`,
	}, {
		name: "custom version label becomes customVersion",
		to:   APIVersion,
		in:   `{apiVersion: apps.kruise.io/v1alpha1, metadata: {name: s, labels: {apps.kruise.io/sidecarset-custom-version: v1, a: b}}, spec: {}}`,
		want: `{apiVersion: apps.kruise.io/v1beta1, metadata: {name: s, labels: {a: b}}, spec: {customVersion: v1}}`,
	}, {
		name: "empty custom version label disappears",
		to:   APIVersion,
		in:   `{apiVersion: apps.kruise.io/v1alpha1, metadata: {name: s, labels: {apps.kruise.io/sidecarset-custom-version: ""}}, spec: {}}`,
		want: `{apiVersion: apps.kruise.io/v1beta1, metadata: {name: s}, spec: {}}`,
	}, {
		name: "customVersion overwrites the label",
		to:   V1Alpha1,
		in:   `{apiVersion: apps.kruise.io/v1beta1, metadata: {name: s, labels: {apps.kruise.io/sidecarset-custom-version: old}}, spec: {customVersion: new}}`,
		want: `{apiVersion: apps.kruise.io/v1alpha1, metadata: {name: s, labels: {apps.kruise.io/sidecarset-custom-version: new}}, spec: {}}`,
	}, {
		name: "label without customVersion stays; selector stays; pruned namespace dropped",
		to:   V1Alpha1,
		in: `{apiVersion: apps.kruise.io/v1beta1, metadata: {name: s, labels: {apps.kruise.io/sidecarset-custom-version: kept}},
		      spec: {namespace: x, namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ns1}}, status2: {}}, status: {matchedPods: 1}}`,
		want: `{apiVersion: apps.kruise.io/v1alpha1, metadata: {name: s, labels: {apps.kruise.io/sidecarset-custom-version: kept}},
		      spec: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ns1}}, status2: {}}, status: {matchedPods: 1}}`,
	}, {
		name: "same version is a copy",
		to:   V1Alpha1,
		in:   `{apiVersion: apps.kruise.io/v1alpha1, metadata: {name: s}, spec: {namespace: ns1}}`,
		want: `{apiVersion: apps.kruise.io/v1alpha1, metadata: {name: s}, spec: {namespace: ns1}}`,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := obj(t, tc.in)
			before := obj(t, tc.in)
			got, err := Convert(in, tc.to)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(obj(t, tc.want), got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(before, in); diff != "" {
				t.Errorf("the input changed:\n%s", diff)
			}
		})
	}
}

// TestRoundTrip: an object converted to the other version and back is unchanged, except
// where Kruise's rules lose information (a namespace turns into its selector form).
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{name: "v1alpha1 with label and selector",
			in: `{apiVersion: apps.kruise.io/v1alpha1, kind: SidecarSet, metadata: {name: s, labels: {apps.kruise.io/sidecarset-custom-version: v2}},
			      spec: {namespaceSelector: {matchLabels: {env: prod}}, containers: [{name: c, image: i, shareVolumeDevicePolicy: {type: enabled}, x-new: [1]}]}}`},
		{name: "v1alpha1 namespace becomes the selector",
			in:   `{apiVersion: apps.kruise.io/v1alpha1, metadata: {name: s}, spec: {namespace: ns1}}`,
			want: `{apiVersion: apps.kruise.io/v1alpha1, metadata: {name: s}, spec: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ns1}}}}`},
		{name: "v1beta1 with customVersion",
			in: `{apiVersion: apps.kruise.io/v1beta1, kind: SidecarSet, metadata: {name: s, annotations: {a: b}},
			      spec: {customVersion: v3, selector: {matchLabels: {app: x}}, futureField: {a: 1}}, status: {latestRevision: s-1}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := obj(t, tc.in)
			from := in["apiVersion"].(string)
			other := APIVersion
			if from == APIVersion {
				other = V1Alpha1
			}
			mid, err := Convert(in, other)
			if err != nil {
				t.Fatal(err)
			}
			back, err := Convert(mid, from)
			if err != nil {
				t.Fatal(err)
			}
			want := in
			if tc.want != "" {
				want = obj(t, tc.want)
			}
			if diff := cmp.Diff(want, back); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
}

func TestConvertRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, to string }{
		{`{apiVersion: apps.kruise.io/v1alpha1, metadata: {name: s}, spec: {namespace: [a]}}`, APIVersion},
		{`{apiVersion: apps.kruise.io/v1beta1, metadata: {name: s}, spec: {customVersion: 3}}`, V1Alpha1},
		{`{apiVersion: apps.kruise.io/v1beta1, metadata: {name: s}, spec: []}`, V1Alpha1},
		{`{apiVersion: apps/v1, metadata: {name: s}}`, APIVersion},
		{`{apiVersion: apps.kruise.io/v1alpha1, metadata: {name: s}}`, "apps.kruise.io/v2"},
	} {
		if _, err := Convert(obj(t, tc.in), tc.to); err == nil {
			t.Errorf("%s to %s: want an error", tc.in, tc.to)
		}
	}
}
