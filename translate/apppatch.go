package translate

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kjson "sigs.k8s.io/json"

	"github.com/sidecarctl/sidecarctl/config"
)

// The app-container part of the profiles travels in one ConfigMap, which any cluster can
// store without a CRD (a plain `translate | kubectl apply -f -` works), one data key per
// profile, each value an AppPatch document. The sidecarctl injector reads it later
// (LoadAppPatches); `translate -f` applies the patches to workload templates instead.
const (
	AppPatchConfigMapName    = "sidecarctl-app-patches"
	DefaultAppPatchNamespace = "sidecarctl-system"
	AppPatchAPIVersion       = "sidecarctl.dev/v1alpha1"
	AppPatchKind             = "AppPatch"
)

// AppPatch is the part of a profile a SidecarSet cannot express: changes to the app
// container (env, volumeMounts, lifecycle.postStart), volumes only the app container mounts,
// and pod labels and annotations. ApplyAppPatch and ApplyAppPatchMetadata apply it.
type AppPatch struct {
	metav1.TypeMeta `json:",inline"`
	// Profile is the profile the patch comes from.
	Profile string `json:"profile"`
	// Selector holds the pod labels that select the patch, the same as the SidecarSet's.
	Selector map[string]string `json:"selector"`
	// MainContainer names the container to patch; empty means the first container whose name
	// is not in SkipContainers.
	MainContainer string `json:"mainContainer,omitempty"`
	// SkipContainers are the sidecar names of every compiled profile. On virtual nodes
	// sidecars precede the app container, so containers[0] is not the app any more.
	SkipContainers []string `json:"skipContainers,omitempty"`
	// Env, VolumeMounts and PostStart are merged into the main container.
	Env          []corev1.EnvVar          `json:"env,omitempty"`
	VolumeMounts []corev1.VolumeMount     `json:"volumeMounts,omitempty"`
	PostStart    *corev1.LifecycleHandler `json:"postStart,omitempty"`
	// Volumes are added to the pod unless it has a volume of that name.
	Volumes []corev1.Volume `json:"volumes,omitempty"`
	// Labels and Annotations are added to the pod unless already set.
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// summary counts the patch's contents for reports.
func (ap *AppPatch) summary() string {
	var parts []string
	add := func(n int, what string) {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, what))
		}
	}
	add(len(ap.Env), "env")
	add(len(ap.VolumeMounts), "volumeMounts")
	if ap.PostStart != nil {
		parts = append(parts, "postStart")
	}
	add(len(ap.Volumes), "volumes")
	add(len(ap.Labels), "labels")
	add(len(ap.Annotations), "annotations")
	return strings.Join(parts, ", ")
}

// appPatch builds the profile's AppPatch, or nil if there is nothing to apply.
func (pc *profileCompiler) appPatch() *AppPatch {
	if !pc.p.HasAppPart() && len(pc.appVolumes) == 0 {
		return nil
	}
	ap := &AppPatch{
		TypeMeta:      metav1.TypeMeta{APIVersion: AppPatchAPIVersion, Kind: AppPatchKind},
		Profile:       pc.p.Name,
		Selector:      map[string]string{SelectionLabel(pc.p.Name): "true"},
		MainContainer: pc.o.MainContainer,
		Labels:        copyMap(pc.p.Labels),
		Annotations:   copyMap(pc.p.Annotations),
	}
	if mc := pc.p.MainContainer; mc != nil {
		mc = mc.DeepCopy()
		ap.Env, ap.VolumeMounts = mc.Env, mc.VolumeMounts
		if mc.Lifecycle != nil {
			ap.PostStart = mc.Lifecycle.PostStart
		}
	}
	for _, v := range pc.appVolumes {
		ap.Volumes = append(ap.Volumes, v.v)
	}
	return ap
}

// appPatchConfigMap gathers the AppPatches into the ConfigMap, after every profile is
// compiled so that SkipContainers can list all sidecars.
func appPatchConfigMap(res *Result, set *config.ProfileSet, o Options) (*corev1.ConfigMap, error) {
	var skip []string
	for _, c := range res.Profiles {
		if c.SidecarSet == nil {
			continue
		}
		for _, sc := range c.SidecarSet.Spec.Containers {
			skip = append(skip, sc.Name)
		}
		for _, sc := range c.SidecarSet.Spec.InitContainers {
			skip = append(skip, sc.Name)
		}
	}
	sort.Strings(skip)
	cm := &corev1.ConfigMap{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{
			Name:      AppPatchConfigMapName,
			Namespace: o.AppPatchNamespace,
			Labels:    map[string]string{LabelManagedBy: "sidecarctl"},
			Annotations: map[string]string{
				AnnotationSource:  profileSource(set, "*"),
				AnnotationTarget:  string(o.Target),
				AnnotationAppPart: "app-container parts of the profiles: applied by the sidecarctl injector at pod creation, not by Kruise",
			},
		},
		Data: map[string]string{},
	}
	for i := range res.Profiles {
		ap := res.Profiles[i].AppPatch
		if ap == nil {
			continue
		}
		ap.SkipContainers = skip
		b, err := json.MarshalIndent(ap, "", "  ")
		if err != nil {
			return nil, fmt.Errorf("encode AppPatch %s: %w", ap.Profile, err)
		}
		cm.Data[ap.Profile] = string(b) + "\n"
	}
	if len(cm.Data) == 0 {
		return nil, nil
	}
	return cm, nil
}

// LoadAppPatches decodes the AppPatches from a `sidecarctl-app-patches` ConfigMap, strictly,
// sorted by profile. It is what the in-cluster injector calls on the ConfigMap it watches.
func LoadAppPatches(cm *corev1.ConfigMap) ([]AppPatch, error) {
	keys := make([]string, 0, len(cm.Data))
	for k := range cm.Data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]AppPatch, 0, len(keys))
	for _, k := range keys {
		var ap AppPatch
		strict, err := kjson.UnmarshalStrict([]byte(cm.Data[k]), &ap)
		if err == nil && len(strict) > 0 {
			err = strict[0]
		}
		if err != nil {
			return nil, fmt.Errorf("ConfigMap %s/%s: data[%s]: %w", cm.Namespace, cm.Name, k, err)
		}
		if ap.APIVersion != AppPatchAPIVersion || ap.Kind != AppPatchKind {
			return nil, fmt.Errorf("ConfigMap %s/%s: data[%s]: want %s %s, got %q %q", cm.Namespace, cm.Name, k, AppPatchAPIVersion, AppPatchKind, ap.APIVersion, ap.Kind)
		}
		if ap.Profile != k {
			return nil, fmt.Errorf("ConfigMap %s/%s: data[%s]: profile: %q does not match the key", cm.Namespace, cm.Name, k, ap.Profile)
		}
		out = append(out, ap)
	}
	return out, nil
}

func copyMap(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
