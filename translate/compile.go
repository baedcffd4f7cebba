package translate

import (
	"fmt"
	"sort"
	"strings"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/sidecarctl/sidecarctl/config"
	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/sidecarset"
)

// Names and keys sidecarctl writes.
const (
	// SelectionLabelPrefix prefixes the per-profile selection label
	// `runtime.sidecarctl.dev/<profile>: "true"`.
	SelectionLabelPrefix = "runtime.sidecarctl.dev/"
	// SidecarSetNamePrefix prefixes SidecarSet names, which are cluster-scoped and would
	// otherwise collide with anything named `csi`.
	SidecarSetNamePrefix = "sidecarctl-"
	// LabelManagedBy and LabelProfile mark the objects sidecarctl generates.
	LabelManagedBy = "app.kubernetes.io/managed-by"
	LabelProfile   = "sidecarctl.dev/profile"
	// AnnotationSource, AnnotationTarget and AnnotationAppPart say where a generated object
	// came from, what it was compiled for, and where the profile's app-container part went.
	AnnotationSource  = "sidecarctl.dev/source"
	AnnotationTarget  = "sidecarctl.dev/target"
	AnnotationAppPart = "sidecarctl.dev/app-part"
)

// SelectionLabel returns the pod label key that selects a profile's SidecarSet.
func SelectionLabel(profile string) string { return SelectionLabelPrefix + profile }

// SidecarSetName returns the name of a profile's SidecarSet.
func SidecarSetName(profile string) string { return SidecarSetNamePrefix + profile }

// Result is what Compile produced.
type Result struct {
	// Options are the effective options, defaults filled in.
	Options Options
	// Region is the region the profiles were rendered for (may be empty).
	Region string
	// Profiles holds one entry per profile, sorted by name.
	Profiles []Compiled
	// AppPatches is the ConfigMap `sidecarctl-app-patches` holding every AppPatch, or nil when
	// no profile has an app-container part.
	AppPatches *corev1.ConfigMap
	// Findings are sorted by profile; none has Severity Error (those fail Compile).
	Findings finding.List
}

// Compiled is one profile's output.
type Compiled struct {
	Name string
	// PodLabels are the labels a pod must carry to get this profile: the selection label and,
	// on virtual nodes or when compiled for a platform, the platform's label. Stamp writes only
	// the selection label; the platform label is a scheduling decision that stays with the user.
	PodLabels map[string]string
	// SidecarSet is nil when the profile has no containers (Kruise refuses an empty set).
	SidecarSet *appsv1alpha1.SidecarSet
	// AppPatch is nil when the profile leaves the app container and pod metadata alone.
	AppPatch *AppPatch
	// AppPart says in one sentence where the app-container part went.
	AppPart string
}

// Profile returns the compiled profile with the given name.
func (r *Result) Profile(name string) (*Compiled, bool) {
	for i := range r.Profiles {
		if r.Profiles[i].Name == name {
			return &r.Profiles[i], true
		}
	}
	return nil, false
}

// SidecarSets returns the generated SidecarSets in profile order.
func (r *Result) SidecarSets() []*appsv1alpha1.SidecarSet {
	var out []*appsv1alpha1.SidecarSet
	for _, c := range r.Profiles {
		if c.SidecarSet != nil {
			out = append(out, c.SidecarSet)
		}
	}
	return out
}

