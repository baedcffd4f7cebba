// Package server is sidecarctl's in-cluster side (`sidecarctl serve`): a controller-runtime
// manager whose webhooks go through the same pipeline as the CLI (package pipeline). The pod
// mutating webhook runs pipeline.State.InjectPod (profile app patches, SidecarSet injection,
// the binding check and the mirror rewrite) and answers with a JSON patch that only adds what
// injection owns; the SidecarSet validating webhook runs pipeline.State.ValidateSidecarSet;
// the SidecarSet mutating webhook runs sidecarset.Default; the binding webhook runs
// binding.ValidateBinding. The state is a Snapshot: the manager's cache, admitted by the
// pipeline as stored, updated in the background when a watched object changes (incrementally
// for SidecarSets) and swapped in atomically, so admissions never build it; the webhook
// configuration sync and the mirror controller run when a new state is swapped in.
package server
