package sidecarset

import (
	corev1 "k8s.io/api/core/v1"
)

// volumeRules returns the volume fields newer than Kubernetes 1.22, oldest first (newerfields.go).
func volumeRules() []newerRule[corev1.Volume] {
	return []newerRule[corev1.Volume]{
		{26, "an ephemeral volume's dataSourceRef.namespace", func(v *corev1.Volume, found func([]any, func())) {
			if t := claimTemplate(v); t != nil && t.Spec.DataSourceRef != nil && t.Spec.DataSourceRef.Namespace != nil {
				ref := t.Spec.DataSourceRef
				found(at("ephemeral", "volumeClaimTemplate", "spec", "dataSourceRef", "namespace"), func() { ref.Namespace = nil })
			}
		}},
		{29, "an ephemeral volume's volumeAttributesClassName", func(v *corev1.Volume, found func([]any, func())) {
			if t := claimTemplate(v); t != nil && t.Spec.VolumeAttributesClassName != nil {
				found(at("ephemeral", "volumeClaimTemplate", "spec", "volumeAttributesClassName"), func() { t.Spec.VolumeAttributesClassName = nil })
			}
		}},
		{29, "a clusterTrustBundle projection", func(v *corev1.Volume, found func([]any, func())) {
			projections(v, func(k []any, s *corev1.VolumeProjection) {
				if s.ClusterTrustBundle != nil {
					found(append(k, "clusterTrustBundle"), func() { s.ClusterTrustBundle = nil })
				}
			})
		}},
		{31, "an image volume", func(v *corev1.Volume, found func([]any, func())) {
			if v.Image != nil {
				found(at("image"), func() { v.Image = nil })
			}
		}},
		{34, "a podCertificate projection", func(v *corev1.Volume, found func([]any, func())) {
			projections(v, func(k []any, s *corev1.VolumeProjection) {
				if s.PodCertificate != nil {
					found(append(k, "podCertificate"), func() { s.PodCertificate = nil })
				}
			})
		}},
		{37, "emptyDir.mode", func(v *corev1.Volume, found func([]any, func())) {
			if e := v.EmptyDir; e != nil && e.Mode != nil {
				found(at("emptyDir", "mode"), func() { e.Mode = nil })
			}
		}},
		{37, "a file owner (defaultUser, user)", func(v *corev1.Volume, found func([]any, func())) {
			fileOwners(v, found)
		}},
	}
}

func claimTemplate(v *corev1.Volume) *corev1.PersistentVolumeClaimTemplate {
	if v.Ephemeral == nil {
		return nil
	}
	return v.Ephemeral.VolumeClaimTemplate
}

func projections(v *corev1.Volume, fn func(keys []any, s *corev1.VolumeProjection)) {
	if v.Projected != nil {
		for i := range v.Projected.Sources {
			fn(at("projected", "sources", i), &v.Projected.Sources[i])
		}
	}
}

// fileOwners finds the file owners of Kubernetes 1.37 (AtomicWriteVolumeUserFields): a
// volume's defaultUser and an item's or projection's user.
func fileOwners(v *corev1.Volume, found func([]any, func())) {
	owner := func(keys []any, p **int64) {
		if *p != nil {
			found(keys, func() { *p = nil })
		}
	}
	keyItems := func(keys []any, items []corev1.KeyToPath) {
		for i := range items {
			owner(append(append([]any{}, keys...), "items", i, "user"), &items[i].User)
		}
	}
	downwardItems := func(keys []any, items []corev1.DownwardAPIVolumeFile) {
		for i := range items {
			owner(append(append([]any{}, keys...), "items", i, "user"), &items[i].User)
		}
	}
	if s := v.Secret; s != nil {
		owner(at("secret", "defaultUser"), &s.DefaultUser)
		keyItems(at("secret"), s.Items)
	}
	if c := v.ConfigMap; c != nil {
		owner(at("configMap", "defaultUser"), &c.DefaultUser)
		keyItems(at("configMap"), c.Items)
	}
	if d := v.DownwardAPI; d != nil {
		owner(at("downwardAPI", "defaultUser"), &d.DefaultUser)
		downwardItems(at("downwardAPI"), d.Items)
	}
	if p := v.Projected; p != nil {
		owner(at("projected", "defaultUser"), &p.DefaultUser)
	}
	projections(v, func(k []any, s *corev1.VolumeProjection) {
		switch {
		case s.Secret != nil:
			keyItems(append(k, "secret"), s.Secret.Items)
		case s.ConfigMap != nil:
			keyItems(append(k, "configMap"), s.ConfigMap.Items)
		case s.DownwardAPI != nil:
			downwardItems(append(k, "downwardAPI"), s.DownwardAPI.Items)
		case s.ServiceAccountToken != nil:
			owner(append(k, "serviceAccountToken", "user"), &s.ServiceAccountToken.User)
		case s.ClusterTrustBundle != nil:
			owner(append(k, "clusterTrustBundle", "user"), &s.ClusterTrustBundle.User)
		case s.PodCertificate != nil:
			owner(append(k, "podCertificate", "user"), &s.PodCertificate.User)
		}
	})
}

