package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	bindingv1alpha1 "github.com/sidecarctl/sidecarctl/binding/v1alpha1"
	"github.com/sidecarctl/sidecarctl/cmd/sidecarctl/internal/manifest"
	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/pipeline"
)

// CheckOptions holds `sidecarctl check` flags.
type CheckOptions struct {
	IOStreams
	engineFlags
	clusterFlags
	inputFlags
	Output string

	opts pipeline.Options
}

func newCmdCheck(streams IOStreams) *cobra.Command {
	o := &CheckOptions{IOStreams: streams}
	cmd := &cobra.Command{
		Use:   "check -f FILE|DIR|- | -k DIR [-l SELECTOR]",
		Short: "Validate SidecarSets as Kruise would, check virtual-node (Kruise v1.3) compatibility and binding authorization",
		Long: `check admits the SidecarSets of -f in file order the way Kruise's webhooks do and reports every
refusal with Kruise's reason; reports what Kruise v1.3 (Alibaba Cloud virtual nodes) would drop or
refuse (an error for SidecarSets whose selector requires a virtual node, or with
--kruise-version 1.3); and checks every cross-namespace ConfigMap/Secret reference against the
SidecarSetResourceBindings given. It exits 1 when any finding is an error.`,
		Example: `  sidecarctl check -f sidecarsets/ -f bindings.yaml`,
		Args:    noArgs,
		RunE:    runCommand(o),
	}
	cmd.Flags().StringArrayVarP(&o.Filenames, "filename", "f", nil, "files or directories to check ('-' for stdin); same kinds as --from")
	cmd.Flags().BoolVarP(&o.Recursive, "recursive", "R", false, "process directories recursively")
	cmd.Flags().StringVarP(&o.Output, "output", "o", "", "output format: '' (table) or json")
	o.inputFlags.addFlags(cmd.Flags(), "report only on the objects of -f and -k it selects; the others are state all the same (the bindings, Namespaces and other SidecarSets the selected ones are checked against); --from is read whole")
	o.engineFlags.addFlags(cmd.Flags())
	o.clusterFlags.addFlags(cmd.Flags())
	return cmd
}

// Complete turns flags into pipeline options; check keeps going past refused SidecarSets.
func (o *CheckOptions) Complete() error {
	var err error
	o.opts, err = o.engineFlags.pipelineOptions(true)
	return err
}

// Validate checks the flags.
func (o *CheckOptions) Validate() error {
	if err := o.inputFlags.validate(); err != nil {
		return err
	}
	if err := localPaths("--from", o.From...); err != nil {
		return err
	}
	if !o.inputFlags.given() && len(o.From) == 0 && !o.FromCluster {
		return errors.New("-f or -k is required: SidecarSets, bindings, Namespaces and kruise-configuration to check")
	}
	if o.Output != "" && o.Output != "json" {
		return fmt.Errorf("--output must be empty (table) or json, not %q", o.Output)
	}
	return nil
}

// Run checks and reports; a finding of severity error makes the command exit 1.
func (o *CheckOptions) Run(ctx context.Context) error {
	var docs []manifest.Document
	if o.inputFlags.given() {
		var err error
		// Every object is state whatever its labels (the bindings that authorize a
		// SidecarSet, the others it may conflict with); -l only chooses what is reported.
		if docs, err = o.inputFlags.read(o.In); err != nil {
			return err
		}
	}
	st, err := o.clusterFlags.admitStateWith(ctx, o.From, docs, o.Recursive, o.In, o.opts)
	if err != nil {
		return err
	}
	findings, fixes := st.Check()
	checked := len(st.Created())
	if o.selector != nil && !o.selector.Empty() {
		sc := newCheckScope(&o.inputFlags, docs, st.Created())
		findings, fixes, checked = sc.findings(findings), sc.fixes(fixes), sc.checked(st.Created())
	}
	if checked == 0 && len(findings.Errors()) == 0 && !o.FromCluster {
		// Nothing checked is not a pass: a wrong path would otherwise be green in CI.
		if o.selector != nil && !o.selector.Empty() {
			return fmt.Errorf("-l %s selects no SidecarSets in %s: nothing to check", o.Selector, o.describeAll())
		}
		return fmt.Errorf("no SidecarSets in %s: nothing to check", o.describeAll())
	}
	var out bytes.Buffer
	if o.Output == "json" {
		enc := json.NewEncoder(&out)
		enc.SetIndent("", "  ")
		if findings == nil {
			findings = finding.List{}
		}
		if err := enc.Encode(findings); err != nil {
			return err
		}
	} else {
		writeFindings(&out, findings, checked)
		if len(fixes) > 0 {
			fmt.Fprintf(&out, "\nThese SidecarSetResourceBindings would allow the unauthorized references:\n")
			var objs []*unstructured.Unstructured
			for _, b := range fixes {
				m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(b)
				if err != nil {
					return err
				}
				objs = append(objs, &unstructured.Unstructured{Object: m})
			}
			if err := manifest.Write(&out, objs, manifest.FormatYAML); err != nil {
				return err
			}
		}
	}
	if _, err := io.Copy(o.Out, &out); err != nil {
		return err
	}
	if errs := len(findings.Errors()); errs > 0 {
		return &exitError{code: 1, err: fmt.Errorf("%d error finding(s)", errs)}
	}
	return nil
}

