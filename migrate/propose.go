package migrate

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/sidecarctl/sidecarctl/binding"
	bindingv1alpha1 "github.com/sidecarctl/sidecarctl/binding/v1alpha1"
	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/sidecarset/workload"
)

// StampKeyPrefix prefixes the label stamped on templates when the labels they share do not
// select exactly them: sidecar.sidecarctl.dev/<container>: "true".
const StampKeyPrefix = "sidecar.sidecarctl.dev/"

// controllerLabels returns the labels controllers set per pod, never shared by design: no selector.
func controllerLabels() []string {
	return []string{"pod-template-hash", "controller-revision-hash", "statefulset.kubernetes.io/pod-name",
		"apps.kubernetes.io/pod-index", "job-name", "controller-uid", "batch.kubernetes.io/job-name", "batch.kubernetes.io/controller-uid"}
}

// proposal is one round's SidecarSets, bindings and migrated templates.
type proposal struct {
	sets     map[*group]*appsv1alpha1.SidecarSet
	order    []*appsv1alpha1.SidecarSet // sets in group order: the order they are created
	bindings []bindingv1alpha1.SidecarSetResourceBinding
	migrated map[*template]*unstructured.Unstructured
	// stamped are the labels stamped per template; moved the volumes taken out of it.
	stamped map[*template]map[string]string
	moved   map[*template][]string
	// info are the per-template decisions (label stamped, volume kept); findings the
	// SidecarSets found.
	info     map[*template]finding.List
	findings finding.List
}

// propose builds the SidecarSets of the groups that still migrate from a template, their
// bindings and the migrated workloads.
func (p *planner) propose(policies map[*group]appsv1alpha1.PodInjectPolicyType) (*proposal, error) {
	pr := &proposal{sets: map[*group]*appsv1alpha1.SidecarSet{}, migrated: map[*template]*unstructured.Unstructured{},
		stamped: map[*template]map[string]string{}, moved: map[*template][]string{}, info: map[*template]finding.List{}}
	for _, g := range p.groups {
		ms := p.members(g)
		if len(ms) == 0 {
			continue
		}
		ss := p.sidecarSet(g, ms, policies[g], pr)
		pr.sets[g] = ss
		pr.order = append(pr.order, ss)
	}
	pr.bindings = binding.Minimal(pr.order)
	for _, t := range p.ts {
		if len(p.migrating(t)) == 0 {
			continue
		}
		obj, err := p.migrate(t, pr)
		if err != nil {
			return nil, err
		}
		pr.migrated[t] = obj
	}
	return pr, nil
}

// sidecarSet proposes the group's SidecarSet over its member templates ms.
func (p *planner) sidecarSet(g *group, ms []*template, policy appsv1alpha1.PodInjectPolicyType, pr *proposal) *appsv1alpha1.SidecarSet {
	name := p.names[g]
	ns := ms[0].ns
	for _, t := range ms {
		if t.ns != ns {
			ns = ""
		}
	}
	selector, stamp := p.selector(g, ms, ns)
	if stamp {
		for _, t := range ms {
			if pr.stamped[t] == nil {
				pr.stamped[t] = map[string]string{}
			}
			for k, v := range selector {
				if t.pod.Labels[k] != v {
					pr.stamped[t][k] = v
					pr.info[t] = append(pr.info[t], finding.Finding{Severity: finding.Info, Code: finding.MigrateLabelStamped, Object: t.name, SidecarSet: name,
						Field: t.metadataPath().Child("labels").Key(k).String(), Message: fmt.Sprintf("label %s=%s stamped: SidecarSet %s selects it", k, v, name)})
				}
			}
		}
	}
	sc := appsv1alpha1.SidecarContainer{Container: *g.container.DeepCopy(), PodInjectPolicy: policy, TransferEnv: g.transfer}
	if g.share {
		sc.ShareVolumePolicy.Type = appsv1alpha1.ShareVolumePolicyEnabled
		pr.findings.Add(finding.Finding{Severity: finding.Info, Code: finding.MigrateShareVolumes, SidecarSet: name,
			Message: fmt.Sprintf("%s mounts what the app containers of each workload mount, after its own: shareVolumePolicy enabled", g.name)})
	}
	ss := &appsv1alpha1.SidecarSet{
		TypeMeta:   metav1.TypeMeta{APIVersion: appsv1alpha1.GroupVersion.String(), Kind: "SidecarSet"},
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1alpha1.SidecarSetSpec{
			Namespace:      ns,
			Selector:       &metav1.LabelSelector{MatchLabels: selector},
			UpdateStrategy: appsv1alpha1.SidecarSetUpdateStrategy{Type: appsv1alpha1.NotUpdateSidecarSetStrategyType},
			Volumes:        p.volumes(g, ms, name, pr),
		},
	}
	if g.list == listInitContainers {
		ss.Spec.InitContainers = []appsv1alpha1.SidecarContainer{sc}
	} else {
		ss.Spec.Containers = []appsv1alpha1.SidecarContainer{sc}
	}
	var vols []string
	for _, v := range ss.Spec.Volumes {
		vols = append(vols, v.Name)
	}
	what := string(policy)
	if len(vols) > 0 {
		what += "; volumes " + strings.Join(vols, ", ")
	}
	for _, te := range g.transfer {
		pr.findings.Add(finding.Finding{Severity: finding.Info, Code: finding.MigrateTransferEnv, SidecarSet: name,
			Message: fmt.Sprintf("env %s of %s differs per workload and equals container %s's: copied with transferEnv", te.EnvName, g.name, te.SourceContainerName)})
	}
	pr.findings.Add(finding.Finding{Severity: finding.Info, Code: finding.MigrateSidecarFound, SidecarSet: name,
		Message: fmt.Sprintf("%s %s (%s) of %d workload(s): %s", strings.TrimSuffix(g.list, "s"), g.name, what, len(ms), templateNames(ms))})
	return ss
}

