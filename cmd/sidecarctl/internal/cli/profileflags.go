package cli

import (
	"fmt"

	"github.com/spf13/pflag"

	"github.com/sidecarctl/sidecarctl/translate"
)

// profileFlags say how injection profiles given with --from are compiled and given to
// workloads: the same choices `translate` offers, so inject and translate agree.
type profileFlags struct {
	Profiles         []string
	Target           string
	Platform         string
	VirtualNodeLabel string
	HostPath         string
	Privileged       bool
	MainContainer    string
}

func (f *profileFlags) addFlags(fs *pflag.FlagSet) {
	fs.StringArrayVar(&f.Profiles, "profile", nil, "give this injection profile (from --from) to every workload of -f, whatever its kind (repeatable)")
	fs.StringVar(&f.Target, "target", "", "compile profiles for kruise or virtual-node (default: virtual-node with --kruise-version 1.3, else kruise)")
	fs.StringVar(&f.Platform, "platform", "", "profiles: eci or acs sidecar conventions (default: from the pods' alibabacloud.com/acs or alibabacloud.com/eci label)")
	fs.StringVar(&f.VirtualNodeLabel, "virtual-node-label", "", "profiles, virtual-node target: the label the selector requires: virtual-node, eci or acs")
	fs.StringVar(&f.HostPath, "hostpath", "", "profiles on virtual nodes: what to do with hostPath volumes: error (ECI's default), emptydir or keep (ACS's default)")
	fs.BoolVar(&f.Privileged, "virtual-node-privileged", false, "profiles on virtual nodes: accept privileged sidecars (ECI and ACS grant them by exemption); unrelated to --allow-privileged, which is kruise-manager's")
	fs.StringVar(&f.MainContainer, "main-container", "", "the app container profiles' app-container part goes to (default: the first container that is not a sidecar)")
}

// options are the translate options the flags describe.
func (f *profileFlags) options() (translate.Options, error) {
	var o translate.Options
	var err error
	if f.Target != "" {
		if o.Target, err = translate.ParseTarget(f.Target); err != nil {
			return o, fmt.Errorf("--target: %w", err)
		}
	}
	// Unset stays unset: translate then derives the label and the platform from each other.
	if f.VirtualNodeLabel != "" {
		if o.VirtualNodeLabel, err = translate.ParseVirtualNodeLabel(f.VirtualNodeLabel); err != nil {
			return o, fmt.Errorf("--virtual-node-label: %w", err)
		}
	}
	if o.Platform, err = translate.ParsePlatform(f.Platform); err != nil {
		return o, fmt.Errorf("--platform: %w", err)
	}
	if o.HostPath, err = translate.ParseHostPathPolicy(f.HostPath); err != nil {
		return o, fmt.Errorf("--hostpath: %w", err)
	}
	o.AllowPrivileged = f.Privileged
	o.MainContainer = f.MainContainer
	return o, nil
}
