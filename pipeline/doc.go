// Package pipeline is sidecarctl's one admission pipeline: every command (inject, explain,
// check, bindings) and the pod and SidecarSet validating webhooks go through it, so the same
// input gets the same answer on every path. The two webhooks that need no cluster state (the
// SidecarSet defaulting webhook, the binding validating webhook) call the very functions
// admission calls: sidecarset.Mutate and binding.ValidateBinding.
//
// It has two steps:
//
//   - Admit takes the cluster state (SidecarSets, Namespaces, ConfigMaps, bindings,
//     ControllerRevisions) with an explicit Trust: objects a user wrote (Files) are defaulted
//     and validated in creation order, as Kruise's webhooks would; objects read from a cluster
//     (Stored) are taken as stored, as Kruise's cache holds them. Injection profiles
//     (sandbox-injection-config) are rendered and compiled here, once, for the Kruise version
//     and platform the options say, and their SidecarSets join the others. State.With
//     takes a Stored state to the one Admit would build after some SidecarSets changed,
//     admitting only those (serve's webhook, whose cluster changes one SidecarSet at a time).
//   - State.InjectObject / State.InjectPod take one workload or pod and run, in order: giving
//     profiles to the objects that declare them (spec.runtimes, or Options.Profiles), the
//     profiles' app-container part, Kruise's SidecarSet injection (package sidecarset), the
//     binding check of what was injected, and, when Options.MirrorReferences is set, the
//     rewrite of authorized namespace/name references to the mirrors in the pod's namespace.
//
// Every step reports findings of package finding; a refusal is attributed to the SidecarSet
// that caused it. The package is pure: it takes API objects and returns API objects plus
// decisions. Reading files, clusters and HTTP requests stays in cmd/sidecarctl.
package pipeline
