package binding

// The deepcopy functions of v1alpha1 and the CRD manifest in crd/ are
// generated from the types and their kubebuilder markers. Run
// `go generate ./binding/...` after changing v1alpha1/types.go and commit
// both outputs; crd_test.go checks the manifest the CLI and e2e embed.
//
// controller-gen is pinned so that regenerating is reproducible; `go run
// pkg@version` fetches it through the module proxy without touching go.mod.

//go:generate go run sigs.k8s.io/controller-tools/cmd/controller-gen@v0.23.0 object paths=./v1alpha1/...
//go:generate go run sigs.k8s.io/controller-tools/cmd/controller-gen@v0.23.0 crd paths=./v1alpha1/... output:crd:artifacts:config=crd
