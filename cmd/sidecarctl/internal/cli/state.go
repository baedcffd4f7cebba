package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/sidecarctl/sidecarctl/cmd/sidecarctl/internal/clusterstate"
	"github.com/sidecarctl/sidecarctl/cmd/sidecarctl/internal/manifest"
	"github.com/sidecarctl/sidecarctl/cmd/sidecarctl/internal/server"
	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/pipeline"
)

// clusterFlags say where the cluster state comes from when it is a live cluster
// (--from-cluster), read-only, the way kubectl finds one.
type clusterFlags struct {
	FromCluster       bool
	Kubeconfig        string
	Context           string
	ProfilesNamespace string
}

func (c *clusterFlags) addFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&c.FromCluster, "from-cluster", false, "read the cluster state from a live cluster (read-only) instead of --from: SidecarSets in creation order, Namespaces, bindings, Kruise's ConfigMap and ControllerRevisions, the app-patches and profiles ConfigMaps; the Kruise version comes from kruise-manager's image unless --kruise-version is given")
	fs.StringVar(&c.Kubeconfig, "kubeconfig", "", "with --from-cluster: kubeconfig file (default $KUBECONFIG or ~/.kube/config)")
	fs.StringVar(&c.Context, "context", "", "with --from-cluster: kubeconfig context (default the current one)")
	fs.StringVar(&c.ProfilesNamespace, "profiles-namespace", "sandbox-system", "with --from-cluster: namespace of the sandbox-injection-config ConfigMap")
}

// readInput reads the state: the documents of paths (trust Files), or with --from-cluster the
// live cluster (trust Stored), whose Kruise version becomes the engine's unless
// --kruise-version was given.
func (c *clusterFlags) readInput(ctx context.Context, paths []string, extra []manifest.Document, recursive bool, stdin io.Reader, opts *pipeline.Options) (*pipeline.Input, error) {
	if !c.FromCluster {
		var docs []manifest.Document
		if len(paths) > 0 {
			var err error
			if docs, err = manifest.Read(paths, recursive, stdin); err != nil {
				return nil, err
			}
		}
		return pipeline.Decode(items(append(docs, extra...)))
	}
	if len(paths) > 0 || len(extra) > 0 {
		return nil, &exitError{code: 2, err: errors.New("--from-cluster reads the state from the cluster: give no --from files with it")}
	}
	cl, _, err := c.client()
	if err != nil {
		return nil, err
	}
	in, err := clusterstate.Read(ctx, cl, clusterstate.Options{ProfilesNamespace: c.ProfilesNamespace})
	if err != nil {
		return nil, fmt.Errorf("--from-cluster: %w", err)
	}
	opts.Trust = pipeline.Stored
	if opts.Engine.Version == "" {
		v, image, found, err := clusterstate.KruiseVersion(ctx, cl)
		if err != nil {
			return nil, fmt.Errorf("--from-cluster: %w; give --kruise-version", err)
		}
		if found {
			opts.Engine.Version = v
			in.Findings.Add(finding.Finding{Severity: finding.Info, Code: finding.KruiseVersionDetected, Field: "--kruise-version",
				Message: fmt.Sprintf("the cluster runs %s: sidecarctl reproduces Kruise v%s", image, v)})
		}
	}
	return in, nil
}

// client connects to the cluster --kubeconfig and --context name, read-only by use, and
// returns the context's namespace ("default" when it names none).
func (c *clusterFlags) client() (client.Client, string, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = c.Kubeconfig
	loader := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: c.Context})
	cfg, err := loader.ClientConfig()
	if err != nil {
		return nil, "", fmt.Errorf("--from-cluster: %w", err)
	}
	ns, _, err := loader.Namespace()
	if err != nil {
		return nil, "", fmt.Errorf("--from-cluster: %w", err)
	}
	scheme, err := server.NewScheme()
	if err != nil {
		return nil, "", err
	}
	cl, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return nil, "", fmt.Errorf("--from-cluster: %w", err)
	}
	return cl, ns, nil
}

