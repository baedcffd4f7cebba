package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	kjson "sigs.k8s.io/json"

	"github.com/sidecarctl/sidecarctl/binding"
	bindingv1alpha1 "github.com/sidecarctl/sidecarctl/binding/v1alpha1"
	"github.com/sidecarctl/sidecarctl/cmd/sidecarctl/internal/injector"
	"github.com/sidecarctl/sidecarctl/cmd/sidecarctl/internal/manifest"
	"github.com/sidecarctl/sidecarctl/config"
	"github.com/sidecarctl/sidecarctl/sidecarset"
	"github.com/sidecarctl/sidecarctl/translate"
)

// clusterState is what --from describes: the objects Kruise's webhooks would see.
type clusterState struct {
	st       *sidecarset.State
	bindings []bindingv1alpha1.SidecarSetResourceBinding
	// created are the stored SidecarSets in file order, with where they came from.
	created []createdSet
	// appPatches are the app-container parts of injection profiles: from
	// sidecarctl-app-patches ConfigMaps, and compiled from sandbox-injection-config ones.
	appPatches []translate.AppPatch
	warnings   []string
}

// stateOptions say how --from is admitted.
type stateOptions struct {
	engine sidecarset.Options
	// region renders <region-id> in sandbox-injection-config profiles.
	region string
	// keepGoing returns refused SidecarSets as errors and loads the rest (check).
	keepGoing bool
}

type createdSet struct {
	doc manifest.Document
	ss  *appsv1alpha1.SidecarSet
}

var (
	gkSidecarSet         = schema.GroupKind{Group: "apps.kruise.io", Kind: "SidecarSet"}
	gkNamespace          = schema.GroupKind{Kind: "Namespace"}
	gkConfigMap          = schema.GroupKind{Kind: "ConfigMap"}
	gkControllerRevision = schema.GroupKind{Group: "apps", Kind: "ControllerRevision"}
	gkBinding            = schema.GroupKind{Group: bindingv1alpha1.Group, Kind: bindingv1alpha1.Kind}
)

// stateError is a refusal of a --from object by Kruise's SidecarSet webhooks.
type stateError struct {
	doc manifest.Document
	err error
}

func (e *stateError) Error() string { return fmt.Sprintf("%s: %v", e.doc, e.err) }
func (e *stateError) Unwrap() error { return e.err }

