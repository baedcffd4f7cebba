package e2e

import (
	"encoding/json"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// injected is the part of a pod that injection owns, in a form that ignores what the API
// server adds by itself (defaults of app containers, status, managed fields, timestamps):
// container order, and each container's image, env and mounts; volumes; Kruise's
// annotations with the hash entries' updateTimestamp dropped.
type injected struct {
	InitContainers []string
	Containers     []string
	Details        map[string]containerView
	Volumes        []string
	Annotations    map[string]any
	Labels         map[string]string
}

type containerView struct {
	Image     string
	Env       []string
	Mounts    []string
	PostStart []string
	Restart   string
}

func project(pod *corev1.Pod) injected {
	out := injected{Details: map[string]containerView{}, Annotations: map[string]any{}, Labels: pod.Labels}
	for _, list := range []struct {
		names *[]string
		cs    []corev1.Container
	}{{&out.InitContainers, pod.Spec.InitContainers}, {&out.Containers, pod.Spec.Containers}} {
		for _, c := range list.cs {
			*list.names = append(*list.names, c.Name)
			v := containerView{Image: c.Image}
			for _, e := range c.Env {
				val := e.Value
				if e.ValueFrom != nil {
					vf := e.ValueFrom.DeepCopy()
					if vf.FieldRef != nil && vf.FieldRef.APIVersion == "" {
						vf.FieldRef.APIVersion = "v1" // the API server's default, applied after the webhook
					}
					raw, _ := json.Marshal(vf)
					val = string(raw)
				}
				v.Env = append(v.Env, e.Name+"="+val)
			}
			for _, m := range c.VolumeMounts {
				v.Mounts = append(v.Mounts, m.Name+":"+m.MountPath)
			}
			if c.Lifecycle != nil && c.Lifecycle.PostStart != nil && c.Lifecycle.PostStart.Exec != nil {
				v.PostStart = c.Lifecycle.PostStart.Exec.Command
			}
			if c.RestartPolicy != nil {
				v.Restart = string(*c.RestartPolicy)
			}
			out.Details[c.Name] = v
		}
	}
	for _, vol := range pod.Spec.Volumes {
		out.Volumes = append(out.Volumes, vol.Name)
	}
	for k, v := range pod.Annotations {
		if !strings.Contains(k, "sidecarset") {
			continue
		}
		if k == "kruise.io/sidecarset-hash" || k == "kruise.io/sidecarset-hash-without-image" {
			var entries map[string]map[string]any
			if json.Unmarshal([]byte(v), &entries) == nil {
				for _, e := range entries {
					delete(e, "updateTimestamp")
				}
				out.Annotations[k] = entries
				continue
			}
		}
		out.Annotations[k] = v
	}
	return out
}
