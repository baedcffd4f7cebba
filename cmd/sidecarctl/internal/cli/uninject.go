package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/sidecarctl/sidecarctl/cmd/sidecarctl/internal/manifest"
	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/pipeline"
	"github.com/sidecarctl/sidecarctl/sidecarset"
)

// UninjectOptions holds `sidecarctl uninject` flags.
type UninjectOptions struct {
	IOStreams
	engineFlags
	clusterFlags
	inputFlags
	outputFlags
	Output string
	Quiet  bool

	flags *pflag.FlagSet
	opts  pipeline.Options
}

// injectOnlyFlags are inject's flags that say how to inject, not what the cluster holds:
// uninject hides them and refuses them.
func injectOnlyFlags() []string {
	return []string{"timestamp", "operation", "mirror-references", "profile"}
}

func newCmdUninject(streams IOStreams) *cobra.Command {
	return (&UninjectOptions{IOStreams: streams}).command()
}

func (o *UninjectOptions) command() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "uninject -f FILE|DIR|- | -k DIR [-l SELECTOR] [--from FILE|DIR ... | --from-cluster] [--output-dir DIR | --in-place]",
		Short: "Remove what SidecarSets injected from pods and workload manifests",
		Long: `Remove from the pods and pod templates of -f what SidecarSets injected: containers, init
containers, volumes, imagePullSecrets and Kruise's annotations, read from the bookkeeping Kruise
writes on every pod it injects. --from (or --from-cluster) gives the SidecarSets, admitted as
inject admits them, to check every sidecar against what its SidecarSet injects: a SidecarSet
whose sidecars were edited after injection is left in place and reported, and so is what
cannot be undone exactly. Without them, sidecars are removed by the annotations alone and
volumes, secrets and patched annotations are left. The report goes to stderr; nothing is
written to stdout on error.`,
		Example: `  sidecarctl uninject -f injected-pod.yaml --from sidecarsets.yaml
  kubectl get pod web-0 -o yaml | sidecarctl uninject -f - --from-cluster`,
		Args: noArgs,
		RunE: runCommand(o),
	}
	fs := cmd.Flags()
	fs.StringArrayVarP(&o.Filenames, "filename", "f", nil, "injected manifests: files, directories or '-' for stdin")
	fs.BoolVarP(&o.Recursive, "recursive", "R", false, "process directories of -f and --from recursively")
	fs.StringVarP(&o.Output, "output", "o", "yaml", "output format: yaml, json or name (kind.group/name per object, as kubectl -o name)")
	fs.BoolVarP(&o.Quiet, "quiet", "q", false, "do not print the report on stderr")
	o.inputFlags.addFlags(fs, "uninject only the objects it selects; the others pass through unchanged")
	o.outputFlags.addFlags(fs)
	o.engineFlags.addFlags(fs)
	o.clusterFlags.addFlags(fs)
	for _, name := range injectOnlyFlags() {
		_ = fs.MarkHidden(name)
	}
	o.flags = fs
	return cmd
}

// Complete turns flags into pipeline options, as inject's, so the state is the one injection
// read.
func (o *UninjectOptions) Complete() error {
	var err error
	o.opts, err = o.engineFlags.pipelineOptions(false)
	return err
}

// Validate checks the flags.
func (o *UninjectOptions) Validate() error {
	if err := o.inputFlags.validate(); err != nil {
		return err
	}
	if err := localPaths("--from", o.From...); err != nil {
		return err
	}
	if !o.inputFlags.given() {
		return errors.New("-f or -k is required: the manifests to uninject")
	}
	if o.Output != manifest.FormatYAML && o.Output != manifest.FormatJSON && o.Output != manifest.FormatName {
		return fmt.Errorf("--output must be yaml, json or name, not %q", o.Output)
	}
	if err := o.outputFlags.validate(&o.inputFlags, o.Output); err != nil {
		return err
	}
	for _, name := range injectOnlyFlags() {
		if o.flags != nil && o.flags.Changed(name) {
			return fmt.Errorf("--%s says how to inject; uninject does not take it", name)
		}
	}
	stdin := 0
	for _, p := range append(append([]string{}, o.Filenames...), o.From...) {
		if p == "-" {
			stdin++
		}
	}
	if stdin > 1 {
		return errors.New("'-' (stdin) can be given only once across -f and --from")
	}
	return nil
}

// Run uninjects every document and writes the result only when every object succeeded.
func (o *UninjectOptions) Run(ctx context.Context) error {
	st, docs, err := o.engineFlags.admitFor(ctx, o.opts, pipeline.Options.ForInjectedWorkloads, &o.clusterFlags, &o.inputFlags, o.In)
	if err != nil {
		return err
	}
	var report bytes.Buffer
	all := append(finding.List(nil), st.Findings()...)
	for i := range docs {
		if o.skips(docs[i].Object) {
			fmt.Fprintln(&report, o.notSelected(&docs[i]).Message)
			continue
		}
		res, err := st.UninjectObject(docs[i].Object)
		if err != nil {
			return fmt.Errorf("%s: %w", &docs[i], err)
		}
		if res.Changed() {
			docs[i].Raw = nil
		}
		writeUninjected(&report, res, pipeline.IsStateKind(docs[i].Object))
		all = append(all, res.Findings...)
	}
	writeStateFindings(&report, st.Findings())
	return writeResult(o.IOStreams, &o.outputFlags, docs, o.Output, &report, all, o.Quiet)
}

// writeUninjected writes one object's lines of the uninject report: what went per
// SidecarSet, what was left in place, then the findings.
func writeUninjected(w io.Writer, res *pipeline.UninjectObjectResult, stateKind bool) {
	if res.Pod == nil {
		if res.Outcome != finding.UnsupportedKind || !stateKind {
			fmt.Fprintln(w, res.Message)
		}
		return
	}
	var parts []string
	for _, r := range res.Pod.Removed {
		parts = append(parts, removalText(r))
	}
	line := "nothing to uninject (no SidecarSet recorded)"
	if len(parts) > 0 {
		line = "uninjected " + strings.Join(parts, ", ")
	}
	if len(res.Pod.Kept) > 0 {
		if len(parts) == 0 {
			line = "nothing uninjected"
		}
		line += "; left in place: " + strings.Join(res.Pod.Kept, ", ")
	}
	fmt.Fprintf(w, "%s: %s\n", res.Object, line)
	writeObjectFindings(w, res.Findings)
}

// removalText says what went for one SidecarSet: "name (container a; volumes b, c; ...)".
func removalText(r sidecarset.Removal) string {
	var what []string
	for _, g := range []struct {
		one, many string
		names     []string
	}{
		{"init container", "init containers", r.InitContainers},
		{"container", "containers", r.Containers},
		{"volume", "volumes", r.Volumes},
		{"imagePullSecret", "imagePullSecrets", r.ImagePullSecrets},
		{"annotation", "annotations", r.Annotations},
	} {
		switch len(g.names) {
		case 0:
		case 1:
			what = append(what, g.one+" "+g.names[0])
		default:
			what = append(what, g.many+" "+strings.Join(g.names, ", "))
		}
	}
	name := r.SidecarSet
	if name == "" {
		name = "unrecorded SidecarSets"
	}
	if len(what) == 0 {
		return name
	}
	return name + " (" + strings.Join(what, "; ") + ")"
}
