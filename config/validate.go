package config

import (
	"encoding/json"
	"reflect"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// mainContainerFields are the mainContainer fields an injector can apply to someone else's
// container. `name` and `resources` are tolerated only empty: the upstream samples carry
// `"name": ""` and `"resources": {}`, and the upstream injector ignores both.
const mainContainerFields = "env, volumeMounts and lifecycle.postStart"

// validateProfile checks what decoding cannot: names, duplicates, and mainContainer fields an
// injector would otherwise ignore without telling anyone.
func validateProfile(p *Profile) field.ErrorList {
	var errs field.ErrorList
	// The profile name becomes a label key's name part and part of a SidecarSet name.
	for _, msg := range validation.IsDNS1123Label(p.Name) {
		errs = append(errs, field.Invalid(field.NewPath("name"), p.Name, "profile names are used in label keys and object names: "+msg))
	}
	if p.MainContainer == nil && len(p.CSISidecar) == 0 && len(p.Volume) == 0 && len(p.InitContainers) == 0 &&
		len(p.Containers) == 0 && len(p.Annotations) == 0 && len(p.Labels) == 0 {
		errs = append(errs, field.Required(nil, "profile injects nothing"))
	}
	errs = append(errs, validateMainContainer(p.MainContainer, field.NewPath("mainContainer"))...)

	names := map[string]string{}
	errs = append(errs, validateContainers(p.CSISidecar, field.NewPath("csiSidecar"), true, names)...)
	errs = append(errs, validateContainers(p.InitContainers, field.NewPath("initContainers"), true, names)...)
	errs = append(errs, validateContainers(p.Containers, field.NewPath("containers"), false, names)...)

	seen := map[string]bool{}
	for i, v := range p.Volume {
		fp := field.NewPath("volume").Index(i).Child("name")
		switch {
		case v.Name == "":
			errs = append(errs, field.Required(fp, ""))
		case seen[v.Name]:
			errs = append(errs, field.Duplicate(fp, v.Name))
		}
		seen[v.Name] = true
	}
	// Placeholders are validated as if rendered: Render reports the unresolved ones.
	errs = append(errs, apivalidation.ValidateAnnotations(withoutPlaceholders(p.Annotations), field.NewPath("annotations"))...)
	errs = append(errs, metav1validation.ValidateLabels(withoutPlaceholders(p.Labels), field.NewPath("labels"))...)
	return errs
}

// withoutPlaceholders replaces every placeholder in keys and values with a neutral word.
func withoutPlaceholders(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[placeholder.ReplaceAllString(k, "x")] = placeholder.ReplaceAllString(v, "x")
	}
	return out
}

