package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/pflag"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/sidecarctl/sidecarctl/pipeline"
	"github.com/sidecarctl/sidecarctl/sidecarset"
)

// defaultTimestamp is written into the hash annotations unless --timestamp says otherwise.
// A fixed value keeps offline output deterministic (GitOps diffs); it is the time Kruise's
// conformance oracle uses too.
const defaultTimestamp = "2000-01-01T00:00:00Z"

// engineFlags are the flags that describe the Kruise installation being reproduced; inject,
// explain and check share them.
type engineFlags struct {
	profileFlags
	From             []string
	KruiseVersion    string
	FeatureGates     string
	AllowPrivileged  bool
	Timestamp        string
	SkipDefaulting   bool
	SkipValidation   bool
	RecordRevisions  bool
	Region           string
	Operation        string
	Strict           bool
	MirrorReferences bool
	KruiseExact      bool
}

func (f *engineFlags) addFlags(fs *pflag.FlagSet) {
	fs.StringArrayVar(&f.From, "from", nil, "cluster state: files or directories with SidecarSets (created in creationTimestamp order where they carry one, else in file order), Namespaces, ConfigMaps, SidecarSetResourceBindings, ControllerRevisions ('-' for stdin); without it the state objects of -f are used")
	fs.StringVar(&f.KruiseVersion, "kruise-version", "", "Kruise release to reproduce: "+releaseList()+", or any tag of them (1.5 means its last patch, v1.7.5 is 1.8); 1.3 for Alibaba Cloud virtual nodes (default 1.8, or the cluster's with --from-cluster)")
	fs.StringVar(&f.FeatureGates, "feature-gates", "", "Kruise feature gates, e.g. SidecarSetPatchPodMetadataDefaultsAllowed=true")
	fs.BoolVar(&f.AllowPrivileged, "allow-privileged", true, "kruise-manager's --allow-privileged: whether privileged sidecars pass validation")
	fs.StringVar(&f.Timestamp, "timestamp", defaultTimestamp, "updateTimestamp written into the hash annotations (RFC 3339, or 'now')")
	fs.BoolVar(&f.SkipDefaulting, "skip-sidecarset-defaulting", false, "store SidecarSets without Kruise's SidecarSet mutating webhook (no defaults, empty hashes)")
	fs.BoolVar(&f.SkipValidation, "skip-sidecarset-validation", false, "store SidecarSets without Kruise's SidecarSet validating webhook")
	fs.StringVar(&f.Operation, "operation", "CREATE", "admission operation the pods arrive in: CREATE, or UPDATE (on which Kruise injects nothing)")
	fs.StringVar(&f.Region, "region", "", "region that replaces <region-id> in injection profiles given with --from")
	fs.BoolVar(&f.Strict, "strict", false, "make warnings that hide a mistake errors: unknown fields, unknown feature gates, runtimes no profile defines, unauthorized or malformed namespace/name references (those the webhook refuses)")
	fs.BoolVar(&f.MirrorReferences, "mirror-references", false, "point authorized namespace/name ConfigMap and Secret references of regular-node pods at the mirrors sidecarctl serve keeps in the pod's namespace, as serve does")
	fs.BoolVar(&f.KruiseExact, "kruise-exact", false, "lose or move the fields Kruise loses or moves (fields newer than the Kubernetes types of its release: dropped from SidecarSets, lost or moved in pods by its patch); by default they are kept where written and reported")
	fs.BoolVar(&f.RecordRevisions, "record-revisions", false, "record a ControllerRevision per SidecarSet and set status.latestRevision, as Kruise's controller does")
	f.profileFlags.addFlags(fs)
	for _, name := range []string{"skip-sidecarset-defaulting", "skip-sidecarset-validation", "record-revisions", "operation"} {
		_ = fs.MarkHidden(name)
	}
}

// pipelineOptions are the pipeline options of an offline command over files.
func (f *engineFlags) pipelineOptions(keepGoing bool) (pipeline.Options, error) {
	engine, err := f.options()
	if err != nil {
		return pipeline.Options{}, err
	}
	profiles, err := f.profileFlags.options()
	if err != nil {
		return pipeline.Options{}, err
	}
	return pipeline.Options{Engine: engine, Trust: pipeline.Files, KeepGoing: keepGoing,
		Region: f.Region, Strict: f.Strict, MirrorReferences: f.MirrorReferences, Translate: profiles, Profiles: f.Profiles}, nil
}

func (f *engineFlags) operation() (sidecarset.Operation, error) {
	switch op := sidecarset.Operation(strings.ToUpper(f.Operation)); op {
	case sidecarset.Create, sidecarset.Update:
		return op, nil
	}
	return "", fmt.Errorf("--operation must be CREATE or UPDATE, not %q", f.Operation)
}

func (f *engineFlags) options() (sidecarset.Options, error) {
	// Unset stays unset (the engine's default, v1.8) so that --from-cluster can take the
	// cluster's.
	var v sidecarset.Version
	if f.KruiseVersion != "" {
		var err error
		if v, err = sidecarset.ParseVersion(f.KruiseVersion); err != nil {
			return sidecarset.Options{}, fmt.Errorf("--kruise-version: %w", err)
		}
	}
	gates, err := sidecarset.ParseFeatureGates(f.FeatureGates)
	if err != nil {
		return sidecarset.Options{}, fmt.Errorf("--feature-gates: %w", err)
	}
	opts := sidecarset.Options{
		Version:            v,
		FeatureGates:       gates,
		DisallowPrivileged: !f.AllowPrivileged,
		SkipDefaulting:     f.SkipDefaulting,
		SkipValidation:     f.SkipValidation,
		RecordRevisions:    f.RecordRevisions,
		KruiseExact:        f.KruiseExact,
	}
	switch f.Timestamp {
	case "now":
		opts.Now = metav1.NewTime(time.Now().UTC().Truncate(time.Second))
	default:
		ts, err := time.Parse(time.RFC3339, f.Timestamp)
		if err != nil {
			return sidecarset.Options{}, fmt.Errorf("--timestamp %q: want an RFC 3339 time such as 2026-01-02T15:04:05Z, or now", f.Timestamp)
		}
		opts.Now = metav1.NewTime(ts.UTC().Truncate(time.Second))
	}
	return opts, nil
}

// releaseList names the Kruise releases sidecarctl emulates, from sidecarset's list.
func releaseList() string {
	var names []string
	for _, v := range sidecarset.Releases() {
		names = append(names, string(v))
	}
	return strings.Join(names, ", ")
}

// hideFlags hides the flags a command registers with the shared sets but cannot use;
// refusedFlag then turns giving one of them into a usage error, so that a flag never seems
// to work while doing nothing, or works unseen.
func hideFlags(fs *pflag.FlagSet, names []string) {
	for _, name := range names {
		_ = fs.MarkHidden(name)
	}
}

// refusedFlag returns a usage error for the first of names given on the command line.
func refusedFlag(fs *pflag.FlagSet, names []string, why string) error {
	if fs == nil {
		return nil
	}
	for _, name := range names {
		if fs.Changed(name) {
			return fmt.Errorf("--%s: %s", name, why)
		}
	}
	return nil
}
