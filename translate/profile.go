package translate

import (
	"encoding/json"
	"reflect"
	"sort"
	"strings"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/sidecarctl/sidecarctl/config"
	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/platform"
)

// sidecar is one profile container on its way into a SidecarSet, with the JSON path it came
// from so that findings point at what the user wrote.
type sidecar struct {
	c      corev1.Container
	path   *field.Path
	native bool
	policy appsv1alpha1.PodInjectPolicyType
}

// volume is one profile volume with its path.
type volume struct {
	v    corev1.Volume
	path *field.Path
}

// profileCompiler holds one profile while it is compiled.
type profileCompiler struct {
	p      *config.Profile
	o      Options
	fs     *findings
	region string

	inits      []sidecar // SidecarSet initContainers
	containers []sidecar // SidecarSet containers
	volumes    []volume  // SidecarSet volumes
	appVolumes []volume  // volumes only the main container mounts: they travel in the AppPatch
}

func newProfileCompiler(p *config.Profile, o Options, fs *findings, region string) *profileCompiler {
	pc := &profileCompiler{p: p, o: o, fs: fs, region: region}
	for i := range p.CSISidecar {
		c := p.CSISidecar[i].DeepCopy()
		pc.inits = append(pc.inits, sidecar{c: *c, path: field.NewPath("csiSidecar").Index(i), native: config.IsNativeSidecar(c)})
	}
	for i := range p.InitContainers {
		c := p.InitContainers[i].DeepCopy()
		pc.inits = append(pc.inits, sidecar{c: *c, path: field.NewPath("initContainers").Index(i), native: config.IsNativeSidecar(c)})
	}
	for i := range p.Containers {
		c := p.Containers[i].DeepCopy()
		// Explicitly after the app: Kruise defaults containers to BeforeAppContainer, which
		// would put a sidecar at index 0, where openkruise/agents and many tools expect the
		// main container (translate/PLATFORMS.md §2.5).
		pc.containers = append(pc.containers, sidecar{c: *c, path: field.NewPath("containers").Index(i), policy: appsv1alpha1.AfterAppContainerType})
	}
	return pc
}

func (pc *profileCompiler) all() []*sidecar {
	out := make([]*sidecar, 0, len(pc.inits)+len(pc.containers))
	for i := range pc.inits {
		out = append(out, &pc.inits[i])
	}
	for i := range pc.containers {
		out = append(out, &pc.containers[i])
	}
	return out
}

// checkMounts splits the profile's volumes. Kruise injects only volumes that an injected
// container mounts (sidecarset/BEHAVIOUR.md §2.5), so a volume only the main container mounts
// would never reach the pod through the SidecarSet: it goes into the AppPatch instead.
func (pc *profileCompiler) checkMounts() {
	byName := map[string]bool{}
	for _, v := range pc.p.Volume {
		byName[v.Name] = true
	}
	sidecarMounts := map[string]bool{}
	for _, sc := range pc.all() {
		for i, m := range sc.c.VolumeMounts {
			sidecarMounts[m.Name] = true
			if !byName[m.Name] {
				pc.fs.addf(finding.Error, finding.VolumeMountUnknown, pc.p.Name, sc.path.Child("volumeMounts").Index(i).Child("name").String(),
					"volume %q is not declared in the profile's volume list; Kruise refuses a SidecarSet whose mounts reference undeclared volumes", m.Name)
			}
		}
	}
	mainMounts := map[string]bool{}
	if mc := pc.p.MainContainer; mc != nil {
		for i, m := range mc.VolumeMounts {
			mainMounts[m.Name] = true
			if !byName[m.Name] {
				pc.fs.addf(finding.Warning, finding.MainMountPodVolume, pc.p.Name, field.NewPath("mainContainer", "volumeMounts").Index(i).Child("name").String(),
					"volume %q is not declared in the profile; the pod must bring it, or the pod is invalid", m.Name)
			}
		}
	}
	noSidecars := len(pc.inits)+len(pc.containers) == 0
	for i := range pc.p.Volume {
		v := volume{v: *pc.p.Volume[i].DeepCopy(), path: field.NewPath("volume").Index(i)}
		switch {
		case sidecarMounts[v.v.Name]:
			pc.volumes = append(pc.volumes, v)
		case mainMounts[v.v.Name] || noSidecars:
			pc.appVolumes = append(pc.appVolumes, v)
			pc.fs.addf(finding.Info, finding.AppVolumeInAppPatch, pc.p.Name, v.path.String(),
				"volume %q is mounted by no sidecar, so Kruise would not inject it; it travels in the AppPatch", v.v.Name)
		default:
			pc.volumes = append(pc.volumes, v)
			pc.fs.addf(finding.Warning, finding.VolumeUnused, pc.p.Name, v.path.String(),
				"volume %q is mounted by no container; it stays in the SidecarSet, but Kruise injects only mounted volumes, so pods will not get it", v.v.Name)
		}
	}
}

