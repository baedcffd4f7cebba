package migrate

import (
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"

	"github.com/sidecarctl/sidecarctl/sidecarset"
)

// withDefaults applies to the pod's containers and volumes the defaults Kruise's SidecarSet
// webhook gives a sidecar and its volumes (sidecarset.Default), which are the API server's
// defaults for a pod's containers and volumes: comparing two pods with them applied compares
// what the API server stores, so a field one side leaves to its default is no difference.
func withDefaults(pod *corev1.Pod, v sidecarset.Version) {
	ss := &appsv1alpha1.SidecarSet{}
	for _, c := range pod.Spec.InitContainers {
		ss.Spec.InitContainers = append(ss.Spec.InitContainers, appsv1alpha1.SidecarContainer{Container: c})
	}
	for _, c := range pod.Spec.Containers {
		ss.Spec.Containers = append(ss.Spec.Containers, appsv1alpha1.SidecarContainer{Container: c})
	}
	ss.Spec.Volumes = pod.Spec.Volumes
	sidecarset.Default(ss, v)
	for i := range ss.Spec.InitContainers {
		pod.Spec.InitContainers[i] = ss.Spec.InitContainers[i].Container
	}
	for i := range ss.Spec.Containers {
		pod.Spec.Containers[i] = ss.Spec.Containers[i].Container
	}
	pod.Spec.Volumes = ss.Spec.Volumes
}

// defaultedContainer is c with withDefaults' container defaults.
func defaultedContainer(c *corev1.Container, v sidecarset.Version) *corev1.Container {
	pod := &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{*c.DeepCopy()}}}
	withDefaults(pod, v)
	return &pod.Spec.Containers[0]
}
