package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Group is the API group of SidecarSetResourceBinding, as ACK names it.
const Group = "sidecarset.alibabacloud.com"

// Version is the only version of the API ACK documents.
const Version = "v1alpha1"

// Kind is the kind of a single binding object.
const Kind = "SidecarSetResourceBinding"

// ListKind is the kind of a list of bindings, as the API server returns it.
const ListKind = "SidecarSetResourceBindingList"

// GroupVersion is the group and version the types of this package belong to.
var GroupVersion = schema.GroupVersion{Group: Group, Version: Version}

// SchemeBuilder registers the types of this package with a runtime.Scheme.
// It is built from a function rather than filled in by init() so that
// importing the package has no side effect.
var SchemeBuilder = runtime.NewSchemeBuilder(addKnownTypes)

// AddToScheme adds SidecarSetResourceBinding and its list to a scheme, so
// that a universal decoder turns YAML or JSON into the typed objects.
var AddToScheme = SchemeBuilder.AddToScheme

// GroupVersionKind returns the GroupVersionKind of a single binding.
func GroupVersionKind() schema.GroupVersionKind {
	return GroupVersion.WithKind(Kind)
}

func addKnownTypes(scheme *runtime.Scheme) error {
	scheme.AddKnownTypes(GroupVersion, &SidecarSetResourceBinding{}, &SidecarSetResourceBindingList{})
	metav1.AddToGroupVersion(scheme, GroupVersion)
	return nil
}
