package sidecarset

import (
	"fmt"
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"strings"
)

// validateContainers covers the sidecar-specific checks of Kruise's validator and the part of
// Kubernetes' pod validation that Kruise runs on a fake pod built from the SidecarSet's init
// containers, containers and volumes: names, images, pull and termination policies, ports,
// env names, mounts against spec.volumes, privileged mode, and volume sources.
func validateContainers(ss *appsv1alpha1.SidecarSet, env ValidationEnv, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i := range ss.Spec.Containers {
		c := &ss.Spec.Containers[i]
		cp := p.Child("containers").Index(i)
		if c.PodInjectPolicy != appsv1alpha1.BeforeAppContainerType && c.PodInjectPolicy != appsv1alpha1.AfterAppContainerType {
			errs = append(errs, field.Invalid(cp.Child("podInjectPolicy"), c.PodInjectPolicy, "unsupported pod inject policy"))
		}
		if c.ShareVolumePolicy.Type != appsv1alpha1.ShareVolumePolicyEnabled && c.ShareVolumePolicy.Type != appsv1alpha1.ShareVolumePolicyDisabled {
			errs = append(errs, field.Invalid(cp.Child("shareVolumePolicy"), c.ShareVolumePolicy, "unsupported share volume policy"))
		}
		for j, t := range c.TransferEnv {
			if t.SourceContainerNameFrom == nil || t.SourceContainerNameFrom.FieldRef == nil {
				continue
			}
			errs = append(errs, validateTransferFieldRef(t.SourceContainerNameFrom.FieldRef, cp.Child("transferEnv").Index(j).Child("sourceContainerNameFrom", "fieldRef"))...)
		}
	}
	volumes, volErrs := validateVolumes(ss.Spec.Volumes, p.Child("volumes"))
	errs = append(errs, volErrs...)
	if !env.behaviour().ProjectedServiceAccountTokens {
		// Before v1.5 the fake pod Kruise validates has no service account, so Kubernetes
		// refuses projected service-account tokens in the SidecarSet's volumes.
		for i, v := range ss.Spec.Volumes {
			if v.Projected == nil {
				continue
			}
			for j, src := range v.Projected.Sources {
				if src.ServiceAccountToken != nil {
					errs = append(errs, field.Forbidden(p.Child("volumes").Index(i).Child("projected", "sources").Index(j).Child("serviceAccountToken"),
						"must not be specified when serviceAccountName is not set"))
				}
			}
		}
	}
	names, hostPorts := sets.New[string](), sets.New[string]()
	for _, group := range []struct {
		name string
		list []appsv1alpha1.SidecarContainer
	}{{"initContainers", ss.Spec.InitContainers}, {"containers", ss.Spec.Containers}} {
		for i := range group.list {
			c := &group.list[i].Container
			cp := p.Child(group.name).Index(i)
			if c.Name == "" {
				errs = append(errs, field.Required(cp.Child("name"), ""))
			} else {
				for _, msg := range validation.IsDNS1123Label(c.Name) {
					errs = append(errs, field.Invalid(cp.Child("name"), c.Name, msg))
				}
				if names.Has(c.Name) {
					errs = append(errs, field.Duplicate(cp.Child("name"), c.Name))
				}
				names.Insert(c.Name)
			}
			errs = append(errs, validateContainer(c, volumes, env, cp, group.name == "initContainers")...)
			for j, port := range c.Ports {
				if port.HostPort == 0 {
					continue
				}
				key := fmt.Sprintf("%s/%d", port.Protocol, port.HostPort)
				if hostPorts.Has(key) {
					errs = append(errs, field.Duplicate(cp.Child("ports").Index(j).Child("hostPort"), key))
				}
				hostPorts.Insert(key)
			}
		}
	}
	return errs
}