func writeFindings(w io.Writer, findings finding.List, sets int) {
	if len(findings) == 0 {
		fmt.Fprintf(w, "%d SidecarSet(s) checked: no findings\n", sets)
		return
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEVERITY\tOBJECT\tREASON\tMESSAGE")
	for _, f := range findings {
		msg := f.Message
		if f.Field != "" && !strings.Contains(msg, f.Field) {
			msg = f.Field + ": " + msg
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", f.Severity, f.Object, f.Code, msg)
	}
	_ = tw.Flush()
}

// describeAll names what check read: --from, -f and -k.
func (o *CheckOptions) describeAll() string {
	what := o.inputFlags.describe()
	if len(o.From) > 0 {
		from := "--from " + strings.Join(o.From, ", ")
		if what == "" {
			return from
		}
		return from + " and " + what
	}
	return what
}

// checkScope is what check -l leaves out of its report: the objects of -f and -k it does not
// select, and the SidecarSets they hold (those of a profiles ConfigMap too). They are still
// state. A finding about no object in particular (a feature gate) is always reported.
type checkScope struct {
	objects map[string]bool // "SidecarSet log", "SidecarSetResourceBinding ns/name", doc.String()
	sets    map[string]bool // SidecarSet names
}

func newCheckScope(in *inputFlags, docs []manifest.Document, created []pipeline.Created) *checkScope {
	sc := &checkScope{objects: map[string]bool{}, sets: map[string]bool{}}
	selectedSource, selectedSet := map[string]bool{}, map[string]bool{}
	for i := range docs {
		d := &docs[i]
		obj := d.Object
		isSet := obj.GetKind() == "SidecarSet" && pipeline.IsStateKind(obj)
		if in.selects(obj) {
			selectedSource[d.String()] = true
			if isSet {
				selectedSet[obj.GetName()] = true
			}
			continue
		}
		sc.objects[d.String()] = true
		name := obj.GetName()
		if ns := obj.GetNamespace(); ns != "" {
			name = ns + "/" + name
		}
		sc.objects[obj.GetKind()+" "+name] = true
		if isSet {
			sc.sets[obj.GetName()] = true
		}
	}
	for _, c := range created {
		if sc.objects[c.Source] && !selectedSource[c.Source] {
			sc.sets[c.SidecarSet.Name] = true
		} else {
			selectedSet[c.SidecarSet.Name] = true
		}
	}
	// A name -l selects somewhere is reported (two SidecarSets of one name: Kruise refuses
	// the second, and that refusal is worth seeing).
	for name := range selectedSet {
		delete(sc.sets, name)
		delete(sc.objects, "SidecarSet "+name)
	}
	return sc
}

// leaves reports whether f is about an object -l does not select.
func (sc *checkScope) leaves(f finding.Finding) bool {
	return sc.sets[f.SidecarSet] || sc.objects[f.Object]
}

func (sc *checkScope) findings(all finding.List) finding.List {
	var out finding.List
	for _, f := range all {
		if !sc.leaves(f) {
			out = append(out, f)
		}
	}
	return out
}

// fixes keeps the bindings suggested for the SidecarSets -l selects.
func (sc *checkScope) fixes(all []*bindingv1alpha1.SidecarSetResourceBinding) []*bindingv1alpha1.SidecarSetResourceBinding {
	var out []*bindingv1alpha1.SidecarSetResourceBinding
	for _, b := range all {
		for _, s := range b.Spec.Subjects {
			if s.Kind == bindingv1alpha1.SubjectKindSidecarSet && !sc.sets[s.Name] {
				out = append(out, b)
				break
			}
		}
	}
	return out
}

// checked counts the admitted SidecarSets -l selects.
func (sc *checkScope) checked(created []pipeline.Created) int {
	n := 0
	for _, c := range created {
		if !sc.sets[c.SidecarSet.Name] {
			n++
		}
	}
	return n
}
