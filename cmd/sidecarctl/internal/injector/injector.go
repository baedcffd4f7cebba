package injector

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/sidecarctl/sidecarctl/sidecarset"
	"github.com/sidecarctl/sidecarctl/translate"
)

// Injector holds what injection reads: the SidecarSet state and the profiles' app patches.
type Injector struct {
	State      *sidecarset.State
	AppPatches []translate.AppPatch
	// MainContainer overrides every patch's main container choice when set.
	MainContainer string
}

// Result is one pod's outcome: the engine's result plus the app patches applied.
type Result struct {
	*sidecarset.Result
	AppPatches []string
}

// Pod injects a copy of in. App patches go first, as openkruise/agents applies runtimes when
// it builds the pod, before any admission webhook sees it; then Kruise's SidecarSet injection
// runs on that pod, so shareVolumePolicy and transferEnv see the patched app container.
func (i *Injector) Pod(in *corev1.Pod, req sidecarset.Request) (*Result, error) {
	var matching []translate.AppPatch
	for _, patch := range i.AppPatches {
		if len(patch.Selector) > 0 && labels.SelectorFromSet(patch.Selector).Matches(labels.Set(in.Labels)) {
			matching = append(matching, patch)
		}
	}
	if len(matching) == 0 {
		// The common case on the admission path: no copy, the engine copies the pod itself.
		res, err := sidecarset.Inject(i.State, in, req)
		if res == nil {
			return nil, err
		}
		return &Result{Result: res}, err
	}
	pod := in.DeepCopy()
	var applied []string
	for _, patch := range matching {
		if err := translate.ApplyAppPatch(&pod.Spec, patch, i.MainContainer); err != nil {
			return nil, fmt.Errorf("app patch %s: %w", patch.Profile, err)
		}
		translate.ApplyAppPatchMetadata(&pod.ObjectMeta, patch)
		applied = append(applied, patch.Profile)
	}
	res, err := sidecarset.Inject(i.State, pod, req)
	if res == nil {
		return nil, err
	}
	if err != nil {
		// A refusal: the decisions say why; nothing, app patches included, reaches the pod.
		return &Result{Result: res}, err
	}
	res.Changed = !equality.Semantic.DeepEqual(in, res.Pod)
	return &Result{Result: res, AppPatches: applied}, nil
}
