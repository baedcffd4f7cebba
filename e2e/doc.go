// Package e2e runs sidecarctl against a real kube-apiserver and etcd started
// by controller-runtime's envtest. No fake clients: every object goes through
// the API server, its CRD validation and its storage.
//
// It owns the test control plane and the CRDs it installs
// (the SidecarSetResourceBinding CRD embedded in binding/crd, and the
// SidecarSet CRD in testdata/crd generated from kruise-api). It does not own
// the binaries: e2e/assets.sh builds kube-apiserver and etcd from the Go
// module proxy, because envtest's download site is not reachable everywhere.
//
// TestFault (fault_test.go) starts a control plane of its own, so that stopping its API
// server disturbs no other test, and runs two serve replicas behind a loopback balancer
// (fault_lb_test.go) under a bounded pod load (fault_load_test.go).
//
// Entry point: `go test ./e2e` with KUBEBUILDER_ASSETS naming the directory
// assets.sh printed. Without it the tests skip, unless SIDECARCTL_E2E is set,
// in which case the missing control plane fails the run (CI sets it so that
// a broken asset build cannot pass as a skip).
package e2e

//go:generate ./gen-kruise-crd.sh