// admitState reads the state and admits it through the pipeline: the commands' only way to
// build cluster state.
func (c *clusterFlags) admitState(ctx context.Context, paths []string, recursive bool, stdin io.Reader, opts pipeline.Options) (*pipeline.State, error) {
	return c.admitStateWith(ctx, paths, nil, recursive, stdin, opts)
}

// admitStateWith is admitState with documents already read (check's -f and -k) after those
// of paths.
func (c *clusterFlags) admitStateWith(ctx context.Context, paths []string, extra []manifest.Document, recursive bool, stdin io.Reader, opts pipeline.Options) (*pipeline.State, error) {
	if err := pathsExist("--from", paths); err != nil {
		return nil, err
	}
	in, err := c.readInput(ctx, paths, extra, recursive, stdin, &opts)
	if err != nil {
		return nil, err
	}
	return pipeline.Admit(in, opts)
}

// items hands documents to the pipeline, each with where it came from.
func items(docs []manifest.Document) []pipeline.Item {
	out := make([]pipeline.Item, len(docs))
	for i := range docs {
		out[i] = pipeline.Item{Object: docs[i].Object, Source: docs[i].String()}
	}
	return out
}

// admitForWorkloads reads the workloads of -f and admits the state for them: the profiles of
// the state follow the platform the workloads ask for (pipeline.Options.ForWorkloads).
// inject and explain start here, so they cannot differ.
func (f *engineFlags) admitForWorkloads(ctx context.Context, opts pipeline.Options, c *clusterFlags, in *inputFlags, stdin io.Reader) (*pipeline.State, []manifest.Document, error) {
	return f.admitFor(ctx, opts, pipeline.Options.ForWorkloads, c, in, stdin)
}

// admitFor reads the workloads of -f and admits the state with the options platform derives
// from them (pipeline.Options.ForWorkloads, or ForInjectedWorkloads for uninject).
func (f *engineFlags) admitFor(ctx context.Context, opts pipeline.Options, platform func(pipeline.Options, ...*unstructured.Unstructured) (pipeline.Options, error),
	c *clusterFlags, in *inputFlags, stdin io.Reader) (*pipeline.State, []manifest.Document, error) {
	docs, err := in.read(stdin)
	if err != nil {
		return nil, nil, err
	}
	if len(docs) == 0 {
		// An empty stream is more often a wrong path or a failed pipe than a wish.
		return nil, nil, fmt.Errorf("%s: no objects to work on", in.describe())
	}
	objs := make([]*unstructured.Unstructured, len(docs))
	for i := range docs {
		objs[i] = docs[i].Object
	}
	if opts, err = platform(opts, objs...); err != nil {
		return nil, nil, err
	}
	if len(f.From) == 0 && !c.FromCluster {
		// `kustomize build | sidecarctl inject -f -`: the stream carries its own state.
		st, err := stateFromInput(docs, in.flagNames(), opts)
		return st, docs, err
	}
	st, err := c.admitState(ctx, f.From, in.Recursive, stdin, opts)
	if err != nil {
		return nil, nil, err
	}
	return st, docs, nil
}

// stateFromInput admits the state kinds of the -f documents (SidecarSets, bindings,
// Namespaces, ConfigMaps, ControllerRevisions) when neither --from nor --from-cluster is
// given, and says so.
func stateFromInput(docs []manifest.Document, from string, opts pipeline.Options) (*pipeline.State, error) {
	var state []manifest.Document
	var names []string
	for _, d := range docs {
		if pipeline.IsStateKind(d.Object) {
			state = append(state, d)
			names = append(names, d.Object.GetKind()+" "+d.Object.GetName())
		}
	}
	in, err := pipeline.Decode(items(state))
	if err != nil {
		return nil, err
	}
	if len(state) > 0 {
		in.Findings.Add(finding.Finding{Severity: finding.Info, Code: finding.StateFromInput, Field: "--from",
			Message: fmt.Sprintf("no --from given: the state is what %s holds (%s)", from, strings.Join(names, ", "))})
	}
	return pipeline.Admit(in, opts)
}
