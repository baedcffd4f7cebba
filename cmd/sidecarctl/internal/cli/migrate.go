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
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/sidecarctl/sidecarctl/cmd/sidecarctl/internal/manifest"
	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/migrate"
	"github.com/sidecarctl/sidecarctl/pipeline"
)

// MigrateOptions holds `sidecarctl migrate` flags.
type MigrateOptions struct {
	IOStreams
	engineFlags
	inputFlags
	Containers []string
	Label      string
	Output     string
	Namespace  string
	Quiet      bool

	flags *pflag.FlagSet
	opts  migrate.Options
}

// migrateRefusedFlags are the engine flags migrate cannot use: it reads no cluster state
// (--from), the round trip reproduces Kruise exactly (--kruise-exact) and strips what
// injection records (--timestamp, revisions), and it injects no profile. They are hidden,
// and refused when given.
func migrateRefusedFlags() []string {
	return []string{"from", "timestamp", "operation", "region", "mirror-references", "kruise-exact", "record-revisions",
		"skip-sidecarset-defaulting", "skip-sidecarset-validation",
		"profile", "target", "platform", "virtual-node-label", "hostpath", "virtual-node-privileged", "main-container"}
}

func newCmdMigrate(streams IOStreams) *cobra.Command {
	o := &MigrateOptions{IOStreams: streams}
	cmd := &cobra.Command{
		Use:   "migrate -f FILE|DIR|- | -k DIR [-l SELECTOR] [--container NAME ...] [--label key=value]",
		Short: "Propose SidecarSets for sidecars written by hand into workloads, proven by a round trip",
		Long: `Find the sidecars written by hand into the pod templates of -f and -k (a container with the same name
and image in several workloads, or the containers named by --container) and propose one
SidecarSet per sidecar: placed as the workloads place it, with the volumes only it uses,
selecting the templates by the labels they share (or a label stamped on them, --label), and the
SidecarSetResourceBindings its namespace/name references need. stdout gets the proposed objects,
then every object of -f and -k, migrated. The proposal is proven by a round trip through the injection
pipeline: injecting it into the migrated workloads gives back the original templates, apart
from Kruise's bookkeeping. A sidecar that cannot round-trip in a workload stays there, and the
report (stderr) names each field; --strict then fails the command (exit 1, nothing on stdout).`,
		Example: `  sidecarctl migrate -f deployments/ -R
  sidecarctl migrate -f echo-server.yaml --container filebeat --label logging=filebeat`,
		Args: noArgs,
		RunE: runCommand(o),
	}
	fs := cmd.Flags()
	fs.StringArrayVarP(&o.Filenames, "filename", "f", nil, "workloads with hand-written sidecars: files, directories or '-' for stdin")
	fs.BoolVarP(&o.Recursive, "recursive", "R", false, "process directories of -f recursively")
	fs.StringArrayVar(&o.Containers, "container", nil, "migrate the containers of this name, even from one workload (repeatable); default: every container two workloads carry with the same name and image")
	fs.StringVar(&o.Label, "label", "", "key=value the SidecarSets select, stamped on the migrated templates; default: the labels the templates share when they select no other template, else sidecar.sidecarctl.dev/<container>=true")
	fs.StringVarP(&o.Output, "output", "o", "yaml", "output format: yaml or json")
	fs.StringVarP(&o.Namespace, "namespace", "n", "default", "namespace of objects that have none")
	fs.BoolVarP(&o.Quiet, "quiet", "q", false, "do not print the report on stderr")
	o.inputFlags.addFlags(fs, "migrate sidecars only from the workloads it selects; the others pass through unchanged, and the round trip proves the proposal injects nothing into them")
	o.engineFlags.addFlags(fs)
	fs.Lookup("strict").Usage = "fail (exit 1, nothing on stdout) when a sidecar cannot round-trip in some workload"
	hideFlags(fs, migrateRefusedFlags())
	o.flags = fs
	return cmd
}

// Complete turns flags into migrate options.
func (o *MigrateOptions) Complete() error {
	engine, err := o.engineFlags.options()
	if err != nil {
		return err
	}
	o.opts = migrate.Options{Containers: o.Containers, Namespace: o.Namespace, Only: o.inputFlags.selects,
		Pipeline: pipeline.Options{Engine: engine, Trust: pipeline.Files}}
	if o.Label != "" {
		k, v, ok := strings.Cut(o.Label, "=")
		if !ok {
			return fmt.Errorf("--label %q: want key=value", o.Label)
		}
		o.opts.LabelKey, o.opts.LabelValue = k, v
	}
	return nil
}

