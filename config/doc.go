// Package config loads sidecarctl's injection profiles and settings.
//
// It owns the `sandbox-injection-config` ConfigMap format that openkruise/agents and the ACS
// add-on use (one data key per profile, each value a JSON document with `mainContainer`,
// `csiSidecar`, `volume`, and for the generic path `initContainers`, `containers`,
// `annotations`, `labels`), strict decoding of that format into corev1 types, rendering of
// documentation placeholders such as `<region-id>`, and the small sidecarctl settings file.
//
// It does not own what a profile becomes: package translate compiles a ProfileSet into
// SidecarSets and app-container patches. It does not read files either: callers pass bytes
// plus a source name that every error message carries.
//
// Entry points: LoadProfiles, then Render (with Settings from LoadSettings or flags).
// Every load error names the source, the ConfigMap, the profile key and the JSON field path,
// for example:
//
//	profiles.yaml: ConfigMap sandbox-system/sandbox-injection-config: data[csi]: csiSidecar[0].imagee: unknown field
//
// Nothing a user wrote is dropped silently: an unknown field is an error, and a field of
// `mainContainer` that the injector cannot apply (image, command, resources, ...) is an error
// too, because the upstream injector would ignore it without a word.
package config