// kruise prepares the Kruise >= 1.7 target: native sidecars stay native. On ECI or ACS the
// SidecarSets select the platform's create-time label, so Kruise's webhook injects at pod
// creation, before scheduling, and the platform's rules apply as on virtual nodes.
func (pc *profileCompiler) kruise() {
	for i := range pc.inits {
		// Explicit, although Kruise >= 1.7 defaults init containers to AfterAppContainer:
		// injected init containers then run after the pod's own ones, as with openkruise/agents.
		pc.inits[i].policy = appsv1alpha1.AfterAppContainerType
	}
	pc.checkInitOrder()
	if pc.o.Platform == platform.Regular {
		pc.resourceIgnoreNoEffect()
		return
	}
	pc.platformRules()
	pc.selectorAfterScheduling()
}

// checkInitOrder reports when Kruise's name sort changes the order the profile lists its
// init containers in: Kruise sorts injected init containers by name (sidecarset/BEHAVIOUR.md
// §2.1 step 6), and native sidecars start in list order.
func (pc *profileCompiler) checkInitOrder() {
	var names []string
	for _, sc := range pc.inits {
		names = append(names, sc.c.Name)
	}
	if sort.StringsAreSorted(names) {
		return
	}
	sorted := append([]string(nil), names...)
	sort.Strings(sorted)
	pc.fs.addf(finding.Warning, finding.InitOrderSorted, pc.p.Name, "csiSidecar",
		"Kruise injects init containers sorted by name (%s), not in profile order (%s); they start in the sorted order",
		strings.Join(sorted, ", "), strings.Join(names, ", "))
}

// checkCommon holds the checks both targets share.
func (pc *profileCompiler) checkCommon() {
	for _, sc := range pc.all() {
		privileged := sc.c.SecurityContext != nil && sc.c.SecurityContext.Privileged != nil && *sc.c.SecurityContext.Privileged
		for i, m := range sc.c.VolumeMounts {
			if m.MountPropagation != nil && *m.MountPropagation == corev1.MountPropagationBidirectional && !privileged {
				pc.fs.addf(finding.Error, finding.BidirectionalNeedsPrivilege, pc.p.Name, sc.path.Child("volumeMounts").Index(i).Child("mountPropagation").String(),
					"Bidirectional mount propagation is only valid in a privileged container; the API server would refuse the pod")
			}
		}
		if pc.region == "" {
			continue
		}
		for i, e := range sc.c.Env {
			if e.Name == "REGION_ID" && e.ValueFrom == nil && e.Value != pc.region {
				pc.fs.addf(finding.Warning, finding.RegionMismatch, pc.p.Name, sc.path.Child("env").Index(i).Child("value").String(),
					"REGION_ID is %q but the profiles were rendered for region %q; kept as written", e.Value, pc.region)
			}
		}
	}
}

// sidecarSet builds the SidecarSet of a compiled profile.
func (pc *profileCompiler) sidecarSet(set *config.ProfileSet, c Compiled) *appsv1alpha1.SidecarSet {
	ss := &appsv1alpha1.SidecarSet{
		TypeMeta: metav1.TypeMeta{APIVersion: appsv1alpha1.GroupVersion.String(), Kind: "SidecarSet"},
		ObjectMeta: metav1.ObjectMeta{
			Name:   SidecarSetName(pc.p.Name),
			Labels: map[string]string{LabelManagedBy: "sidecarctl", LabelProfile: pc.p.Name},
			Annotations: map[string]string{
				AnnotationSource:  profileSource(set, pc.p.Name),
				AnnotationTarget:  string(pc.o.Target),
				AnnotationAppPart: c.AppPart,
			},
		},
		Spec: appsv1alpha1.SidecarSetSpec{
			Selector:  &metav1.LabelSelector{MatchLabels: c.PodLabels},
			Namespace: pc.o.Namespace,
			// NotUpdate: Kruise refuses RollingUpdate for native sidecars, and a profile change
			// should reach new pods only, as it does with openkruise/agents.
			UpdateStrategy: appsv1alpha1.SidecarSetUpdateStrategy{Type: appsv1alpha1.NotUpdateSidecarSetStrategyType},
		},
	}
	for _, sc := range pc.inits {
		ss.Spec.InitContainers = append(ss.Spec.InitContainers, appsv1alpha1.SidecarContainer{Container: sc.c, PodInjectPolicy: sc.policy})
	}
	for _, sc := range pc.containers {
		ss.Spec.Containers = append(ss.Spec.Containers, appsv1alpha1.SidecarContainer{Container: sc.c, PodInjectPolicy: sc.policy})
	}
	for _, v := range pc.volumes {
		ss.Spec.Volumes = append(ss.Spec.Volumes, v.v)
	}
	return ss
}

func ignoreEnvNames(ri config.ResourceIgnore) string {
	var names []string
	if ri.ACS {
		names = append(names, config.EnvACSIgnoreResource)
	}
	if ri.ECI {
		names = append(names, config.EnvECIIgnoreResource)
	}
	return strings.Join(names, ", ")
}

// equalVolume is Kruise's conflict test for same-named volumes: plain deep equality.
func equalVolume(a, b corev1.Volume) bool { return reflect.DeepEqual(a, b) }

// setJSONFields lists the top-level JSON fields a value serialises to, sorted.
func setJSONFields(v any) []string {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(b, &m) != nil {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