// Validate checks the flags.
func (o *MigrateOptions) Validate() error {
	if err := o.inputFlags.validate(); err != nil {
		return err
	}
	if !o.inputFlags.given() {
		return errors.New("-f or -k is required: the workloads to migrate")
	}
	if err := refusedFlag(o.flags, migrateRefusedFlags(),
		"migrate does not take it (it reads no cluster state, and its round trip reproduces Kruise exactly)"); err != nil {
		return err
	}
	if o.Output != manifest.FormatYAML && o.Output != manifest.FormatJSON {
		return fmt.Errorf("--output must be yaml or json, not %q", o.Output)
	}
	if o.Label != "" {
		if errs := validation.IsQualifiedName(o.opts.LabelKey); len(errs) > 0 {
			return fmt.Errorf("--label %s: key: %s", o.Label, strings.Join(errs, "; "))
		}
		if errs := validation.IsValidLabelValue(o.opts.LabelValue); len(errs) > 0 {
			return fmt.Errorf("--label %s: value: %s", o.Label, strings.Join(errs, "; "))
		}
	}
	for _, c := range o.Containers {
		if errs := validation.IsDNS1123Label(c); len(errs) > 0 {
			return fmt.Errorf("--container %q: %s", c, strings.Join(errs, "; "))
		}
	}
	return nil
}

// Run plans the migration and writes the proposal, then the workloads.
func (o *MigrateOptions) Run(_ context.Context) error {
	docs, err := o.inputFlags.read(o.In)
	if err != nil {
		return err
	}
	if len(docs) == 0 {
		return fmt.Errorf("%s: no objects to work on", o.inputFlags.describe())
	}
	res, err := migrate.Plan(items(docs), o.opts)
	if err != nil {
		return err
	}
	proposed, err := res.Objects()
	if err != nil {
		return err
	}
	out := make([]manifest.Document, 0, len(proposed)+len(docs))
	for _, obj := range proposed {
		out = append(out, manifest.Document{Object: obj, Format: o.Output})
	}
	for i, w := range res.Workloads {
		if w.Changed {
			docs[i].Object, docs[i].Raw = w.Object, nil
		}
		out = append(out, docs[i])
	}
	var report bytes.Buffer
	writeMigrateReport(&report, res)
	all := append(finding.List(nil), res.Findings...)
	for _, w := range res.Workloads {
		all = append(all, w.Findings...)
	}
	if o.engineFlags.Strict && !res.RoundTrips() {
		_, _ = io.Copy(o.ErrOut, &report)
		return errors.New("--strict: some sidecars cannot round-trip (see the findings above)")
	}
	// The proposal is a new stream, not an edit of the input files: stdout only.
	return writeResult(o.IOStreams, &outputFlags{}, out, o.Output, &report, all, o.Quiet)
}

// writeMigrateReport writes the proposal, one line per workload that carries a sidecar with
// its findings, and the round trip's verdict.
func writeMigrateReport(w io.Writer, res *migrate.Result) {
	writeStateFindings(w, res.Findings)
	migrated, kept := 0, 0
	for _, wl := range res.Workloads {
		if len(wl.Migrated) == 0 && len(wl.Kept) == 0 {
			continue
		}
		var parts []string
		if len(wl.Migrated) > 0 {
			migrated++
			parts = append(parts, "migrated "+strings.Join(wl.Migrated, ", "))
		}
		if len(wl.Kept) > 0 {
			kept++
			parts = append(parts, "kept "+strings.Join(wl.Kept, ", ")+" (cannot round-trip)")
		}
		fmt.Fprintf(w, "%s: %s\n", wl.Name, strings.Join(parts, "; "))
		writeObjectFindings(w, wl.Findings)
	}
	fmt.Fprintf(w, "round trip: injecting %d SidecarSet(s) gives back the templates of %d migrated workload(s) apart from Kruise's bookkeeping; %d workload(s) keep a sidecar that cannot round-trip\n",
		len(res.SidecarSets), migrated, kept)
}