// podRules returns the pod spec fields newer than Kubernetes 1.22 outside containers and volumes,
// oldest first (newerfields.go).
func podRules() []newerRule[corev1.PodSpec] {
	return []newerRule[corev1.PodSpec]{
		{23, "os", func(s *corev1.PodSpec, found func([]any, func())) {
			if s.OS != nil {
				found(at("os"), func() { s.OS = nil })
			}
		}},
		{24, "topologySpreadConstraints[].minDomains", func(s *corev1.PodSpec, found func([]any, func())) {
			for i := range s.TopologySpreadConstraints {
				if c := &s.TopologySpreadConstraints[i]; c.MinDomains != nil {
					found(at("topologySpreadConstraints", i, "minDomains"), func() { c.MinDomains = nil })
				}
			}
		}},
		{25, "hostUsers", func(s *corev1.PodSpec, found func([]any, func())) {
			if s.HostUsers != nil {
				found(at("hostUsers"), func() { s.HostUsers = nil })
			}
		}},
		{25, "topologySpreadConstraints[] matchLabelKeys, nodeAffinityPolicy, nodeTaintsPolicy", func(s *corev1.PodSpec, found func([]any, func())) {
			for i := range s.TopologySpreadConstraints {
				c := &s.TopologySpreadConstraints[i]
				if len(c.MatchLabelKeys) > 0 {
					found(at("topologySpreadConstraints", i, "matchLabelKeys"), func() { c.MatchLabelKeys = nil })
				}
				if c.NodeAffinityPolicy != nil {
					found(at("topologySpreadConstraints", i, "nodeAffinityPolicy"), func() { c.NodeAffinityPolicy = nil })
				}
				if c.NodeTaintsPolicy != nil {
					found(at("topologySpreadConstraints", i, "nodeTaintsPolicy"), func() { c.NodeTaintsPolicy = nil })
				}
			}
		}},
		{26, "schedulingGates", func(s *corev1.PodSpec, found func([]any, func())) {
			if len(s.SchedulingGates) > 0 {
				found(at("schedulingGates"), func() { s.SchedulingGates = nil })
			}
		}},
		{26, "resourceClaims", func(s *corev1.PodSpec, found func([]any, func())) {
			if len(s.ResourceClaims) > 0 {
				found(at("resourceClaims"), func() { s.ResourceClaims = nil })
			}
		}},
		{29, "pod affinity terms' matchLabelKeys and mismatchLabelKeys", func(s *corev1.PodSpec, found func([]any, func())) {
			affinityLabelKeys(s, found)
		}},
		{30, "securityContext.appArmorProfile", func(s *corev1.PodSpec, found func([]any, func())) {
			if sc := s.SecurityContext; sc != nil && sc.AppArmorProfile != nil {
				found(at("securityContext", "appArmorProfile"), func() { sc.AppArmorProfile = nil })
			}
		}},
		{31, "securityContext.supplementalGroupsPolicy", func(s *corev1.PodSpec, found func([]any, func())) {
			if sc := s.SecurityContext; sc != nil && sc.SupplementalGroupsPolicy != nil {
				found(at("securityContext", "supplementalGroupsPolicy"), func() { sc.SupplementalGroupsPolicy = nil })
			}
		}},
		{31, "resourceClaims[] resourceClaimName and resourceClaimTemplateName", func(s *corev1.PodSpec, found func([]any, func())) {
			for i := range s.ResourceClaims {
				rc := &s.ResourceClaims[i]
				if rc.ResourceClaimName != nil {
					found(at("resourceClaims", i, "resourceClaimName"), func() { rc.ResourceClaimName = nil })
				}
				if rc.ResourceClaimTemplateName != nil {
					found(at("resourceClaims", i, "resourceClaimTemplateName"), func() { rc.ResourceClaimTemplateName = nil })
				}
			}
		}},
		{32, "securityContext.seLinuxChangePolicy", func(s *corev1.PodSpec, found func([]any, func())) {
			if sc := s.SecurityContext; sc != nil && sc.SELinuxChangePolicy != nil {
				found(at("securityContext", "seLinuxChangePolicy"), func() { sc.SELinuxChangePolicy = nil })
			}
		}},
		{32, "pod-level resources", func(s *corev1.PodSpec, found func([]any, func())) {
			if s.Resources != nil {
				found(at("resources"), func() { s.Resources = nil })
			}
		}},
		{34, "hostnameOverride", func(s *corev1.PodSpec, found func([]any, func())) {
			if s.HostnameOverride != nil {
				found(at("hostnameOverride"), func() { s.HostnameOverride = nil })
			}
		}},
		{35, "schedulingGroup", func(s *corev1.PodSpec, found func([]any, func())) {
			if s.SchedulingGroup != nil {
				found(at("schedulingGroup"), func() { s.SchedulingGroup = nil })
			}
		}},
		{37, "evictionResponders", func(s *corev1.PodSpec, found func([]any, func())) {
			if len(s.EvictionResponders) > 0 {
				found(at("evictionResponders"), func() { s.EvictionResponders = nil })
			}
		}},
	}
}

