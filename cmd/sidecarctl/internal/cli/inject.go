package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/sidecarctl/sidecarctl/cmd/sidecarctl/internal/manifest"
	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/pipeline"
	"github.com/sidecarctl/sidecarctl/sidecarset"
)

// InjectOptions holds `sidecarctl inject` flags.
type InjectOptions struct {
	IOStreams
	engineFlags
	clusterFlags
	inputFlags
	outputFlags
	Output    string
	Namespace string
	Quiet     bool

	opts pipeline.Options
	op   sidecarset.Operation
}

func newCmdInject(streams IOStreams) *cobra.Command {
	o := &InjectOptions{IOStreams: streams}
	cmd := &cobra.Command{
		Use:   "inject -f FILE|DIR|- | -k DIR [-l SELECTOR] [--from FILE|DIR ...] [--output-dir DIR | --in-place]",
		Short: "Inject SidecarSets into pods and workload manifests offline, exactly as Kruise's webhook would",
		Long: `Inject SidecarSets into the pods and pod templates of the manifests given with -f, like
istioctl kube-inject: --from describes the cluster (SidecarSets in creation order, Namespaces,
kruise-configuration, bindings, ControllerRevisions). Pods, Deployments, StatefulSets,
DaemonSets, ReplicaSets, Jobs, CronJobs, Kruise workloads, agent sandboxes and OpenSandbox pools
are injected; other kinds pass through untouched. A changed document keeps its comments, key
order, quoting, line endings and number text; only what injection adds is new. If Kruise
would refuse a pod, the command fails with Kruise's reason. -k builds a kustomization in
process, -l injects only the objects it selects.

With --from or --from-cluster, -f is streamed to stdout: each document is written when it and
those before it are done, in bounded memory, and a failure exits 1 after the documents before
it. Without them (the state is in the -f stream), with -k, with injection profiles in the state,
with -l, or with --output-dir or --in-place, the input is read whole first and nothing is written (no
file touched) unless every object succeeded.`,
		Example: `  sidecarctl inject -f deployment.yaml --from sidecarsets.yaml
  sidecarctl inject -f pod.json --from state/ --kruise-version 1.3 -o json
  sidecarctl inject -k overlays/prod -l app=web --output-dir rendered/
  sidecarctl inject -R -f k8s/ --from state/ --in-place`,
		Args: noArgs,
		RunE: runCommand(o),
	}
	cmd.Flags().StringArrayVarP(&o.Filenames, "filename", "f", nil, "manifests to inject: files, directories or '-' for stdin")
	cmd.Flags().BoolVarP(&o.Recursive, "recursive", "R", false, "process directories of -f and --from recursively")
	cmd.Flags().StringVarP(&o.Output, "output", "o", "yaml", "output format: yaml, json or name (kind.group/name per object, as kubectl -o name)")
	cmd.Flags().StringVarP(&o.Namespace, "namespace", "n", "default", "namespace of objects that have none (the admission request namespace)")
	cmd.Flags().BoolVarP(&o.Quiet, "quiet", "q", false, "do not print the injection report on stderr")
	o.inputFlags.addFlags(cmd.Flags(), "inject only the objects it selects; the others pass through unchanged")
	o.outputFlags.addFlags(cmd.Flags())
	o.engineFlags.addFlags(cmd.Flags())
	o.clusterFlags.addFlags(cmd.Flags())
	return cmd
}

// Complete turns flags into pipeline options.
func (o *InjectOptions) Complete() error {
	var err error
	if o.opts, err = o.engineFlags.pipelineOptions(false); err != nil {
		return err
	}
	o.op, err = o.engineFlags.operation()
	return err
}

