// Package workload finds the pod template inside a workload object and lets the
// injection engine change it without losing anything the engine does not own.
//
// It owns two things:
//
//   - the table of supported kinds and where each keeps its pod template
//     (Kinds, Lookup): core Pod, the apps and batch workloads, Kruise CloneSet /
//     Advanced StatefulSet / Advanced DaemonSet, openkruise/agents Sandbox /
//     SandboxSet / SandboxTemplate, kubernetes-sigs/agent-sandbox Sandbox /
//     SandboxTemplate and OpenSandbox Pool / BatchSandbox. The paths are declared
//     per GroupKind, never found by reflection, because CRD kinds are read as
//     unstructured objects and a wrong guess would inject into the wrong place;
//   - the lossless write-back (MergeLossless): a typed round trip through
//     corev1.Pod drops fields the Go types do not know (newer API fields, vendor
//     extensions), so the engine's result is merged three ways into the original
//     JSON instead of replacing it.
//
// The entry point is Mutate. It does not decide what to inject (package
// sidecarset does), read files or flatten `v1 List` documents (the CLI's
// manifest reader does), or build admission patches (the webhook adapter does,
// using MergeLossless).
package workload
