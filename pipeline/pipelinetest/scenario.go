package pipelinetest

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/pipeline"
	"github.com/sidecarctl/sidecarctl/sidecarset"
)

//go:embed testdata/scenarios/*.yaml
var scenarios embed.FS

// ScenarioDir is where the scenarios and their golden outcomes live, relative to this package.
const ScenarioDir = "testdata/scenarios"

// Scenario is one pipeline case beyond Kruise's corpus: app-container parts, profiles,
// mirror rewrites, bindings and refusals, which every path (the pipeline, the webhook
// handler) must handle alike. Its golden outcome is NAME.golden.yaml next to it.
type Scenario struct {
	Name        string `json:"-"`
	Description string `json:"description"`
	// Trust is "files" (default) or "stored" (as the webhook reads a cluster).
	Trust         string `json:"trust"`
	KruiseVersion string `json:"kruiseVersion"`
	// KruiseExact reproduces the fields Kruise loses or moves (--kruise-exact).
	KruiseExact      bool   `json:"kruiseExact"`
	MirrorReferences bool   `json:"mirrorReferences"`
	Strict           bool   `json:"strict"`
	Region           string `json:"region"`
	// State holds the cluster objects in creation order.
	State []map[string]any `json:"state"`
	Pod   *corev1.Pod      `json:"pod"`
	// Golden is the content of NAME.golden.yaml, empty when it does not exist yet.
	Golden []byte `json:"-"`
}

// Scenarios returns every scenario, sorted by name.
func Scenarios() ([]*Scenario, error) {
	files, err := fs.Glob(scenarios, path.Join(ScenarioDir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	var out []*Scenario
	for _, f := range files {
		if strings.HasSuffix(f, ".golden.yaml") {
			continue
		}
		raw, err := fs.ReadFile(scenarios, f)
		if err != nil {
			return nil, err
		}
		sc := &Scenario{Name: strings.TrimSuffix(path.Base(f), ".yaml")}
		if err := yaml.UnmarshalStrict(raw, sc); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		sc.Golden, _ = fs.ReadFile(scenarios, path.Join(ScenarioDir, sc.Name+".golden.yaml"))
		out = append(out, sc)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Options are the scenario's pipeline options (hash time fixed).
func (sc *Scenario) Options() (pipeline.Options, error) {
	v, err := sidecarset.ParseVersion(sc.KruiseVersion)
	if err != nil {
		return pipeline.Options{}, fmt.Errorf("%s: %w", sc.Name, err)
	}
	o := pipeline.Options{Engine: sidecarset.Options{Version: v, Now: FixedTime, KruiseExact: sc.KruiseExact}, MirrorReferences: sc.MirrorReferences,
		Strict: sc.Strict, Region: sc.Region}
	switch sc.Trust {
	case "", "files":
		o.Trust = pipeline.Files
	case "stored":
		o.Trust = pipeline.Stored
	default:
		return o, fmt.Errorf("%s: trust %q: want files or stored", sc.Name, sc.Trust)
	}
	return o, nil
}

// Input decodes the scenario's state.
func (sc *Scenario) Input() (*pipeline.Input, error) {
	items := make([]pipeline.Item, len(sc.State))
	for i, obj := range sc.State {
		items[i] = pipeline.Item{Object: &unstructured.Unstructured{Object: obj}, Source: fmt.Sprintf("%s state[%d]", sc.Name, i)}
	}
	return pipeline.Decode(items)
}

// Outcome is what a scenario's golden file holds: the pipeline's full record of the pod.
type Outcome struct {
	Refusal    string                `json:"refusal,omitempty"`
	AppPatches []string              `json:"appPatches,omitempty"`
	Decisions  []sidecarset.Decision `json:"decisions"`
	Findings   finding.List          `json:"findings,omitempty"`
	// Unauthorized are the findings of the references a cluster refuses although Kruise
	// injects the pod (PodResult.Unauthorized): the webhook denies the pod with them, and
	// inject --strict fails for them.
	Unauthorized finding.List `json:"unauthorized,omitempty"`
	Pod          *corev1.Pod  `json:"pod,omitempty"`
}

// ParseGolden reads the golden outcome.
func (sc *Scenario) ParseGolden() (*Outcome, error) {
	var o Outcome
	if err := yaml.Unmarshal(sc.Golden, &o); err != nil {
		return nil, fmt.Errorf("%s.golden.yaml: %w", sc.Name, err)
	}
	return &o, nil
}

// Admit admits the scenario's state with its options: what every path starts from.
func (sc *Scenario) Admit() (*pipeline.State, error) {
	opts, err := sc.Options()
	if err != nil {
		return nil, err
	}
	in, err := sc.Input()
	if err != nil {
		return nil, err
	}
	return pipeline.Admit(in, opts)
}