// affinityLabelKeys finds matchLabelKeys and mismatchLabelKeys (Kubernetes 1.29) in the pod
// (anti-)affinity terms.
func affinityLabelKeys(s *corev1.PodSpec, found func([]any, func())) {
	if s.Affinity == nil {
		return
	}
	term := func(keys []any, t *corev1.PodAffinityTerm) {
		if len(t.MatchLabelKeys) > 0 {
			found(append(append([]any{}, keys...), "matchLabelKeys"), func() { t.MatchLabelKeys = nil })
		}
		if len(t.MismatchLabelKeys) > 0 {
			found(append(append([]any{}, keys...), "mismatchLabelKeys"), func() { t.MismatchLabelKeys = nil })
		}
	}
	for _, a := range []struct {
		name     string
		required []corev1.PodAffinityTerm
		weighted []corev1.WeightedPodAffinityTerm
	}{
		{"podAffinity", podAffinityRequired(s.Affinity.PodAffinity), podAffinityPreferred(s.Affinity.PodAffinity)},
		{"podAntiAffinity", podAntiAffinityRequired(s.Affinity.PodAntiAffinity), podAntiAffinityPreferred(s.Affinity.PodAntiAffinity)},
	} {
		for i := range a.required {
			term(at("affinity", a.name, "requiredDuringSchedulingIgnoredDuringExecution", i), &a.required[i])
		}
		for i := range a.weighted {
			term(at("affinity", a.name, "preferredDuringSchedulingIgnoredDuringExecution", i, "podAffinityTerm"), &a.weighted[i].PodAffinityTerm)
		}
	}
}

func podAffinityRequired(a *corev1.PodAffinity) []corev1.PodAffinityTerm {
	if a == nil {
		return nil
	}
	return a.RequiredDuringSchedulingIgnoredDuringExecution
}

func podAffinityPreferred(a *corev1.PodAffinity) []corev1.WeightedPodAffinityTerm {
	if a == nil {
		return nil
	}
	return a.PreferredDuringSchedulingIgnoredDuringExecution
}

func podAntiAffinityRequired(a *corev1.PodAntiAffinity) []corev1.PodAffinityTerm {
	if a == nil {
		return nil
	}
	return a.RequiredDuringSchedulingIgnoredDuringExecution
}

func podAntiAffinityPreferred(a *corev1.PodAntiAffinity) []corev1.WeightedPodAffinityTerm {
	if a == nil {
		return nil
	}
	return a.PreferredDuringSchedulingIgnoredDuringExecution
}
