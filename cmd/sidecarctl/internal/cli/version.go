package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

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
	info := versionInfo{Version: "(devel)", KruiseAPI: "unknown", KruiseBehaviour: []string{"v1.8", "v1.3"}}
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
	}
	if o.Output == "json" {
		enc := json.NewEncoder(o.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(info)
	}
	_, err := fmt.Fprintf(o.Out, "sidecarctl %s (%s, kruise-api %s; reproduces Kruise %s webhooks)\n",
		info.Version, info.GoVersion, info.KruiseAPI, "v1.8 and v1.3")
	return err
}
