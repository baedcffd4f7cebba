package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sidecarctl/sidecarctl/cmd/sidecarctl/internal/manifest"
	"github.com/sidecarctl/sidecarctl/config"
	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/translate"
)

// TranslateOptions holds `sidecarctl translate` flags.
type TranslateOptions struct {
	IOStreams
	Profiles         string
	Settings         string
	Region           string
	Target           string
	VirtualNodeLabel string
	Platform         string
	HostPath         string
	AllowPrivileged  bool
	Namespace        string
	MainContainer    string
	AppPatchNS       string
	StampProfiles    []string
	Filenames        []string
	Recursive        bool
	Output           string
	Quiet            bool
	Strict           bool

	opts     translate.Options
	settings config.Settings
}

func newCmdTranslate(streams IOStreams) *cobra.Command {
	o := &TranslateOptions{IOStreams: streams}
	cmd := &cobra.Command{
		Use:   "translate --profiles FILE [--target kruise|virtual-node] [-f WORKLOADS]",
		Short: "Compile sandbox-injection-config profiles into label-selected SidecarSets (plus the app-container part)",
		Long: `translate compiles each profile of a sandbox-injection-config ConfigMap into one SidecarSet that
selects pods labelled runtime.sidecarctl.dev/<profile>: "true".

--target kruise (Kruise >= 1.7, Kubernetes >= 1.29) keeps native sidecars as SidecarSet init
containers; --target virtual-node (Kruise <= 1.3 features, ECI/ACS) turns them into ordinary
containers placed before the app, with the platform's sidecar env, and also selects on the
virtual-node label.

--platform eci|acs says where the pods run, on either target. With --target kruise the
SidecarSets then also select alibabacloud.com/eci or /acs, which pods carry from creation, so
Kruise's own webhook injects them before scheduling. The platform's rules apply on both targets:
ACS runs the csi sidecars' hostPath volumes and privileged containers (reported, kept); ECI
refuses them unless rewritten (--hostpath emptydir) or allowed (--allow-privileged). Without
--platform it comes from --virtual-node-label eci|acs, else from the labels of the -f templates
(alibabacloud.com/acs or /eci), else ECI on virtual nodes and regular nodes with Kruise.

A SidecarSet cannot change the app container (env, volumeMounts, postStart). Without -f that
part is written as the ConfigMap sidecarctl-system/sidecarctl-app-patches, which sidecarctl's
in-cluster injector applies; with -f it is applied to the pod templates of the workloads given,
whose runtimes (spec.runtimes) are replaced by the selection labels. Every SidecarSet says in its
sidecarctl.dev/app-part annotation where its app-container part went.

--profile NAME (repeatable, with -f) gives a profile to every workload of -f whatever its kind
(Deployment, agent-sandbox Sandbox, OpenSandbox Pool, ...), not only to objects that declare
spec.runtimes. A profile only adds to the pod template; what it cannot express (pod-level fields
such as shareProcessNamespace, the app's command) stays as the template has it, and the findings
on stderr say when the profile's sidecars need such a field.`,
		Example: `  sidecarctl translate --profiles sandbox-injection-config.yaml --region cn-hangzhou
  sidecarctl translate --profiles profiles.yaml --region cn-hangzhou --target virtual-node --hostpath emptydir
  sidecarctl translate --profiles sandbox-injection-config.yaml --region cn-hangzhou --target kruise --platform acs
  sidecarctl translate --profiles profiles.yaml --region cn-hangzhou -f sandboxset.yaml
  sidecarctl translate --profiles profiles.yaml --region cn-hangzhou --profile agent-runtime -f sandbox.yaml`,
		Args: noArgs,
		RunE: runCommand(o),
	}
	f := cmd.Flags()
	f.StringVar(&o.Profiles, "profiles", "", "the sandbox-injection-config ConfigMap (YAML or JSON; '-' for stdin)")
	f.StringVar(&o.Settings, "settings", "", "sidecarctl settings file (region, target, platform, mainContainer); flags override it")
	f.StringVar(&o.Region, "region", "", "region that replaces <region-id> in the profiles")
	f.StringVar(&o.Target, "target", "", "kruise (default) or virtual-node")
	f.StringVar(&o.VirtualNodeLabel, "virtual-node-label", "", "virtual-node target: the label the selector requires: virtual-node (ACK, set after scheduling), eci or acs (set at creation, for sidecarctl's own webhook)")
	f.StringVar(&o.Platform, "platform", "", "where the pods run: eci or acs (default: from --virtual-node-label, else from the -f templates' labels); with --target kruise the SidecarSets also select alibabacloud.com/<platform>")
	f.StringVar(&o.HostPath, "hostpath", "", "ECI/ACS: what to do with hostPath volumes: error, emptydir or keep (default: error on ECI, keep on ACS)")
	f.BoolVar(&o.AllowPrivileged, "allow-privileged", false, "ECI: accept privileged sidecars (ACS runs them without it)")
	f.StringVarP(&o.Namespace, "namespace", "n", "", "restrict every SidecarSet to this namespace (spec.namespace)")
	f.StringVar(&o.AppPatchNS, "app-patch-namespace", "", "namespace of the sidecarctl-app-patches ConfigMap (default sidecarctl-system; the namespace sidecarctl serve runs in)")
	f.StringVar(&o.MainContainer, "main-container", "", "the app container the app-container part goes to (default: the first container that is not a sidecar)")
	f.StringArrayVar(&o.StampProfiles, "profile", nil, "with -f: give this profile to every workload of -f, whatever its kind (repeatable)")
	f.StringArrayVarP(&o.Filenames, "filename", "f", nil, "workloads whose pod templates get the selection labels and the app-container part")
	f.BoolVarP(&o.Recursive, "recursive", "R", false, "process directories of -f recursively")
	f.StringVarP(&o.Output, "output", "o", "yaml", "output format: yaml or json")
	f.BoolVarP(&o.Quiet, "quiet", "q", false, "do not print the findings on stderr")
	f.BoolVar(&o.Strict, "strict", false, "make warnings that hide a mistake errors (a runtime no profile defines)")
	return cmd
}

