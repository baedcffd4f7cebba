package sidecarset

import (
	"fmt"
	"path"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// validatePodRules holds the rest of what Kubernetes' pod validation (which Kruise runs on a
// fake pod made of the SidecarSet's containers) checks per container: image whitespace, env
// sources, port names, resource names and requests against limits, probe and lifecycle
// handlers, restartPolicy, mount propagation and subPaths, and the privileged/escalation
// pair. Messages are Kubernetes' own.
func validatePodRules(c *corev1.Container, p *field.Path, isInit bool) field.ErrorList {
	var errs field.ErrorList
	if c.Image != "" && strings.TrimSpace(c.Image) != c.Image {
		errs = append(errs, field.Invalid(p.Child("image"), c.Image, "must not have leading or trailing whitespace"))
	}
	for i, e := range c.Env {
		ep := p.Child("env").Index(i)
		if e.ValueFrom == nil {
			continue
		}
		if e.Value != "" {
			errs = append(errs, field.Invalid(ep, "", "may not be specified when `value` is not empty"))
		}
		n := 0
		for _, set := range []bool{e.ValueFrom.FieldRef != nil, e.ValueFrom.ResourceFieldRef != nil,
			e.ValueFrom.ConfigMapKeyRef != nil, e.ValueFrom.SecretKeyRef != nil, e.ValueFrom.FileKeyRef != nil} {
			if set {
				n++
			}
		}
		switch {
		case n == 0:
			errs = append(errs, field.Invalid(ep.Child("valueFrom"), "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"))
		case n > 1:
			errs = append(errs, field.Invalid(ep.Child("valueFrom"), "", "may not have more than one field specified at a time"))
		}
		if f := e.ValueFrom.FieldRef; f != nil && !validEnvFieldPath(f.FieldPath) {
			errs = append(errs, field.NotSupported(ep.Child("valueFrom", "fieldRef", "fieldPath"), f.FieldPath, envFieldPaths()))
		}
	}
	portNames := sets.New[string]()
	for i, port := range c.Ports {
		if port.Name == "" {
			continue
		}
		if portNames.Has(port.Name) {
			errs = append(errs, field.Duplicate(p.Child("ports").Index(i).Child("name"), port.Name))
		}
		portNames.Insert(port.Name)
	}
	errs = append(errs, validateResources(&c.Resources, p.Child("resources"))...)
	native := c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
	for _, pr := range []struct {
		name  string
		probe *corev1.Probe
	}{{"livenessProbe", c.LivenessProbe}, {"readinessProbe", c.ReadinessProbe}, {"startupProbe", c.StartupProbe}} {
		if pr.probe != nil && (!isInit || native) {
			h := &pr.probe.ProbeHandler
			errs = append(errs, validateHandler(p.Child(pr.name), []handlerKind{
				{"exec", h.Exec != nil}, {"httpGet", h.HTTPGet != nil}, {"tcpSocket", h.TCPSocket != nil}, {"grpc", h.GRPC != nil}}, nil)...)
		}
	}
	if lc := c.Lifecycle; lc != nil && (!isInit || native) {
		for _, h := range []struct {
			name    string
			handler *corev1.LifecycleHandler
		}{{"postStart", lc.PostStart}, {"preStop", lc.PreStop}} {
			if a := h.handler; a != nil {
				errs = append(errs, validateHandler(p.Child("lifecycle", h.name), []handlerKind{
					{"exec", a.Exec != nil}, {"httpGet", a.HTTPGet != nil}, {"tcpSocket", a.TCPSocket != nil}, {"sleep", a.Sleep != nil}}, a.Sleep)...)
			}
		}
	}
	if c.RestartPolicy != nil && !isInit {
		errs = append(errs, field.Forbidden(p.Child("restartPolicy"), "may not be set for non-init containers"))
	} else if c.RestartPolicy != nil && !native {
		errs = append(errs, field.NotSupported(p.Child("restartPolicy"), *c.RestartPolicy, []string{string(corev1.ContainerRestartPolicyAlways)}))
	}
	privileged := c.SecurityContext != nil && c.SecurityContext.Privileged != nil && *c.SecurityContext.Privileged
	for i, m := range c.VolumeMounts {
		mp := p.Child("volumeMounts").Index(i)
		if m.MountPropagation != nil {
			switch *m.MountPropagation {
			case corev1.MountPropagationBidirectional:
				if !privileged {
					errs = append(errs, field.Forbidden(mp.Child("mountPropagation"), "Bidirectional mount propagation is available only to privileged containers"))
				}
			case corev1.MountPropagationHostToContainer, corev1.MountPropagationNone:
			default:
				errs = append(errs, field.NotSupported(mp.Child("mountPropagation"), *m.MountPropagation,
					[]string{string(corev1.MountPropagationBidirectional), string(corev1.MountPropagationHostToContainer), string(corev1.MountPropagationNone)}))
			}
		}
		if m.SubPath != "" {
			errs = append(errs, validateLocalPath(m.SubPath, mp.Child("subPath"))...)
		}
	}
	if sc := c.SecurityContext; sc != nil && privileged && sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation {
		errs = append(errs, field.Invalid(p.Child("securityContext"), sc, "cannot set `allowPrivilegeEscalation` to false and `privileged` to true"))
	}
	return errs
}

func envFieldPaths() []string {
	return []string{"metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace",
		"metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"}
}

func validEnvFieldPath(fp string) bool {
	if strings.HasPrefix(fp, "metadata.labels['") || strings.HasPrefix(fp, "metadata.annotations['") {
		return strings.HasSuffix(fp, "']")
	}
	for _, ok := range envFieldPaths() {
		if fp == ok {
			return true
		}
	}
	return false
}

// handlerKind is one action of a probe or lifecycle handler, in Kubernetes' checking order.
type handlerKind struct {
	name string
	set  bool
}

// validateHandler is Kubernetes' (v1.30) handler rule: the first action set is checked, every
// further one is forbidden, and none at all is an error. Kruise validates its sidecars in a
// fake pod whose terminationGracePeriodSeconds is 0, so any sleep action is refused: it must
// be greater than 0 and at most that grace period (sidecarset/BEHAVIOUR.md §4.5).
func validateHandler(p *field.Path, kinds []handlerKind, sleep *corev1.SleepAction) field.ErrorList {
	var errs field.ErrorList
	n := 0
	for _, k := range kinds {
		if !k.set {
			continue
		}
		if n > 0 {
			errs = append(errs, field.Forbidden(p.Child(k.name), "may not specify more than 1 handler type"))
			continue
		}
		n++
		if k.name == "sleep" && sleep != nil {
			errs = append(errs, field.Invalid(p.Child("sleep"), sleep.Seconds, "must be greater than 0 and less than terminationGracePeriodSeconds (0)"))
		}
	}
	if n == 0 {
		errs = append(errs, field.Required(p, "must specify a handler type"))
	}
	return errs
}

// validateResources: standard or fully qualified names, non-negative values, and requests
// no greater than limits.
func validateResources(r *corev1.ResourceRequirements, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, group := range []struct {
		name string
		list corev1.ResourceList
	}{{"limits", r.Limits}, {"requests", r.Requests}} {
		for name, q := range group.list {
			rp := p.Child(group.name).Key(string(name))
			if !standardResource(string(name)) {
				errs = append(errs, field.Invalid(rp, name, "must be a standard resource type or fully qualified"))
			}
			if q.Sign() < 0 {
				errs = append(errs, field.Invalid(rp, q.String(), "must be greater than or equal to 0"))
			}
		}
	}
	for name, req := range r.Requests {
		if lim, ok := r.Limits[name]; ok && req.Cmp(lim) > 0 {
			errs = append(errs, field.Invalid(p.Child("requests").Key(string(name)), req.String(),
				fmt.Sprintf("must be less than or equal to %s limit of %s", name, lim.String())))
		}
	}
	return append(errs, validateClaims(r.Claims, p.Child("claims"))...)
}

// validateClaims is Kubernetes' check (from 1.26) that a container's resource claims name
// pod.spec.resourceClaims; the fake pod Kruise validates a SidecarSet with has none, so every
// named claim is not found. Releases whose types lack claims have dropped them before this.
func validateClaims(claims []corev1.ResourceClaim, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := sets.New[string]()
	for i, c := range claims {
		if c.Name == "" {
			errs = append(errs, field.Required(p.Index(i), ""))
			continue
		}
		if seen.Has(c.Name) {
			errs = append(errs, field.Duplicate(p.Index(i), c.Name))
		}
		seen.Insert(c.Name)
		notFound := field.NotFound(p.Index(i), c.Name)
		notFound.Detail = "must be one of the names in pod.spec.resourceClaims which is empty"
		errs = append(errs, notFound)
	}
	return errs
}

func standardResource(name string) bool {
	switch name {
	case "cpu", "memory", "ephemeral-storage", "storage":
		return true
	}
	if strings.HasPrefix(name, "hugepages-") {
		return true
	}
	// Extended resources must be fully qualified (domain/name).
	return strings.Contains(name, "/") && len(validation.IsQualifiedName(name)) == 0
}

// validateLocalPath mirrors Kubernetes' subPath rule: relative, and no ".." element.
func validateLocalPath(p string, fp *field.Path) field.ErrorList {
	var errs field.ErrorList
	if path.IsAbs(p) {
		errs = append(errs, field.Invalid(fp, p, "must be a relative path"))
	}
	for _, item := range strings.Split(p, "/") {
		if item == ".." {
			errs = append(errs, field.Invalid(fp, p, "must not contain '..'"))
			break
		}
	}
	return errs
}
