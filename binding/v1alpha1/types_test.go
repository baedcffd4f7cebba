package v1alpha1_test

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"

	"github.com/sidecarctl/sidecarctl/binding/v1alpha1"
)

func decoder(t *testing.T) runtime.Decoder {
	t.Helper()
	scheme := runtime.NewScheme()
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	return serializer.NewCodecFactory(scheme, serializer.EnableStrict).UniversalDeserializer()
}

// The seed binding from ACK's documentation decodes, strictly, into exactly
// the object it describes: the field names of the types match ACK's.
func TestDecodeSeed(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../testdata/seed/filebeat-binding.yaml")
	if err != nil {
		t.Fatal(err)
	}
	obj, gvk, err := decoder(t).Decode(data, nil, nil)
	if err != nil {
		t.Fatalf("decode seed binding: %v", err)
	}
	if *gvk != v1alpha1.GroupVersionKind() {
		t.Errorf("GroupVersionKind = %v, want %v", gvk, v1alpha1.GroupVersionKind())
	}
	want := &v1alpha1.SidecarSetResourceBinding{
		TypeMeta:   metav1.TypeMeta{APIVersion: "sidecarset.alibabacloud.com/v1alpha1", Kind: "SidecarSetResourceBinding"},
		ObjectMeta: metav1.ObjectMeta{Name: "filebeat-sidecarset-resourcebinding", Namespace: "kube-system"},
		Spec: v1alpha1.SidecarSetResourceBindingSpec{
			Subjects:     []v1alpha1.Subject{{Kind: v1alpha1.SubjectKindSidecarSet, Name: "filebeat-sidecarset"}},
			ResourceRefs: []v1alpha1.ResourceRef{{Kind: v1alpha1.ResourceKindConfigMap, Name: "filebeat-config"}},
		},
	}
	if diff := cmp.Diff(want, obj); diff != "" {
		t.Errorf("decoded seed binding (-want +got):\n%s", diff)
	}
}

func TestDecode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		doc      string
		wantKind string
		wantErr  string
	}{
		{
			name: "list",
			doc: `apiVersion: sidecarset.alibabacloud.com/v1alpha1
kind: SidecarSetResourceBindingList
items:
- metadata: {name: a, namespace: obs}
  spec:
    subjects: [{kind: SidecarSet, name: agent}]
    resourceRefs: [{kind: Secret, name: token}]
`,
			wantKind: "*v1alpha1.SidecarSetResourceBindingList",
		},
		{
			name: "misspelled field",
			doc: `apiVersion: sidecarset.alibabacloud.com/v1alpha1
kind: SidecarSetResourceBinding
metadata: {name: a, namespace: obs}
spec:
  subjects: [{kind: SidecarSet, name: agent}]
  resourceRef: [{kind: Secret, name: token}]
`,
			wantErr: `unknown field "spec.resourceRef"`,
		},
		{
			name: "other version",
			doc: `apiVersion: sidecarset.alibabacloud.com/v1beta1
kind: SidecarSetResourceBinding
metadata: {name: a, namespace: obs}
`,
			wantErr: `no kind "SidecarSetResourceBinding" is registered for version "sidecarset.alibabacloud.com/v1beta1"`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			obj, _, err := decoder(t).Decode([]byte(tc.doc), nil, nil)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Decode error = %v, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if got := typeName(obj); got != tc.wantKind {
				t.Errorf("decoded %s, want %s", got, tc.wantKind)
			}
		})
	}
}

func typeName(obj runtime.Object) string {
	switch obj.(type) {
	case *v1alpha1.SidecarSetResourceBinding:
		return "*v1alpha1.SidecarSetResourceBinding"
	case *v1alpha1.SidecarSetResourceBindingList:
		return "*v1alpha1.SidecarSetResourceBindingList"
	default:
		return "other"
	}
}

// DeepCopy must not share the subject and ref slices: the CLI and the
// webhook copy bindings out of caches before editing them.
func TestDeepCopy(t *testing.T) {
	t.Parallel()
	orig := &v1alpha1.SidecarSetResourceBindingList{Items: []v1alpha1.SidecarSetResourceBinding{{
		ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: "obs", Labels: map[string]string{"k": "v"}},
		Spec: v1alpha1.SidecarSetResourceBindingSpec{
			Subjects:     []v1alpha1.Subject{{Kind: v1alpha1.SubjectKindSidecarSet, Name: "agent"}},
			ResourceRefs: []v1alpha1.ResourceRef{{Kind: v1alpha1.ResourceKindSecret, Name: "token"}},
		},
	}}}
	cp := orig.DeepCopyObject().(*v1alpha1.SidecarSetResourceBindingList)
	if diff := cmp.Diff(orig, cp); diff != "" {
		t.Fatalf("copy differs (-orig +copy):\n%s", diff)
	}
	cp.Items[0].Spec.Subjects[0].Name = "changed"
	cp.Items[0].Spec.ResourceRefs[0].Name = "changed"
	cp.Items[0].Labels["k"] = "changed"
	if orig.Items[0].Spec.Subjects[0].Name != "agent" || orig.Items[0].Spec.ResourceRefs[0].Name != "token" || orig.Items[0].Labels["k"] != "v" {
		t.Errorf("editing the copy changed the original: %+v", orig.Items[0])
	}
}
