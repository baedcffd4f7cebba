package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sidecarctl/sidecarctl/sidecarset"
)

// buildVersion is stamped by the Makefile at link time (-X ...cli.buildVersion=$(git describe
// --tags --always --dirty)); empty means a plain `go build`, and the module or VCS information
// Go records is used instead.
var buildVersion string

// VersionOptions holds `sidecarctl version` flags.
type VersionOptions struct {
	IOStreams
	Output string
}

// versionInfo says what this build is and which Kruise behaviours it reproduces.
type versionInfo struct {
	Version         string   `json:"version"`
	GoVersion       string   `json:"goVersion"`
	KruiseAPI       string   `json:"kruiseAPI"`
	KruiseBehaviour []string `json:"kruiseBehaviour"`
}

func newCmdVersion(streams IOStreams) *cobra.Command {
	o := &VersionOptions{IOStreams: streams}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the sidecarctl version and the Kruise behaviours it reproduces",
		Args:  noArgs,
		RunE:  runCommand(o),
	}
	cmd.Flags().StringVarP(&o.Output, "output", "o", "", "output format: '' (text) or json")
	return cmd
}

// Complete has nothing to fill in.
func (o *VersionOptions) Complete() error { return nil }

// Validate checks the flags.
func (o *VersionOptions) Validate() error {
	if o.Output != "" && o.Output != "json" {
		return fmt.Errorf("--output must be empty or json, not %q", o.Output)
	}
	return nil
}

// Run prints the version.
func (o *VersionOptions) Run(context.Context) error {
	info := versionInfo{Version: "(devel)", KruiseAPI: "unknown", KruiseBehaviour: emulatedReleases()}
	if bi, ok := debug.ReadBuildInfo(); ok {
		info.GoVersion = bi.GoVersion
		if bi.Main.Version != "" {
			info.Version = bi.Main.Version
		}
		for _, dep := range bi.Deps {
			if dep.Path == "github.com/openkruise/kruise-api" {
				info.KruiseAPI = dep.Version
			}
		}
		if info.Version == "(devel)" {
			info.Version = vcsVersion(bi.Settings)
		}
	}
	if buildVersion != "" {
		info.Version = buildVersion
	}
	if o.Output == "json" {
		enc := json.NewEncoder(o.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(info)
	}
	_, err := fmt.Fprintf(o.Out, "sidecarctl %s (%s, kruise-api %s; reproduces Kruise %s webhooks)\n",
		info.Version, info.GoVersion, info.KruiseAPI, strings.Join(info.KruiseBehaviour, ", "))
	return err
}

// vcsVersion is the commit Go recorded at build (with -dirty for uncommitted changes), or
// "(devel)" without VCS information.
func vcsVersion(settings []debug.BuildSetting) string {
	rev, dirty := "", false
	for _, s := range settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "(devel)"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "-dirty"
	}
	return rev
}

// emulatedReleases are the Kruise releases whose webhooks sidecarctl reproduces, oldest first
// ("v1.3", ..., "v1.8"), from sidecarset's list.
func emulatedReleases() []string {
	var out []string
	for _, v := range sidecarset.Releases() {
		out = append(out, "v"+string(v))
	}
	return out
}
