package sidecarsettest

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

//go:embed testdata/cases/*.json testdata/expected/*.json testdata/expected-v*/*.json
var corpus embed.FS

// Case is one conformance case (sidecarset/sidecarsettest/CONFORMANCE.md §2).
type Case struct {
	Name                        string                      `json:"-"`
	Description                 string                      `json:"description"`
	Operation                   string                      `json:"operation"`
	Pod                         *corev1.Pod                 `json:"pod"`
	OldPod                      *corev1.Pod                 `json:"oldPod"`
	SidecarSets                 []appsv1alpha1.SidecarSet   `json:"sidecarSets"`
	Namespaces                  []corev1.Namespace          `json:"namespaces"`
	ConfigMaps                  []corev1.ConfigMap          `json:"configMaps"`
	ControllerRevisions         []appsv1.ControllerRevision `json:"controllerRevisions"`
	FeatureGates                map[string]bool             `json:"featureGates"`
	SidecarSetMutatingWebhook   *bool                       `json:"sidecarSetMutatingWebhook"`
	SidecarSetValidatingWebhook *bool                       `json:"sidecarSetValidatingWebhook"`
	SidecarSetController        bool                        `json:"sidecarSetController"`
	Mode                        string                      `json:"mode"`
	AllowPrivileged             *bool                       `json:"allowPrivileged"`

	// Kruise is the Kruise release whose code produced Expected ("1.3", "1.5.0", "1.7": what
	// sidecarset.ParseVersion reads); empty means v1.8, the release of the corpus.
	Kruise string `json:"-"`
	// Raw is the case file; Expected is the oracle's output file.
	Raw      []byte `json:"-"`
	Expected []byte `json:"-"`
}

// Refusal is the oracle's output when Kruise refuses.
type Refusal struct {
	Error      string `json:"error"`
	Stage      string `json:"stage,omitempty"`
	SidecarSet string `json:"sidecarSet,omitempty"`
}

// ExpectsRefusal reports whether the oracle refused this case.
func (c *Case) ExpectsRefusal() (*Refusal, bool) {
	var r Refusal
	if err := json.Unmarshal(c.Expected, &r); err != nil || r.Error == "" {
		return nil, false
	}
	var probe map[string]any
	_ = json.Unmarshal(c.Expected, &probe)
	if _, isPod := probe["spec"]; isPod {
		return nil, false
	}
	return &r, true
}

// Cases returns every embedded case with Kruise v1.8's output, sorted by name. A case without
// an expected file, or an expected file without a case, is an error.
func Cases() ([]*Case, error) {
	return Load(corpus, "testdata")
}

// ReleaseCases returns the embedded cases once more for every other Kruise release whose
// outputs the corpus holds (testdata/expected-vX, CONFORMANCE.md §1), with that release's
// output and Case.Kruise set to X; their names are "vX/NNN-name". A case the release's oracle
// could not run has no file there and is left out.
func ReleaseCases() ([]*Case, error) {
	return LoadReleases(corpus, "testdata")
}

// Load reads cases/*.json and expected/*.json below dir of fsys.
func Load(fsys fs.FS, dir string) ([]*Case, error) {
	return load(fsys, dir, "expected", true)
}

// LoadReleases reads cases/*.json with each expected-vX/*.json below dir of fsys, sorted by
// release (in directory order) and name. An expected file without a case is an error.
func LoadReleases(fsys fs.FS, dir string) ([]*Case, error) {
	dirs, err := fs.Glob(fsys, path.Join(dir, "expected-v*"))
	if err != nil {
		return nil, err
	}
	var out []*Case
	for _, d := range dirs {
		kruise := strings.TrimPrefix(path.Base(d), "expected-v")
		cases, err := load(fsys, dir, path.Base(d), false)
		if err != nil {
			return nil, err
		}
		for _, c := range cases {
			c.Name, c.Kruise = "v"+kruise+"/"+c.Name, kruise
		}
		out = append(out, cases...)
	}
	return out, nil
}

// load pairs cases/NAME.json with expDir/NAME.json; with complete, every case needs one.
func load(fsys fs.FS, dir, expDir string, complete bool) ([]*Case, error) {
	caseFiles, err := fs.Glob(fsys, path.Join(dir, "cases", "*.json"))
	if err != nil {
		return nil, err
	}
	expFiles, err := fs.Glob(fsys, path.Join(dir, expDir, "*.json"))
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, f := range expFiles {
		want[strings.TrimSuffix(path.Base(f), ".json")] = true
	}
	var out []*Case
	for _, f := range caseFiles {
		name := strings.TrimSuffix(path.Base(f), ".json")
		if !want[name] {
			if complete {
				return nil, fmt.Errorf("%s: no %s file", f, expDir)
			}
			continue
		}
		delete(want, name)
		raw, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		c := &Case{}
		if err := json.Unmarshal(raw, c); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		c.Name, c.Raw = name, raw
		if c.Expected, err = fs.ReadFile(fsys, path.Join(dir, expDir, name+".json")); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	for name := range want {
		return nil, fmt.Errorf("%s/%s.json has no case", expDir, name)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Admitter receives a case's cluster objects; *sidecarset.State is one. The interface keeps
// this package free of the engine.
type Admitter interface {
	AddNamespace(*corev1.Namespace)
	AddConfigMap(*corev1.ConfigMap)
	AddControllerRevision(*appsv1.ControllerRevision)
	Create(*appsv1alpha1.SidecarSet) (*appsv1alpha1.SidecarSet, error)
}

// Admit stores the case's Namespaces, ConfigMaps and ControllerRevisions, then creates its
// SidecarSets in order, as the oracle did. It stops at the first refused SidecarSet.
func (c *Case) Admit(a Admitter) error {
	for i := range c.Namespaces {
		a.AddNamespace(&c.Namespaces[i])
	}
	for i := range c.ConfigMaps {
		a.AddConfigMap(&c.ConfigMaps[i])
	}
	for i := range c.ControllerRevisions {
		a.AddControllerRevision(&c.ControllerRevisions[i])
	}
	for i := range c.SidecarSets {
		if _, err := a.Create(&c.SidecarSets[i]); err != nil {
			return err
		}
	}
	return nil
}
