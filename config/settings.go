package config

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// SettingsAPIVersion and SettingsKind identify a settings file. Both are optional in the file;
// when present they must have these values, so a settings file is never confused with a
// Kubernetes manifest.
const (
	SettingsAPIVersion = "sidecarctl.dev/v1alpha1"
	SettingsKind       = "Settings"
)

// Settings are the per-cluster choices a profile set is rendered and compiled with. The CLI
// fills them from a settings file (LoadSettings) and lets flags override each field.
//
//	apiVersion: sidecarctl.dev/v1alpha1   # optional
//	kind: Settings                        # optional
//	region: cn-hangzhou                   # replaces <region-id>
//	target: virtual-node                  # default translate target
//	platform: acs                         # where the cluster's pods run: eci or acs
//	mainContainer: sandbox                # default: containers[0]
type Settings struct {
	APIVersion string `json:"apiVersion,omitempty"`
	Kind       string `json:"kind,omitempty"`
	// Region replaces `<region-id>` in profiles (Render).
	Region string `json:"region,omitempty"`
	// Target is the default translate target. Package translate validates the value, because
	// it owns the list of targets.
	Target string `json:"target,omitempty"`
	// Platform is where the pods run (eci or acs), for clusters whose workloads do not say it
	// by label. Package translate validates the value, because it owns the list of platforms.
	Platform string `json:"platform,omitempty"`
	// MainContainer names the container the app-container part goes to; empty means
	// containers[0], as in openkruise/agents.
	MainContainer string `json:"mainContainer,omitempty"`
}

// LoadSettings strictly decodes a settings file (YAML or JSON). source names the file in errors.
func LoadSettings(source string, data []byte) (Settings, error) {
	var s Settings
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		return s, fmt.Errorf("%s: %w", source, err)
	}
	if string(js) == "null" {
		return s, nil
	}
	strict, err := kjson.UnmarshalStrict(js, &s)
	if err != nil {
		return s, fmt.Errorf("%s: %w", source, err)
	}
	if len(strict) > 0 {
		return s, fmt.Errorf("%s: %w", source, strictErrors(strict))
	}
	if s.APIVersion != "" && s.APIVersion != SettingsAPIVersion {
		return s, fmt.Errorf("%s: apiVersion: want %s, got %q", source, SettingsAPIVersion, s.APIVersion)
	}
	if s.Kind != "" && s.Kind != SettingsKind {
		return s, fmt.Errorf("%s: kind: want %s, got %q", source, SettingsKind, s.Kind)
	}
	if s.Region != "" && !regionID.MatchString(s.Region) {
		return s, fmt.Errorf("%s: region: %q is not a region id such as cn-hangzhou", source, s.Region)
	}
	if s.MainContainer != "" {
		if msgs := validation.IsDNS1123Label(s.MainContainer); len(msgs) > 0 {
			return s, fmt.Errorf("%s: mainContainer: %q: %s", source, s.MainContainer, msgs[0])
		}
	}
	return s, nil
}
