package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/sidecarctl/sidecarctl/cmd/sidecarctl/internal/manifest"
	"github.com/sidecarctl/sidecarctl/pipeline"
)

// defaultNamespace is the namespace of the pods and workloads of -f that name none, as the API
// server gives them: one constant for both, so a pod and a workload of one file cannot be
// audited in different namespaces.
const defaultNamespace = metav1.NamespaceDefault

// AuditOptions holds `sidecarctl audit` flags.
type AuditOptions struct {
	IOStreams
	engineFlags
	clusterFlags
	inputFlags
	Output        string
	Namespace     string
	AllNamespaces bool

	flags *pflag.FlagSet
	opts  pipeline.Options
	// templates are the workloads of -f, whose pod templates are audited too; sources say
	// which files hold each pod or workload, for the explain command.
	templates []manifest.Document
	sources   map[string][]string
}

func newCmdAudit(streams IOStreams) *cobra.Command {
	o := &AuditOptions{IOStreams: streams}
	cmd := &cobra.Command{
		Use:   "audit -f FILE|DIR|- | -k DIR [-l SELECTOR] [--from FILE|DIR ...] | --from-cluster [-n NAMESPACE | -A] [-l SELECTOR]",
		Short: "Report running pods that lack, outdate or edited their SidecarSets' sidecars",
		Long: `audit checks every pod (of -f, or with --from-cluster the cluster's, read-only) against every
SidecarSet of the state: pods that match a SidecarSet but lack its sidecars (created before it,
injection paused, webhook down), pods injected with an older revision than the SidecarSet's
latest, sidecars removed or edited by hand, SidecarSet references no binding authorizes and,
with --from-cluster, injected ConfigMap/Secret volumes whose object does not exist. Whether a
pod matches is the pipeline's decision for the pod as Kruise saw it at creation. It prints one
row per problem with its reason code and the command that explains it, then the counts per
SidecarSet as Kruise's status counts them (matched, updated, updatedReady) with the missing and
edited pods. Exit status: 0 when no row is a warning or an error, 1 when one is (the report is
still printed), 2 for a usage error.`,
		Example: `  sidecarctl audit -f pods.yaml --from sidecarsets.yaml
  sidecarctl audit --from-cluster -A -o json`,
		Args: noArgs,
		RunE: runCommand(o),
	}
	fs := cmd.Flags()
	fs.StringArrayVarP(&o.Filenames, "filename", "f", nil, "pods: files, directories or '-' for stdin (other kinds are state or skipped)")
	fs.BoolVarP(&o.Recursive, "recursive", "R", false, "process directories of -f and --from recursively")
	fs.StringVarP(&o.Output, "output", "o", "", "output format: '' (table) or json")
	fs.StringVarP(&o.Namespace, "namespace", "n", "", "with --from-cluster: the namespace whose pods to audit (default the context's)")
	fs.BoolVarP(&o.AllNamespaces, "all-namespaces", "A", false, "with --from-cluster: audit the pods of every namespace")
	o.inputFlags.addFlags(fs, "audit only the pods it selects (with --from-cluster, the cluster's pods it selects)")
	o.engineFlags.addFlags(fs)
	o.clusterFlags.addFlags(fs)
	for _, name := range injectOnlyFlags() {
		_ = fs.MarkHidden(name)
	}
	o.flags = fs
	return cmd
}

// Complete turns flags into pipeline options, as uninject's.
func (o *AuditOptions) Complete() error {
	var err error
	o.opts, err = o.engineFlags.pipelineOptions(false)
	return err
}

// Validate checks the flags.
func (o *AuditOptions) Validate() error {
	if err := o.inputFlags.validate(); err != nil {
		return err
	}
	if err := localPaths("--from", o.From...); err != nil {
		return err
	}
	if !o.inputFlags.given() && !o.FromCluster {
		return errors.New("-f, -k or --from-cluster is required: the pods to audit")
	}
	if (o.Namespace != "" || o.AllNamespaces) && (!o.FromCluster || o.inputFlags.given()) {
		return errors.New("-n and --all-namespaces select the cluster's pods: give them with --from-cluster and without -f")
	}
	if o.Namespace != "" && o.AllNamespaces {
		return errors.New("-n and --all-namespaces exclude each other")
	}
	if o.Output != "" && o.Output != "json" {
		return fmt.Errorf("--output must be empty (table) or json, not %q", o.Output)
	}
	for _, name := range injectOnlyFlags() {
		if o.flags != nil && o.flags.Changed(name) {
			return fmt.Errorf("--%s says how to inject; audit does not take it", name)
		}
	}
	return nil
}

