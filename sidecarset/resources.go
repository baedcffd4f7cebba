package sidecarset

import (
	"fmt"
	"regexp"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/sidecarctl/sidecarctl/kruisev1beta1"
)

// policyResources computes a sidecar's resources from its resourcesPolicy, as Kruise v1.9's
// pod webhook does at pod creation (pkg/webhook/pod/mutating/sidecarset_resources.go at
// v1.9.0; sidecarset/BEHAVIOUR.md §8.5). pod is the pod as submitted; sidecarNames holds the
// names of every container and init container of the matched SidecarSets, which are never
// targets. The result replaces the sidecar's resources.
func policyResources(rp *kruisev1beta1.ResourcesPolicy, pod *corev1.Pod, sidecarNames map[string]bool) (corev1.ResourceRequirements, error) {
	re, err := regexp.Compile(rp.TargetContainersNameRegex)
	if err != nil {
		return corev1.ResourceRequirements{}, fmt.Errorf("invalid regex pattern %q: %w", rp.TargetContainersNameRegex, err)
	}
	var targets []*corev1.Container
	consider := func(c *corev1.Container) {
		if !sidecarNames[c.Name] && re.MatchString(c.Name) {
			targets = append(targets, c)
		}
	}
	for i := range pod.Spec.InitContainers {
		if c := &pod.Spec.InitContainers[i]; c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			consider(c)
		}
	}
	for i := range pod.Spec.Containers {
		consider(&pod.Spec.Containers[i])
	}
	if len(targets) == 0 {
		return corev1.ResourceRequirements{}, fmt.Errorf("no containers match the regex pattern %q", rp.TargetContainersNameRegex)
	}
	out := corev1.ResourceRequirements{}
	for _, l := range []struct {
		name   string
		exprs  *kruisev1beta1.ResourceExprList
		limits bool
		into   *corev1.ResourceList
	}{{"limits", rp.ResourcesExpr.Limits, true, &out.Limits}, {"requests", rp.ResourcesExpr.Requests, false, &out.Requests}} {
		if l.exprs == nil {
			continue
		}
		for _, r := range []struct {
			name, label, expr string
			resource          corev1.ResourceName
		}{{"cpu", "CPU", l.exprs.CPU, corev1.ResourceCPU}, {"memory", "memory", l.exprs.Memory, corev1.ResourceMemory}} {
			if r.expr == "" {
				continue
			}
			total, ok := aggregateResource(targets, rp.TargetContainersMode, r.resource, l.limits)
			if !ok {
				continue // some target has no such limit: unlimited
			}
			q, err := computeQuantity(r.expr, total)
			if err != nil {
				return corev1.ResourceRequirements{}, fmt.Errorf("failed to evaluate %s %s expression: failed to parse expression %q: %w", r.label, l.name, r.expr, err)
			}
			if *l.into == nil {
				*l.into = corev1.ResourceList{}
			}
			(*l.into)[r.resource] = q
		}
	}
	return out, nil
}

// aggregateResource sums or maximises one resource over the targets. A limit exists only if
// every target has it; a missing request counts as zero. A sum takes the format of the first
// non-zero quantity added; a maximum is the winner's own quantity.
func aggregateResource(targets []*corev1.Container, mode kruisev1beta1.TargetContainersMode, name corev1.ResourceName, limits bool) (resource.Quantity, bool) {
	var total resource.Quantity
	found := false
	for _, c := range targets {
		list := c.Resources.Requests
		if limits {
			list = c.Resources.Limits
		}
		q, ok := list[name]
		if !ok {
			if limits {
				return resource.Quantity{}, false
			}
			continue
		}
		switch {
		case mode == kruisev1beta1.ModeMax:
			if !found || q.Cmp(total) > 0 {
				total = q.DeepCopy()
			}
		default:
			total.Add(q)
		}
		found = true
	}
	return total, true
}

// matchedSidecarNames returns the container and init container names of the SidecarSets.
func matchedSidecarNames(matched []*appsv1alpha1.SidecarSet) map[string]bool {
	out := map[string]bool{}
	for _, ss := range matched {
		for _, list := range [][]appsv1alpha1.SidecarContainer{ss.Spec.InitContainers, ss.Spec.Containers} {
			for i := range list {
				out[list[i].Name] = true
			}
		}
	}
	return out
}
