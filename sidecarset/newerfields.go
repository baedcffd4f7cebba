package sidecarset

import (
	"sort"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Kruise decodes SidecarSets and pods into the Go types of the Kubernetes release it is built
// with (behaviour.KubernetesTypes: 1.22 for v1.3, 1.30 for v1.8), so a field those types lack
// does not exist for it: the SidecarSet mutating webhook drops it, and the pods it returns lose
// or move it (sidecarset/BEHAVIOUR.md §7). This file and newerfields_rules.go are the one list
// of such fields, for containers, volumes and pods, each with the Kubernetes release that added
// it; a Kruise version's fields are those newer than its types. Admission prunes with it, the
// pod webhook's patch is reproduced with it, `check` reports with it, and translate refuses
// profiles for virtual nodes with it.

// NewerField is one occurrence of such a field.
type NewerField struct {
	Path *field.Path
	// What names the field for a message ("a grpc probe").
	What string
	// Since is the Kubernetes release whose types added it ("1.23").
	Since string
	// keys is the field's place below the object the search started at: JSON keys and list
	// indexes.
	keys []any
}

// newerRule is one field of the list: the Kubernetes minor release that added it, its name for
// messages, and how to find it in an object of type T. find calls found for each occurrence,
// with its keys below obj and a function that clears it.
type newerRule[T any] struct {
	since int
	what  string
	find  func(obj *T, found func(keys []any, clear func()))
}

// newerFields applies the rules newer than Kubernetes 1.<kube> to obj, at path p. With drop
// it also clears them. A field inside another reported field is not reported again (rules
// are ordered by release, and a field is never older than its parent). Sorted by path.
func newerFields[T any](rules []newerRule[T], obj *T, p *field.Path, kube int, drop bool) []NewerField {
	var out []NewerField
	var r *newerRule[T]
	found := func(keys []any, clear func()) {
		for _, f := range out {
			if hasPrefix(keys, f.keys) {
				return
			}
		}
		out = append(out, NewerField{Path: extendPath(p, keys), What: r.what, Since: "1." + strconv.Itoa(r.since), keys: keys})
		if drop {
			clear()
		}
	}
	for i := range rules {
		if r = &rules[i]; r.since > kube {
			r.find(obj, found)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path.String() < out[j].Path.String() })
	return out
}

func hasPrefix(keys, prefix []any) bool {
	if len(prefix) > len(keys) {
		return false
	}
	for i := range prefix {
		if keys[i] != prefix[i] {
			return false
		}
	}
	return true
}

func extendPath(p *field.Path, keys []any) *field.Path {
	for _, k := range keys {
		switch k := k.(type) {
		case int:
			p = p.Index(k)
		case string:
			p = p.Child(k)
		}
	}
	return p
}

// at returns keys as a fresh slice, so that the rules can build them from shared prefixes.
func at(keys ...any) []any { return keys }

// ContainerFieldsNewerThan returns the fields of c that the Kubernetes types of Kruise
// version v lack, sorted by path; with drop, it also clears them from c (what Kruise keeps).
func ContainerFieldsNewerThan(v Version, c *corev1.Container, p *field.Path, drop bool) []NewerField {
	return newerFields(containerRules(), c, p, behaviourOf(v).KubernetesTypes, drop)
}

// VolumeFieldsNewerThan is ContainerFieldsNewerThan for a volume.
func VolumeFieldsNewerThan(v Version, vol *corev1.Volume, p *field.Path, drop bool) []NewerField {
	return newerFields(volumeRules(), vol, p, behaviourOf(v).KubernetesTypes, drop)
}

// PodFieldsNewerThan is ContainerFieldsNewerThan for a whole pod spec (at p, usually "spec"):
// its own fields, then those of its init containers, containers and volumes. Ephemeral
// containers are left out: a pod cannot be created with them.
func PodFieldsNewerThan(v Version, spec *corev1.PodSpec, p *field.Path, drop bool) []NewerField {
	kube := behaviourOf(v).KubernetesTypes
	containers, volumes := containerRules(), volumeRules()
	out := newerFields(podRules(), spec, p, kube, drop)
	for i := range spec.InitContainers {
		out = append(out, newerFields(containers, &spec.InitContainers[i], p.Child("initContainers").Index(i), kube, drop)...)
	}
	for i := range spec.Containers {
		out = append(out, newerFields(containers, &spec.Containers[i], p.Child("containers").Index(i), kube, drop)...)
	}
	for i := range spec.Volumes {
		out = append(out, newerFields(volumes, &spec.Volumes[i], p.Child("volumes").Index(i), kube, drop)...)
	}
	return out
}

// namedProbe and namedHandler are a container's probes and lifecycle handlers by field name.
type namedProbe struct {
	name  string
	probe *corev1.Probe
}

type namedHandler struct {
	name    string
	handler *corev1.LifecycleHandler
}

func probesOf(c *corev1.Container) [3]namedProbe {
	return [3]namedProbe{{"livenessProbe", c.LivenessProbe}, {"readinessProbe", c.ReadinessProbe}, {"startupProbe", c.StartupProbe}}
}

func handlersOf(c *corev1.Container) [2]namedHandler {
	if c.Lifecycle == nil {
		return [2]namedHandler{}
	}
	return [2]namedHandler{{"postStart", c.Lifecycle.PostStart}, {"preStop", c.Lifecycle.PreStop}}
}

// containerRules returns the container fields newer than Kubernetes 1.22, oldest first.
func containerRules() []newerRule[corev1.Container] {
	return []newerRule[corev1.Container]{
		{23, "a grpc probe", func(c *corev1.Container, found func([]any, func())) {
			for _, np := range probesOf(c) {
				if pr := np.probe; pr != nil && pr.GRPC != nil {
					found(at(np.name, "grpc"), func() { pr.GRPC = nil })
				}
			}
		}},
		{26, "resource claims", func(c *corev1.Container, found func([]any, func())) {
			if len(c.Resources.Claims) > 0 {
				found(at("resources", "claims"), func() { c.Resources.Claims = nil })
			}
		}},
		{27, "resizePolicy", func(c *corev1.Container, found func([]any, func())) {
			if len(c.ResizePolicy) > 0 {
				found(at("resizePolicy"), func() { c.ResizePolicy = nil })
			}
		}},
		{28, "restartPolicy", func(c *corev1.Container, found func([]any, func())) {
			if c.RestartPolicy != nil {
				found(at("restartPolicy"), func() { c.RestartPolicy = nil })
			}
		}},
		{29, "a sleep lifecycle handler", func(c *corev1.Container, found func([]any, func())) {
			for _, nh := range handlersOf(c) {
				if h := nh.handler; h != nil && h.Sleep != nil {
					found(at("lifecycle", nh.name, "sleep"), func() { h.Sleep = nil })
				}
			}
		}},
		{30, "securityContext.appArmorProfile", func(c *corev1.Container, found func([]any, func())) {
			if sc := c.SecurityContext; sc != nil && sc.AppArmorProfile != nil {
				found(at("securityContext", "appArmorProfile"), func() { sc.AppArmorProfile = nil })
			}
		}},
		{30, "volumeMounts[].recursiveReadOnly", func(c *corev1.Container, found func([]any, func())) {
			for i := range c.VolumeMounts {
				if m := &c.VolumeMounts[i]; m.RecursiveReadOnly != nil {
					found(at("volumeMounts", i, "recursiveReadOnly"), func() { m.RecursiveReadOnly = nil })
				}
			}
		}},
		{31, "resources.claims[].request", func(c *corev1.Container, found func([]any, func())) {
			for i := range c.Resources.Claims {
				if rc := &c.Resources.Claims[i]; rc.Request != "" {
					found(at("resources", "claims", i, "request"), func() { rc.Request = "" })
				}
			}
		}},
		{33, "lifecycle.stopSignal", func(c *corev1.Container, found func([]any, func())) {
			if lc := c.Lifecycle; lc != nil && lc.StopSignal != nil {
				found(at("lifecycle", "stopSignal"), func() { lc.StopSignal = nil })
			}
		}},
		{34, "restartPolicyRules", func(c *corev1.Container, found func([]any, func())) {
			if len(c.RestartPolicyRules) > 0 {
				found(at("restartPolicyRules"), func() { c.RestartPolicyRules = nil })
			}
		}},
		{34, "env valueFrom.fileKeyRef", func(c *corev1.Container, found func([]any, func())) {
			for i := range c.Env {
				if vf := c.Env[i].ValueFrom; vf != nil && vf.FileKeyRef != nil {
					found(at("env", i, "valueFrom", "fileKeyRef"), func() { vf.FileKeyRef = nil })
				}
			}
		}},
		{37, "httpGet.protocol", func(c *corev1.Container, found func([]any, func())) {
			for _, np := range probesOf(c) {
				if pr := np.probe; pr != nil && pr.HTTPGet != nil && pr.HTTPGet.Protocol != nil {
					g := pr.HTTPGet
					found(at(np.name, "httpGet", "protocol"), func() { g.Protocol = nil })
				}
			}
			for _, nh := range handlersOf(c) {
				if h := nh.handler; h != nil && h.HTTPGet != nil && h.HTTPGet.Protocol != nil {
					g := h.HTTPGet
					found(at("lifecycle", nh.name, "httpGet", "protocol"), func() { g.Protocol = nil })
				}
			}
		}},
		{37, "grpc.mode", func(c *corev1.Container, found func([]any, func())) {
			for _, np := range probesOf(c) {
				if pr := np.probe; pr != nil && pr.GRPC != nil && pr.GRPC.Mode != nil {
					g := pr.GRPC
					found(at(np.name, "grpc", "mode"), func() { g.Mode = nil })
				}
			}
		}},
		{37, "volumeMounts[].bindMountOptions", func(c *corev1.Container, found func([]any, func())) {
			for i := range c.VolumeMounts {
				if m := &c.VolumeMounts[i]; len(m.BindMountOptions) > 0 {
					found(at("volumeMounts", i, "bindMountOptions"), func() { m.BindMountOptions = nil })
				}
			}
		}},
	}
}
