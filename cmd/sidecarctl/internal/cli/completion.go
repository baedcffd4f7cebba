package cli

import (
	"github.com/spf13/cobra"

	"github.com/sidecarctl/sidecarctl/sidecarset"
)

// completeFlagValues registers shell completion for the flags of cmd whose values are a
// fixed set: what a user would otherwise look up in --help.
func completeFlagValues(cmd *cobra.Command) {
	versions := []string{}
	for _, v := range sidecarset.Releases() {
		versions = append(versions, string(v))
	}
	gates := []string{}
	for _, g := range sidecarset.KnownFeatureGates() {
		gates = append(gates, g+"=true", g+"=false")
	}
	values := map[string][]string{
		"kruise-version":     versions,
		"target":             {"kruise", "virtual-node"},
		"platform":           {"eci", "acs"},
		"hostpath":           {"error", "emptydir", "keep"},
		"virtual-node-label": {"virtual-node", "eci", "acs"},
		"operation":          {"CREATE", "UPDATE"},
		"feature-gates":      gates,
		"mode":               {"standalone", "kruise"},
		"timestamp":          {"now", defaultTimestamp},
	}
	for name, vals := range values {
		if cmd.Flags().Lookup(name) == nil {
			continue
		}
		_ = cmd.RegisterFlagCompletionFunc(name, cobra.FixedCompletions(vals, cobra.ShellCompDirectiveNoFileComp))
	}
}

// completeOutput registers the output formats a command accepts.
func completeOutput(cmd *cobra.Command, formats ...string) {
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(formats, cobra.ShellCompDirectiveNoFileComp))
}
