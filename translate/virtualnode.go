package translate

import (
	"fmt"
	"strings"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"

	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/platform"
	"github.com/sidecarctl/sidecarctl/sidecarset"
)

// ECI limits per instance (translate/PLATFORMS.md §3.5).
const (
	eciMaxContainers = 20
	eciMaxVolumes    = 20
)

// Sidecar env conventions of the virtual-node platforms (translate/PLATFORMS.md §3.3).
const (
	sidecarLaunchPriority    = "100"
	platformEnvDocumentation = "translate/PLATFORMS.md §3.3"
)

// platformEnv is the env that makes an ordinary container behave like a sidecar on the
// platform: started before the app, and not holding a Job open once the app has exited.
func platformEnv(p Platform) []corev1.EnvVar {
	if p == ACS {
		// ACS recommends native sidecars on >= 1.29, but Kruise v1.3 prunes restartPolicy, so
		// the pre-1.29 marker is the only one that survives.
		return []corev1.EnvVar{{Name: platform.EnvACSIsSidecar, Value: "true"}}
	}
	return []corev1.EnvVar{
		{Name: platform.EnvECIContainerType, Value: "sidecar"},
		{Name: platform.EnvECIIgnoreExitCode, Value: "true"},
		// Higher starts first; the app keeps the default 0.
		{Name: platform.EnvECILaunchPriority, Value: sidecarLaunchPriority},
	}
}

// virtualNode prepares the virtual-node target: only Kruise v1.3 features, the platform's
// sidecar env on the converted native sidecars, and the platform's rules (platformRules).
func (pc *profileCompiler) virtualNode() {
	name := pc.p.Name
	// Native sidecars become ordinary containers in front of the app: v1.3 would otherwise
	// drop restartPolicy and inject a blocking init container that never exits
	// (sidecarset/BEHAVIOUR.md §5.2).
	var inits, natives []sidecar
	for _, sc := range pc.inits {
		if !sc.native {
			inits = append(inits, sc)
			continue
		}
		sc.c.RestartPolicy = nil
		sc.policy = appsv1alpha1.BeforeAppContainerType
		added := pc.addPlatformEnv(&sc)
		pc.fs.addf(finding.Rewrite, finding.NativeSidecarToContainer, name, sc.path.String(),
			"native sidecar %q becomes a container placed BeforeAppContainer with %s, because Kruise v1.3 drops restartPolicy: Always", sc.c.Name, added)
		if pc.o.Platform == ECI && sc.c.ReadinessProbe == nil && sc.c.StartupProbe == nil {
			pc.fs.addf(finding.Warning, finding.StartOrderUnprobed, name, sc.path.String(),
				"ECI starts %q before the app only until it is ready, and without a readiness or startup probe it is ready at once; the app may start before it has done its setup", sc.c.Name)
		}
		natives = append(natives, sc)
	}
	pc.inits = inits
	pc.containers = append(natives, pc.containers...)
	if len(natives) > 0 {
		if pc.o.MainContainer == "" {
			pc.fs.addf(finding.Warning, finding.MainContainerNotFirst, name, "",
				"sidecars now precede the app container, so containers[0] is no longer the main container; the AppPatch skips the profiles' sidecars when it looks for it, other tools may not (name it with MainContainer)")
		}
		switch pc.o.Platform {
		case ECI:
			pc.fs.addf(finding.Warning, finding.ExitOrderUnverified, name, "",
				"ECI exit ordering (ECI_CONTAINER_EXIT_PRIORITY) is not set: which value means 'exits last' is undocumented; sidecars may stop before the app")
		case ACS:
			pc.fs.addf(finding.Warning, finding.ACSIsSidecarBug, name, "",
				"ACS documents a bug for __IS_SIDECAR__ on Kubernetes >= 1.29: after a failure retry the container status may not return to Running")
		}
	}
	pc.checkInitOrder()
	pc.platformRules()
	pc.fieldsKruise13Drops()
	pc.selectorAfterScheduling()
}

// addPlatformEnv appends the platform's sidecar env, keeping any value the user wrote, and
// returns a description for the report.
func (pc *profileCompiler) addPlatformEnv(sc *sidecar) string {
	var added []string
	for _, e := range platformEnv(pc.o.Platform) {
		if i := envIndex(sc.c.Env, e.Name); i >= 0 {
			if sc.c.Env[i].Value != e.Value || sc.c.Env[i].ValueFrom != nil {
				pc.fs.addf(finding.Warning, finding.PlatformEnvKept, pc.p.Name, sc.path.Child("env").Index(i).String(),
					"%s is already set; the profile's value is kept instead of %q", e.Name, e.Value)
			}
			continue
		}
		sc.c.Env = append(sc.c.Env, e)
		added = append(added, e.Name+"="+e.Value)
	}
	if len(added) == 0 {
		return "its own sidecar env"
	}
	return fmt.Sprintf("%s env %s (%s)", strings.ToUpper(string(pc.o.Platform)), strings.Join(added, ", "), platformEnvDocumentation)
}

// fieldsKruise13Drops refuses container and volume fields newer than the Kubernetes 1.22
// types Kruise v1.3 is built with: its webhook would remove them from the stored SidecarSet
// without a word (sidecarset/BEHAVIOUR.md §5). The list is package sidecarset's, the one v1.3
// mode prunes with, so translate refuses exactly what injection on virtual nodes would drop.
func (pc *profileCompiler) fieldsKruise13Drops() {
	report := func(d sidecarset.NewerField) {
		pc.fs.addf(finding.Error, finding.FieldDroppedByKruise13, pc.p.Name, d.Path.String(),
			"%s is newer than Kubernetes 1.22 (it came in %s), so Kruise v1.3 on virtual nodes would drop it silently", d.What, d.Since)
	}
	for _, sc := range pc.all() {
		for _, d := range sidecarset.ContainerFieldsNewerThan(sidecarset.KruiseV13, &sc.c, sc.path, false) {
			report(d)
		}
	}
	for _, v := range pc.volumes {
		for _, d := range sidecarset.VolumeFieldsNewerThan(sidecarset.KruiseV13, &v.v, v.path, false) {
			report(d)
		}
	}
}

func envIndex(env []corev1.EnvVar, name string) int {
	for i, e := range env {
		if e.Name == name {
			return i
		}
	}
	return -1
}