// loadState reads --from paths and admits their objects in file order, SidecarSets through
// Kruise's SidecarSet webhooks (defaulting, then validation against the earlier ones).
// Injection profiles (sandbox-injection-config) are compiled for the Kruise version's target
// and their SidecarSets created after the others; their app-container parts, and those of
// sidecarctl-app-patches ConfigMaps, are kept for Injector.
func loadState(paths []string, recursive bool, stdin io.Reader, so stateOptions) (*clusterState, []error, error) {
	cs := &clusterState{st: sidecarset.NewState(so.engine)}
	keepGoing := so.keepGoing
	if len(paths) == 0 {
		return cs, nil, nil
	}
	docs, err := manifest.Read(paths, recursive, stdin)
	if err != nil {
		return nil, nil, err
	}
	var refused []error
	// Namespaces, ConfigMaps and ControllerRevisions exist before any SidecarSet is created:
	// a cluster's state has no creation order between them and SidecarSets that matters
	// except the whitelist and revisions, which must exist when the SidecarSet is validated.
	var sets []manifest.Document
	for _, doc := range docs {
		gk := doc.Object.GroupVersionKind().GroupKind()
		switch gk {
		case gkSidecarSet:
			sets = append(sets, doc)
		case gkNamespace:
			ns := &corev1.Namespace{}
			if err := decodeStrict(doc, ns, &cs.warnings); err != nil {
				return nil, nil, err
			}
			cs.st.AddNamespace(ns)
		case gkConfigMap:
			cm := &corev1.ConfigMap{}
			if err := decodeStrict(doc, cm, &cs.warnings); err != nil {
				return nil, nil, err
			}
			cs.st.AddConfigMap(cm)
			switch cm.Name {
			case config.ConfigMapName:
				sets = append(sets, doc)
			case translate.AppPatchConfigMapName:
				patches, err := translate.LoadAppPatches(cm)
				if err != nil {
					return nil, nil, fmt.Errorf("%s: %w", doc, err)
				}
				cs.appPatches = append(cs.appPatches, patches...)
			}
		case gkControllerRevision:
			cr := &appsv1.ControllerRevision{}
			if err := decodeStrict(doc, cr, &cs.warnings); err != nil {
				return nil, nil, err
			}
			cs.st.AddControllerRevision(cr)
		case gkBinding:
			b := bindingv1alpha1.SidecarSetResourceBinding{}
			if err := decodeStrict(doc, &b, &cs.warnings); err != nil {
				return nil, nil, err
			}
			if errs := binding.ValidateBinding(&b); len(errs) > 0 {
				return nil, nil, fmt.Errorf("%s: %w", doc, errs.ToAggregate())
			}
			cs.bindings = append(cs.bindings, b)
		default:
			// Workloads next to their SidecarSets are common in one file; they are not state,
			// and `inject -f` reads them.
		}
	}
	for _, doc := range sets {
		if doc.Object.GetKind() == "ConfigMap" {
			compiled, err := compileProfiles(doc, so)
			if err != nil {
				return nil, nil, err
			}
			for _, ss := range compiled.SidecarSets() {
				stored, err := cs.st.Create(ss)
				if err != nil {
					return nil, nil, &stateError{doc: doc, err: err}
				}
				cs.created = append(cs.created, createdSet{doc: doc, ss: stored})
			}
			for _, p := range compiled.Profiles {
				if p.AppPatch != nil {
					cs.appPatches = append(cs.appPatches, *p.AppPatch)
				}
			}
			continue
		}
		if v := doc.Object.GroupVersionKind().Version; v != "v1alpha1" {
			return nil, nil, fmt.Errorf("%s: apiVersion apps.kruise.io/%s: sidecarctl reads apps.kruise.io/v1alpha1 SidecarSets", doc, v)
		}
		ss := &appsv1alpha1.SidecarSet{}
		if err := decodeStrict(doc, ss, &cs.warnings); err != nil {
			return nil, nil, err
		}
		stored, err := cs.st.Create(ss)
		if err != nil {
			if keepGoing {
				refused = append(refused, &stateError{doc: doc, err: err})
				continue
			}
			return nil, nil, &stateError{doc: doc, err: err}
		}
		cs.created = append(cs.created, createdSet{doc: doc, ss: stored})
	}
	return cs, refused, nil
}

// compileProfiles compiles a sandbox-injection-config found in --from for the target the
// Kruise version implies: virtual nodes for 1.3, Kruise otherwise.
func compileProfiles(doc manifest.Document, so stateOptions) (*translate.Result, error) {
	raw, err := json.Marshal(doc.Object.Object)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", doc, err)
	}
	set, err := config.LoadProfiles(doc.Source, raw)
	if err != nil {
		return nil, err
	}
	if set, err = config.Render(set, config.Settings{Region: so.region}); err != nil {
		return nil, fmt.Errorf("%w (give the region with --region)", err)
	}
	target := translate.Kruise
	if so.engine.Version == sidecarset.KruiseV13 {
		target = translate.VirtualNode
	}
	return translate.Compile(set, translate.Options{Target: target, AllowPrivileged: !so.engine.DisallowPrivileged})
}

// decodeStrict converts a document into a typed object. Unknown fields are not errors (the
// API server prunes them) but each becomes a warning, because sidecarctl never drops a
// user's field silently.
func decodeStrict(doc manifest.Document, into any, warnings *[]string) error {
	raw, err := json.Marshal(doc.Object.Object)
	if err != nil {
		return fmt.Errorf("%s: %w", doc, err)
	}
	strict, err := kjson.UnmarshalStrict(raw, into)
	if err != nil {
		return fmt.Errorf("%s: %w", doc, err)
	}
	for _, e := range strict {
		*warnings = append(*warnings, fmt.Sprintf("%s: %v (the API server drops it)", doc, e))
	}
	return nil
}

// asAdmission unwraps a SidecarSet admission refusal.
func asAdmission(err error) (*sidecarset.AdmissionError, bool) {
	var adm *sidecarset.AdmissionError
	ok := errors.As(err, &adm)
	return adm, ok
}

func (cs *clusterState) injector() *injector.Injector {
	return &injector.Injector{State: cs.st, AppPatches: cs.appPatches}
}
