package server

import (
	"strings"

	corev1 "k8s.io/api/core/v1"

	bindingv1alpha1 "github.com/sidecarctl/sidecarctl/binding/v1alpha1"
	"github.com/sidecarctl/sidecarctl/platform"
)

// isVirtualNodePod reports whether the pod goes to an Alibaba Cloud virtual node, whose
// kubelet resolves namespace/name references itself.
func isVirtualNodePod(pod *corev1.Pod) bool {
	return platform.IsVirtualNode(pod.Labels)
}

// rewriteCrossNamespace points namespace/name ConfigMap and Secret references of a
// regular-node pod at the mirrors the Mirrorer keeps in the pod's namespace (or at the plain
// name when the object is in the pod's own namespace). Only references some binding grants
// are rewritten: an unauthorized one is never mirrored, and stays as it was.
func rewriteCrossNamespace(pod *corev1.Pod, bindings []bindingv1alpha1.SidecarSetResourceBinding) bool {
	if isVirtualNodePod(pod) {
		return false
	}
	granted := map[string]bool{}
	for _, b := range bindings {
		for _, r := range b.Spec.ResourceRefs {
			granted[string(r.Kind)+"/"+b.Namespace+"/"+r.Name] = true
		}
	}
	changed := false
	rename := func(kind bindingv1alpha1.ResourceKind, name *string) {
		ns, n, ok := strings.Cut(*name, "/")
		if !ok || strings.Contains(n, "/") {
			return
		}
		switch {
		case ns == pod.Namespace:
			*name = n
		case granted[string(kind)+"/"+ns+"/"+n]:
			*name = MirrorName(ns, n)
		default:
			return
		}
		changed = true
	}
	cm, secret := bindingv1alpha1.ResourceKindConfigMap, bindingv1alpha1.ResourceKindSecret
	for i := range pod.Spec.Volumes {
		vs := &pod.Spec.Volumes[i].VolumeSource
		if vs.ConfigMap != nil {
			rename(cm, &vs.ConfigMap.Name)
		}
		if vs.Secret != nil {
			rename(secret, &vs.Secret.SecretName)
		}
		if vs.Projected != nil {
			for j := range vs.Projected.Sources {
				src := &vs.Projected.Sources[j]
				if src.ConfigMap != nil {
					rename(cm, &src.ConfigMap.Name)
				}
				if src.Secret != nil {
					rename(secret, &src.Secret.Name)
				}
			}
		}
	}
	for _, list := range [][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for i := range list {
			c := &list[i]
			for j := range c.Env {
				if vf := c.Env[j].ValueFrom; vf != nil {
					if vf.ConfigMapKeyRef != nil {
						rename(cm, &vf.ConfigMapKeyRef.Name)
					}
					if vf.SecretKeyRef != nil {
						rename(secret, &vf.SecretKeyRef.Name)
					}
				}
			}
			for j := range c.EnvFrom {
				if ref := c.EnvFrom[j].ConfigMapRef; ref != nil {
					rename(cm, &ref.Name)
				}
				if ref := c.EnvFrom[j].SecretRef; ref != nil {
					rename(secret, &ref.Name)
				}
			}
		}
	}
	return changed
}
