package manifests

import (
	"fmt"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"
)

// ConversionPath is the path of sidecarctl's SidecarSet conversion webhook; the server
// registers its handler there (server.PathConvertSidecarSet, kept equal by a server test).
const ConversionPath = "/convert-sidecarset"

// SidecarSetCRD builds the SidecarSet CRD of Kruise v1.9 that without-kruise installs, from
// the v1alpha1-only CRD controller-gen generates from kruise-api v1.8.0 (e2e/testdata/crd,
// e2e/gen-kruise-crd.sh): kruise-api v1.9 is not served by the module proxy, so its schema is
// derived here, as sidecarset/BEHAVIOUR.md §8 describes Kruise v1.9's CRD:
//   - v1alpha1 stays served and stops being the storage version; v1beta1 is served and
//     stored, with v1alpha1's schema less spec.namespace and plus spec.customVersion;
//   - both versions gain the sidecar fields shareVolumeDevicePolicy and resourcesPolicy
//     (targetContainersMode an enum of sum and max, targetContainersNameRegex defaulting to
//     ".*", which the API server applies before any webhook sees the SidecarSet);
//   - conversion is by webhook, at sidecarctl's Service; the server fills in the CA bundle.
//
// When kruise-api v1.9 can be used, generate this CRD from its types instead.
func SidecarSetCRD(v1alpha1CRD []byte) ([]byte, error) {
	var crd apiextensionsv1.CustomResourceDefinition
	if err := yaml.UnmarshalStrict(v1alpha1CRD, &crd); err != nil {
		return nil, fmt.Errorf("decode SidecarSet CRD: %w", err)
	}
	if len(crd.Spec.Versions) != 1 || crd.Spec.Versions[0].Name != "v1alpha1" {
		return nil, fmt.Errorf("SidecarSet CRD %s: spec.versions: want only v1alpha1, the CRD kruise-api v1.8.0 generates", crd.Name)
	}
	alpha := crd.Spec.Versions[0]
	if err := addSidecarFields(&alpha); err != nil {
		return nil, err
	}
	beta := *alpha.DeepCopy()
	beta.Name = "v1beta1"
	spec := beta.Schema.OpenAPIV3Schema.Properties["spec"]
	delete(spec.Properties, "namespace")
	spec.Properties["customVersion"] = apiextensionsv1.JSONSchemaProps{Type: "string",
		Description: "CustomVersion is the custom version of the SidecarSet's revisions; it replaces v1alpha1's label apps.kruise.io/sidecarset-custom-version."}
	beta.Schema.OpenAPIV3Schema.Properties["spec"] = spec
	alpha.Storage, beta.Storage = false, true
	crd.Spec.Versions = []apiextensionsv1.CustomResourceDefinitionVersion{alpha, beta}
	crd.Spec.Conversion = &apiextensionsv1.CustomResourceConversion{
		Strategy: apiextensionsv1.WebhookConverter,
		Webhook: &apiextensionsv1.WebhookConversion{
			ConversionReviewVersions: []string{"v1"},
			ClientConfig: &apiextensionsv1.WebhookClientConfig{Service: &apiextensionsv1.ServiceReference{
				Namespace: "sidecarctl-system", Name: "sidecarctl-webhook", Path: ptr.To(ConversionPath), Port: ptr.To[int32](443)}},
		},
	}
	crd.Status = apiextensionsv1.CustomResourceDefinitionStatus{}
	out, err := yaml.Marshal(&crd)
	if err != nil {
		return nil, err
	}
	// status and creationTimestamp are zero values the typed encoding cannot omit.
	var obj map[string]any
	if err := yaml.Unmarshal(out, &obj); err != nil {
		return nil, err
	}
	delete(obj, "status")
	if meta, ok := obj["metadata"].(map[string]any); ok {
		delete(meta, "creationTimestamp")
	}
	return yaml.Marshal(obj)
}

// addSidecarFields gives the containers and initContainers of a version Kruise v1.9's two new
// sidecar fields.
func addSidecarFields(v *apiextensionsv1.CustomResourceDefinitionVersion) error {
	spec := v.Schema.OpenAPIV3Schema.Properties["spec"]
	for _, list := range []string{"containers", "initContainers"} {
		items := spec.Properties[list]
		if items.Items == nil || items.Items.Schema == nil {
			return fmt.Errorf("SidecarSet CRD %s: spec.%s has no item schema", v.Name, list)
		}
		item := items.Items.Schema
		item.Properties["shareVolumeDevicePolicy"] = apiextensionsv1.JSONSchemaProps{Type: "object",
			Description: "ShareVolumeDevicePolicy shares the app containers' volumeDevices with the sidecar; absent means disabled.",
			Properties:  map[string]apiextensionsv1.JSONSchemaProps{"type": {Type: "string"}}}
		item.Properties["resourcesPolicy"] = resourcesPolicySchema()
		spec.Properties[list] = items
	}
	v.Schema.OpenAPIV3Schema.Properties["spec"] = spec
	return nil
}

func resourcesPolicySchema() apiextensionsv1.JSONSchemaProps {
	expr := apiextensionsv1.JSONSchemaProps{Type: "object", Properties: map[string]apiextensionsv1.JSONSchemaProps{
		"cpu": {Type: "string"}, "memory": {Type: "string"}}}
	return apiextensionsv1.JSONSchemaProps{
		Type:        "object",
		Description: "ResourcesPolicy computes the sidecar's resources from the pod's target containers when it is injected.",
		Required:    []string{"resourcesExpr", "targetContainersMode"},
		Properties: map[string]apiextensionsv1.JSONSchemaProps{
			"targetContainersMode":      {Type: "string", Enum: []apiextensionsv1.JSON{{Raw: []byte(`"sum"`)}, {Raw: []byte(`"max"`)}}},
			"targetContainersNameRegex": {Type: "string", Default: &apiextensionsv1.JSON{Raw: []byte(`".*"`)}},
			"resourcesExpr": {Type: "object", Properties: map[string]apiextensionsv1.JSONSchemaProps{
				"limits": expr, "requests": expr}},
		},
	}
}