// auditedRow is a row with the command that explains it.
type auditedRow struct {
	pipeline.AuditRow
	Explain string `json:"explain"`
}

// Run audits and prints the report; a row of severity warning or error exits 1.
func (o *AuditOptions) Run(ctx context.Context) error {
	pods, explain, st, err := o.read(ctx)
	if err != nil {
		return err
	}
	var exists func(pipeline.VolumeSource) (bool, error)
	if o.FromCluster {
		cl, _, err := o.clusterFlags.client()
		if err != nil {
			return err
		}
		exists = func(v pipeline.VolumeSource) (bool, error) {
			var obj client.Object = &corev1.ConfigMap{}
			if v.Kind == "Secret" {
				obj = &corev1.Secret{}
			}
			err := cl.Get(ctx, client.ObjectKey{Namespace: v.Namespace, Name: v.Name}, obj)
			if apierrors.IsNotFound(err) {
				return false, nil
			}
			return err == nil, err
		}
	}
	rep, err := st.Audit(pods, exists)
	if err != nil {
		return err
	}
	if err := o.auditTemplates(st, rep); err != nil {
		return err
	}
	rows := make([]auditedRow, len(rep.Rows))
	for i, r := range rep.Rows {
		rows[i] = auditedRow{AuditRow: r, Explain: explain(r.Pod)}
	}
	var out bytes.Buffer
	if o.Output == "json" {
		enc := json.NewEncoder(&out)
		enc.SetIndent("", "  ")
		err = enc.Encode(struct {
			Pods        int                    `json:"pods"`
			Templates   int                    `json:"templates,omitempty"`
			Rows        []auditedRow           `json:"rows"`
			SidecarSets []pipeline.AuditCounts `json:"sidecarSets"`
		}{rep.Pods, rep.Templates, rows, rep.Counts})
		if err != nil {
			return err
		}
	} else {
		writeAudit(&out, rep, rows)
	}
	writeStateFindings(o.ErrOut, st.Findings())
	if _, err := io.Copy(o.Out, &out); err != nil {
		return err
	}
	if n := rep.Problems(); n > 0 {
		templates := ""
		if rep.Templates > 0 {
			templates = fmt.Sprintf(", %d workload template(s)", rep.Templates)
		}
		return &exitError{code: 1, err: fmt.Errorf("audit: %d problem(s) in %d pod(s)%s and %d SidecarSet(s)", n, rep.Pods, templates, len(rep.Counts))}
	}
	return nil
}

