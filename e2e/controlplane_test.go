package e2e

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	kruiseappsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	bindingv1alpha1 "github.com/sidecarctl/sidecarctl/binding/v1alpha1"
)

// TestControlPlane stores a Namespace, a SidecarSet and a
// SidecarSetResourceBinding through the real API server and reads them back,
// which proves the CRDs are installed, served and keep every field the
// engine relies on (the SidecarSet containers are schemaless in Kruise's
// CRD, so a pruning mistake would drop them silently).
func TestControlPlane(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	ctx := t.Context()

	ns := createNamespace(ctx, t, c, "e2e-controlplane-")

	sidecarSet := &kruiseappsv1alpha1.SidecarSet{
		ObjectMeta: metav1.ObjectMeta{Name: ns.Name + "-filebeat"},
		Spec: kruiseappsv1alpha1.SidecarSetSpec{
			Selector:  &metav1.LabelSelector{MatchLabels: map[string]string{"app": "echo-server"}},
			Namespace: ns.Name,
			Containers: []kruiseappsv1alpha1.SidecarContainer{{
				Container: corev1.Container{
					Name:  "filebeat",
					Image: "elastic/filebeat:7.17.0",
					Args:  []string{"-c", "/etc/filebeat/filebeat.yml", "-e"},
					VolumeMounts: []corev1.VolumeMount{
						{Name: "filebeat-config", MountPath: "/etc/filebeat", ReadOnly: true},
					},
				},
				PodInjectPolicy: kruiseappsv1alpha1.AfterAppContainerType,
				ShareVolumePolicy: kruiseappsv1alpha1.ShareVolumePolicy{
					Type: kruiseappsv1alpha1.ShareVolumePolicyEnabled,
				},
				UpgradeStrategy: kruiseappsv1alpha1.SidecarContainerUpgradeStrategy{
					UpgradeType: kruiseappsv1alpha1.SidecarContainerColdUpgrade,
				},
			}},
			Volumes: []corev1.Volume{{
				Name: "filebeat-config",
				VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
					LocalObjectReference: corev1.LocalObjectReference{Name: "filebeat-config"},
				}},
			}},
		},
	}
	createAndReadBack(ctx, t, c, sidecarSet, &kruiseappsv1alpha1.SidecarSet{},
		func(o *kruiseappsv1alpha1.SidecarSet) any { return o.Spec })

	binding := &bindingv1alpha1.SidecarSetResourceBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: "filebeat-config"},
		Spec: bindingv1alpha1.SidecarSetResourceBindingSpec{
			Subjects: []bindingv1alpha1.Subject{
				{Kind: bindingv1alpha1.SubjectKindSidecarSet, Name: sidecarSet.Name},
			},
			ResourceRefs: []bindingv1alpha1.ResourceRef{
				{Kind: bindingv1alpha1.ResourceKindConfigMap, Name: "filebeat-config"},
				{Kind: bindingv1alpha1.ResourceKindSecret, Name: "filebeat-credentials"},
			},
		},
	}
	createAndReadBack(ctx, t, c, binding, &bindingv1alpha1.SidecarSetResourceBinding{},
		func(o *bindingv1alpha1.SidecarSetResourceBinding) any { return o.Spec })
}

