package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// SubjectKind is the kind of object a binding authorizes. ACK documents only
// SidecarSet.
// +kubebuilder:validation:Enum=SidecarSet
type SubjectKind string

// SubjectKindSidecarSet is the kind of a subject that is a Kruise SidecarSet
// (apps.kruise.io/v1alpha1, cluster-scoped, so a name alone identifies it).
const SubjectKindSidecarSet SubjectKind = "SidecarSet"

// ResourceKind is the kind of object a binding shares. ACK documents
// ConfigMap and Secret, the two kinds a volume can name by `namespace/name`.
// +kubebuilder:validation:Enum=ConfigMap;Secret
type ResourceKind string

const (
	// ResourceKindConfigMap is a core/v1 ConfigMap.
	ResourceKindConfigMap ResourceKind = "ConfigMap"
	// ResourceKindSecret is a core/v1 Secret.
	ResourceKindSecret ResourceKind = "Secret"
)

// Subject names a SidecarSet that may reference the binding's resources.
type Subject struct {
	// Kind of the subject. Only SidecarSet is supported.
	// +required
	Kind SubjectKind `json:"kind"`

	// Name of the SidecarSet. SidecarSets are cluster-scoped, so no
	// namespace is needed.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	Name string `json:"name"`
}

// ResourceRef names a ConfigMap or Secret in the binding's own namespace.
type ResourceRef struct {
	// Kind of the object: ConfigMap or Secret.
	// +required
	Kind ResourceKind `json:"kind"`

	// Name of the object, without a namespace: a binding only ever shares
	// objects of its own namespace.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	Name string `json:"name"`
}

// SidecarSetResourceBindingSpec lists who may read which objects. Every
// subject is granted every resource ref: the binding is a cross product, which
// is why generated bindings hold a single subject (see binding.Minimal).
type SidecarSetResourceBindingSpec struct {
	// Subjects are the SidecarSets allowed to reference the resources.
	// The list is keyed by kind and name, so the API server refuses
	// duplicates.
	// +required
	// +kubebuilder:validation:MinItems=1
	// +listType=map
	// +listMapKey=kind
	// +listMapKey=name
	Subjects []Subject `json:"subjects"`

	// ResourceRefs are the ConfigMaps and Secrets of this namespace that
	// the subjects may reference as `<namespace>/<name>`. Access is
	// read-only (get, list, watch).
	// +required
	// +kubebuilder:validation:MinItems=1
	// +listType=map
	// +listMapKey=kind
	// +listMapKey=name
	ResourceRefs []ResourceRef `json:"resourceRefs"`
}

// SidecarSetResourceBinding authorizes SidecarSets to reference ConfigMaps
// and Secrets of the binding's namespace from their volumes and env.
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Namespaced
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type SidecarSetResourceBinding struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec holds the subjects and the resources they may use.
	// +required
	Spec SidecarSetResourceBindingSpec `json:"spec"`
}

// SidecarSetResourceBindingList is a list of bindings.
// +kubebuilder:object:root=true
type SidecarSetResourceBindingList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []SidecarSetResourceBinding `json:"items"`
}
