// Package migrate turns sidecars written by hand into workload templates into proposed
// SidecarSets (`sidecarctl migrate`): the same container (by name and image) in several
// workloads, or the containers named by Options.Containers, becomes one SidecarSet per
// sidecar, selecting the pod templates by the labels they share or by a label stamped on
// them, with the SidecarSetResourceBindings its namespace/name references need, and the
// workloads lose the sidecar and the volumes only it used.
//
// A proposal is proven by a round trip through the one pipeline (pipeline.Admit of the
// proposed SidecarSets and bindings as files, then pipeline.State.InjectObject of every
// workload): injecting must give back each original pod template, apart from Kruise's
// bookkeeping (the kruise.io/sidecarset-* annotations and the IS_INJECTED env var, see the
// README's "uninject"), the stamped label, and the order of volumes, which are keyed by name.
// Whatever one SidecarSet cannot reproduce for a workload (a field of the sidecar that
// differs from the other workloads', a placement podInjectPolicy cannot give, anything the
// round trip does not give back) keeps that sidecar in that workload and is reported per
// field, with the field path in the workload; nothing is dropped.
//
// The package is pure, as the engine packages are: API objects in, API objects and findings
// out. Reading files and writing the stream stays in cmd/sidecarctl.
package migrate
