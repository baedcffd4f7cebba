// Package server is sidecarctl's in-cluster side (`sidecarctl serve`): a controller-runtime
// manager whose webhooks call the same engines as the CLI. The pod mutating webhook runs
// injector.Injector (profile app patches, then sidecarset.Inject) and answers with a JSON
// patch that only adds what injection owns; the SidecarSet webhooks run sidecarset.Default and
// sidecarset.Validate plus binding.Check; the binding webhook runs binding.ValidateBinding.
// The cluster state those engines read is a Snapshot rebuilt from the manager's cache when
// a watched object changes.
package server
