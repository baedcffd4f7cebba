package sidecarset

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	mathrand "math/rand/v2"
	"strconv"
	"strings"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/sidecarctl/sidecarctl/finding"
)

// suitableRevision picks the SidecarSet version to inject (sidecarset/BEHAVIOUR.md §1.8.3):
// the live object, or a copy restored from the ControllerRevision that
// spec.injectionStrategy.revision pins. Any error rejects the pod in Kruise; it comes back as
// a *RefusalError naming the field that caused it.
func (s *State) suitableRevision(ss *appsv1alpha1.SidecarSet, pod *corev1.Pod) (*appsv1alpha1.SidecarSet, bool, error) {
	rev := ss.Spec.InjectionStrategy.Revision
	if rev == nil || (rev.RevisionName == nil && rev.CustomVersion == nil) {
		return ss, false, nil
	}
	refuse := func(path *field.Path, err error) error {
		return &RefusalError{Code: finding.RefusedRevision, SidecarSet: ss.Name, Field: path.String(), Message: err.Error(), Err: err}
	}
	revPath := field.NewPath("spec", "injectionStrategy", "revision")
	pinPath := revPath.Child("customVersion")
	if rev.RevisionName != nil {
		pinPath = revPath.Child("revisionName")
	}
	cr, err := s.pinnedRevision(ss)
	if err != nil {
		return nil, false, refuse(pinPath, err)
	}
	pinned, err := s.restore(ss, cr)
	if err != nil {
		return nil, false, refuse(pinPath, err)
	}
	if !s.opts.behaviour().PartialRevisionPolicy || ss.Spec.UpdateStrategy.Paused ||
		rev.Policy != appsv1alpha1.PartialSidecarSetInjectRevisionPolicy {
		return pinned, true, nil
	}
	// Partial [v1.8]: pods outside updateStrategy.selector keep the pinned version; the others
	// get the latest, or the pinned one with the probability a percentage partition gives.
	strategy := field.NewPath("spec", "updateStrategy")
	if sel := ss.Spec.UpdateStrategy.Selector; sel != nil {
		selector, err := metav1.LabelSelectorAsSelector(sel)
		if err != nil {
			return nil, false, refuse(strategy.Child("selector"), err)
		}
		if !selector.Matches(labels.Set(pod.Labels)) {
			return pinned, true, nil
		}
	}
	p := ss.Spec.UpdateStrategy.Partition
	if p == nil || p.Type == intstr.Int {
		return ss, false, nil
	}
	pct, err := strconv.Atoi(strings.TrimSuffix(p.StrVal, "%"))
	if err != nil || !strings.HasSuffix(p.StrVal, "%") {
		return nil, false, refuse(strategy.Child("partition"), fmt.Errorf("invalid value for IntOrString: invalid value %q", p.StrVal))
	}
	draw := mathrand.Float64
	if s.opts.Random != nil {
		draw = s.opts.Random
	}
	if draw() <= float64(pct)/100 {
		return pinned, true, nil
	}
	return ss, false, nil
}

func (s *State) pinnedRevision(ss *appsv1alpha1.SidecarSet) (*appsv1.ControllerRevision, error) {
	rev := ss.Spec.InjectionStrategy.Revision
	if rev.RevisionName != nil {
		for _, cr := range s.revisions {
			if cr.Name == *rev.RevisionName && inKruiseNamespace(cr) {
				return cr, nil
			}
		}
		return nil, fmt.Errorf("controllerrevisions.apps %q not found", *rev.RevisionName)
	}
	var best *appsv1.ControllerRevision
	for _, cr := range s.revisions {
		if !inKruiseNamespace(cr) || cr.Labels[LabelSidecarSetName] != ss.Name ||
			cr.Labels[appsv1alpha1.SidecarSetCustomVersionLabel] != *rev.CustomVersion {
			continue
		}
		if best == nil || cr.Revision > best.Revision {
			best = cr
		}
	}
	if best == nil {
		return nil, fmt.Errorf("controllerrevisions.apps %q not found", ss.Name+"/"+*rev.CustomVersion)
	}
	return best, nil
}

func inKruiseNamespace(cr *appsv1.ControllerRevision) bool {
	return cr.Namespace == "" || cr.Namespace == KruiseNamespace
}

// revisionSpec is what a SidecarSet ControllerRevision stores: {"spec": {five list fields}}.
type revisionSpec struct {
	Spec struct {
		Volumes          []corev1.Volume                           `json:"volumes"`
		Containers       []appsv1alpha1.SidecarContainer           `json:"containers"`
		InitContainers   []appsv1alpha1.SidecarContainer           `json:"initContainers"`
		ImagePullSecrets []corev1.LocalObjectReference             `json:"imagePullSecrets"`
		PatchPodMetadata []appsv1alpha1.SidecarSetPatchPodMetadata `json:"patchPodMetadata"`
		Patch            string                                    `json:"$patch"`
	} `json:"spec"`
}

