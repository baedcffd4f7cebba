package sidecarset

import (
	"sort"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// NewerField is a field of a container or volume that the Kubernetes 1.22 API types Kruise
// v1.3.0 is built with do not have. Kruise v1.3 decodes a SidecarSet into those types, so it
// drops every such field without a word when it stores the SidecarSet (and when it re-encodes
// a pod). This file is the one list of them: v1.3 mode prunes with it, `check` reports with
// it, and translate refuses profiles for virtual nodes with it.
type NewerField struct {
	Path *field.Path
	// What names the field for a message ("a grpc probe").
	What string
	// Since is the Kubernetes minor release whose types added it.
	Since string
}

// ContainerFieldsNewerThanV13 returns the fields of c newer than Kruise v1.3 knows, sorted by
// path; with drop, it also clears them from c (what v1.3 stores).
func ContainerFieldsNewerThanV13(c *corev1.Container, p *field.Path, drop bool) []NewerField {
	var out []NewerField
	add := func(fp *field.Path, what, since string) {
		out = append(out, NewerField{Path: fp, What: what, Since: since})
	}
	if c.RestartPolicy != nil {
		add(p.Child("restartPolicy"), "restartPolicy", "1.28")
		if drop {
			c.RestartPolicy = nil
		}
	}
	if len(c.RestartPolicyRules) > 0 {
		add(p.Child("restartPolicyRules"), "restartPolicyRules", "1.34")
		if drop {
			c.RestartPolicyRules = nil
		}
	}
	if len(c.ResizePolicy) > 0 {
		add(p.Child("resizePolicy"), "resizePolicy", "1.27")
		if drop {
			c.ResizePolicy = nil
		}
	}
	if len(c.Resources.Claims) > 0 {
		add(p.Child("resources", "claims"), "resource claims", "1.26")
		if drop {
			c.Resources.Claims = nil
		}
	}
	for _, pr := range []struct {
		name  string
		probe *corev1.Probe
	}{{"livenessProbe", c.LivenessProbe}, {"readinessProbe", c.ReadinessProbe}, {"startupProbe", c.StartupProbe}} {
		if pr.probe != nil && pr.probe.GRPC != nil {
			add(p.Child(pr.name, "grpc"), "a grpc probe", "1.23")
			if drop {
				pr.probe.GRPC = nil
			}
		}
	}
	if lc := c.Lifecycle; lc != nil {
		for _, h := range []struct {
			name    string
			handler *corev1.LifecycleHandler
		}{{"postStart", lc.PostStart}, {"preStop", lc.PreStop}} {
			if h.handler != nil && h.handler.Sleep != nil {
				add(p.Child("lifecycle", h.name, "sleep"), "a sleep lifecycle handler", "1.29")
				if drop {
					h.handler.Sleep = nil
				}
			}
		}
		if lc.StopSignal != nil {
			add(p.Child("lifecycle", "stopSignal"), "lifecycle.stopSignal", "1.33")
			if drop {
				lc.StopSignal = nil
			}
		}
	}
	if sc := c.SecurityContext; sc != nil && sc.AppArmorProfile != nil {
		add(p.Child("securityContext", "appArmorProfile"), "securityContext.appArmorProfile", "1.30")
		if drop {
			sc.AppArmorProfile = nil
		}
	}
	for i := range c.VolumeMounts {
		if c.VolumeMounts[i].RecursiveReadOnly != nil {
			add(p.Child("volumeMounts").Index(i).Child("recursiveReadOnly"), "volumeMounts[].recursiveReadOnly", "1.30")
			if drop {
				c.VolumeMounts[i].RecursiveReadOnly = nil
			}
		}
	}
	for i := range c.Env {
		if vf := c.Env[i].ValueFrom; vf != nil && vf.FileKeyRef != nil {
			add(p.Child("env").Index(i).Child("valueFrom", "fileKeyRef"), "env valueFrom.fileKeyRef", "1.34")
			if drop {
				vf.FileKeyRef = nil
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path.String() < out[j].Path.String() })
	return out
}

// VolumeFieldsNewerThanV13 is ContainerFieldsNewerThanV13 for a volume.
func VolumeFieldsNewerThanV13(v *corev1.Volume, p *field.Path, drop bool) []NewerField {
	var out []NewerField
	if v.Image != nil {
		out = append(out, NewerField{Path: p.Child("image"), What: "an image volume", Since: "1.31"})
		if drop {
			v.Image = nil
		}
	}
	if pr := v.Projected; pr != nil {
		for i := range pr.Sources {
			s := &pr.Sources[i]
			sp := p.Child("projected", "sources").Index(i)
			if s.ClusterTrustBundle != nil {
				out = append(out, NewerField{Path: sp.Child("clusterTrustBundle"), What: "a clusterTrustBundle projection", Since: "1.29"})
				if drop {
					s.ClusterTrustBundle = nil
				}
			}
			if s.PodCertificate != nil {
				out = append(out, NewerField{Path: sp.Child("podCertificate"), What: "a podCertificate projection", Since: "1.34"})
				if drop {
					s.PodCertificate = nil
				}
			}
		}
	}
	return out
}
