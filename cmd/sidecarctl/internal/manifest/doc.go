// Package manifest reads and writes the Kubernetes manifests sidecarctl works
// on, with kubectl's -f conventions.
//
// Read takes files, directories (.yaml, .yml and .json files, sorted, with
// optional recursion) and "-" for stdin, splits multi-document YAML and JSON
// streams, flattens lists (`v1 List` and typed `XxxList`) and tags every object
// with where it came from, so errors can name the file, the document and the
// object. Write prints objects as YAML documents or as JSON (one object as
// itself, several as a `v1 List`), deterministically; WriteDocuments also
// reprints untouched YAML documents byte for byte.
//
// Kustomize builds a kustomization in process (kubectl -k), refusing remote bases first, and
// tags its documents "kustomize build DIR".
//
// The package does not decide what an object is for (SidecarSet, Namespace,
// workload): the commands do. It does not buffer for the caller either: a
// command writes into a buffer and copies it to stdout only when everything
// succeeded, so nothing is half-written.
package manifest