// read returns the pods to audit, the command that explains a row of a pod ("" for a
// SidecarSet's row), and the admitted state.
func (o *AuditOptions) read(ctx context.Context) ([]*corev1.Pod, func(string) string, *pipeline.State, error) {
	var pods []*corev1.Pod
	cluster := ""
	if o.Context != "" {
		cluster += " --context " + o.Context
	}
	if o.Kubeconfig != "" {
		cluster += " --kubeconfig " + o.Kubeconfig
	}
	if !o.inputFlags.given() {
		cl, ns, err := o.clusterFlags.client()
		if err != nil {
			return nil, nil, nil, err
		}
		if o.Namespace != "" {
			ns = o.Namespace
		}
		var list corev1.PodList
		var opts []client.ListOption
		if !o.AllNamespaces {
			opts = append(opts, client.InNamespace(ns))
		}
		if o.selector != nil && !o.selector.Empty() {
			opts = append(opts, client.MatchingLabelsSelector{Selector: o.selector})
		}
		if err := cl.List(ctx, &list, opts...); err != nil {
			return nil, nil, nil, fmt.Errorf("--from-cluster: list pods: %w", err)
		}
		objs := make([]*unstructured.Unstructured, 0, len(list.Items))
		for i := range list.Items {
			pods = append(pods, &list.Items[i])
			m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&list.Items[i])
			if err != nil {
				return nil, nil, nil, err
			}
			objs = append(objs, &unstructured.Unstructured{Object: m})
		}
		opts2, err := o.opts.ForInjectedWorkloads(objs...)
		if err != nil {
			return nil, nil, nil, err
		}
		st, err := o.clusterFlags.admitState(ctx, nil, o.Recursive, o.In, opts2)
		if err != nil {
			return nil, nil, nil, err
		}
		explain := func(pod string) string {
			if pod == "" {
				return "sidecarctl check --from-cluster" + cluster
			}
			ns, name, _ := strings.Cut(pod, "/")
			return fmt.Sprintf("kubectl get pod -n %s %s -o yaml | sidecarctl explain -f - --from-cluster%s", ns, name, cluster)
		}
		return pods, explain, st, nil
	}
	st, docs, err := o.engineFlags.admitFor(ctx, o.opts, pipeline.Options.ForInjectedWorkloads, &o.clusterFlags, &o.inputFlags, o.In)
	if err != nil {
		return nil, nil, nil, err
	}
	state := " --from-cluster" + cluster
	if !o.FromCluster {
		from := o.From
		if len(from) == 0 {
			from = o.Filenames
		}
		state = " --from " + strings.Join(from, " --from ")
	}
	o.sources = map[string][]string{}
	source := o.sources
	for i := range docs {
		obj := docs[i].Object
		if !o.selects(obj) {
			continue
		}
		if obj.GetAPIVersion() != "v1" || obj.GetKind() != "Pod" {
			if !pipeline.IsStateKind(obj) {
				o.templates = append(o.templates, docs[i])
			}
			continue
		}
		pod := &corev1.Pod{}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(obj.Object, pod); err != nil {
			return nil, nil, nil, fmt.Errorf("%s: %w", &docs[i], err)
		}
		if pod.Namespace == "" {
			pod.Namespace = defaultNamespace
		}
		pods = append(pods, pod)
		key := pod.Namespace + "/" + pod.Name
		if !slices.Contains(source[key], docs[i].Source) {
			// Pods of one name in several files: explain them all.
			source[key] = append(source[key], docs[i].Source)
		}
	}
	if len(pods) == 0 && len(o.templates) == 0 {
		return nil, nil, nil, fmt.Errorf("%s: no pods to audit, and no workload with a pod template", o.inputFlags.describe())
	}
	explain := func(pod string) string {
		if pod == "" {
			return "sidecarctl check" + strings.Replace(state, "--from", "-f", 1)
		}
		return "sidecarctl explain -f " + strings.Join(source[pod], " -f ") + state
	}
	return pods, explain, st, nil
}

// writeAudit writes the table of rows, then the counts per SidecarSet.
func writeAudit(w io.Writer, rep *pipeline.AuditReport, rows []auditedRow) {
	if len(rows) == 0 {
		templates := ""
		if rep.Templates > 0 {
			templates = fmt.Sprintf(", %d workload template(s)", rep.Templates)
		}
		fmt.Fprintf(w, "%d pod(s)%s, %d SidecarSet(s) audited: nothing to report\n", rep.Pods, templates, len(rep.Counts))
	} else {
		tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SIDECARSET\tPOD\tREASON\tDETAIL\tEXPLAIN")
		for _, r := range rows {
			pod := r.Pod
			if pod == "" {
				pod = "-"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.SidecarSet, pod, r.Reason, r.Detail, r.Explain)
		}
		_ = tw.Flush()
	}
	if len(rep.Counts) == 0 {
		return
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SIDECARSET\tMATCHED\tUPDATED\tUPDATEDREADY\tMISSING\tEDITED")
	for _, c := range rep.Counts {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\n", c.SidecarSet, c.Matched, c.Updated, c.UpdatedReady, c.Missing, c.Edited)
	}
	_ = tw.Flush()
}

// auditTemplates audits the pod templates of the workloads of -f (pipeline.State.AuditTemplate)
// and adds their rows to the report; objects without a template are skipped.
func (o *AuditOptions) auditTemplates(st *pipeline.State, rep *pipeline.AuditReport) error {
	var rows []pipeline.AuditRow
	n := 0
	for i := range o.templates {
		d := &o.templates[i]
		found, ok, err := st.AuditTemplate(d.Object, defaultNamespace)
		if err != nil {
			return fmt.Errorf("%s: %w", d, err)
		}
		if !ok {
			continue
		}
		n++
		for _, r := range found {
			if !slices.Contains(o.sources[r.Pod], d.Source) {
				o.sources[r.Pod] = append(o.sources[r.Pod], d.Source)
			}
		}
		rows = append(rows, found...)
	}
	if n > 0 {
		rep.AddTemplateRows(n, rows)
	}
	return nil
}