func validateContainer(c *corev1.Container, volumes map[string]corev1.VolumeSource, env ValidationEnv, p *field.Path, isInit bool) field.ErrorList {
	var errs field.ErrorList
	if c.Image == "" {
		errs = append(errs, field.Required(p.Child("image"), ""))
	}
	switch c.ImagePullPolicy {
	case corev1.PullAlways, corev1.PullIfNotPresent, corev1.PullNever:
	case "":
		errs = append(errs, field.Required(p.Child("imagePullPolicy"), ""))
	default:
		errs = append(errs, field.NotSupported(p.Child("imagePullPolicy"), c.ImagePullPolicy, []string{"Always", "IfNotPresent", "Never"}))
	}
	switch c.TerminationMessagePolicy {
	case corev1.TerminationMessageReadFile, corev1.TerminationMessageFallbackToLogsOnError:
	case "":
		errs = append(errs, field.Required(p.Child("terminationMessagePolicy"), "must be 'File' or 'FallbackToLogsOnError'"))
	default:
		errs = append(errs, field.Invalid(p.Child("terminationMessagePolicy"), c.TerminationMessagePolicy, "must be 'File' or 'FallbackToLogsOnError'"))
	}
	for i, port := range c.Ports {
		pp := p.Child("ports").Index(i)
		if port.Name != "" {
			for _, msg := range validation.IsValidPortName(port.Name) {
				errs = append(errs, field.Invalid(pp.Child("name"), port.Name, msg))
			}
		}
		for _, msg := range validation.IsValidPortNum(int(port.ContainerPort)) {
			errs = append(errs, field.Invalid(pp.Child("containerPort"), port.ContainerPort, msg))
		}
		switch port.Protocol {
		case corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP:
		case "":
			errs = append(errs, field.Required(pp.Child("protocol"), ""))
		default:
			errs = append(errs, field.NotSupported(pp.Child("protocol"), port.Protocol, []string{"SCTP", "TCP", "UDP"}))
		}
	}
	for i, e := range c.Env {
		ep := p.Child("env").Index(i)
		if e.Name == "" {
			errs = append(errs, field.Required(ep.Child("name"), ""))
		} else {
			for _, msg := range validation.IsEnvVarName(e.Name) {
				errs = append(errs, field.Invalid(ep.Child("name"), e.Name, msg))
			}
		}
	}
	paths := sets.New[string]()
	devicePaths, deviceNames := sets.New[string](), sets.New[string]()
	for _, d := range c.VolumeDevices {
		devicePaths.Insert(d.DevicePath)
		deviceNames.Insert(d.Name)
	}
	mountNames := sets.New[string]()
	for i, m := range c.VolumeMounts {
		mountNames.Insert(m.Name)
		if deviceNames.Has(m.Name) {
			errs = append(errs, field.Invalid(p.Child("volumeMounts").Index(i).Child("name"), m.Name, "must not already exist in volumeDevices"))
		}
		if devicePaths.Has(m.MountPath) {
			errs = append(errs, field.Invalid(p.Child("volumeMounts").Index(i).Child("mountPath"), m.MountPath, "must not already exist as a path in volumeDevices"))
		}
		mp := p.Child("volumeMounts").Index(i)
		if m.Name == "" {
			errs = append(errs, field.Required(mp.Child("name"), ""))
		} else if _, ok := volumes[m.Name]; !ok {
			errs = append(errs, field.NotFound(mp.Child("name"), m.Name))
		}
		if m.MountPath == "" {
			errs = append(errs, field.Required(mp.Child("mountPath"), ""))
		} else if paths.Has(m.MountPath) {
			errs = append(errs, field.Invalid(mp.Child("mountPath"), m.MountPath, "must be unique"))
		}
		paths.Insert(m.MountPath)
		if m.SubPath != "" && m.SubPathExpr != "" {
			errs = append(errs, field.Invalid(mp.Child("subPathExpr"), m.SubPathExpr, "subPathExpr and subPath are mutually exclusive"))
		}
	}
	for i, d := range c.VolumeDevices {
		dp := p.Child("volumeDevices").Index(i)
		src, ok := volumes[d.Name]
		switch {
		case !ok:
			errs = append(errs, field.NotFound(dp.Child("name"), d.Name))
		case src.PersistentVolumeClaim == nil && src.Ephemeral == nil:
			errs = append(errs, field.Invalid(dp.Child("name"), d.Name, "can only use volume source type of PersistentVolumeClaim or Ephemeral for block mode"))
		}
		if mountNames.Has(d.Name) {
			errs = append(errs, field.Invalid(dp.Child("name"), d.Name, "must not already exist in volumeMounts"))
		}
		if paths.Has(d.DevicePath) {
			errs = append(errs, field.Invalid(dp.Child("devicePath"), d.DevicePath, "must not already exist as a path in volumeMounts"))
		}
	}
	native := c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
	if isInit && !native {
		for i, probe := range []*corev1.Probe{c.LivenessProbe, c.ReadinessProbe, c.StartupProbe} {
			if probe != nil {
				name := [...]string{"livenessProbe", "readinessProbe", "startupProbe"}[i]
				errs = append(errs, initHandlerError(p.Child(name), probe, env))
			}
		}
		if c.Lifecycle != nil {
			errs = append(errs, initHandlerError(p.Child("lifecycle"), c.Lifecycle, env))
		}
	}
	if sc := c.SecurityContext; sc != nil && sc.Privileged != nil && *sc.Privileged && !env.AllowPrivileged {
		errs = append(errs, field.Forbidden(p.Child("securityContext", "privileged"), "disallowed by cluster policy"))
	}
	return append(errs, validatePodRules(c, p, isInit)...)
}