// Objects returns the manifests to apply, in a fixed order: the SidecarSets, then the
// AppPatches ConfigMap. Server-owned fields that the typed objects always serialise
// (`status`, `metadata.creationTimestamp`) are left out, so the output is what a user would
// write by hand.
func (r *Result) Objects() ([]*unstructured.Unstructured, error) {
	var objs []runtime.Object
	for _, ss := range r.SidecarSets() {
		objs = append(objs, ss)
	}
	if r.AppPatches != nil {
		objs = append(objs, r.AppPatches)
	}
	out := make([]*unstructured.Unstructured, 0, len(objs))
	for _, o := range objs {
		u, err := sidecarset.Manifest(o)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}

// Compile turns a rendered profile set into one SidecarSet and at most one AppPatch per
// profile, for opts.Target.
//
// It fails, naming the profile and field, when a profile cannot be compiled for the target
// (hostPath or privileged sidecars on virtual nodes without the opt-in, fields Kruise v1.3
// would drop, unknown volume references), when two profiles declare same-named volumes that
// differ or reuse a container name (Kruise refuses overlapping SidecarSets that do), and
// when a placeholder is left (call config.Render first). Everything it rewrites or doubts is
// a Finding in the Result.
func Compile(set *config.ProfileSet, opts Options) (*Result, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", set.Location(""), err)
	}
	if err := config.CheckRendered(set); err != nil {
		return nil, err
	}
	fs := &findings{}
	res := &Result{Options: o, Region: set.Region}
	if l := platformLabel(o.Platform); o.Target == Kruise && l != "" {
		fs.addf(finding.Info, finding.PlatformLabelSelected, "", "",
			"compiled for %s (%s): the SidecarSets also select %s=true, which pods carry from creation, so Kruise's own webhook injects the sidecars before scheduling and native sidecars stay native",
			platformName(o.Platform), describeFrom(o), l)
	}
	for i := range set.Profiles {
		res.Profiles = append(res.Profiles, compileProfile(set, &set.Profiles[i], o, fs))
	}
	checkAcrossProfiles(res, o, fs)
	where := func(profile string) string {
		if profile == "" {
			return set.Location("")
		}
		return set.Location(profile)
	}
	if err := fs.err(where); err != nil {
		return nil, err
	}
	if res.AppPatches, err = appPatchConfigMap(res, set, o); err != nil {
		return nil, fmt.Errorf("%s: %w", set.Location(""), err)
	}
	res.Findings = attributeToSidecarSets(fs.sorted(), res)
	return res, nil
}

// attributeToSidecarSets sets the SidecarSet of each profile finding whose profile became one,
// so a finding can be matched to the object it concerns as well as to the profile.
func attributeToSidecarSets(list finding.List, res *Result) finding.List {
	for i := range list {
		if c, ok := res.Profile(profileOf(list[i])); ok && c.SidecarSet != nil && list[i].Object != "" {
			list[i].SidecarSet = c.SidecarSet.Name
		}
	}
	return list
}

// selectorPlatformLabel is the platform label the SidecarSets select besides the selection
// label, or "": the virtual-node label on that target, the platform's create-time label on
// the Kruise target.
func selectorPlatformLabel(o Options) string {
	if o.Target == VirtualNode {
		return string(o.VirtualNodeLabel)
	}
	return platformLabel(o.Platform)
}

// CompileConfigMap loads the sandbox-injection-config ConfigMap in data (YAML or JSON, read
// from source), renders its <region-id> placeholders with region and compiles it: what
// `translate --profiles` and the pipeline's admission of a profiles ConfigMap both do.
func CompileConfigMap(source string, data []byte, region string, opts Options) (*Result, error) {
	set, err := config.LoadProfiles(source, data)
	if err != nil {
		return nil, err
	}
	if set, err = config.Render(set, config.Settings{Region: region}); err != nil {
		return nil, err
	}
	return Compile(set, opts)
}

// profileSource names a profile in annotations: without the file name, so output does not
// depend on where the file was read from.
func profileSource(set *config.ProfileSet, profile string) string {
	obj := set.Name
	if set.Namespace != "" {
		obj = set.Namespace + "/" + set.Name
	}
	return fmt.Sprintf("ConfigMap %s data[%s]", obj, profile)
}

func compileProfile(set *config.ProfileSet, p *config.Profile, o Options, fs *findings) Compiled {
	pc := newProfileCompiler(p, o, fs, set.Region)
	pc.checkMounts()
	switch o.Target {
	case VirtualNode:
		pc.virtualNode()
	default:
		pc.kruise()
	}
	pc.checkCommon()

	c := Compiled{Name: p.Name, PodLabels: map[string]string{SelectionLabel(p.Name): "true"}}
	if l := selectorPlatformLabel(o); l != "" {
		c.PodLabels[l] = "true"
	}
	c.AppPatch = pc.appPatch()
	c.AppPart = appPartSentence(p.Name, c.AppPatch, o)
	if c.AppPatch != nil {
		fp := ""
		if p.MainContainer != nil {
			fp = "mainContainer"
		}
		fs.addf(finding.Info, finding.AppPatchEmitted, p.Name, fp, "%s", c.AppPart)
	}
	if len(pc.inits)+len(pc.containers) == 0 {
		fs.addf(finding.Info, finding.NoSidecars, p.Name, "", "the profile has no containers, so no SidecarSet is generated")
		return c
	}
	c.SidecarSet = pc.sidecarSet(set, c)
	return c
}