// mergeRevision is the strategic merge of revision data into ss with the merge keys of the
// SidecarSet type (name for containers, init containers, volumes and pull secrets).
func mergeRevision(ss *appsv1alpha1.SidecarSet, data []byte) (*appsv1alpha1.SidecarSet, error) {
	original, err := json.Marshal(ss)
	if err != nil {
		return nil, err
	}
	patched, err := strategicpatch.StrategicMergePatch(original, data, &appsv1alpha1.SidecarSet{})
	if err != nil {
		return nil, fmt.Errorf("apply data: %w", err)
	}
	out := &appsv1alpha1.SidecarSet{}
	if err := json.Unmarshal(patched, out); err != nil {
		return nil, fmt.Errorf("decode restored sidecarset: %w", err)
	}
	return out, nil
}

// restore applies a ControllerRevision to a copy of ss, as Kruise's strategic merge of the
// revision's data does (sidecarset/BEHAVIOUR.md §1.8.2). Data recorded with "$patch":
// "replace" (from v1.5.1) makes the whole spec the five stored fields, whatever the release.
// Data without it (recorded before v1.5.1) replaces the five fields up to v1.5.0; from v1.5.1
// the SidecarSet's lists have merge keys, so its lists are merged by name into the live ones.
func (s *State) restore(ss *appsv1alpha1.SidecarSet, cr *appsv1.ControllerRevision) (*appsv1alpha1.SidecarSet, error) {
	var data revisionSpec
	if err := json.Unmarshal(cr.Data.Raw, &data); err != nil {
		return nil, fmt.Errorf("decode controllerrevision %s: %w", cr.Name, err)
	}
	out := ss.DeepCopy()
	if data.Spec.Patch != "replace" && s.opts.behaviour().RevisionReplacesSpec {
		merged, err := mergeRevision(out, cr.Data.Raw)
		if err != nil {
			return nil, fmt.Errorf("controllerrevision %s: %w", cr.Name, err)
		}
		out = merged
	} else {
		if data.Spec.Patch == "replace" {
			out.Spec = appsv1alpha1.SidecarSetSpec{}
		}
		out.Spec.Volumes = data.Spec.Volumes
		out.Spec.Containers = data.Spec.Containers
		out.Spec.InitContainers = data.Spec.InitContainers
		out.Spec.ImagePullSecrets = data.Spec.ImagePullSecrets
		out.Spec.PatchPodMetadata = data.Spec.PatchPodMetadata
	}
	if out.Annotations == nil {
		out.Annotations = map[string]string{}
	}
	for _, key := range []string{AnnotationHash, AnnotationHashWithoutImage} {
		if v, ok := cr.Annotations[key]; ok {
			out.Annotations[key] = v
		} else {
			h, err := Hash(out, key == AnnotationHash, s.opts.version())
			if err != nil {
				return nil, err
			}
			out.Annotations[key] = h
		}
	}
	out.Status.LatestRevision = cr.Name
	return out, nil
}

// NewControllerRevision records ss the way Kruise's SidecarSet controller does when it first
// sees it: the data is {"spec": {...five fields..., "$patch": "replace"}} (no "$patch" before
// v1.5.1), and the name is <name>-<SafeEncodeString(fnv32(data, collisionCount))>.
func NewControllerRevision(ss *appsv1alpha1.SidecarSet, existing []*appsv1.ControllerRevision, v Version) (*appsv1.ControllerRevision, error) {
	data, err := revisionPatch(ss, v)
	if err != nil {
		return nil, err
	}
	var collision int32
	if ss.Status.CollisionCount != nil {
		collision = *ss.Status.CollisionCount
	}
	h := fnv.New32()
	h.Write(data)
	h.Write([]byte(strconv.FormatInt(int64(collision), 10)))
	name := ss.Name
	if len(name) > 223 {
		name = name[:223]
	}
	var next int64 = 1
	for _, cr := range existing {
		if cr.Revision >= next {
			next = cr.Revision + 1
		}
	}
	lbls := map[string]string{}
	for k, val := range ss.Labels {
		lbls[k] = val
	}
	lbls[LabelSidecarSetName] = ss.Name
	annotations := map[string]string{}
	for k, val := range ss.Annotations {
		annotations[k] = val
	}
	return &appsv1.ControllerRevision{
		TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "ControllerRevision"},
		ObjectMeta: metav1.ObjectMeta{
			Name:        name + "-" + rand.SafeEncodeString(fmt.Sprint(h.Sum32())),
			Namespace:   KruiseNamespace,
			Labels:      lbls,
			Annotations: annotations,
		},
		Data:     runtime.RawExtension{Raw: data},
		Revision: next,
	}, nil
}

func revisionPatch(ss *appsv1alpha1.SidecarSet, v Version) ([]byte, error) {
	raw, err := json.Marshal(ss.Spec)
	if err != nil {
		return nil, err
	}
	var spec map[string]any
	if err := json.Unmarshal(raw, &spec); err != nil {
		return nil, err
	}
	out := map[string]any{}
	for _, k := range []string{"volumes", "containers", "initContainers", "imagePullSecrets", "patchPodMetadata"} {
		out[k] = spec[k]
	}
	if behaviourOf(v).RevisionReplacesSpec {
		out["$patch"] = "replace"
	}
	return json.Marshal(map[string]any{"spec": out})
}
