package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/pipeline"
	"github.com/sidecarctl/sidecarctl/sidecarset"
)

// ExplainOptions holds `sidecarctl explain` flags.
type ExplainOptions struct {
	IOStreams
	engineFlags
	clusterFlags
	inputFlags
	Output    string
	Namespace string

	opts pipeline.Options
	op   sidecarset.Operation
}

// explanation is explain's JSON output for one object.
type explanation struct {
	Object    string                `json:"object"`
	Outcome   finding.Code          `json:"outcome"`
	Refusal   string                `json:"refusal,omitempty"`
	Decisions []sidecarset.Decision `json:"decisions"`
	Findings  finding.List          `json:"findings,omitempty"`
}

func newCmdExplain(streams IOStreams) *cobra.Command {
	o := &ExplainOptions{IOStreams: streams}
	cmd := &cobra.Command{
		Use:   "explain -f FILE|DIR|- | -k DIR [-l SELECTOR] --from FILE|DIR",
		Short: "Say, for each pod or workload, which SidecarSets match it and why the others do not",
		Example: `  sidecarctl explain -f deployment.yaml --from sidecarsets.yaml
  sidecarctl explain -f pod.yaml --from state/ -o json`,
		Args: noArgs,
		RunE: runCommand(o),
	}
	cmd.Flags().StringArrayVarP(&o.Filenames, "filename", "f", nil, "pods or workloads: files, directories or '-' for stdin")
	cmd.Flags().BoolVarP(&o.Recursive, "recursive", "R", false, "process directories recursively")
	cmd.Flags().StringVarP(&o.Output, "output", "o", "", "output format: '' (table) or json")
	cmd.Flags().StringVarP(&o.Namespace, "namespace", "n", "default", "namespace of objects that have none")
	o.inputFlags.addFlags(cmd.Flags(), "explain only the objects it selects")
	o.engineFlags.addFlags(cmd.Flags())
	o.clusterFlags.addFlags(cmd.Flags())
	return cmd
}

// Complete turns flags into pipeline options, as inject's.
func (o *ExplainOptions) Complete() error {
	var err error
	if o.opts, err = o.engineFlags.pipelineOptions(false); err != nil {
		return err
	}
	o.op, err = o.engineFlags.operation()
	return err
}

// Validate checks the flags.
func (o *ExplainOptions) Validate() error {
	if err := o.inputFlags.validate(); err != nil {
		return err
	}
	if err := localPaths("--from", o.From...); err != nil {
		return err
	}
	if !o.inputFlags.given() {
		return errors.New("-f or -k is required: the pods or workloads to explain")
	}
	if o.Output != "" && o.Output != "json" {
		return fmt.Errorf("--output must be empty (table) or json, not %q", o.Output)
	}
	return nil
}

// Run explains every object: it runs the pipeline exactly as `inject` does and prints the
// decisions of that same run, so explain and inject cannot disagree.
func (o *ExplainOptions) Run(ctx context.Context) error {
	st, docs, err := o.engineFlags.admitForWorkloads(ctx, o.opts, &o.clusterFlags, &o.inputFlags, o.In)
	if err != nil {
		return err
	}
	all := make([]explanation, 0, len(docs))
	findings := append(finding.List(nil), st.Findings()...)
	for i := range docs {
		if o.skips(docs[i].Object) {
			continue
		}
		res, err := injectDocument(st, &docs[i], o.Namespace, o.op)
		if err != nil && (res == nil || !sidecarset.IsRefusal(err)) {
			return err
		}
		ex := explanation{Object: res.Object, Outcome: res.Outcome, Findings: res.Findings}
		if err != nil {
			ex.Refusal = err.Error()
		}
		if res.Pod != nil {
			ex.Decisions = res.Pod.Decisions
		}
		if ex.Object == "" {
			ex.Object = docs[i].String()
		}
		all = append(all, ex)
		findings = append(findings, res.Findings...)
	}
	var out, report bytes.Buffer
	if o.Output == "json" {
		enc := json.NewEncoder(&out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(all); err != nil {
			return err
		}
	} else {
		writeExplanations(&out, all)
	}
	// What admitting --from reported concerns every object: on stderr, as inject reports it.
	writeStateFindings(&report, st.Findings())
	if n := len(findings.Errors()); n > 0 {
		// --strict made warnings errors: nothing on stdout, the explanation goes with the report.
		_, _ = io.Copy(o.ErrOut, &out)
		_, _ = io.Copy(o.ErrOut, &report)
		return fmt.Errorf("%d finding(s) are errors with --strict", n)
	}
	if _, err := io.Copy(o.Out, &out); err != nil {
		return err
	}
	_, err = io.Copy(o.ErrOut, &report)
	return err
}

func writeExplanations(w io.Writer, all []explanation) {
	first := true
	for _, ex := range all {
		if ex.Outcome == finding.UnsupportedKind && len(ex.Decisions) == 0 {
			continue // SidecarSets and other non-workloads next to the workloads
		}
		if !first {
			fmt.Fprintln(w)
		}
		first = false
		fmt.Fprintf(w, "%s (%s)\n", ex.Object, ex.Outcome)
		if ex.Refusal != "" {
			fmt.Fprintf(w, "  REFUSED: %s\n", ex.Refusal)
		}
		if len(ex.Decisions) == 0 {
			if ex.Outcome != finding.UnsupportedKind && ex.Outcome != finding.NoPodTemplate {
				fmt.Fprintln(w, "  no SidecarSets in --from")
			}
			writeObjectFindings(w, ex.Findings)
			continue
		}
		tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  SIDECARSET\tINJECTED\tREASON\tDETAIL")
		for _, d := range ex.Decisions {
			detail := d.Message
			if d.Field != "" {
				detail = d.Field + ": " + detail
			}
			fmt.Fprintf(tw, "  %s\t%t\t%s\t%s\n", d.SidecarSet, d.Injected, d.Reason, detail)
		}
		_ = tw.Flush()
		writeObjectFindings(w, ex.Findings)
	}
}