func validateMainContainer(mc *corev1.Container, fp *field.Path) field.ErrorList {
	if mc == nil {
		return nil
	}
	var errs field.ErrorList
	if mc.Name != "" {
		errs = append(errs, field.Forbidden(fp.Child("name"),
			"must be empty: the main container is containers[0] of the pod unless sidecarctl is given a main-container name"))
	}
	if len(mc.Resources.Limits) > 0 || len(mc.Resources.Requests) > 0 || len(mc.Resources.Claims) > 0 {
		errs = append(errs, field.Forbidden(fp.Child("resources"),
			"an injector cannot change the application's resources; only "+mainContainerFields+" are applied"))
	}
	// Whatever is left after clearing the supported fields would be dropped by an injector.
	rest := mc.DeepCopy()
	rest.Name, rest.Env, rest.VolumeMounts, rest.Resources = "", nil, nil, corev1.ResourceRequirements{}
	if rest.Lifecycle != nil {
		rest.Lifecycle.PostStart = nil
		if reflect.DeepEqual(*rest.Lifecycle, corev1.Lifecycle{}) {
			rest.Lifecycle = nil
		}
	}
	for _, key := range setJSONFields(rest) {
		errs = append(errs, field.Forbidden(fp.Child(key), "not supported: the app-container part may set only "+mainContainerFields))
	}

	envs := map[string]bool{}
	for i, e := range mc.Env {
		efp := fp.Child("env").Index(i).Child("name")
		switch {
		case e.Name == "":
			errs = append(errs, field.Required(efp, ""))
		case envs[e.Name]:
			errs = append(errs, field.Duplicate(efp, e.Name))
		case e.Name == EnvACSIgnoreResource || e.Name == EnvECIIgnoreResource:
			errs = append(errs, field.Forbidden(efp,
				e.Name+" on the main container would make the platform ignore the application's own requests"))
		}
		envs[e.Name] = true
	}
	paths := map[string]bool{}
	for i, m := range mc.VolumeMounts {
		mfp := fp.Child("volumeMounts").Index(i)
		if m.Name == "" {
			errs = append(errs, field.Required(mfp.Child("name"), ""))
		}
		switch {
		case m.MountPath == "":
			errs = append(errs, field.Required(mfp.Child("mountPath"), ""))
		case paths[m.MountPath]:
			errs = append(errs, field.Duplicate(mfp.Child("mountPath"), m.MountPath))
		}
		paths[m.MountPath] = true
	}
	if mc.Lifecycle != nil && mc.Lifecycle.PostStart != nil {
		errs = append(errs, validateHandler(mc.Lifecycle.PostStart, fp.Child("lifecycle", "postStart"))...)
	}
	return errs
}

func validateHandler(h *corev1.LifecycleHandler, fp *field.Path) field.ErrorList {
	n := 0
	if h.Exec != nil {
		n++
		if len(h.Exec.Command) == 0 {
			return field.ErrorList{field.Required(fp.Child("exec", "command"), "")}
		}
	}
	if h.HTTPGet != nil {
		n++
	}
	if h.TCPSocket != nil {
		n++
	}
	if h.Sleep != nil {
		n++
	}
	if n != 1 {
		return field.ErrorList{field.Invalid(fp, "", "must set exactly one handler (exec, httpGet, tcpSocket or sleep)")}
	}
	return nil
}

// validateContainers checks names (unique across all of a profile's lists, as Kruise and the
// API server require), images, and restartPolicy placement.
func validateContainers(cs []corev1.Container, fp *field.Path, init bool, names map[string]string) field.ErrorList {
	var errs field.ErrorList
	for i := range cs {
		c := &cs[i]
		cfp := fp.Index(i)
		if c.Name == "" {
			errs = append(errs, field.Required(cfp.Child("name"), ""))
		} else {
			for _, msg := range validation.IsDNS1123Label(c.Name) {
				errs = append(errs, field.Invalid(cfp.Child("name"), c.Name, msg))
			}
			if prev, dup := names[c.Name]; dup {
				dup := field.Duplicate(cfp.Child("name"), c.Name)
				dup.Detail = "also declared at " + prev
				errs = append(errs, dup)
			}
			names[c.Name] = cfp.Child("name").String()
		}
		if strings.TrimSpace(c.Image) == "" {
			errs = append(errs, field.Required(cfp.Child("image"), ""))
		}
		if c.RestartPolicy != nil {
			switch {
			case !init:
				errs = append(errs, field.Forbidden(cfp.Child("restartPolicy"),
					"only init containers take restartPolicy (Always makes them native sidecars)"))
			case *c.RestartPolicy != corev1.ContainerRestartPolicyAlways:
				errs = append(errs, field.NotSupported(cfp.Child("restartPolicy"), *c.RestartPolicy, []string{"Always"}))
			}
		}
	}
	return errs
}

// setJSONFields lists the top-level JSON fields a value would serialise, sorted.
func setJSONFields(v any) []string {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(b, &m) != nil {
		return nil
	}
	var keys []string
	for k, raw := range m {
		// corev1.Container serialises "name": "" and "resources": {} even when empty.
		if s := string(raw); s == "{}" || s == "null" || s == `""` {
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
