package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"
	corev1 "k8s.io/api/core/v1"

	"github.com/sidecarctl/sidecarctl/cmd/sidecarctl/internal/injector"
	"github.com/sidecarctl/sidecarctl/cmd/sidecarctl/internal/manifest"
	sidecarfinding "github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/sidecarset"
	"github.com/sidecarctl/sidecarctl/sidecarset/workload"
)

// InjectOptions holds `sidecarctl inject` flags.
type InjectOptions struct {
	IOStreams
	engineFlags
	Filenames []string
	Recursive bool
	Output    string
	Namespace string
	Quiet     bool

	opts sidecarset.Options
	op   sidecarset.Operation
}

func newCmdInject(streams IOStreams) *cobra.Command {
	o := &InjectOptions{IOStreams: streams}
	cmd := &cobra.Command{
		Use:   "inject -f FILE|DIR|- [--from FILE|DIR ...]",
		Short: "Inject SidecarSets into pods and workload manifests offline, exactly as Kruise's webhook would",
		Long: `Inject SidecarSets into the pods and pod templates of the manifests given with -f, like
istioctl kube-inject: --from describes the cluster (SidecarSets in creation order, Namespaces,
kruise-configuration, bindings, ControllerRevisions). Pods, Deployments, StatefulSets,
DaemonSets, ReplicaSets, Jobs, CronJobs, Kruise workloads, agent sandboxes and OpenSandbox pools
are injected; other kinds pass through untouched. If Kruise would refuse a pod, the command
fails with Kruise's reason and prints nothing on stdout.`,
		Example: `  sidecarctl inject -f deployment.yaml --from sidecarsets.yaml
  sidecarctl inject -f pod.json --from state/ --kruise-version 1.3 -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.Complete(); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run(cmd.Context())
		},
	}
	cmd.Flags().StringArrayVarP(&o.Filenames, "filename", "f", nil, "manifests to inject: files, directories or '-' for stdin")
	cmd.Flags().BoolVarP(&o.Recursive, "recursive", "R", false, "process directories of -f and --from recursively")
	cmd.Flags().StringVarP(&o.Output, "output", "o", "yaml", "output format: yaml or json")
	cmd.Flags().StringVarP(&o.Namespace, "namespace", "n", "default", "namespace of objects that have none (the admission request namespace)")
	cmd.Flags().BoolVarP(&o.Quiet, "quiet", "q", false, "do not print the injection report on stderr")
	o.engineFlags.addFlags(cmd.Flags())
	return cmd
}

// Complete turns flags into engine options.
func (o *InjectOptions) Complete() error {
	opts, err := o.engineFlags.options()
	if err != nil {
		return err
	}
	o.opts = opts
	o.op, err = o.engineFlags.operation()
	return err
}

// Validate checks the flags.
func (o *InjectOptions) Validate() error {
	if len(o.Filenames) == 0 {
		return errors.New("-f is required: the manifests to inject")
	}
	if o.Output != manifest.FormatYAML && o.Output != manifest.FormatJSON {
		return fmt.Errorf("--output must be yaml or json, not %q", o.Output)
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

// Run injects and writes the result only when every object succeeded.
func (o *InjectOptions) Run(context.Context) error {
	if os.Getenv("GOGC") == "" {
		// A run is a batch over documents that are all alive until the output is written;
		// collecting four times less often is about a third faster on large streams, for a
		// short-lived process. GOGC, if set, wins.
		defer debug.SetGCPercent(debug.SetGCPercent(400))
	}
	cs, _, err := loadState(o.From, o.Recursive, o.In, stateOptions{engine: o.opts, region: o.Region, keepGoing: false})
	if err != nil {
		return err
	}
	docs, err := manifest.Read(o.Filenames, o.Recursive, o.In)
	if err != nil {
		return err
	}
	inj := cs.injector()
	// Documents are independent and the state is read-only, so they are injected in
	// parallel; reports and errors are taken in document order, so output stays deterministic.
	reports := make([]bytes.Buffer, len(docs))
	errs := make([]error, len(docs))
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i := range docs {
		g.Go(func() error {
			outcome, res, err := injectDocument(inj, &docs[i], o.Namespace, o.op)
			if err != nil {
				errs[i] = err
				return nil
			}
			writeOutcome(&reports[i], outcome, res)
			return nil
		})
	}
	_ = g.Wait()
	var report bytes.Buffer
	for i := range docs {
		if errs[i] != nil {
			return errs[i]
		}
		_, _ = reports[i].WriteTo(&report)
	}
	var out bytes.Buffer
	if err := manifest.WriteDocuments(&out, docs, o.Output); err != nil {
		return err
	}
	if _, err := io.Copy(o.Out, &out); err != nil {
		return err
	}
	if !o.Quiet {
		writeWarnings(&report, cs.warnings, cs.st.Findings())
		_, err = io.Copy(o.ErrOut, &report)
	}
	return err
}

// injectDocument injects one document through the engine; the document's Raw is dropped when
// the object changed so that the writer prints the new object.
func injectDocument(inj *injector.Injector, doc *manifest.Document, namespace string, op sidecarset.Operation) (workload.Outcome, *injector.Result, error) {
	obj := doc.Object
	var res *injector.Result
	outcome, err := workload.Mutate(obj, func(pod *corev1.Pod) error {
		ns := namespace
		if obj.GetNamespace() != "" {
			ns = obj.GetNamespace()
		}
		r, err := inj.Pod(pod, sidecarset.Request{Namespace: ns, Operation: op})
		res = r
		if err != nil {
			return err
		}
		*pod = *r.Pod
		return nil
	})
	if err != nil {
		var refusal *sidecarset.RefusalError
		if errors.As(err, &refusal) {
			// The result still carries every SidecarSet's decision, which explain reports.
			return outcome, res, fmt.Errorf("%s: Kruise's pod webhook would refuse the pod: %w", doc, err)
		}
		return outcome, nil, fmt.Errorf("%s: %w", doc, err)
	}
	if outcome.Changed() {
		doc.Raw = nil
	}
	return outcome, res, nil
}

func writeOutcome(w io.Writer, outcome workload.Outcome, res *injector.Result) {
	if res == nil {
		// Cluster-state kinds next to the workloads (SidecarSets, bindings ...) are expected in
		// -f and pass through quietly; anything else deserves a line.
		if !isStateKind(outcome) {
			fmt.Fprintln(w, outcome.Message)
		}
		return
	}
	var injected []string
	for _, d := range res.Decisions {
		if d.Injected {
			injected = append(injected, d.SidecarSet)
		}
	}
	if len(res.AppPatches) > 0 {
		fmt.Fprintf(w, "%s: applied the app-container part of profile(s) %s\n", outcome.Object, strings.Join(res.AppPatches, ", "))
	}
	if len(injected) == 0 {
		var why []string
		for _, d := range res.Decisions {
			why = append(why, fmt.Sprintf("%s: %s", d.SidecarSet, d.Message))
		}
		if len(why) == 0 {
			why = []string{"no SidecarSets in --from"}
		}
		fmt.Fprintf(w, "%s: nothing injected (%s)\n", outcome.Object, strings.Join(why, "; "))
	} else {
		fmt.Fprintf(w, "%s: injected %s\n", outcome.Object, strings.Join(injected, ", "))
	}
	for _, n := range res.Findings {
		fmt.Fprintf(w, "  %s: %s [%s]\n", n.Severity, findingMessage(n), n.Code)
	}
}

func writeWarnings(w io.Writer, warnings []string, notes sidecarfinding.List) {
	for _, warn := range warnings {
		fmt.Fprintf(w, "warning: %s\n", warn)
	}
	for _, n := range notes {
		fmt.Fprintf(w, "%s: sidecarset %s: %s [%s]\n", n.Severity, n.SidecarSet, findingMessage(n), n.Code)
	}
}

// findingMessage is a finding's message with its field path in front, as reports print it.
func findingMessage(f sidecarfinding.Finding) string {
	if f.Field == "" {
		return f.Message
	}
	return f.Field + ": " + f.Message
}

func isStateKind(outcome workload.Outcome) bool {
	for _, prefix := range []string{"SidecarSet.", "SidecarSetResourceBinding.", "Namespace ", "ConfigMap ", "ControllerRevision."} {
		if strings.HasPrefix(outcome.Object, prefix) {
			return true
		}
	}
	return false
}