func validateTransferFieldRef(ref *corev1.ObjectFieldSelector, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if ref.APIVersion == "" {
		errs = append(errs, field.Required(p.Child("apiVersion"), ""))
	} else if ref.APIVersion != "v1" {
		errs = append(errs, field.NotSupported(p.Child("apiVersion"), ref.APIVersion, []string{"v1"}))
	}
	if ref.FieldPath == "" {
		return append(errs, field.Required(p.Child("fieldPath"), ""))
	}
	pod := &corev1.Pod{}
	if _, ok := containerNameFromFieldPath(ref.FieldPath, pod); !ok {
		return append(errs, field.Invalid(p.Child("fieldPath"), ref.FieldPath, "error converting fieldPath: only metadata.labels['<key>'] and metadata.annotations['<key>'] are supported"))
	}
	key := ref.FieldPath[strings.Index(ref.FieldPath, "['")+2 : len(ref.FieldPath)-2]
	for _, msg := range validation.IsQualifiedName(strings.ToLower(key)) {
		errs = append(errs, field.Invalid(p.Child("fieldPath"), ref.FieldPath, msg))
	}
	return errs
}

// validateVolumes checks names and that each volume has exactly one source, and returns the
// volumes by name for the mount checks.
func validateVolumes(vols []corev1.Volume, p *field.Path) (map[string]corev1.VolumeSource, field.ErrorList) {
	var errs field.ErrorList
	out := map[string]corev1.VolumeSource{}
	for i, v := range vols {
		vp := p.Index(i)
		if v.Name == "" {
			errs = append(errs, field.Required(vp.Child("name"), ""))
		} else {
			for _, msg := range validation.IsDNS1123Label(v.Name) {
				errs = append(errs, field.Invalid(vp.Child("name"), v.Name, msg))
			}
			if _, dup := out[v.Name]; dup {
				errs = append(errs, field.Duplicate(vp.Child("name"), v.Name))
			}
		}
		switch n := countSources(&v.VolumeSource); {
		case n == 0:
			errs = append(errs, field.Required(vp, "must specify a volume type"))
		case n > 1:
			errs = append(errs, field.Forbidden(vp, "may not specify more than 1 volume type"))
		}
		if v.HostPath != nil && v.HostPath.Path == "" {
			errs = append(errs, field.Required(vp.Child("hostPath", "path"), ""))
		}
		if v.ConfigMap != nil && v.ConfigMap.Name == "" {
			errs = append(errs, field.Required(vp.Child("configMap", "name"), ""))
		}
		if v.Secret != nil && v.Secret.SecretName == "" {
			errs = append(errs, field.Required(vp.Child("secret", "secretName"), ""))
		}
		if v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName == "" {
			errs = append(errs, field.Required(vp.Child("persistentVolumeClaim", "claimName"), ""))
		}
		out[v.Name] = v.VolumeSource
	}
	return out, errs
}

func countSources(vs *corev1.VolumeSource) int {
	n := 0
	for _, set := range []bool{
		vs.HostPath != nil, vs.EmptyDir != nil, vs.GCEPersistentDisk != nil, vs.AWSElasticBlockStore != nil,
		vs.GitRepo != nil, vs.Secret != nil, vs.NFS != nil, vs.ISCSI != nil, vs.Glusterfs != nil,
		vs.PersistentVolumeClaim != nil, vs.RBD != nil, vs.FlexVolume != nil, vs.Cinder != nil,
		vs.CephFS != nil, vs.Flocker != nil, vs.DownwardAPI != nil, vs.FC != nil, vs.AzureFile != nil,
		vs.ConfigMap != nil, vs.VsphereVolume != nil, vs.Quobyte != nil, vs.AzureDisk != nil,
		vs.PhotonPersistentDisk != nil, vs.Projected != nil, vs.PortworxVolume != nil, vs.ScaleIO != nil,
		vs.StorageOS != nil, vs.CSI != nil, vs.Ephemeral != nil, vs.Image != nil,
	} {
		if set {
			n++
		}
	}
	return n
}

// initHandlerError is the Kubernetes pod validation's refusal of a probe or lifecycle on a
// plain init container, in the words of the Kubernetes release Kruise is built with
// (BEHAVIOUR.md §4.5): 1.22 to 1.24 say the value is invalid, 1.26 forbid it, 1.28 on add
// "without restartPolicy=Always".
func initHandlerError(p *field.Path, value any, env ValidationEnv) *field.Error {
	bh := env.behaviour()
	switch {
	case bh.NativeSidecars:
		return field.Forbidden(p, "may not be set for init containers without restartPolicy=Always")
	case bh.InitHandlersForbidden:
		return field.Forbidden(p, "may not be set for init containers")
	}
	return field.Invalid(p, value, "must not be set for init containers")
}
