// Package cli holds sidecarctl's cobra commands, one file per command, each with kubectl's
// Options pattern (Complete, Validate, Run) over IOStreams. Commands own flags, files and
// output; the engines (sidecarset, translate, binding, config) never see cobra.
package cli
