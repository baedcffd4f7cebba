package pipeline

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/sidecarset"
	"github.com/sidecarctl/sidecarctl/translate"
)

// Trust says how state objects are admitted.
type Trust int

const (
	// Files: objects a user wrote. SidecarSets go through Kruise's defaulting and validation
	// in creation order, as when they are created in a cluster with Kruise.
	Files Trust = iota
	// Stored: objects read from a cluster, where Kruise's webhooks already ran; they are taken
	// as stored, as Kruise's informer cache holds them. A SidecarSet without hash annotations
	// (stored before any defaulting webhook ran) is defaulted, as nobody else will.
	Stored
)

// Options configure one pipeline.
type Options struct {
	// Engine is the Kruise installation reproduced: version, feature gates,
	// --allow-privileged, the hash timestamp, and whether the fields Kruise loses are lost
	// (--kruise-exact).
	Engine sidecarset.Options
	Trust  Trust
	// KeepGoing admits the other SidecarSets when one is refused (check) and reports the
	// refusal as a finding; without it Admit fails on the first refusal (inject).
	KeepGoing bool
	// Region renders <region-id> in injection profiles.
	Region string
	// Translate are the profile compile options: target, platform, hostPath policy, the
	// virtual-node privilege exemption, the main container. An empty Target follows the
	// Kruise version: virtual-node for 1.3 (what virtual nodes run), kruise otherwise.
	Translate translate.Options
	// Profiles are given to every workload, whatever its kind (--profile).
	Profiles []string
	// SkipSidecarSets leaves SidecarSet injection to Kruise's own webhook (serve in
	// Kruise mode): only profiles' app-container parts and rewrites apply.
	SkipSidecarSets bool
	// MirrorReferences rewrites authorized namespace/name references of regular-node pods
	// to the mirrors in the pod's namespace, as serve's mirror controller keeps them.
	MirrorReferences bool
	// Strict turns the warnings that hide a user's mistake into errors.
	Strict bool
}

// grade applies Strict to a finding.
func (o Options) grade(f finding.Finding) finding.Finding {
	if o.Strict {
		return f.Strict()
	}
	return f
}

// translateOptions returns the compile options for profiles.
func (o Options) translateOptions() translate.Options {
	t := o.Translate
	if t.Target == "" {
		t.Target = translate.Kruise
		if sidecarset.CapabilitiesOf(o.Engine.Version).VirtualNodeFeatures {
			t.Target = translate.VirtualNode
		}
	}
	return t
}

// ForWorkloads returns o with the profiles' platform taken from the workloads that get them,
// when no option says it: a template labelled alibabacloud.com/acs gets ACS's conventions,
// alibabacloud.com/eci ECI's (translate.Options.ForWorkloads). Workloads that disagree are an
// error naming two of them.
func (o Options) ForWorkloads(objs ...*unstructured.Unstructured) (Options, error) {
	t, err := o.translateOptions().ForWorkloads(o.Profiles, objs...)
	if err != nil {
		return o, err
	}
	o.Translate = t
	return o, nil
}
