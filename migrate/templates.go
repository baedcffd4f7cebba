package migrate

import (
	"fmt"
	"slices"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/pipeline"
	"github.com/sidecarctl/sidecarctl/sidecarset/workload"
)

// Lists of a pod spec a sidecar can stand in.
const (
	listContainers     = "containers"
	listInitContainers = "initContainers"
)

// template is one input object with a pod template.
type template struct {
	index  int // in the input
	item   pipeline.Item
	name   string // "Deployment.apps default/x"
	ns     string // the object's namespace, or Options.Namespace
	prefix *field.Path
	// pod is the template as the pod its controller creates (Mutate lends it the object's
	// namespace and name).
	pod *corev1.Pod
}

// spec is the path of the pod spec in the object.
func (t *template) spec() *field.Path {
	if t.prefix == nil {
		return field.NewPath("spec")
	}
	return t.prefix.Child("spec")
}

// list returns the pod's containers or init containers.
func (t *template) list(name string) []corev1.Container {
	return podList(t.pod, name)
}

func podList(pod *corev1.Pod, name string) []corev1.Container {
	if name == listInitContainers {
		return pod.Spec.InitContainers
	}
	return pod.Spec.Containers
}

// find returns the index of the container named name in the list, or -1.
func (t *template) find(list, name string) int {
	return slices.IndexFunc(t.list(list), func(c corev1.Container) bool { return c.Name == name })
}

// readTemplates extracts the pod template of every object package workload knows; other
// objects pass through. Objects without a namespace get namespace, as their pods would.
func readTemplates(items []pipeline.Item, namespace string) ([]*template, error) {
	var out []*template
	for i, it := range items {
		obj := it.Object.DeepCopy()
		if obj.GetNamespace() == "" {
			obj.SetNamespace(namespace)
		}
		var pod *corev1.Pod
		outcome, err := workload.Mutate(obj, func(p *corev1.Pod) error {
			pod = p.DeepCopy()
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", it.Source, err)
		}
		if pod == nil || outcome.Reason == finding.NoPodTemplate {
			continue
		}
		out = append(out, &template{index: i, item: it, name: outcome.Object, ns: obj.GetNamespace(),
			prefix: outcome.Kind.TemplatePath(), pod: pod})
	}
	return out, nil
}

// group is one sidecar: a container name in one list, and the templates that carry it.
type group struct {
	list string
	name string
	// carriers are the templates with a container of that name in that list, in input order.
	carriers []*template
	// ref is the template whose definition the SidecarSet takes: the most common one.
	ref       *template
	container corev1.Container
	// transfer are the env vars the SidecarSet copies from an app container (transferEnv).
	transfer []appsv1alpha1.TransferEnvVar
	// share is set when the SidecarSet shares the app containers' mounts (shareVolumePolicy).
	share bool
}

// findGroups finds the sidecars: with names, the containers of those names; otherwise every
// container (by list and name) of which two templates carry the same image. Only the
// templates of the objects only picks (nil: all) carry sidecars.
func findGroups(ts []*template, names []string, only func(*unstructured.Unstructured) bool) []*group {
	var out []*group
	byKey := map[string]*group{}
	for _, t := range ts {
		if only != nil && !only(t.item.Object) {
			continue
		}
		for _, list := range []string{listInitContainers, listContainers} {
			for _, c := range t.list(list) {
				if len(names) > 0 && !slices.Contains(names, c.Name) {
					continue
				}
				key := list + "/" + c.Name
				g, ok := byKey[key]
				if !ok {
					g = &group{list: list, name: c.Name}
					byKey[key] = g
					out = append(out, g)
				}
				g.carriers = append(g.carriers, t)
			}
		}
	}
	if len(names) == 0 {
		keepApps(ts, out)
	}
	kept := out[:0]
	for _, g := range out {
		if len(g.carriers) == 0 || (len(names) == 0 && !sharedImage(g)) {
			continue
		}
		g.pickReference()
		kept = append(kept, g)
	}
	return kept
}

// DefaultContainerAnnotation names a pod's main container (kubectl's default container).
const DefaultContainerAnnotation = "kubectl.kubernetes.io/default-container"

// keepApps: when every container of a template is also in other workloads (the same app
// deployed twice, with its sidecars), one of them is its app, not a sidecar: the one
// DefaultContainerAnnotation names, else the one in the fewest workloads (a sidecar runs next
// to many apps), else the first, as kubectl takes it.
func keepApps(ts []*template, groups []*group) {
	for _, t := range ts {
		cs := t.pod.Spec.Containers
		if len(cs) == 0 {
			continue
		}
		in := map[string]*group{}
		for _, g := range groups {
			if g.list == listContainers && slices.Contains(g.carriers, t) && sharedImage(g) {
				in[g.name] = g
			}
		}
		if len(in) < len(cs) {
			continue
		}
		app := cs[0].Name
		for _, c := range cs[1:] {
			if len(in[c.Name].carriers) < len(in[app].carriers) {
				app = c.Name
			}
		}
		if name := t.pod.Annotations[DefaultContainerAnnotation]; in[name] != nil {
			app = name
		}
		g := in[app]
		g.carriers = slices.DeleteFunc(g.carriers, func(c *template) bool { return c == t })
	}
}

// sharedImage reports whether two templates carry the group's container with one image.
func sharedImage(g *group) bool {
	seen := map[string]bool{}
	for _, t := range g.carriers {
		img := t.list(g.list)[t.find(g.list, g.name)].Image
		if seen[img] {
			return true
		}
		seen[img] = true
	}
	return false
}

// pickReference takes the definition most templates carry, the first one on a tie.
func (g *group) pickReference() {
	best, bestCount := 0, 0
	for i, t := range g.carriers {
		c := t.list(g.list)[t.find(g.list, g.name)]
		n := 0
		for _, u := range g.carriers {
			if equality.Semantic.DeepEqual(c, u.list(g.list)[u.find(g.list, g.name)]) {
				n++
			}
		}
		if n > bestCount {
			best, bestCount = i, n
		}
	}
	g.ref = g.carriers[best]
	g.container = *g.ref.list(g.list)[g.ref.find(g.list, g.name)].DeepCopy()
}

// of returns the group's container in t.
func (g *group) of(t *template) (int, *corev1.Container) {
	i := t.find(g.list, g.name)
	return i, &t.list(g.list)[i]
}

// path is the field path of the group's container in t.
func (g *group) path(t *template) *field.Path {
	i, _ := g.of(t)
	return t.spec().Child(g.list).Index(i)
}
