// Package manifests holds sidecarctl's deployment as kustomize directories (base, the default
// Kruise-mode overlay, and without-kruise) and renders them with kustomize's own library, so
// `sidecarctl install` and `kubectl apply -k config/manifests` produce the same objects.
package manifests
