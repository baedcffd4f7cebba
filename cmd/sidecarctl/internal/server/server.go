package server

import (
	"context"
	"fmt"
	"net/url"
	"time"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	bindingv1alpha1 "github.com/sidecarctl/sidecarctl/binding/v1alpha1"
	"github.com/sidecarctl/sidecarctl/pipeline"
	"github.com/sidecarctl/sidecarctl/sidecarset"
	"github.com/sidecarctl/sidecarctl/translate"
)

// Mode says who injects SidecarSets.
type Mode string

const (
	// Standalone: sidecarctl is the SidecarSet injector (no Kruise, or virtual-node pods).
	Standalone Mode = "standalone"
	// KruiseMode: Kruise's webhook injects SidecarSets; sidecarctl applies profile app
	// parts and enforces bindings.
	KruiseMode Mode = "kruise"
)

// Webhook paths, shared with the generated webhook configurations.
const (
	PathMutatePod          = "/mutate-pod"
	PathMutateSidecarSet   = "/mutate-sidecarset"
	PathValidateSidecarSet = "/validate-sidecarset"
	PathValidateBinding    = "/validate-sidecarsetresourcebinding"
)

// Options configure the server.
type Options struct {
	Mode              Mode
	Engine            sidecarset.Options
	Host              string
	Port              int
	CertDir           string
	MetricsAddr       string
	ProbeAddr         string
	LeaderElection    bool
	LeaderElectionNS  string
	AppPatchNamespace string
	// Namespace and ServiceName locate the server in the cluster (certificate names,
	// webhook clientConfig, the certificate Secret).
	Namespace   string
	ServiceName string
	// WebhookURL, if set, addresses the server by URL instead of the Service (a server run
	// outside the cluster); its host goes into the certificate.
	WebhookURL string
	// WebhookConfigName names both webhook configurations; empty disables their management.
	WebhookConfigName string
	// ManageCerts makes the server issue and rotate its own certificate in a Secret; without
	// it CertDir must already hold one (cert-manager).
	ManageCerts bool
	// ExcludeNamespaces never reach the pod webhook.
	ExcludeNamespaces []string
	// MirrorCrossNamespace copies authorized namespace/name ConfigMaps and Secrets into the
	// namespaces regular-node pods run in, and points those pods at the copies.
	MirrorCrossNamespace bool
	// MainContainer names the app container the app-container parts go to; empty means the
	// first container that is not a sidecar (as inject --main-container).
	MainContainer string

	// LeaseDuration, RenewDeadline and RetryPeriod time the leader election; zero means
	// controller-runtime's default (15s, 10s, 2s).
	LeaseDuration, RenewDeadline, RetryPeriod time.Duration
}

