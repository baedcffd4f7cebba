package kruisev1beta1

import (
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	"k8s.io/apimachinery/pkg/runtime"
)

// ContainerFields are the fields Kruise v1.9 added to a sidecar container, which kruise-api
// v1.8.0's v1alpha1.SidecarContainer lacks.
type ContainerFields struct {
	ShareVolumeDevicePolicy *appsv1alpha1.ShareVolumePolicy `json:"shareVolumeDevicePolicy,omitempty"`
	ResourcesPolicy         *ResourcesPolicy                `json:"resourcesPolicy,omitempty"`
}

// IsZero reports whether neither field is set.
func (c ContainerFields) IsZero() bool {
	return c.ShareVolumeDevicePolicy == nil && c.ResourcesPolicy == nil
}

// DeviceShareEnabled reports whether shareVolumeDevicePolicy is set with type "enabled"; any
// other value, like nil, is disabled (Kruise does not validate it).
func (c ContainerFields) DeviceShareEnabled() bool {
	return c.ShareVolumeDevicePolicy != nil && c.ShareVolumeDevicePolicy.Type == appsv1alpha1.ShareVolumePolicyEnabled
}

// Fields holds the new fields of one SidecarSet's sidecars, by container name, next to a
// kruise-api v1alpha1 SidecarSet. A nil *Fields has none.
type Fields struct {
	InitContainers map[string]ContainerFields `json:"initContainers,omitempty"`
	Containers     map[string]ContainerFields `json:"containers,omitempty"`
}

// Get returns the fields of the init container (init) or container name.
func (f *Fields) Get(init bool, name string) ContainerFields {
	if f == nil {
		return ContainerFields{}
	}
	if init {
		return f.InitContainers[name]
	}
	return f.Containers[name]
}

// Set records the fields of a container; zero fields are not recorded.
func (f *Fields) Set(init bool, name string, c ContainerFields) {
	if c.IsZero() {
		return
	}
	m := &f.Containers
	if init {
		m = &f.InitContainers
	}
	if *m == nil {
		*m = map[string]ContainerFields{}
	}
	(*m)[name] = c
}

// Empty reports whether no container has a field set.
func (f *Fields) Empty() bool {
	return f == nil || (len(f.InitContainers) == 0 && len(f.Containers) == 0)
}

// DeepCopy copies f; nil stays nil.
func (f *Fields) DeepCopy() *Fields {
	if f == nil {
		return nil
	}
	out := &Fields{}
	for _, src := range []struct {
		init bool
		m    map[string]ContainerFields
	}{{true, f.InitContainers}, {false, f.Containers}} {
		for name, c := range src.m {
			out.Set(src.init, name, c.DeepCopy())
		}
	}
	return out
}

// DeepCopy copies c.
func (c ContainerFields) DeepCopy() ContainerFields {
	out := ContainerFields{}
	if c.ShareVolumeDevicePolicy != nil {
		p := *c.ShareVolumeDevicePolicy
		out.ShareVolumeDevicePolicy = &p
	}
	if c.ResourcesPolicy != nil {
		p := *c.ResourcesPolicy
		if l := p.ResourcesExpr.Limits; l != nil {
			cp := *l
			p.ResourcesExpr.Limits = &cp
		}
		if r := p.ResourcesExpr.Requests; r != nil {
			cp := *r
			p.ResourcesExpr.Requests = &cp
		}
		out.ResourcesPolicy = &p
	}
	return out
}

// Sidecar returns c with the fields f: the sidecar as Kruise v1.9's types hold it.
func Sidecar(c appsv1alpha1.SidecarContainer, f ContainerFields) SidecarContainer {
	return SidecarContainer{
		Container:               c.Container,
		PodInjectPolicy:         c.PodInjectPolicy,
		UpgradeStrategy:         c.UpgradeStrategy,
		ShareVolumePolicy:       c.ShareVolumePolicy,
		ShareVolumeDevicePolicy: f.ShareVolumeDevicePolicy,
		TransferEnv:             c.TransferEnv,
		ResourcesPolicy:         f.ResourcesPolicy,
	}
}

// fieldKeys are the JSON keys of ContainerFields.
func fieldKeys() [2]string { return [2]string{"shareVolumeDevicePolicy", "resourcesPolicy"} }

// Part is what Split took off one container: the JSON of its new fields.
type Part struct {
	// Init is true for spec.initContainers, false for spec.containers.
	Init  bool
	Index int
	Name  string
	// Raw holds the keys of ContainerFields that the container had, with the CRD schema's
	// default of targetContainersNameRegex applied (ApplySchemaDefaults).
	Raw map[string]any
}

// Split returns a copy of the unstructured SidecarSet obj (either version) without the
// container fields kruise-api v1.8.0 lacks, and those fields per container, so that the rest
// decodes into kruise-api types and the parts into ContainerFields.
func Split(obj map[string]any) (map[string]any, []Part) {
	rest := runtime.DeepCopyJSON(obj)
	spec, _ := rest["spec"].(map[string]any)
	var parts []Part
	for _, list := range []struct {
		key  string
		init bool
	}{{"initContainers", true}, {"containers", false}} {
		items, _ := spec[list.key].([]any)
		for i, item := range items {
			c, ok := item.(map[string]any)
			if !ok {
				continue
			}
			raw := map[string]any{}
			for _, k := range fieldKeys() {
				if v, ok := c[k]; ok {
					raw[k] = v
					delete(c, k)
				}
			}
			if len(raw) == 0 {
				continue
			}
			ApplySchemaDefaults(raw)
			name, _ := c["name"].(string)
			parts = append(parts, Part{Init: list.init, Index: i, Name: name, Raw: raw})
		}
	}
	return rest, parts
}

// ApplySchemaDefaults applies the CRD schema's defaults inside a container's new fields (raw
// holds its keys of ContainerFields), as the API server does before Kruise v1.9's webhooks
// see the object: an absent resourcesPolicy.targetContainersNameRegex becomes ".*"; an
// explicit "" stays, for the validating webhook to refuse.
func ApplySchemaDefaults(raw map[string]any) {
	rp, ok := raw["resourcesPolicy"].(map[string]any)
	if !ok {
		return
	}
	if _, set := rp["targetContainersNameRegex"]; !set {
		rp["targetContainersNameRegex"] = DefaultTargetContainersNameRegex
	}
}
