package cli

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/sidecarctl/sidecarctl/cmd/sidecarctl/internal/server"
)

// ServeOptions holds `sidecarctl serve` flags.
type ServeOptions struct {
	IOStreams
	engineFlags
	flags             *pflag.FlagSet
	Mode              string
	Kubeconfig        string
	Host              string
	Port              int
	CertDir           string
	MetricsAddr       string
	ProbeAddr         string
	LeaderElect       bool
	LeaderElectionNS  string
	LeaseDuration     time.Duration
	RenewDeadline     time.Duration
	RetryPeriod       time.Duration
	AppPatchNamespace string
	Namespace         string
	ServiceName       string
	WebhookURL        string
	WebhookConfigName string
	ManageCerts       bool
	ExcludeNamespaces []string
	Mirror            bool

	opts server.Options
}

func newCmdServe(streams IOStreams) *cobra.Command {
	o := &ServeOptions{IOStreams: streams}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the in-cluster webhooks: pod injection, SidecarSet defaulting and validation, binding validation",
		Long: `serve runs sidecarctl inside a cluster. In --mode standalone it is the SidecarSet injector (for
clusters without Kruise, or for virtual-node pods) and applies the app-container part of
injection profiles; in --mode kruise, Kruise injects SidecarSets and sidecarctl applies the
profile app parts and enforces SidecarSetResourceBindings. The webhooks go through the same
pipeline as 'sidecarctl inject': with the same state, the same Kruise version and feature gates,
and 'inject --mirror-references' for --mirror-cross-namespace, a pod gets the same result online
and offline.`,
		Args: noArgs,
		RunE: runCommand(o),
	}
	f := cmd.Flags()
	f.StringVar(&o.Mode, "mode", string(server.Standalone), "standalone (sidecarctl injects SidecarSets) or kruise (Kruise does; sidecarctl applies profiles and bindings)")
	f.StringVar(&o.Kubeconfig, "kubeconfig", "", "kubeconfig file; empty means in-cluster or $KUBECONFIG")
	f.StringVar(&o.Host, "webhook-host", "", "address the webhook server binds")
	f.IntVar(&o.Port, "webhook-port", 9443, "port of the webhook server")
	f.StringVar(&o.CertDir, "cert-dir", "", "directory with tls.crt and tls.key (reloaded when they change)")
	f.StringVar(&o.MetricsAddr, "metrics-bind-address", ":8080", "Prometheus metrics address ('0' disables)")
	f.StringVar(&o.ProbeAddr, "health-probe-bind-address", ":8081", "/healthz and /readyz address")
	f.BoolVar(&o.LeaderElect, "leader-elect", false, "elect a leader for the controllers (webhooks serve on every replica)")
	f.StringVar(&o.LeaderElectionNS, "leader-election-namespace", "", "namespace of the leader-election lease")
	f.DurationVar(&o.LeaseDuration, "leader-elect-lease-duration", 15*time.Second, "how long a lease lasts unrenewed: the controllers of a killed leader move to another replica after it")
	f.DurationVar(&o.RenewDeadline, "leader-elect-renew-deadline", 10*time.Second, "how long the leader tries to renew its lease before it exits: an API server unreachable for longer restarts it")
	f.DurationVar(&o.RetryPeriod, "leader-elect-retry-period", 2*time.Second, "how often a replica tries to acquire or renew the lease")
	f.StringVar(&o.AppPatchNamespace, "app-patch-namespace", "", "namespace of the sidecarctl-app-patches ConfigMap (default sidecarctl-system)")
	f.StringVar(&o.Namespace, "namespace", os.Getenv("POD_NAMESPACE"), "namespace sidecarctl runs in (default $POD_NAMESPACE)")
	f.StringVar(&o.ServiceName, "service-name", "sidecarctl-webhook", "Service in front of the webhook server")
	f.StringVar(&o.WebhookURL, "webhook-url", "", "address the webhooks by this base URL instead of the Service (a server outside the cluster)")
	f.StringVar(&o.WebhookConfigName, "webhook-config-name", "sidecarctl", "name of the webhook configurations sidecarctl keeps in sync ('' to leave them alone)")
	f.BoolVar(&o.ManageCerts, "manage-certs", true, "issue and rotate the serving certificate in a Secret and patch caBundle; false when cert-manager provides --cert-dir")
	f.StringSliceVar(&o.ExcludeNamespaces, "exclude-namespaces", []string{"kube-system"}, "namespaces whose pods never reach the pod webhook (sidecarctl's own is always excluded)")
	f.BoolVar(&o.Mirror, "mirror-cross-namespace", true, "copy ConfigMaps/Secrets a binding authorizes as namespace/name into the namespaces of regular-node pods, and point those pods at the copies")
	o.engineFlags.addFlags(f)
	// The state comes from the cluster, and the offline-only choices have serve's own flags
	// (--mirror-cross-namespace) or no meaning in a webhook (profiles are compiled by
	// translate and applied from the app-patches ConfigMap). The webhook keeps the fields
	// Kruise would lose: --kruise-exact is for predicting Kruise offline.
	hideFlags(f, serveRefusedFlags())
	o.flags = f
	return cmd
}