// Complete merges the settings file and the flags into translate options.
func (o *TranslateOptions) Complete() error {
	if o.Settings != "" {
		data, err := os.ReadFile(o.Settings)
		if err != nil {
			return fmt.Errorf("--settings: %w", err)
		}
		if o.settings, err = config.LoadSettings(o.Settings, data); err != nil {
			return err
		}
	}
	if o.Region == "" {
		o.Region = o.settings.Region
	}
	if o.Target == "" {
		o.Target = o.settings.Target
	}
	if o.Platform == "" {
		o.Platform = o.settings.Platform
	}
	if o.MainContainer == "" {
		o.MainContainer = o.settings.MainContainer
	}
	var err error
	if o.opts.Target, err = translate.ParseTarget(o.Target); err != nil {
		return fmt.Errorf("--target: %w", err)
	}
	if o.opts.VirtualNodeLabel, err = translate.ParseVirtualNodeLabel(o.VirtualNodeLabel); err != nil {
		return fmt.Errorf("--virtual-node-label: %w", err)
	}
	if o.opts.Platform, err = translate.ParsePlatform(o.Platform); err != nil {
		return fmt.Errorf("--platform: %w", err)
	}
	if o.opts.HostPath, err = translate.ParseHostPathPolicy(o.HostPath); err != nil {
		return fmt.Errorf("--hostpath: %w", err)
	}
	o.opts.AllowPrivileged = o.AllowPrivileged
	o.opts.Namespace = o.Namespace
	o.opts.MainContainer = o.MainContainer
	o.opts.AppPatchNamespace = o.AppPatchNS
	return nil
}

// Validate checks the flags.
func (o *TranslateOptions) Validate() error {
	if err := localPaths("-f", o.Filenames...); err != nil {
		return err
	}
	if err := localPaths("--profiles", o.Profiles); err != nil {
		return err
	}
	if o.Profiles == "" {
		return errors.New("--profiles is required: the sandbox-injection-config ConfigMap")
	}
	if o.Output != manifest.FormatYAML && o.Output != manifest.FormatJSON {
		return fmt.Errorf("--output must be yaml or json, not %q", o.Output)
	}
	if len(o.StampProfiles) > 0 && len(o.Filenames) == 0 {
		return errors.New("--profile needs -f: the workloads to give the profiles to")
	}
	for _, f := range o.Filenames {
		if f == "-" && o.Profiles == "-" {
			return errors.New("'-' (stdin) can be given only once across --profiles and -f")
		}
	}
	return nil
}

