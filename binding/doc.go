// Package binding checks and generates SidecarSetResourceBindings: the
// authorization ACK requires before a SidecarSet may reference a ConfigMap or
// Secret of another namespace as `<namespace>/<name>`.
//
// It owns pure functions over API types, which the CLI (`sidecarctl
// check`, `sidecarctl bindings`) and the in-cluster webhooks call:
//
//   - References lists every `<namespace>/<name>` reference a SidecarSet
//     makes (volumes, projected sources, env and envFrom of containers and
//     init containers), with its field path; malformed values are included.
//   - Check decides, for each reference, whether a binding authorizes it, and
//     returns Findings with reason codes, severities and the binding that
//     would allow an unauthorized reference; Unauthorized keeps only the
//     errors, the findings that refuse a SidecarSet.
//   - Minimal generates the least-privilege bindings a set of SidecarSets
//     needs.
//
// ValidateBinding validates a binding object itself. For pods on regular
// nodes, whose kubelet cannot resolve `<namespace>/<name>`, MirrorName names
// the copy of a shared object in another namespace and RewriteToMirrors
// points a pod's granted references at those copies, returning each Rewrite
// so callers can report it.
//
// It does not read files, decode manifests, talk to a cluster or copy
// objects between namespaces: decoding is the caller's job (register
// v1alpha1.AddToScheme), and copying belongs to the in-cluster injector.
//
// The rules follow ACK's documentation of SidecarSets on virtual nodes (see
// binding/BINDINGS.md §1 and §2; the virtual-node labels are in
// translate/PLATFORMS.md §3.1): a binding lives in the namespace of the
// objects it shares, names SidecarSets as subjects and ConfigMaps/Secrets as
// resource refs, and only virtual nodes resolve `<namespace>/<name>`; a
// regular kubelet looks for an object with a slash in its name and fails the
// mount.
//
// The API types are in binding/v1alpha1, the generated CRD manifest in
// binding/crd.
package binding
