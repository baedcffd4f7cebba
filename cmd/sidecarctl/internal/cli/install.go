package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"k8s.io/client-go/tools/clientcmd"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/sidecarctl/sidecarctl/cmd/sidecarctl/internal/manifest"
	"github.com/sidecarctl/sidecarctl/config/manifests"
)

// InstallOptions holds `sidecarctl install` flags.
type InstallOptions struct {
	IOStreams
	DryRun        bool
	WithoutKruise bool
	Image         string
	Kubeconfig    string
}

func newCmdInstall(streams IOStreams) *cobra.Command {
	o := &InstallOptions{IOStreams: streams}
	cmd := &cobra.Command{
		Use:   "install [--dry-run] [--without-kruise] [--image IMAGE]",
		Short: "Install sidecarctl's in-cluster webhooks (the objects of `kubectl apply -k config/manifests`)",
		Long: `install renders config/manifests (kustomize, embedded in the binary) and applies it with
server-side apply, or prints it with --dry-run. --without-kruise also installs the SidecarSet CRD
and runs sidecarctl as the SidecarSet injector (--mode standalone).`,
		Example: `  sidecarctl install --dry-run | kubectl apply -f -
  sidecarctl install --without-kruise --image registry.example.com/sidecarctl:v0.1.0`,
		Args: noArgs,
		RunE: runCommand(o),
	}
	cmd.Flags().BoolVar(&o.DryRun, "dry-run", false, "print the manifests instead of applying them")
	cmd.Flags().BoolVar(&o.WithoutKruise, "without-kruise", false, "for clusters without OpenKruise: add the SidecarSet CRD and inject SidecarSets")
	cmd.Flags().StringVar(&o.Image, "image", "", "sidecarctl image to run")
	cmd.Flags().StringVar(&o.Kubeconfig, "kubeconfig", "", "kubeconfig file; empty means $KUBECONFIG or in-cluster")
	return cmd
}

// Complete has nothing to fill in.
func (o *InstallOptions) Complete() error { return nil }

// Validate has nothing to check: every flag value is accepted.
func (o *InstallOptions) Validate() error { return nil }

// Run renders and prints or applies.
func (o *InstallOptions) Run(ctx context.Context) error {
	overlay := manifests.WithKruise
	if o.WithoutKruise {
		overlay = manifests.WithoutKruise
	}
	out, err := manifests.Render(overlay, o.Image)
	if err != nil {
		return err
	}
	if o.DryRun {
		_, err := io.Copy(o.Out, bytes.NewReader(out))
		return err
	}
	docs, err := manifest.Parse("config/manifests", out)
	if err != nil {
		return err
	}
	cfg, err := ctrl.GetConfig()
	if o.Kubeconfig != "" {
		cfg, err = clientcmd.BuildConfigFromFlags("", o.Kubeconfig)
	}
	if err != nil {
		return err
	}
	c, err := client.New(cfg, client.Options{})
	if err != nil {
		return err
	}
	for _, doc := range docs {
		obj := doc.Object
		obj.SetManagedFields(nil)
		if err := c.Patch(ctx, obj, client.Apply, client.FieldOwner("sidecarctl"), client.ForceOwnership); err != nil {
			return fmt.Errorf("apply %s: %w", doc, err)
		}
		fmt.Fprintf(o.Out, "%s/%s applied\n", obj.GetKind(), obj.GetName())
	}
	return nil
}