// Complete turns flags into server options.
func (o *ServeOptions) Complete() error {
	engine, err := o.engineFlags.options()
	if err != nil {
		return err
	}
	if o.Timestamp == defaultTimestamp {
		// In a cluster the hash annotations record the real injection time, as Kruise does.
		engine.Now = metav1.Time{}
	}
	mode := server.Mode(o.Mode)
	if mode != server.Standalone && mode != server.KruiseMode {
		return fmt.Errorf("--mode must be standalone or kruise, not %q", o.Mode)
	}
	exclude := append([]string{}, o.ExcludeNamespaces...)
	if o.Namespace != "" {
		exclude = append(exclude, o.Namespace)
	}
	o.opts = server.Options{Mode: mode, Engine: engine, Host: o.Host, Port: o.Port, CertDir: o.CertDir,
		MetricsAddr: o.MetricsAddr, ProbeAddr: o.ProbeAddr, LeaderElection: o.LeaderElect,
		LeaderElectionNS: o.LeaderElectionNS, LeaseDuration: o.LeaseDuration, RenewDeadline: o.RenewDeadline,
		RetryPeriod: o.RetryPeriod, AppPatchNamespace: o.AppPatchNamespace,
		Namespace: o.Namespace, ServiceName: o.ServiceName, WebhookURL: o.WebhookURL,
		WebhookConfigName: o.WebhookConfigName, ManageCerts: o.ManageCerts, ExcludeNamespaces: exclude,
		MirrorCrossNamespace: o.Mirror, MainContainer: o.MainContainer}
	return nil
}

// Validate has nothing more to check: Complete parsed every flag.
func (o *ServeOptions) Validate() error {
	return refusedFlag(o.flags, serveRefusedFlags(),
		"serve does not take it: the state is the cluster's, and the webhook keeps the fields Kruise would lose (offline flags: sidecarctl inject --help)")
}

// serveRefusedFlags are the engine and profile flags with no meaning in a webhook (see
// newCmdServe); hidden, and refused when given.
func serveRefusedFlags() []string {
	return []string{"from", "strict", "mirror-references", "profile", "region", "target", "platform",
		"hostpath", "virtual-node-label", "virtual-node-privileged", "kruise-exact"}
}

// Run serves until the context ends.
func (o *ServeOptions) Run(ctx context.Context) error {
	cfg, err := o.restConfig()
	if err != nil {
		return err
	}
	return server.Run(ctx, cfg, o.opts)
}

func (o *ServeOptions) restConfig() (*rest.Config, error) {
	if o.Kubeconfig != "" {
		return clientcmd.BuildConfigFromFlags("", o.Kubeconfig)
	}
	if os.Getenv("KUBECONFIG") == "" {
		if cfg, err := rest.InClusterConfig(); err == nil {
			return cfg, nil
		}
	}
	return ctrl.GetConfig()
}
