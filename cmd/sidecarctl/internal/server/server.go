package server

import (
	"context"
	"fmt"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	bindingv1alpha1 "github.com/sidecarctl/sidecarctl/binding/v1alpha1"
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
}

// NewScheme returns the scheme of every kind the server reads.
func NewScheme() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, appsv1alpha1.AddToScheme, bindingv1alpha1.AddToScheme} {
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
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                  scheme,
		Metrics:                 metricsserver.Options{BindAddress: o.MetricsAddr},
		HealthProbeBindAddress:  o.ProbeAddr,
		LeaderElection:          o.LeaderElection,
		LeaderElectionID:        "sidecarctl-leader",
		LeaderElectionNamespace: o.LeaderElectionNS,
		WebhookServer:           webhook.NewServer(webhook.Options{Host: o.Host, Port: o.Port, CertDir: o.CertDir}),
	})
	if err != nil {
		return fmt.Errorf("create manager: %w", err)
	}
	m, err := NewMetrics(metrics.Registry)
	if err != nil {
		return err
	}
	snap := NewSnapshot(mgr.GetCache(), o.Engine, o.Mode != KruiseMode, o.AppPatchNamespace)
	if err := snap.Watch(ctx, mgr.GetCache()); err != nil {
		return err
	}
	ws := mgr.GetWebhookServer()
	ws.Register(PathMutatePod, &webhook.Admission{Handler: &PodHandler{Snapshot: snap, Metrics: m, Recorder: mgr.GetEventRecorder("sidecarctl")}})
	ws.Register(PathValidateSidecarSet, &webhook.Admission{Handler: &SidecarSetValidator{Snapshot: snap, Metrics: m, AllowPrivileged: !o.Engine.DisallowPrivileged}})
	ws.Register(PathValidateBinding, &webhook.Admission{Handler: &BindingValidator{Metrics: m}})
	if o.Mode != KruiseMode {
		ws.Register(PathMutateSidecarSet, &webhook.Admission{Handler: &SidecarSetDefaulter{Version: o.Engine.Version, Metrics: m}})
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return err
	}
	if err := mgr.AddReadyzCheck("readyz", ws.StartedChecker()); err != nil {
		return err
	}
	return mgr.Start(ctx)
}
