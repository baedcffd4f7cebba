package pipeline

import (
	"fmt"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"

	"github.com/sidecarctl/sidecarctl/kruisev1beta1"
)

// decodeSidecarSet reads a SidecarSet in apps.kruise.io/v1alpha1 or v1beta1 (what `kubectl get
// sidecarset -o yaml` shows on a Kruise v1.9 cluster): a v1beta1 one is converted to v1alpha1
// as Kruise v1.9 converts it (kruisev1beta1.ToV1Alpha1), the v1.9 sidecar fields are taken
// off into Creation.Fields with the CRD schema's defaults applied, and the rest decodes into
// kruise-api's types.
func (in *Input) decodeSidecarSet(it Item) (Creation, error) {
	obj := it.Object.Object
	apiVersion := it.Object.GetAPIVersion()
	switch apiVersion {
	case kruisev1beta1.V1Alpha1:
	case kruisev1beta1.APIVersion:
		converted, err := kruisev1beta1.ToV1Alpha1(obj)
		if err != nil {
			return Creation{}, fmt.Errorf("%s: %w", it.Source, err)
		}
		obj = converted
	default:
		return Creation{}, fmt.Errorf("%s: apiVersion %s: sidecarctl reads apps.kruise.io/v1alpha1 and v1beta1 SidecarSets", it.Source, apiVersion)
	}
	rest, parts := kruisev1beta1.Split(obj)
	ss := &appsv1alpha1.SidecarSet{}
	if err := in.decodeAt(it, rest, ss, ""); err != nil {
		return Creation{}, err
	}
	c := Creation{Source: it.Source, SidecarSet: ss, APIVersion: apiVersion}
	for _, p := range parts {
		list := "containers"
		if p.Init {
			list = "initContainers"
		}
		var cf kruisev1beta1.ContainerFields
		if err := in.decodeAt(it, p.Raw, &cf, fmt.Sprintf("spec.%s[%d].", list, p.Index)); err != nil {
			return Creation{}, err
		}
		if c.Fields == nil {
			c.Fields = &kruisev1beta1.Fields{}
		}
		c.Fields.Set(p.Init, p.Name, cf)
	}
	return c, nil
}
