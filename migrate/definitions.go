package migrate

import (
	"fmt"
	"slices"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"

	"github.com/sidecarctl/sidecarctl/finding"
)

// checkDefinitions compares every template's copy of a sidecar with the SidecarSet's
// definition. An env var whose value differs per template and equals, in each, the one of a
// container that stays is copied by transferEnv, as Kruise appends such vars last (after
// IS_INJECTED, sidecarset/BEHAVIOUR.md §2.8): only vars at the end of the sidecar's env
// qualify. Mounts that differ by what the app containers mount are shared with
// shareVolumePolicy (chooseShareVolumes). Any other difference keeps the sidecar in that
// template, one finding per field.
func (p *planner) checkDefinitions() error {
	for _, g := range p.groups {
		p.chooseTransferEnv(g)
		p.chooseShareVolumes(g)
		for _, t := range g.carriers {
			_, own := g.of(t)
			v := p.opts.Pipeline.Engine.Version
			diffs, err := diffObjects(g.path(t), defaultedContainer(p.expected(g, t), v), defaultedContainer(own, v))
			if err != nil {
				return fmt.Errorf("%s: %w", t.item.Source, err)
			}
			var fs []finding.Finding
			for _, d := range diffs {
				fs = append(fs, finding.Finding{Severity: finding.Warning, Code: finding.MigrateFieldDiffers, Object: t.name, SidecarSet: p.names[g], Field: d.Path.String(),
					Message: fmt.Sprintf("%s here, %s in SidecarSet %s (as %s has it): one SidecarSet injects one definition, so %s stays in this workload",
						show(d.Got), show(d.Want), p.names[g], g.ref.name, g.name)})
			}
			if len(fs) > 0 {
				p.evict(member{g, t}, fs...)
			}
		}
	}
	return nil
}

// expected is what the group's SidecarSet injects into t, IS_INJECTED aside: its container
// with the transferred vars t's source container holds appended.
func (p *planner) expected(g *group, t *template) *corev1.Container {
	c := g.container.DeepCopy()
	for _, te := range g.transfer {
		src := slices.IndexFunc(t.pod.Spec.Containers, func(s corev1.Container) bool { return s.Name == te.SourceContainerName })
		if src < 0 {
			continue
		}
		for _, e := range t.pod.Spec.Containers[src].Env {
			if e.Name == te.EnvName && !slices.ContainsFunc(c.Env, func(o corev1.EnvVar) bool { return o.Name == e.Name }) {
				c.Env = append(c.Env, e)
				break
			}
		}
	}
	if g.share {
		c.VolumeMounts = shareMounts(c.VolumeMounts, p.appMounts(g, t))
	}
	return c
}

// appMounts are the mounts Kruise's shareVolumePolicy gives the group's sidecar in t: those of
// every regular container that is not injected (sidecarset/BEHAVIOUR.md §2.6), in order: the
// containers that stay, not the sidecars that migrate from t.
func (p *planner) appMounts(g *group, t *template) []corev1.VolumeMount {
	moving := map[string]bool{}
	for _, o := range p.migrating(t) {
		if o.list == listContainers {
			moving[o.name] = true
		}
	}
	moving[g.name] = true
	var out []corev1.VolumeMount
	for _, c := range t.pod.Spec.Containers {
		if !moving[c.Name] {
			out = append(out, c.VolumeMounts...)
		}
	}
	return out
}

// shareMounts appends the shared mounts whose mountPath is not taken yet, as Kruise merges them.
func shareMounts(own, shared []corev1.VolumeMount) []corev1.VolumeMount {
	out := slices.Clone(own)
	for _, m := range shared {
		if !slices.ContainsFunc(out, func(o corev1.VolumeMount) bool { return o.MountPath == m.MountPath }) {
			out = append(out, m)
		}
	}
	return out
}

// chooseShareVolumes turns shareVolumePolicy on when the sidecar's mounts differ between
// templates and, in more of them than without it, are its own mounts (a prefix of the
// reference's) followed by what the app containers mount. Init containers are left alone:
// whether Kruise shares into them depends on its version.
func (p *planner) chooseShareVolumes(g *group) {
	if g.list != listContainers || g.ref == nil {
		return
	}
	ref := g.container.VolumeMounts
	matches := func(base []corev1.VolumeMount, share bool) int {
		n := 0
		for _, t := range g.carriers {
			_, own := g.of(t)
			want := base
			if share {
				want = shareMounts(base, p.appMounts(g, t))
			}
			if equality.Semantic.DeepEqual(normalMounts(want), normalMounts(own.VolumeMounts)) {
				n++
			}
		}
		return n
	}
	best, bestK := matches(ref, false), -1
	for k := len(ref); k >= 0; k-- {
		if n := matches(ref[:k], true); n > best {
			best, bestK = n, k
		}
	}
	if bestK < 0 {
		return
	}
	g.share = true
	g.container.VolumeMounts = slices.Clone(ref[:bestK])
	if len(g.container.VolumeMounts) == 0 {
		g.container.VolumeMounts = nil
	}
}

// normalMounts treats no mounts and an empty list alike.
func normalMounts(ms []corev1.VolumeMount) []corev1.VolumeMount {
	if len(ms) == 0 {
		return nil
	}
	return ms
}

// chooseTransferEnv moves to transferEnv the trailing env vars of the sidecar whose value
// differs between templates and that the reference template's other containers hold with the
// sidecar's value. The reference's container is the source for every template.
func (p *planner) chooseTransferEnv(g *group) {
	env := g.container.Env
	var moved []appsv1alpha1.TransferEnvVar
	for k := len(env) - 1; k >= 0; k-- {
		e := env[k]
		if !p.variesPerTemplate(g, e) {
			break
		}
		source := ""
		for _, c := range g.ref.pod.Spec.Containers {
			if c.Name == g.name {
				continue
			}
			if slices.ContainsFunc(c.Env, func(o corev1.EnvVar) bool { return equality.Semantic.DeepEqual(o, e) }) {
				source = c.Name
				break
			}
		}
		if source == "" {
			break
		}
		moved = append([]appsv1alpha1.TransferEnvVar{{SourceContainerName: source, EnvName: e.Name}}, moved...)
	}
	if len(moved) == 0 {
		return
	}
	g.transfer = moved
	g.container.Env = env[:len(env)-len(moved)]
	if len(g.container.Env) == 0 {
		g.container.Env = nil
	}
}

// variesPerTemplate reports whether some template's sidecar gives e another value.
func (p *planner) variesPerTemplate(g *group, e corev1.EnvVar) bool {
	for _, t := range g.carriers {
		_, c := g.of(t)
		i := slices.IndexFunc(c.Env, func(o corev1.EnvVar) bool { return o.Name == e.Name })
		if i >= 0 && !equality.Semantic.DeepEqual(c.Env[i], e) {
			return true
		}
	}
	return false
}