// NewScheme returns the scheme of every kind the server reads.
func NewScheme() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, appsv1alpha1.AddToScheme, bindingv1alpha1.AddToScheme,
		apiextensionsv1.AddToScheme} {
		if err := add(s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Run starts the manager and blocks until ctx is done.
func Run(ctx context.Context, cfg *rest.Config, o Options) error {
	scheme, err := NewScheme()
	if err != nil {
		return err
	}
	if o.AppPatchNamespace == "" {
		o.AppPatchNamespace = translate.DefaultAppPatchNamespace
	}
	// The cache holds only what the snapshot reads: ConfigMaps and ControllerRevisions of the
	// namespaces that matter, so RBAC can stay narrow. Secrets and webhook configurations go
	// through a direct client and are never cached.
	cacheOpts := cache.Options{ByObject: map[client.Object]cache.ByObject{
		&corev1.ConfigMap{}:          {Namespaces: map[string]cache.Config{sidecarset.KruiseNamespace: {}, o.AppPatchNamespace: {}}},
		&appsv1.ControllerRevision{}: {Namespaces: map[string]cache.Config{sidecarset.KruiseNamespace: {}}},
	}}
	direct, err := client.NewWithWatch(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return err
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                  scheme,
		Cache:                   cacheOpts,
		Metrics:                 metricsserver.Options{BindAddress: o.MetricsAddr},
		HealthProbeBindAddress:  o.ProbeAddr,
		LeaderElection:          o.LeaderElection,
		LeaderElectionID:        "sidecarctl-leader",
		LeaderElectionNamespace: o.LeaderElectionNS,
		LeaseDuration:           nonZero(o.LeaseDuration),
		RenewDeadline:           nonZero(o.RenewDeadline),
		RetryPeriod:             nonZero(o.RetryPeriod),
		WebhookServer:           webhook.NewServer(webhook.Options{Host: o.Host, Port: o.Port, CertDir: o.CertDir}),
	})
	if err != nil {
		return fmt.Errorf("create manager: %w", err)
	}
	if o.ManageCerts {
		if err := o.syncCertsOnce(ctx, direct); err != nil {
			return err
		}
	}
	if o.Mode != KruiseMode {
		if err := o.syncConversion(ctx, direct); err != nil {
			return err
		}
	}
	m, err := NewMetrics(metrics.Registry)
	if err != nil {
		return err
	}
	snap := NewSnapshot(mgr.GetCache(), pipeline.Options{Engine: o.Engine, SkipSidecarSets: o.Mode == KruiseMode,
		MirrorReferences: o.MirrorCrossNamespace, Translate: translate.Options{MainContainer: o.MainContainer}}, o.AppPatchNamespace)
	snap.Metrics = m
	if err := snap.Watch(ctx, mgr.GetCache()); err != nil {
		return err
	}
	if err := mgr.Add(snap); err != nil {
		return err
	}
	ws := mgr.GetWebhookServer()
	ws.Register(PathMutatePod, &webhook.Admission{Handler: &PodHandler{Snapshot: snap, Metrics: m,
		Recorder: mgr.GetEventRecorder("sidecarctl")}})
	if o.MirrorCrossNamespace {
		excluded := map[string]bool{}
		for _, ns := range o.ExcludeNamespaces {
			excluded[ns] = true
		}
		if err := mgr.Add(&Mirrorer{Client: direct, Watcher: direct, Snapshot: snap, Excluded: excluded}); err != nil {
			return err
		}
	}
	ws.Register(PathValidateSidecarSet, &webhook.Admission{Handler: &SidecarSetValidator{Snapshot: snap, Metrics: m}})
	ws.Register(PathValidateBinding, &webhook.Admission{Handler: &BindingValidator{Metrics: m}})
	if o.Mode != KruiseMode {
		ws.Register(PathConvertSidecarSet, &SidecarSetConverter{Metrics: m})
		ws.Register(PathMutateSidecarSet, &webhook.Admission{Handler: &SidecarSetDefaulter{Version: o.Engine.Version, Metrics: m}})
	}
	if o.WebhookConfigName != "" {
		sync := &WebhookSync{Client: direct, Snapshot: snap, Options: o.webhookConfigOptions()}
		if o.ManageCerts {
			sync.Certs = o.certSource(direct)
		}
		if err := mgr.Add(sync); err != nil {
			return err
		}
	}
	if o.ManageCerts {
		// Every replica copies a renewed certificate from the Secret into its cert dir.
		certs := o.certSource(direct)
		if err := mgr.Add(manager.RunnableFunc(func(ctx context.Context) error {
			wait.UntilWithContext(ctx, func(ctx context.Context) {
				_, _ = certs.Sync(ctx)
				if o.Mode != KruiseMode {
					_ = o.syncConversion(ctx, direct)
				}
			}, time.Hour)
			return nil
		})); err != nil {
			return err
		}
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return err
	}
	if err := mgr.AddReadyzCheck("readyz", ws.StartedChecker()); err != nil {
		return err
	}
	if err := mgr.AddReadyzCheck("state", snap.Ready); err != nil {
		return err
	}
	return mgr.Start(ctx)
}

// nonZero is d, or nil (the default) when d is zero.
func nonZero(d time.Duration) *time.Duration {
	if d == 0 {
		return nil
	}
	return &d
}

func (o Options) certSource(c client.Client) *CertSource {
	cs := &CertSource{Client: c, Namespace: o.Namespace, SecretName: o.ServiceName + "-webhook-cert",
		ServiceName: o.ServiceName, CertDir: o.CertDir}
	if o.WebhookURL != "" {
		if u, err := url.Parse(o.WebhookURL); err == nil {
			cs.Hosts = append(cs.Hosts, u.Hostname())
		}
	}
	return cs
}

// syncCertsOnce issues or fetches the certificate before the webhook server starts, with a
// direct client: the manager's cache is not running yet.
func (o Options) syncCertsOnce(ctx context.Context, c client.Client) error {
	if o.CertDir == "" || o.Namespace == "" || o.ServiceName == "" {
		return fmt.Errorf("managing certificates needs --cert-dir, --namespace and --service-name")
	}
	_, err := o.certSource(c).Sync(ctx)
	return err
}

// syncConversion keeps the SidecarSet CRD's conversion webhook pointed at this server, with
// the managed certificate's CA when the server manages it.
func (o Options) syncConversion(ctx context.Context, c client.Client) error {
	opts := o.webhookConfigOptions()
	if o.ManageCerts {
		ca, err := o.certSource(c).Sync(ctx)
		if err != nil {
			return err
		}
		opts.CABundle = ca
	}
	return SyncSidecarSetConversion(ctx, c, opts)
}

func (o Options) webhookConfigOptions() WebhookConfigOptions {
	return WebhookConfigOptions{Name: o.WebhookConfigName, ServiceNamespace: o.Namespace, ServiceName: o.ServiceName,
		ServicePort: 443, URL: o.WebhookURL, ExcludeNamespaces: o.ExcludeNamespaces, Mode: o.Mode}
}
