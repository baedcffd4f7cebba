// Package translate compiles injection profiles (package config) into OpenKruise SidecarSets
// for one target platform, and applies the part of a profile a SidecarSet cannot express.
//
// It owns:
//   - Compile: one label-selected apps.kruise.io/v1alpha1 SidecarSet per profile, for the
//     `kruise` target (Kruise >= 1.7, Kubernetes >= 1.29: native sidecars as SidecarSet init
//     containers, `updateStrategy.type: NotUpdate`) or the `virtual-node` target (Alibaba
//     ECI/ACS virtual nodes, which run Kruise v1.3 SidecarSet features: native sidecars become
//     ordinary containers with the platform's sidecar env, the selector also requires a
//     virtual-node label);
//   - the platform the pods run on (Options.Platform: ECI, ACS, or regular nodes), on either
//     target: its rules follow the pod (ACS keeps the csi sidecars' hostPath volumes and
//     privileged containers and honours __IGNORE_RESOURCE__; ECI's limits are errors or
//     reported rewrites), and on the kruise target the SidecarSets also select its
//     create-time label, so Kruise's own webhook injects before scheduling. PlatformOf and
//     Options.ForWorkloads derive it from the labels of the workloads' templates;
//   - the app-container part (`mainContainer` env, volumeMounts, lifecycle.postStart, and the
//     profile's pod labels and annotations) as an AppPatch per profile, emitted in the
//     ConfigMap `sidecarctl-app-patches` that the sidecarctl injector reads, and applied to a
//     pod spec by ApplyAppPatch with openkruise/agents' merge rules;
//   - Stamp: for openkruise/agents Sandbox, SandboxSet and SandboxTemplate objects that declare
//     `spec.runtimes`, the selection labels and app patches go into the pod template and the
//     translated runtimes leave the spec, so nothing injects twice;
//   - StampProfiles: the same for named profiles and any workload kind package workload knows
//     (Deployment, agent-sandbox Sandbox, OpenSandbox Pool, ...). A profile only adds; what it
//     cannot express (pod-level fields, the app's command) stays in the template, and findings
//     say when the profile's sidecars need it (shareProcessNamespace, a wrapped command), and
//     when the template's platform label contradicts the platform compiled for.
//
// It does not load or render profiles (package config), inject SidecarSets into pods
// (package sidecarset), or check cross-namespace references (package binding).
//
// Every decision that changes or questions what the user wrote is a finding.Finding with a
// code defined in package finding; an error finding fails Compile. Output is deterministic:
// profiles, SidecarSets, AppPatches and findings are sorted.
//
// Entry points: Compile, with Options.ForWorkloads first when workloads are given; Stamp and
// StampProfiles on the Result. Reference: translate/PLATFORMS.md (sandbox workloads,
// openkruise/agents runtimes, virtual nodes) and sidecarset/BEHAVIOUR.md (Kruise; §5 for
// v1.3).
package translate