// metadataPath is the path of the template's metadata.
func (t *template) metadataPath() *field.Path {
	if t.prefix == nil {
		return field.NewPath("metadata")
	}
	return t.prefix.Child("metadata")
}

// selector returns the labels every member template shares (controller labels aside) when
// they select no other template of the input in the SidecarSet's namespace, else the stamp
// label; stamp says whether it must be stamped. --label always gives the stamp label.
func (p *planner) selector(g *group, ms []*template, ns string) (map[string]string, bool) {
	if p.opts.LabelKey != "" {
		return map[string]string{p.opts.LabelKey: p.opts.LabelValue}, true
	}
	shared := map[string]string{}
	for k, v := range ms[0].pod.Labels {
		if !slices.Contains(controllerLabels(), k) {
			shared[k] = v
		}
	}
	for _, t := range ms[1:] {
		for k, v := range shared {
			if t.pod.Labels[k] != v {
				delete(shared, k)
			}
		}
	}
	exact := len(shared) > 0
	for _, t := range p.ts {
		if !exact {
			break
		}
		if slices.Contains(ms, t) || (ns != "" && t.ns != ns) {
			continue
		}
		if labels.SelectorFromSet(shared).Matches(labels.Set(t.pod.Labels)) {
			exact = false
		}
	}
	if exact {
		return shared, false
	}
	return map[string]string{StampKeyPrefix + g.name: "true"}, true
}

// volumes are the SidecarSet's volumes: the ones the sidecar mounts, as the reference
// template defines them. Each member template gives up those only its migrating sidecars
// use and that it defines the same way; one it defines otherwise stays, and wins the name
// clash at injection.
func (p *planner) volumes(g *group, ms []*template, name string, pr *proposal) []corev1.Volume {
	var out []corev1.Volume
	for _, m := range g.container.VolumeMounts {
		if slices.ContainsFunc(out, func(v corev1.Volume) bool { return v.Name == m.Name }) {
			continue
		}
		if v := volumeOf(g.ref.pod, m.Name); v != nil {
			out = append(out, *v.DeepCopy())
		}
	}
	for _, t := range ms {
		for _, v := range out {
			own := volumeOf(t.pod, v.Name)
			if own == nil || p.usedByStaying(t, v.Name) || slices.Contains(pr.moved[t], v.Name) {
				continue
			}
			if !equality.Semantic.DeepEqual(*own, v) {
				i := slices.IndexFunc(t.pod.Spec.Volumes, func(o corev1.Volume) bool { return o.Name == v.Name })
				pr.info[t] = append(pr.info[t], finding.Finding{Severity: finding.Info, Code: finding.MigrateVolumeKept, Object: t.name, SidecarSet: name,
					Field: t.spec().Child("volumes").Index(i).String(), Message: fmt.Sprintf("volume %s is defined otherwise than in SidecarSet %s (as %s has it): it stays, and wins the name clash at injection", v.Name, name, g.ref.name)})
				continue
			}
			pr.moved[t] = append(pr.moved[t], v.Name)
		}
	}
	return out
}

// usedByStaying reports whether a container that stays in t mounts the volume.
func (p *planner) usedByStaying(t *template, volume string) bool {
	moving := map[string]bool{}
	for _, g := range p.migrating(t) {
		moving[g.list+"/"+g.name] = true
	}
	for _, list := range []string{listInitContainers, listContainers} {
		for _, c := range t.list(list) {
			if moving[list+"/"+c.Name] {
				continue
			}
			if slices.ContainsFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool { return m.Name == volume }) ||
				slices.ContainsFunc(c.VolumeDevices, func(d corev1.VolumeDevice) bool { return d.Name == volume }) {
				return true
			}
		}
	}
	return false
}

func volumeOf(pod *corev1.Pod, name string) *corev1.Volume {
	for i := range pod.Spec.Volumes {
		if pod.Spec.Volumes[i].Name == name {
			return &pod.Spec.Volumes[i]
		}
	}
	return nil
}

// migrate writes t's object without its migrating sidecars and the volumes they took, with
// the stamped labels, through package workload (lossless for fields outside the Go types).
func (p *planner) migrate(t *template, pr *proposal) (*unstructured.Unstructured, error) {
	moving := map[string]bool{}
	for _, g := range p.migrating(t) {
		moving[g.list+"/"+g.name] = true
	}
	obj := t.item.Object.DeepCopy()
	_, err := workload.Mutate(obj, func(pod *corev1.Pod) error {
		keep := func(list string, cs []corev1.Container) []corev1.Container {
			out := cs[:0:0]
			for _, c := range cs {
				if !moving[list+"/"+c.Name] {
					out = append(out, c)
				}
			}
			if len(out) == 0 {
				return nil
			}
			return out
		}
		pod.Spec.InitContainers = keep(listInitContainers, pod.Spec.InitContainers)
		pod.Spec.Containers = keep(listContainers, pod.Spec.Containers)
		pod.Spec.Volumes = slices.DeleteFunc(pod.Spec.Volumes, func(v corev1.Volume) bool { return slices.Contains(pr.moved[t], v.Name) })
		if len(pod.Spec.Volumes) == 0 {
			pod.Spec.Volumes = nil
		}
		keys := make([]string, 0, len(pr.stamped[t]))
		for k := range pr.stamped[t] {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if pod.Labels == nil {
				pod.Labels = map[string]string{}
			}
			pod.Labels[k] = pr.stamped[t][k]
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", t.item.Source, err)
	}
	return obj, nil
}
