// Package manifest reads and writes the Kubernetes manifests sidecarctl works
// on, with kubectl's -f conventions.
//
// Read takes files, directories (.yaml, .yml and .json files, sorted, with
// optional recursion) and "-" for stdin, splits multi-document YAML and JSON
// streams, flattens lists (`v1 List` and typed `XxxList`) and tags every object
// with where it came from, so errors can name the file, the document and the
// object. Write prints objects as YAML documents or as JSON (one object as
// itself, several as a `v1 List`), deterministically.
//
// WriteDocuments and RenderDocument write documents read by Read as a hand
// edit of their source would read: an untouched YAML document is its bytes as
// read; a changed one is its source's node tree (kyaml, go.yaml.in/yaml/v3)
// with only what changed edited in (edit.go), so comments, key order, quoting,
// flow style, anchors, line endings and the exact text of numbers stay, and
// new keys go where Kubernetes' field order (the Go types', order.go) puts
// them among the keys already there.
//
// Kustomize builds a kustomization in process (kubectl -k), refusing remote bases first, and
// tags its documents "kustomize build DIR".
//
// The package does not decide what an object is for (SidecarSet, Namespace,
// workload): the commands do. It does not decide when output is final either:
// a command that must write all or nothing writes into a buffer.
package manifest