// TestBindingSchema checks that the API server enforces the binding CRD's
// schema, so validation the e2e scenarios rely on is the CRD's and not only
// the webhook's.
func TestBindingSchema(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	ctx := t.Context()
	ns := createNamespace(ctx, t, c, "e2e-binding-schema-")

	valid := bindingv1alpha1.SidecarSetResourceBindingSpec{
		Subjects:     []bindingv1alpha1.Subject{{Kind: bindingv1alpha1.SubjectKindSidecarSet, Name: "logging"}},
		ResourceRefs: []bindingv1alpha1.ResourceRef{{Kind: bindingv1alpha1.ResourceKindConfigMap, Name: "shared"}},
	}
	tests := []struct {
		name string
		edit func(*bindingv1alpha1.SidecarSetResourceBindingSpec)
		// field is the path the API server must name in its Invalid cause.
		field string
	}{
		{
			name:  "subject kind not SidecarSet",
			edit:  func(s *bindingv1alpha1.SidecarSetResourceBindingSpec) { s.Subjects[0].Kind = "Pod" },
			field: "spec.subjects[0].kind",
		},
		{
			name:  "resource kind not ConfigMap or Secret",
			edit:  func(s *bindingv1alpha1.SidecarSetResourceBindingSpec) { s.ResourceRefs[0].Kind = "Service" },
			field: "spec.resourceRefs[0].kind",
		},
		{
			name:  "resource name with a namespace",
			edit:  func(s *bindingv1alpha1.SidecarSetResourceBindingSpec) { s.ResourceRefs[0].Name = "other/shared" },
			field: "spec.resourceRefs[0].name",
		},
		{
			name:  "no subjects",
			edit:  func(s *bindingv1alpha1.SidecarSetResourceBindingSpec) { s.Subjects = []bindingv1alpha1.Subject{} },
			field: "spec.subjects",
		},
		{
			name: "duplicate resource ref",
			edit: func(s *bindingv1alpha1.SidecarSetResourceBindingSpec) {
				s.ResourceRefs = append(s.ResourceRefs, s.ResourceRefs[0])
			},
			field: "spec.resourceRefs[1]",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			spec := *valid.DeepCopy()
			tt.edit(&spec)
			obj := &bindingv1alpha1.SidecarSetResourceBinding{
				ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, GenerateName: "invalid-"},
				Spec:       spec,
			}
			err := c.Create(ctx, obj)
			if !apierrors.IsInvalid(err) {
				t.Fatalf("create binding with %s: got error %v, want Invalid", tt.name, err)
			}
			var fields []string
			if status, ok := err.(apierrors.APIStatus); ok && status.Status().Details != nil {
				for _, cause := range status.Status().Details.Causes {
					fields = append(fields, cause.Field)
				}
			}
			found := false
			for _, f := range fields {
				found = found || f == tt.field
			}
			if !found {
				t.Errorf("create binding with %s: causes name fields %q, want %q (error: %v)", tt.name, fields, tt.field, err)
			}
		})
	}
}

// createNamespace creates a namespace with a generated name, so tests that
// run in parallel, or again against a reused server, never collide.
func createNamespace(ctx context.Context, t *testing.T, c client.Client, prefix string) *corev1.Namespace {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: prefix}}
	if err := c.Create(ctx, ns); err != nil {
		t.Fatalf("create namespace %s*: %v", prefix, err)
	}
	// envtest runs no namespace controller, so deletion only marks the
	// namespace Terminating; it still keeps the server tidy for kubectl.
	t.Cleanup(func() {
		if err := c.Delete(context.Background(), ns); err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("delete namespace %s: %v", ns.Name, err)
		}
	})
	return ns
}

// createAndReadBack creates obj, reads it back into a fresh object through the
// API server and compares the part of it that view selects.
func createAndReadBack[T client.Object](ctx context.Context, t *testing.T, c client.Client, obj, got T, view func(T) any) {
	t.Helper()
	want := obj.DeepCopyObject().(T)
	key := client.ObjectKeyFromObject(obj)
	if err := c.Create(ctx, obj); err != nil {
		t.Fatalf("create %T %s: %v", obj, key, err)
	}
	t.Cleanup(func() {
		if err := c.Delete(context.Background(), obj); err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("delete %T %s: %v", obj, key, err)
		}
	})
	if err := c.Get(ctx, key, got); err != nil {
		t.Fatalf("get %T %s: %v", obj, key, err)
	}
	if got.GetUID() == "" || got.GetResourceVersion() == "" {
		t.Errorf("get %T %s: uid %q resourceVersion %q, want both set by the server", obj, key, got.GetUID(), got.GetResourceVersion())
	}
	if diff := cmp.Diff(view(want), view(got)); diff != "" {
		t.Errorf("%T %s read back (-want +got):\n%s", obj, key, diff)
	}
}
