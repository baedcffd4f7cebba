package config

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
)

// ConfigMapName is the name openkruise/agents and the ACS add-on give the profiles ConfigMap.
// LoadProfiles accepts any name; this one is only the conventional default.
const ConfigMapName = "sandbox-injection-config"

// Container-name heuristics, env markers and placeholders that other packages need to agree on.
const (
	// RegionPlaceholder is the documentation placeholder Alibaba's profiles carry in image
	// references (`registry-<region-id>-vpc.ack.aliyuncs.com/...`). The upstream injector does
	// not substitute it (translate/PLATFORMS.md §2.7), so sidecarctl renders it.
	RegionPlaceholder = "<region-id>"

	// EnvACSIgnoreResource makes ACS ignore a container's requests for scheduling and
	// normalisation; the container then shares the other containers' resources
	// (translate/PLATFORMS.md §3.4).
	EnvACSIgnoreResource = "__IGNORE_RESOURCE__"
	// EnvECIIgnoreResource is the ECI counterpart: the container is ignored when ECI rounds the
	// instance up to a supported size.
	EnvECIIgnoreResource = "__ECI_RESOURCE_IGNORE__"
)

// ProfileSet is a loaded profiles ConfigMap: one Profile per data key, sorted by name so that
// everything derived from it is deterministic.
type ProfileSet struct {
	// Source is the file name (or "-" for stdin) used in every error message.
	Source string
	// Namespace and Name identify the ConfigMap the profiles came from.
	Namespace string
	Name      string
	// Region is the region the set was rendered for; empty until Render runs.
	Region string
	// Profiles holds one entry per data key, sorted by Name.
	Profiles []Profile
}

// Profile is one injection profile: the JSON value of one ConfigMap data key.
//
// The field names are the upstream ones. `csiSidecar` is historical: openkruise/agents uses it
// for every built-in runtime (agent-runtime too) and appends its entries to the pod's
// initContainers; an entry with `restartPolicy: Always` is a native sidecar, any other entry an
// ordinary init container that runs to completion.
type Profile struct {
	// Name is the data key, and the profile name used in selection labels.
	Name string `json:"-"`
	// MainContainer is the app-container part: only env, volumeMounts and lifecycle.postStart
	// may be set (plus an empty name and empty resources, which the upstream samples carry).
	MainContainer *corev1.Container `json:"mainContainer,omitempty"`
	// CSISidecar lists containers injected as init containers (native sidecars when they say
	// `restartPolicy: Always`).
	CSISidecar []corev1.Container `json:"csiSidecar,omitempty"`
	// Volume lists pod volumes the profile needs.
	Volume []corev1.Volume `json:"volume,omitempty"`
	// InitContainers and Containers are the generic runtime path: appended to the pod's init
	// containers and containers respectively.
	InitContainers []corev1.Container `json:"initContainers,omitempty"`
	Containers     []corev1.Container `json:"containers,omitempty"`
	// Annotations and Labels are added to the pod when absent (the pod's own values win).
	Annotations map[string]string `json:"annotations,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
}

// Location is the error prefix for a profile: source, ConfigMap and data key, for example
// `profiles.yaml: ConfigMap sandbox-system/sandbox-injection-config: data[csi]`.
// An empty profile name gives the prefix for the whole ConfigMap.
func (s *ProfileSet) Location(profile string) string {
	obj := s.Name
	if s.Namespace != "" {
		obj = s.Namespace + "/" + s.Name
	}
	loc := fmt.Sprintf("%s: ConfigMap %s", s.Source, obj)
	if profile != "" {
		loc += fmt.Sprintf(": data[%s]", profile)
	}
	return loc
}

// Profile returns the profile with the given name.
func (s *ProfileSet) Profile(name string) (*Profile, bool) {
	for i := range s.Profiles {
		if s.Profiles[i].Name == name {
			return &s.Profiles[i], true
		}
	}
	return nil, false
}

// Names returns the profile names in order.
func (s *ProfileSet) Names() []string {
	names := make([]string, 0, len(s.Profiles))
	for _, p := range s.Profiles {
		names = append(names, p.Name)
	}
	return names
}

// HasAppPart reports whether the profile changes the application container or pod metadata,
// which a SidecarSet cannot express.
func (p *Profile) HasAppPart() bool {
	if len(p.Annotations) > 0 || len(p.Labels) > 0 {
		return true
	}
	mc := p.MainContainer
	if mc == nil {
		return false
	}
	return len(mc.Env) > 0 || len(mc.VolumeMounts) > 0 || (mc.Lifecycle != nil && mc.Lifecycle.PostStart != nil)
}

// IsNativeSidecar reports whether an init container is a native sidecar (`restartPolicy: Always`).
func IsNativeSidecar(c *corev1.Container) bool {
	return c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
}

// ResourceIgnore says which platform "ignore my requests" markers a container carries
// (translate/PLATFORMS.md §3.4). The injector copies them verbatim; package translate
// decides what they mean for a target.
type ResourceIgnore struct {
	// ACS is set by `__IGNORE_RESOURCE__=true`.
	ACS bool
	// ECI is set by `__ECI_RESOURCE_IGNORE__=TRUE`.
	ECI bool
}

// ResourceIgnoreOf reads the resource-ignore markers of a container. Values compare
// case-insensitively with "true": ACS documents `true`, ECI documents `TRUE`.
func ResourceIgnoreOf(c *corev1.Container) ResourceIgnore {
	var ri ResourceIgnore
	for _, e := range c.Env {
		if e.ValueFrom != nil || !equalFoldTrue(e.Value) {
			continue
		}
		switch e.Name {
		case EnvACSIgnoreResource:
			ri.ACS = true
		case EnvECIIgnoreResource:
			ri.ECI = true
		}
	}
	return ri
}

func equalFoldTrue(s string) bool {
	return len(s) == 4 && (s[0]|0x20) == 't' && (s[1]|0x20) == 'r' && (s[2]|0x20) == 'u' && (s[3]|0x20) == 'e'
}
