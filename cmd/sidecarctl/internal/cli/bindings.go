package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/sidecarctl/sidecarctl/binding"
	"github.com/sidecarctl/sidecarctl/cmd/sidecarctl/internal/manifest"
	"github.com/sidecarctl/sidecarctl/pipeline"
	"github.com/sidecarctl/sidecarctl/sidecarset"
)

// BindingsOptions holds `sidecarctl bindings` flags.
type BindingsOptions struct {
	IOStreams
	clusterFlags
	Filenames []string
	Recursive bool
	Output    string
}

func newCmdBindings(streams IOStreams) *cobra.Command {
	o := &BindingsOptions{IOStreams: streams}
	cmd := &cobra.Command{
		Use:   "bindings -f SIDECARSETS",
		Short: "Generate the minimal SidecarSetResourceBindings that authorize the SidecarSets' cross-namespace references",
		Long: `Every ConfigMap or Secret a SidecarSet references as namespace/name must be granted by a
SidecarSetResourceBinding in that namespace that names the SidecarSet as subject. This command
writes one binding per SidecarSet and namespace, listing exactly the objects it references.`,
		Example: `  sidecarctl bindings -f filebeat-sidecarset.yaml | kubectl apply -f -`,
		Args:    noArgs,
		RunE:    runCommand(o),
	}
	cmd.Flags().StringArrayVarP(&o.Filenames, "filename", "f", nil, "SidecarSets: files, directories or '-' for stdin (other kinds are ignored)")
	cmd.Flags().BoolVarP(&o.Recursive, "recursive", "R", false, "process directories recursively")
	cmd.Flags().StringVarP(&o.Output, "output", "o", "yaml", "output format: yaml or json")
	o.clusterFlags.addFlags(cmd.Flags())
	return cmd
}

// Complete has nothing to fill in.
func (o *BindingsOptions) Complete() error { return nil }

// Validate checks the flags.
func (o *BindingsOptions) Validate() error {
	if err := localPaths("-f", o.Filenames...); err != nil {
		return err
	}
	if len(o.Filenames) == 0 && !o.FromCluster {
		return errors.New("-f (or --from-cluster) is required: the SidecarSets")
	}
	if o.Output != manifest.FormatYAML && o.Output != manifest.FormatJSON {
		return fmt.Errorf("--output must be yaml or json, not %q", o.Output)
	}
	return nil
}

// Run writes the bindings.
func (o *BindingsOptions) Run(ctx context.Context) error {
	// Name the flag, as every command does, before the read that names only the path.
	if err := pathsExist("-f", o.Filenames); err != nil {
		return err
	}
	// Any version will do: bindings read references, and no Kruise release changes them.
	in, err := o.clusterFlags.readInput(ctx, o.Filenames, nil, o.Recursive, o.In, &pipeline.Options{Engine: sidecarset.Options{Version: sidecarset.KruiseV18}})
	if err != nil {
		return err
	}
	var sets []*appsv1alpha1.SidecarSet
	for _, c := range in.Creations {
		if c.SidecarSet == nil {
			continue
		}
		for _, ref := range binding.References(c.SidecarSet) {
			if ref.Malformed() {
				return fmt.Errorf("%s: %s: %s", c.Source, ref.Path, ref.Problem)
			}
		}
		sets = append(sets, c.SidecarSet)
	}
	var objs []*unstructured.Unstructured
	for _, b := range binding.Minimal(sets) {
		m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&b)
		if err != nil {
			return err
		}
		objs = append(objs, &unstructured.Unstructured{Object: m})
	}
	var out bytes.Buffer
	if len(objs) > 0 {
		if err := manifest.Write(&out, objs, o.Output); err != nil {
			return err
		}
	}
	if _, err := io.Copy(o.Out, &out); err != nil {
		return err
	}
	if len(objs) == 0 {
		fmt.Fprintln(o.ErrOut, "no cross-namespace references: no binding needed")
	}
	writeStateFindings(o.ErrOut, in.Findings)
	return nil
}
