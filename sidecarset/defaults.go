package sidecarset

import (
	"github.com/distribution/reference"
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Default applies the defaults of Kruise's SidecarSet mutating webhook to ss in place
// (sidecarset/BEHAVIOUR.md §2.0; apis/apps/defaults/v1alpha1.go at v1.8.0). It does not write
// the hash annotations; see SetHashAnnotations. In v1.3 mode init containers get only the
// Kubernetes container defaults, as before Kruise v1.7.
func Default(ss *appsv1alpha1.SidecarSet, v Version) {
	spec := &ss.Spec
	defaultUpdateStrategy(&spec.UpdateStrategy)
	for i := range spec.InitContainers {
		c := &spec.InitContainers[i]
		if behaviourOf(v).DefaultsInitContainerPolicies {
			defaultSidecarPolicies(c, appsv1alpha1.AfterAppContainerType)
		}
		defaultContainer(c)
	}
	for i := range spec.Containers {
		c := &spec.Containers[i]
		defaultSidecarPolicies(c, appsv1alpha1.BeforeAppContainerType)
		defaultContainer(c)
	}
	defaultVolumes(spec.Volumes, behaviourOf(v).LegacyVolumeDefaults)
	if spec.RevisionHistoryLimit == nil {
		limit := int32(10)
		spec.RevisionHistoryLimit = &limit
	}
	for i := range spec.PatchPodMetadata {
		if spec.PatchPodMetadata[i].PatchPolicy == "" {
			spec.PatchPodMetadata[i].PatchPolicy = appsv1alpha1.SidecarSetRetainPatchPolicy
		}
	}
	if r := spec.InjectionStrategy.Revision; r != nil && r.Policy == "" {
		r.Policy = appsv1alpha1.AlwaysSidecarSetInjectRevisionPolicy
	}
}

func defaultUpdateStrategy(s *appsv1alpha1.SidecarSetUpdateStrategy) {
	if s.Type == "" {
		s.Type = appsv1alpha1.RollingUpdateSidecarSetStrategyType
	}
	if s.MaxUnavailable == nil {
		one := intstr.FromInt32(1)
		s.MaxUnavailable = &one
	}
	if s.Partition == nil {
		zero := intstr.FromInt32(0)
		s.Partition = &zero
	}
}

func defaultSidecarPolicies(c *appsv1alpha1.SidecarContainer, inject appsv1alpha1.PodInjectPolicyType) {
	if c.PodInjectPolicy == "" {
		c.PodInjectPolicy = inject
	}
	if c.UpgradeStrategy.UpgradeType == "" {
		c.UpgradeStrategy.UpgradeType = appsv1alpha1.SidecarContainerColdUpgrade
	}
	if c.ShareVolumePolicy.Type == "" {
		c.ShareVolumePolicy.Type = appsv1alpha1.ShareVolumePolicyDisabled
	}
}

// defaultContainer applies the Kubernetes container defaults that Kruise's SidecarSet
// defaulting calls one by one: container, ports, env fieldRefs, resource lists, liveness and
// readiness probes, lifecycle HTTP handlers, and transferEnv fieldRefs.
func defaultContainer(sc *appsv1alpha1.SidecarContainer) {
	c := &sc.Container
	if c.ImagePullPolicy == "" {
		c.ImagePullPolicy = pullPolicyFor(c.Image)
	}
	if c.TerminationMessagePath == "" {
		c.TerminationMessagePath = corev1.TerminationMessagePathDefault
	}
	if c.TerminationMessagePolicy == "" {
		c.TerminationMessagePolicy = corev1.TerminationMessageReadFile
	}
	for i := range c.Ports {
		if c.Ports[i].Protocol == "" {
			c.Ports[i].Protocol = corev1.ProtocolTCP
		}
	}
	for i := range c.Env {
		if vf := c.Env[i].ValueFrom; vf != nil && vf.FieldRef != nil {
			defaultFieldRef(vf.FieldRef)
		}
	}
	roundUpResources(c.Resources.Limits)
	roundUpResources(c.Resources.Requests)
	for _, p := range []*corev1.Probe{c.LivenessProbe, c.ReadinessProbe} {
		if p == nil {
			continue
		}
		defaultProbe(p)
	}
	if lc := c.Lifecycle; lc != nil {
		for _, h := range []*corev1.LifecycleHandler{lc.PostStart, lc.PreStop} {
			if h != nil && h.HTTPGet != nil {
				defaultHTTPGet(h.HTTPGet)
			}
		}
	}
	for i := range sc.TransferEnv {
		if from := sc.TransferEnv[i].SourceContainerNameFrom; from != nil && from.FieldRef != nil {
			defaultFieldRef(from.FieldRef)
		}
	}
}

// pullPolicyFor mirrors Kubernetes: Always for ":latest" or an image with neither tag nor
// digest, IfNotPresent otherwise, including images that do not parse.
func pullPolicyFor(image string) corev1.PullPolicy {
	named, err := reference.ParseNormalizedNamed(image)
	if err != nil {
		return corev1.PullIfNotPresent
	}
	tag := ""
	if t, ok := named.(reference.Tagged); ok {
		tag = t.Tag()
	}
	_, digested := named.(reference.Digested)
	if tag == "latest" || (tag == "" && !digested) {
		return corev1.PullAlways
	}
	return corev1.PullIfNotPresent
}

func defaultFieldRef(f *corev1.ObjectFieldSelector) {
	if f.APIVersion == "" {
		f.APIVersion = "v1"
	}
}

func defaultProbe(p *corev1.Probe) {
	if p.TimeoutSeconds == 0 {
		p.TimeoutSeconds = 1
	}
	if p.PeriodSeconds == 0 {
		p.PeriodSeconds = 10
	}
	if p.SuccessThreshold == 0 {
		p.SuccessThreshold = 1
	}
	if p.FailureThreshold == 0 {
		p.FailureThreshold = 3
	}
	if p.HTTPGet != nil {
		defaultHTTPGet(p.HTTPGet)
	}
}

func defaultHTTPGet(h *corev1.HTTPGetAction) {
	if h.Path == "" {
		h.Path = "/"
	}
	if h.Scheme == "" {
		h.Scheme = corev1.URISchemeHTTP
	}
}

// roundUpResources rounds quantities up to milli precision, as Kubernetes' resource list
// defaulting does.
func roundUpResources(list corev1.ResourceList) {
	for name, q := range list {
		q.RoundUp(-3)
		list[name] = q
	}
}

// DefaultVolumes applies Kubernetes' volume defaults (the subset Kruise's SidecarSet
// defaulting calls): emptyDir for a volume without source, hostPath type "", 0644 modes for
// secret/configMap/downwardAPI/projected, token expiry, and the legacy plugin defaults.
func DefaultVolumes(vols []corev1.Volume) { defaultVolumes(vols, true) }

// defaultVolumes is DefaultVolumes; legacy says whether the iSCSI, RBD, AzureDisk and ScaleIO
// defaults are filled (up to Kruise v1.8; sidecarset/BEHAVIOUR.md §8.6).
func defaultVolumes(vols []corev1.Volume, legacy bool) {
	for i := range vols {
		vs := &vols[i].VolumeSource
		if isEmptySource(vs) {
			vs.EmptyDir = &corev1.EmptyDirVolumeSource{}
		}
		mode := int32(corev1.SecretVolumeSourceDefaultMode)
		if vs.HostPath != nil && vs.HostPath.Type == nil {
			unset := corev1.HostPathUnset
			vs.HostPath.Type = &unset
		}
		if vs.Secret != nil && vs.Secret.DefaultMode == nil {
			vs.Secret.DefaultMode = ptrTo(mode)
		}
		if vs.ConfigMap != nil && vs.ConfigMap.DefaultMode == nil {
			vs.ConfigMap.DefaultMode = ptrTo(mode)
		}
		if d := vs.DownwardAPI; d != nil {
			if d.DefaultMode == nil {
				d.DefaultMode = ptrTo(mode)
			}
			defaultDownwardItems(d.Items)
		}
		if p := vs.Projected; p != nil {
			if p.DefaultMode == nil {
				p.DefaultMode = ptrTo(mode)
			}
			for j := range p.Sources {
				src := &p.Sources[j]
				if src.DownwardAPI != nil {
					defaultDownwardItems(src.DownwardAPI.Items)
				}
				if t := src.ServiceAccountToken; t != nil && t.ExpirationSeconds == nil {
					t.ExpirationSeconds = ptrTo(int64(3600))
				}
			}
		}
		if !legacy {
			continue
		}
		if s := vs.ISCSI; s != nil && s.ISCSIInterface == "" {
			s.ISCSIInterface = "default"
		}
		if r := vs.RBD; r != nil {
			if r.RBDPool == "" {
				r.RBDPool = "rbd"
			}
			if r.RadosUser == "" {
				r.RadosUser = "admin"
			}
			if r.Keyring == "" {
				r.Keyring = "/etc/ceph/keyring"
			}
		}
		if a := vs.AzureDisk; a != nil {
			if a.CachingMode == nil {
				m := corev1.AzureDataDiskCachingReadWrite
				a.CachingMode = &m
			}
			if a.Kind == nil {
				k := corev1.AzureSharedBlobDisk
				a.Kind = &k
			}
			if a.FSType == nil {
				a.FSType = ptrTo("ext4")
			}
			if a.ReadOnly == nil {
				a.ReadOnly = ptrTo(false)
			}
		}
		if s := vs.ScaleIO; s != nil {
			if s.StorageMode == "" {
				s.StorageMode = "ThinProvisioned"
			}
			if s.FSType == "" {
				s.FSType = "xfs"
			}
		}
	}
}

func defaultDownwardItems(items []corev1.DownwardAPIVolumeFile) {
	for i := range items {
		if items[i].FieldRef != nil {
			defaultFieldRef(items[i].FieldRef)
		}
	}
}

func isEmptySource(vs *corev1.VolumeSource) bool {
	return *vs == (corev1.VolumeSource{})
}

func ptrTo[T any](v T) *T { return &v }
