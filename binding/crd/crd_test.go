package crd_test

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"

	"github.com/sidecarctl/sidecarctl/binding/crd"
	"github.com/sidecarctl/sidecarctl/binding/v1alpha1"
)

func decode(t *testing.T) *apiextensionsv1.CustomResourceDefinition {
	t.Helper()
	var got apiextensionsv1.CustomResourceDefinition
	// UnmarshalStrict: a field apiextensions v1 does not know means the
	// manifest is not what the API server would read.
	if err := yaml.UnmarshalStrict(crd.YAML(), &got); err != nil {
		t.Fatalf("decode %s: %v", crd.FileName, err)
	}
	return &got
}

func TestCRDIdentity(t *testing.T) {
	t.Parallel()
	got := decode(t)

	type identity struct {
		APIVersion, Kind, Name, Group, KindName, ListKind, Plural string
		Scope                                                     apiextensionsv1.ResourceScope
		Versions                                                  []string
	}
	want := identity{
		APIVersion: "apiextensions.k8s.io/v1",
		Kind:       "CustomResourceDefinition",
		Name:       crd.Name,
		Group:      v1alpha1.Group,
		KindName:   v1alpha1.Kind,
		ListKind:   v1alpha1.ListKind,
		Plural:     "sidecarsetresourcebindings",
		Scope:      apiextensionsv1.NamespaceScoped,
		Versions:   []string{"v1alpha1 served storage"},
	}
	have := identity{
		APIVersion: got.APIVersion,
		Kind:       got.Kind,
		Name:       got.Name,
		Group:      got.Spec.Group,
		KindName:   got.Spec.Names.Kind,
		ListKind:   got.Spec.Names.ListKind,
		Plural:     got.Spec.Names.Plural,
		Scope:      got.Spec.Scope,
	}
	for _, v := range got.Spec.Versions {
		s := v.Name
		if v.Served {
			s += " served"
		}
		if v.Storage {
			s += " storage"
		}
		have.Versions = append(have.Versions, s)
	}
	if diff := cmp.Diff(want, have); diff != "" {
		t.Errorf("%s identity mismatch (-want +got):\n%s", crd.FileName, diff)
	}
}

// TestCRDSchema checks the parts of the schema the API server enforces for
// us: the enum of kinds, the required fields and the list keys that refuse
// duplicate entries. A marker dropped from types.go shows up here once the
// CRD is regenerated.
func TestCRDSchema(t *testing.T) {
	t.Parallel()
	got := decode(t)
	if len(got.Spec.Versions) != 1 || got.Spec.Versions[0].Schema == nil {
		t.Fatalf("%s: want one version with a schema", crd.FileName)
	}
	spec := got.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"]

	tests := []struct {
		list      string
		wantKinds []string
	}{
		{list: "subjects", wantKinds: []string{`"SidecarSet"`}},
		{list: "resourceRefs", wantKinds: []string{`"ConfigMap"`, `"Secret"`}},
	}
	for _, tc := range tests {
		t.Run(tc.list, func(t *testing.T) {
			t.Parallel()
			list, ok := spec.Properties[tc.list]
			if !ok {
				t.Fatalf("%s: spec.%s missing", crd.FileName, tc.list)
			}
			item := list.Items.Schema
			var kinds []string
			for _, e := range item.Properties["kind"].Enum {
				kinds = append(kinds, string(e.Raw))
			}
			type shape struct {
				Kinds, Required, ListKeys []string
				ListType                  string
				MinItems                  int64
				NamePattern               string
			}
			want := shape{
				Kinds:       tc.wantKinds,
				Required:    []string{"kind", "name"},
				ListKeys:    []string{"kind", "name"},
				ListType:    "map",
				MinItems:    1,
				NamePattern: `^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`,
			}
			have := shape{
				Kinds:       kinds,
				Required:    item.Required,
				ListKeys:    list.XListMapKeys,
				NamePattern: item.Properties["name"].Pattern,
			}
			if list.XListType != nil {
				have.ListType = *list.XListType
			}
			if list.MinItems != nil {
				have.MinItems = *list.MinItems
			}
			if diff := cmp.Diff(want, have); diff != "" {
				t.Errorf("%s spec.%s (-want +got):\n%s", crd.FileName, tc.list, diff)
			}
		})
	}
	if diff := cmp.Diff([]string{"resourceRefs", "subjects"}, spec.Required); diff != "" {
		t.Errorf("%s spec.required (-want +got):\n%s", crd.FileName, diff)
	}
}

func TestYAMLReturnsACopy(t *testing.T) {
	t.Parallel()
	first := crd.YAML()
	first[0] = 'X'
	if second := crd.YAML(); bytes.Equal(first, second) {
		t.Errorf("YAML() returned shared bytes: an edit by one caller leaked into the next")
	}
}
