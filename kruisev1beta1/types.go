package kruisev1beta1

import (
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The group, the version and the names Kruise v1.9 uses for SidecarSets.
const (
	Group      = "apps.kruise.io"
	Version    = "v1beta1"
	APIVersion = Group + "/" + Version
	// V1Alpha1 is the other served version.
	V1Alpha1 = Group + "/v1alpha1"
	Kind     = "SidecarSet"

	// LabelCustomVersion is v1alpha1's custom version label, spec.customVersion in v1beta1.
	LabelCustomVersion = "apps.kruise.io/sidecarset-custom-version"
	// LabelNamespaceName is the label the API server puts on every Namespace, with its name;
	// v1alpha1's spec.namespace becomes a namespaceSelector on it.
	LabelNamespaceName = "kubernetes.io/metadata.name"
)

// SidecarSet is an apps.kruise.io/v1beta1 SidecarSet, the storage version of Kruise v1.9.
type SidecarSet struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   SidecarSetSpec                `json:"spec,omitempty"`
	Status appsv1alpha1.SidecarSetStatus `json:"status,omitempty"`
}

// SidecarSetList is a list of v1beta1 SidecarSets.
type SidecarSetList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []SidecarSet `json:"items"`
}

// SidecarSetSpec is v1alpha1's spec without namespace and with customVersion.
type SidecarSetSpec struct {
	Selector             *metav1.LabelSelector                     `json:"selector,omitempty"`
	NamespaceSelector    *metav1.LabelSelector                     `json:"namespaceSelector,omitempty"`
	InitContainers       []SidecarContainer                        `json:"initContainers,omitempty"`
	Containers           []SidecarContainer                        `json:"containers,omitempty"`
	Volumes              []corev1.Volume                           `json:"volumes,omitempty"`
	UpdateStrategy       appsv1alpha1.SidecarSetUpdateStrategy     `json:"updateStrategy,omitempty"`
	InjectionStrategy    appsv1alpha1.SidecarSetInjectionStrategy  `json:"injectionStrategy,omitempty"`
	ImagePullSecrets     []corev1.LocalObjectReference             `json:"imagePullSecrets,omitempty"`
	RevisionHistoryLimit *int32                                    `json:"revisionHistoryLimit,omitempty"`
	PatchPodMetadata     []appsv1alpha1.SidecarSetPatchPodMetadata `json:"patchPodMetadata,omitempty"`
	// CustomVersion replaces v1alpha1's label apps.kruise.io/sidecarset-custom-version.
	CustomVersion string `json:"customVersion,omitempty"`
}

// SidecarContainer is a sidecar of either served version in Kruise v1.9. Its JSON is what
// Kruise's SidecarSet hash encodes, so the field order is Kruise's.
type SidecarContainer struct {
	corev1.Container `json:",inline"`

	PodInjectPolicy   appsv1alpha1.PodInjectPolicyType             `json:"podInjectPolicy,omitempty"`
	UpgradeStrategy   appsv1alpha1.SidecarContainerUpgradeStrategy `json:"upgradeStrategy,omitempty"`
	ShareVolumePolicy appsv1alpha1.ShareVolumePolicy               `json:"shareVolumePolicy,omitempty"`
	// ShareVolumeDevicePolicy shares the app containers' volumeDevices; nil is disabled.
	ShareVolumeDevicePolicy *appsv1alpha1.ShareVolumePolicy `json:"shareVolumeDevicePolicy,omitempty"`
	TransferEnv             []appsv1alpha1.TransferEnvVar   `json:"transferEnv,omitempty"`
	// ResourcesPolicy computes the sidecar's resources from the pod's containers at creation.
	ResourcesPolicy *ResourcesPolicy `json:"resourcesPolicy,omitempty"`
}

// TargetContainersMode aggregates the target containers' resources.
type TargetContainersMode string

const (
	ModeSum TargetContainersMode = "sum"
	ModeMax TargetContainersMode = "max"
)

// DefaultTargetContainersNameRegex is the CRD schema's default of targetContainersNameRegex,
// which the API server applies before Kruise's webhooks see the SidecarSet.
const DefaultTargetContainersNameRegex = ".*"

// ResourcesPolicy is a sidecar's resourcesPolicy.
type ResourcesPolicy struct {
	TargetContainersMode TargetContainersMode `json:"targetContainersMode"`
	// TargetContainersNameRegex selects the target containers (unanchored). Split applies the
	// CRD default when the key is absent, so "" here is an explicit empty value.
	TargetContainersNameRegex string        `json:"targetContainersNameRegex,omitempty"`
	ResourcesExpr             ResourcesExpr `json:"resourcesExpr"`
}

// ResourcesExpr holds the expressions of limits and requests.
type ResourcesExpr struct {
	Limits   *ResourceExprList `json:"limits,omitempty"`
	Requests *ResourceExprList `json:"requests,omitempty"`
}

// ResourceExprList holds one expression per resource; empty means not computed.
type ResourceExprList struct {
	CPU    string `json:"cpu,omitempty"`
	Memory string `json:"memory,omitempty"`
}