// Run compiles, stamps the workloads if any, and writes everything only when all succeeded.
func (o *TranslateOptions) Run(context.Context) error {
	// Name the flag, as every command does, before the reads that name only the path.
	if err := pathsExist("--profiles", []string{o.Profiles}); err != nil {
		return err
	}
	if err := pathsExist("-f", o.Filenames); err != nil {
		return err
	}
	var data []byte
	var err error
	if o.Profiles == "-" {
		data, err = io.ReadAll(o.In)
	} else {
		data, err = os.ReadFile(o.Profiles)
	}
	if err != nil {
		return fmt.Errorf("--profiles: %w", err)
	}
	var docs []manifest.Document
	opts := o.opts
	if len(o.Filenames) > 0 {
		if docs, err = manifest.Read(o.Filenames, o.Recursive, o.In); err != nil {
			return err
		}
		// Without --platform the platform is the one the workloads' templates ask for
		// (alibabacloud.com/acs or /eci), so an ACS template gets ACS's conventions.
		objs := make([]*unstructured.Unstructured, len(docs))
		for i := range docs {
			objs[i] = docs[i].Object
		}
		if opts, err = opts.ForWorkloads(o.StampProfiles, objs...); err != nil {
			return fmt.Errorf("-f: %w", err)
		}
	}
	res, err := translate.CompileConfigMap(o.Profiles, data, o.Region, opts)
	if err != nil {
		return err
	}
	var names []string
	for _, p := range res.Profiles {
		names = append(names, p.Name)
	}
	for _, name := range o.StampProfiles {
		if _, ok := res.Profile(name); !ok {
			msg := fmt.Sprintf("--profile %s: %s has no such profile (it has %s)", name, o.Profiles, strings.Join(names, ", "))
			if near := finding.Closest(name, names); near != "" {
				msg += "; did you mean " + near + "?"
			}
			return errors.New(msg)
		}
	}
	var report bytes.Buffer
	strictErrors := 0
	writeFinding := func(f finding.Finding) {
		if o.Strict {
			f = f.Strict()
		}
		if f.Severity == finding.Error {
			strictErrors++
		}
		fmt.Fprintln(&report, f.String())
	}
	for _, f := range res.Findings {
		writeFinding(f)
	}
	objs, err := res.Objects()
	if err != nil {
		return err
	}
	var out bytes.Buffer
	if len(o.Filenames) == 0 {
		if err := manifest.Write(&out, objs, o.Output); err != nil {
			return err
		}
	} else {
		// The app-container part goes into the templates; the SidecarSets come first so that
		// `kubectl apply` creates them before the workloads' pods.
		var sets []manifest.Document
		for _, obj := range objs {
			if obj.GetKind() == "SidecarSet" {
				sets = append(sets, manifest.Document{Object: obj, Format: o.Output})
			}
		}
		stampedInto := map[string][]string{}
		for i := range docs {
			st, err := translate.StampProfiles(docs[i].Object, res, o.StampProfiles, translate.StampOptions{MainContainer: o.MainContainer})
			if err != nil {
				return fmt.Errorf("%s: %w", docs[i], err)
			}
			for _, f := range st.Findings {
				writeFinding(f)
			}
			if st.Changed {
				docs[i].Object, docs[i].Raw = st.Object, nil
			}
			for _, p := range st.Profiles {
				stampedInto[p] = append(stampedInto[p], docs[i].String())
			}
		}
		// With -f the app-container part went into those templates, and the AppPatch ConfigMap
		// is not printed: say so where the part is looked for.
		for _, d := range sets {
			profile := d.Object.GetLabels()[translate.LabelProfile]
			ann := d.Object.GetAnnotations()
			if _, has := ann[translate.AnnotationAppPart]; !has {
				continue
			}
			if where := stampedInto[profile]; len(where) > 0 {
				ann[translate.AnnotationAppPart] = "applied by `sidecarctl translate -f` to the pod templates of " + strings.Join(where, "; ")
			} else {
				ann[translate.AnnotationAppPart] = "not applied: no workload given with -f uses this profile; run translate without -f for the AppPatch ConfigMap"
			}
			d.Object.SetAnnotations(ann)
		}
		if err := manifest.WriteDocuments(&out, append(sets, docs...), o.Output); err != nil {
			return err
		}
	}
	if strictErrors > 0 {
		// --strict made warnings errors: nothing on stdout, the report says why.
		_, _ = io.Copy(o.ErrOut, &report)
		return fmt.Errorf("%d finding(s) are errors with --strict", strictErrors)
	}
	if _, err := io.Copy(o.Out, &out); err != nil {
		return err
	}
	if !o.Quiet {
		_, err = io.Copy(o.ErrOut, &report)
	}
	return err
}