// appPartSentence states where the app-container part of a profile went.
func appPartSentence(profile string, ap *AppPatch, o Options) string {
	if ap == nil {
		return "none: the profile does not change the app container or pod metadata"
	}
	return fmt.Sprintf("AppPatch in ConfigMap %s/%s data[%s] (%s): Kruise cannot apply it; "+
		"the sidecarctl injector does at pod creation, and `translate -f` applies it to workload templates",
		o.AppPatchNamespace, AppPatchConfigMapName, profile, ap.summary())
}

// checkAcrossProfiles applies Kruise's cross-SidecarSet rules: the selection labels of
// different profiles are different keys, which Kruise counts as overlapping selectors, so
// every pair of sets is checked (sidecarset/BEHAVIOUR.md §4.8).
func checkAcrossProfiles(res *Result, o Options, fs *findings) {
	type vol struct {
		profile string
		v       corev1.Volume
	}
	volumes := map[string][]vol{}
	owners := map[string]string{}
	totalContainers, volumeNames := 0, map[string]bool{}
	for _, c := range res.Profiles {
		var vs []corev1.Volume
		if c.SidecarSet != nil {
			vs = append(vs, c.SidecarSet.Spec.Volumes...)
			for _, list := range [][]appsv1alpha1.SidecarContainer{c.SidecarSet.Spec.InitContainers, c.SidecarSet.Spec.Containers} {
				for _, sc := range list {
					totalContainers++
					if prev, ok := owners[sc.Name]; ok {
						fs.addf(finding.Error, finding.ContainerNameConflict, c.Name, "", "container %q is also injected by profile %s; "+
							"Kruise refuses overlapping SidecarSets that share a container name, and a pod cannot hold both", sc.Name, prev)
						continue
					}
					owners[sc.Name] = c.Name
				}
			}
		}
		if c.AppPatch != nil {
			vs = append(vs, c.AppPatch.Volumes...)
		}
		for _, v := range vs {
			volumeNames[v.Name] = true
			volumes[v.Name] = append(volumes[v.Name], vol{c.Name, v})
		}
	}
	names := make([]string, 0, len(volumes))
	for n := range volumes {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		vs := volumes[n]
		for _, other := range vs[1:] {
			if other.profile == vs[0].profile || equalVolume(vs[0].v, other.v) {
				continue
			}
			fs.addf(finding.Error, finding.VolumeConflict, other.profile, "volume", "volume %q differs from the one profile %s declares (%s vs %s); "+
				"Kruise refuses overlapping SidecarSets whose same-named volumes differ: make them identical or merge the profiles",
				n, vs[0].profile, volumeSourceSummary(other.v), volumeSourceSummary(vs[0].v))
		}
	}
	if usesECIRules(o.Platform) {
		if totalContainers+1 > eciMaxContainers {
			fs.addf(finding.Warning, finding.TooManyContainers, "", "", "a pod selecting every profile gets %d sidecars plus its own containers; ECI allows at most %d containers", totalContainers, eciMaxContainers)
		}
		if len(volumeNames) > eciMaxVolumes {
			fs.addf(finding.Warning, finding.TooManyVolumes, "", "", "a pod selecting every profile gets %d volumes plus its own; ECI allows at most %d volumes", len(volumeNames), eciMaxVolumes)
		}
	}
}

func volumeSourceSummary(v corev1.Volume) string {
	fields := setJSONFields(v.VolumeSource)
	if len(fields) == 0 {
		return "no source"
	}
	return strings.Join(fields, "+")
}
