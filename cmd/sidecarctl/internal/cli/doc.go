// Package cli holds sidecarctl's cobra commands, one file per command, each with kubectl's
// Options pattern (Complete, Validate, Run) over IOStreams. Commands own flags, files and
// output; the engines (sidecarset, translate, binding, config) never see cobra.
//
// Where objects come from and where they go is shared: inputs.go (-f, -k, -l: files,
// kustomizations, label selection), state.go (--from, --from-cluster, the -f stream as state)
// and outputs.go (stdout, --output-dir, --in-place, all files or none). Exit status is 0, 1
// for what the input or Kruise refuses, 2 for a usage error (runCommand).
package cli
