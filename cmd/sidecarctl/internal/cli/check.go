package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/sidecarctl/sidecarctl/binding"
	bindingv1alpha1 "github.com/sidecarctl/sidecarctl/binding/v1alpha1"
	"github.com/sidecarctl/sidecarctl/cmd/sidecarctl/internal/manifest"
	"github.com/sidecarctl/sidecarctl/sidecarset"
)

// CheckOptions holds `sidecarctl check` flags.
type CheckOptions struct {
	IOStreams
	engineFlags
	Filenames []string
	Recursive bool
	Output    string

	opts sidecarset.Options
}

// finding is one line of check's report.
type finding struct {
	Severity string `json:"severity"`
	Object   string `json:"object"`
	Reason   string `json:"reason"`
	Message  string `json:"message"`
}

const (
	severityError   = "error"
	severityWarning = "warning"
)

func newCmdCheck(streams IOStreams) *cobra.Command {
	o := &CheckOptions{IOStreams: streams}
	cmd := &cobra.Command{
		Use:   "check -f FILE|DIR|-",
		Short: "Validate SidecarSets as Kruise would, check virtual-node (Kruise v1.3) compatibility and binding authorization",
		Long: `check admits the SidecarSets of -f in file order the way Kruise's webhooks do and reports every
refusal with Kruise's reason; reports what Kruise v1.3 (Alibaba Cloud virtual nodes) would drop or
refuse (an error for SidecarSets whose selector requires a virtual node, or with
--kruise-version 1.3); and checks every cross-namespace ConfigMap/Secret reference against the
SidecarSetResourceBindings given. It exits 1 when any finding is an error.`,
		Example: `  sidecarctl check -f sidecarsets/ -f bindings.yaml`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts, err := o.engineFlags.options()
			if err != nil {
				return err
			}
			o.opts = opts
			if len(o.Filenames) == 0 && len(o.From) == 0 {
				return errors.New("-f is required: SidecarSets, bindings, Namespaces and kruise-configuration to check")
			}
			if o.Output != "" && o.Output != "json" {
				return fmt.Errorf("--output must be empty (table) or json, not %q", o.Output)
			}
			return o.Run(cmd.Context())
		},
	}
	cmd.Flags().StringArrayVarP(&o.Filenames, "filename", "f", nil, "files or directories to check ('-' for stdin); same kinds as --from")
	cmd.Flags().BoolVarP(&o.Recursive, "recursive", "R", false, "process directories recursively")
	cmd.Flags().StringVarP(&o.Output, "output", "o", "", "output format: '' (table) or json")
	o.engineFlags.addFlags(cmd.Flags())
	return cmd
}

// Run checks and reports; a finding of severity error makes the command exit 1.
func (o *CheckOptions) Run(context.Context) error {
	cs, refused, err := loadState(append(append([]string{}, o.From...), o.Filenames...), o.Recursive, o.In, stateOptions{engine: o.opts, region: o.Region, keepGoing: true})
	if err != nil {
		return err
	}
	var findings []finding
	fixes := map[string]*bindingv1alpha1.SidecarSetResourceBinding{}
	var fixOrder []string
	for _, r := range refused {
		var se *stateError
		errors.As(r, &se)
		reason := "refused"
		msg := r.Error()
		if adm, ok := asAdmission(r); ok {
			reason = "refused_by_" + adm.Stage
			msg = adm.Message
		}
		findings = append(findings, finding{Severity: severityError, Object: objectName(se), Reason: reason, Message: msg})
	}
	for _, w := range cs.warnings {
		findings = append(findings, finding{Severity: severityWarning, Reason: "unknown_field", Message: w})
	}
	for _, c := range cs.created {
		name := "SidecarSet " + c.ss.Name
		targetsVirtualNodes := binding.RequiresVirtualNode(c.ss.Spec.Selector)
		if o.opts.Version != sidecarset.KruiseV13 {
			for _, n := range sidecarset.V13Compatibility(c.ss) {
				sev := "info"
				if targetsVirtualNodes {
					sev = severityError
				}
				findings = append(findings, finding{Severity: sev, Object: name, Reason: string(n.Code), Message: findingMessage(n)})
			}
		}
		for _, f := range binding.Check(c.ss, cs.bindings) {
			findings = append(findings, finding{Severity: string(f.Severity), Object: name, Reason: string(f.Reason), Message: f.Message})
			if f.Binding != nil && f.Severity == binding.SeverityError {
				key := f.Binding.Namespace + "/" + f.Binding.Name
				if _, dup := fixes[key]; !dup {
					fixes[key] = f.Binding
					fixOrder = append(fixOrder, key)
				}
			}
		}
	}
	for _, n := range cs.st.Findings() {
		findings = append(findings, finding{Severity: severityError, Object: "SidecarSet " + n.SidecarSet, Reason: string(n.Code), Message: findingMessage(n)})
	}
	sort.SliceStable(findings, func(i, j int) bool { return findings[i].Object < findings[j].Object })
	var out bytes.Buffer
	if o.Output == "json" {
		enc := json.NewEncoder(&out)
		enc.SetIndent("", "  ")
		if findings == nil {
			findings = []finding{}
		}
		if err := enc.Encode(findings); err != nil {
			return err
		}
	} else {
		writeFindings(&out, findings, len(cs.created)+len(refused))
		if len(fixOrder) > 0 {
			fmt.Fprintf(&out, "\nThese SidecarSetResourceBindings would allow the unauthorized references:\n")
			var objs []*unstructured.Unstructured
			for _, key := range fixOrder {
				m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(fixes[key])
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
	errs := 0
	for _, f := range findings {
		if f.Severity == severityError {
			errs++
		}
	}
	if errs > 0 {
		return &exitError{code: 1, err: fmt.Errorf("%d error finding(s)", errs)}
	}
	return nil
}

func objectName(se *stateError) string {
	if se == nil {
		return ""
	}
	return se.doc.String()
}

func writeFindings(w io.Writer, findings []finding, sets int) {
	if len(findings) == 0 {
		fmt.Fprintf(w, "%d SidecarSet(s) checked: no findings\n", sets)
		return
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEVERITY\tOBJECT\tREASON\tMESSAGE")
	for _, f := range findings {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", f.Severity, f.Object, f.Reason, f.Message)
	}
	_ = tw.Flush()
}
