package cli

import (
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sidecarctl/sidecarctl/cmd/sidecarctl/internal/manifest"
	"github.com/sidecarctl/sidecarctl/config"
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
	if cmd.Flags().Lookup("profile") != nil {
		_ = cmd.RegisterFlagCompletionFunc("profile", completeProfiles)
	}
}

// completeProfiles offers the profiles of the injection-profile ConfigMaps (config.ConfigMapName)
// in the files already typed with --from, or with -f when there is no --from (-f's state
// objects are the state then). Files that cannot be read offer nothing: a completion has no way
// to report an error, and the command itself will.
func completeProfiles(cmd *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
	paths, _ := cmd.Flags().GetStringArray("from")
	if len(paths) == 0 {
		paths, _ = cmd.Flags().GetStringArray("filename")
	}
	var names []string
	for _, path := range paths {
		if path == "-" {
			continue
		}
		docs, err := manifest.Read([]string{path}, false, nil)
		if err != nil {
			continue
		}
		for _, obj := range manifest.Objects(docs) {
			if obj.GetKind() != "ConfigMap" || obj.GetName() != config.ConfigMapName {
				continue
			}
			data, _ := obj.Object["data"].(map[string]any)
			for key := range data {
				if strings.HasPrefix(key, prefix) {
					names = append(names, key)
				}
			}
		}
	}
	sort.Strings(names)
	return names, cobra.ShellCompDirectiveNoFileComp
}

// completeOutput registers the output formats a command accepts.
func completeOutput(cmd *cobra.Command, formats ...string) {
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(formats, cobra.ShellCompDirectiveNoFileComp))
}