// Validate checks the flags.
func (o *InjectOptions) Validate() error {
	if err := o.inputFlags.validate(); err != nil {
		return err
	}
	if err := localPaths("--from", o.From...); err != nil {
		return err
	}
	if !o.inputFlags.given() {
		return errors.New("-f or -k is required: the manifests to inject")
	}
	if o.Output != manifest.FormatYAML && o.Output != manifest.FormatJSON && o.Output != manifest.FormatName {
		return fmt.Errorf("--output must be yaml, json or name, not %q", o.Output)
	}
	if err := o.outputFlags.validate(&o.inputFlags, o.Output); err != nil {
		return err
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

// Run injects. With --from or --from-cluster and -f to stdout, the -f documents are streamed
// (streamInject): read, injected and written one at a time, in bounded memory. Otherwise the
// input is read whole and written only when every object succeeded: without --from the state
// is what the -f stream holds, anywhere in it; -k builds a kustomization whole; -l must find
// an object it selects before anything is written; --output-dir
// and --in-place write every file or none; and with injection profiles in the state the
// profiles follow the platform every workload asks for.
func (o *InjectOptions) Run(ctx context.Context) error {
	if (len(o.From) == 0 && !o.FromCluster) || len(o.Kustomize) > 0 || o.Selector != "" || o.outputFlags.toFiles() {
		st, docs, err := o.engineFlags.admitForWorkloads(ctx, o.opts, &o.clusterFlags, &o.inputFlags, o.In)
		if err != nil {
			return err
		}
		return o.injectAll(st, docs)
	}
	if err := pathsExist("--from", o.From); err != nil {
		return err
	}
	opts := o.opts
	in, err := o.clusterFlags.readInput(ctx, o.From, nil, o.Recursive, o.In, &opts)
	if err != nil {
		return err
	}
	if !hasProfiles(in) {
		st, err := pipeline.Admit(in, opts)
		if err != nil {
			return err
		}
		if err := pathsExist("-f", o.Filenames); err != nil {
			return err
		}
		return o.streamInject(ctx, st)
	}
	docs, err := o.inputFlags.read(o.In)
	if err != nil {
		return err
	}
	if len(docs) == 0 {
		return fmt.Errorf("%s: no objects to work on", o.inputFlags.describe())
	}
	if opts, err = opts.ForWorkloads(manifest.Objects(docs)...); err != nil {
		return err
	}
	st, err := pipeline.Admit(in, opts)
	if err != nil {
		return err
	}
	return o.injectAll(st, docs)
}

// hasProfiles reports whether the state holds injection profiles (a sandbox-injection-config).
func hasProfiles(in *pipeline.Input) bool {
	for _, c := range in.Creations {
		if c.Profiles != nil {
			return true
		}
	}
	return false
}

// injectAll injects documents read whole and writes the result only when every object
// succeeded.
func (o *InjectOptions) injectAll(st *pipeline.State, docs []manifest.Document) error {
	// Documents are independent and the state is read-only, so they are injected in
	// parallel; reports and errors are taken in document order, so output stays deterministic.
	results := make([]*pipeline.ObjectResult, len(docs))
	errs := make([]error, len(docs))
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i := range docs {
		g.Go(func() error {
			if o.skips(docs[i].Object) {
				results[i] = o.notSelected(&docs[i])
				return nil
			}
			results[i], errs[i] = injectDocument(st, &docs[i], o.Namespace, o.op)
			return nil
		})
	}
	_ = g.Wait()
	var report bytes.Buffer
	all := append(finding.List(nil), st.Findings()...)
	for i := range docs {
		if errs[i] != nil {
			return errs[i]
		}
		writeOutcome(&report, results[i], pipeline.IsStateKind(docs[i].Object))
		all = append(all, results[i].Findings...)
	}
	writeStateFindings(&report, st.Findings())
	return writeResult(o.IOStreams, &o.outputFlags, docs, o.Output, &report, all, o.Quiet)
}

// writeResult ends a command that rewrites documents (inject, uninject): the documents on
// stdout and the report on stderr, or, when a finding is an error (--strict), nothing on
// stdout and the report saying why.
func writeResult(streams IOStreams, dest *outputFlags, docs []manifest.Document, output string, report *bytes.Buffer, findings finding.List, quiet bool) error {
	if n := len(findings.Errors()); n > 0 {
		_, _ = io.Copy(streams.ErrOut, report)
		return fmt.Errorf("%d finding(s) are errors with --strict", n)
	}
	if dest.toFiles() {
		// --output-dir, --in-place: every file or none, and the report says which.
		if err := dest.write(docs, output, report); err != nil {
			return err
		}
		if !quiet {
			_, _ = io.Copy(streams.ErrOut, report)
		}
		return nil
	}
	var out bytes.Buffer
	if err := manifest.WriteDocuments(&out, docs, output); err != nil {
		return err
	}
	if _, err := io.Copy(streams.Out, &out); err != nil {
		return err
	}
	if quiet {
		return nil
	}
	_, err := io.Copy(streams.ErrOut, report)
	return err
}

// injectDocument runs one document through the pipeline; the document's Raw is dropped when
// the object changed so that the writer prints the new object.
func injectDocument(st *pipeline.State, doc *manifest.Document, namespace string, op sidecarset.Operation) (*pipeline.ObjectResult, error) {
	res, err := st.InjectObject(doc.Object, namespace, op)
	if err != nil {
		var refusal *sidecarset.RefusalError
		if errors.As(err, &refusal) {
			where := string(refusal.Code)
			if refusal.Field != "" {
				where += " at " + refusal.Field
			}
			return res, fmt.Errorf("%s: Kruise's pod webhook would refuse the pod: %w [%s]", doc, err, where)
		}
		return res, fmt.Errorf("%s: %w", doc, err)
	}
	if res.Changed() {
		doc.Raw = nil
	}
	return res, nil
}

// writeOutcome writes one object's lines of the inject report.
func writeOutcome(w io.Writer, res *pipeline.ObjectResult, stateKind bool) {
	if res.Pod == nil {
		// Cluster-state kinds next to the workloads (SidecarSets, bindings ...) are expected in
		// -f and pass through quietly; anything else deserves a line.
		if res.Outcome != finding.UnsupportedKind || !stateKind {
			fmt.Fprintln(w, res.Message)
		}
		writeObjectFindings(w, res.Findings)
		return
	}
	var injected []string
	for _, d := range res.Pod.Decisions {
		if d.Injected {
			injected = append(injected, d.SidecarSet)
		}
	}
	if len(res.Pod.AppPatches) > 0 {
		fmt.Fprintf(w, "%s: applied the app-container part of profile(s) %s\n", res.Object, strings.Join(res.Pod.AppPatches, ", "))
	}
	if len(injected) == 0 {
		var why []string
		for _, d := range res.Pod.Decisions {
			why = append(why, fmt.Sprintf("%s: %s", d.SidecarSet, d.Message))
		}
		if len(why) == 0 {
			why = []string{"no SidecarSets in --from"}
		}
		fmt.Fprintf(w, "%s: nothing injected (%s)\n", res.Object, strings.Join(why, "; "))
	} else {
		fmt.Fprintf(w, "%s: injected %s\n", res.Object, strings.Join(injected, ", "))
	}
	writeObjectFindings(w, res.Findings)
}

// writeObjectFindings writes the findings about one object, under its line.
func writeObjectFindings(w io.Writer, fs finding.List) {
	for _, f := range fs {
		fmt.Fprintf(w, "  %s: %s\n", f.Severity, findingText(f, false))
	}
}

// writeStateFindings writes what admitting --from reported.
func writeStateFindings(w io.Writer, fs finding.List) {
	for _, f := range fs {
		fmt.Fprintf(w, "%s: %s\n", f.Severity, findingText(f, true))
	}
}

// findingText is a finding in a report line: where, what, and the code in brackets.
func findingText(f finding.Finding, withObject bool) string {
	var b strings.Builder
	if withObject && f.Object != "" {
		b.WriteString(f.Object + ": ")
	}
	if withObject && f.SidecarSet != "" {
		b.WriteString("sidecarset " + f.SidecarSet + ": ")
	}
	if f.Field != "" && !strings.Contains(f.Message, f.Field) {
		b.WriteString(f.Field + ": ")
	}
	b.WriteString(f.Message + " [" + string(f.Code) + "]")
	return b.String()
}
