// Package kruisev1beta1 holds what sidecarctl needs of OpenKruise v1.9's SidecarSet API and
// kruise-api v1.8.0 lacks: the apps.kruise.io/v1beta1 SidecarSet types, the two sidecar
// container fields v1.9 added to both served versions (shareVolumeDevicePolicy and
// resourcesPolicy), and the conversion between v1alpha1 and v1beta1 that Kruise v1.9's
// conversion webhook performs (sidecarset/BEHAVIOUR.md §8).
//
// The types are defined from Kruise's published CRD schema at v1.9.0
// (config/crd/bases/apps.kruise.io_sidecarsets.yaml) and the Go types at that tag
// (apis/apps/v1beta1/sidecarset_types.go, apis/apps/v1alpha1/sidecarset_types.go); the field
// order of SidecarContainer is the JSON order Kruise hashes. The conversion follows
// apis/apps/v1alpha1/sidecarset_conversion.go at v1.9.0 and works on unstructured objects, so
// fields of newer Kruise releases pass through it untouched.
//
// The engine keeps running on kruise-api's v1alpha1 types: the new container fields travel
// next to a SidecarSet as a Fields record (Split takes them off a decoded object, keyed by
// container list and name).
//
// When kruise-api v1.9 can be used, delete this package: types.go and fields.go give way to
// kruise-api's apps/v1beta1 and the new v1alpha1 SidecarContainer fields, convert.go to
// kruise-api's conversion functions (keep convert_test.go's cases as tests of those), and the
// Fields record disappears from sidecarset.State.CreateWithFields, pipeline.Creation and
// sidecarsettest.Case.
//
// The package is pure: API types in, API types out.
package kruisev1beta1
