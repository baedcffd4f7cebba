// Package v1alpha1 holds the Go types of the sidecarset.alibabacloud.com/v1alpha1
// SidecarSetResourceBinding API.
//
// A SidecarSetResourceBinding is Alibaba Cloud ACK's authorization object for
// cross-namespace ConfigMap and Secret references in SidecarSet volumes
// (`configMap.name: <namespace>/<name>`). It lives in the namespace that owns
// the objects, names the SidecarSets allowed to use them (spec.subjects) and
// the objects themselves (spec.resourceRefs). ACK does not publish its schema
// or its Go types, and open-source Kruise has no such object, so these types
// are written from the field names in ACK's documentation: what a real
// binding written for ACK holds decodes into them unchanged.
//
// The package owns the types, their scheme registration and the kubebuilder
// markers the CRD in ../crd is generated from. It does not own any behaviour:
// authorization checks and binding generation live in package binding.
//
// zz_generated.deepcopy.go is generated; run `go generate ./binding/...`
// after changing the types.
//
// +kubebuilder:object:generate=true
// +groupName=sidecarset.alibabacloud.com
package v1alpha1
