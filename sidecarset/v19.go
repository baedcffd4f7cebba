package sidecarset

import (
	"fmt"
	"regexp"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/kruisev1beta1"
)

// admitFields returns what the emulated Kruise keeps of a SidecarSet's v1.9 sidecar fields:
// from v1.9 a copy of f (entries for containers ss does not have are left out); before, none,
// with a finding per field its SidecarSet mutating webhook removes (sidecarset/BEHAVIOUR.md
// §8.1).
func (s *State) admitFields(ss *appsv1alpha1.SidecarSet, f *kruisev1beta1.Fields) (*kruisev1beta1.Fields, finding.List) {
	if f.Empty() {
		return nil, nil
	}
	v := s.opts.version()
	if !behaviourOf(v).ContainerFields {
		return nil, FieldsDroppedBy(v, ss, f)
	}
	out := &kruisev1beta1.Fields{}
	forEachSidecar(ss, func(init bool, _ *field.Path, c *appsv1alpha1.SidecarContainer) {
		out.Set(init, c.Name, f.Get(init, c.Name).DeepCopy())
	})
	if out.Empty() {
		return nil, nil
	}
	return out, nil
}

// FieldsDroppedBy reports, as v1_9_field_dropped warnings, the v1.9 sidecar fields of ss (f)
// that Kruise release v removes; none from v1.9.
func FieldsDroppedBy(v Version, ss *appsv1alpha1.SidecarSet, f *kruisev1beta1.Fields) finding.List {
	if f.Empty() || behaviourOf(v).ContainerFields {
		return nil
	}
	var out finding.List
	forEachSidecar(ss, func(init bool, p *field.Path, c *appsv1alpha1.SidecarContainer) {
		cf := f.Get(init, c.Name)
		for _, dropped := range []struct {
			name string
			set  bool
		}{{"shareVolumeDevicePolicy", cf.ShareVolumeDevicePolicy != nil}, {"resourcesPolicy", cf.ResourcesPolicy != nil}} {
			if dropped.set {
				out.Add(finding.Finding{Severity: finding.Warning, Code: finding.V19FieldDropped, SidecarSet: ss.Name,
					Field: p.Child(dropped.name).String(), Message: fmt.Sprintf(
						"%s removes %s (added in Kruise v1.9): sidecar %s is injected without it", v.kruise(), dropped.name, c.Name)})
			}
		}
	})
	return out
}

// forEachSidecar calls fn for every init container, then every container of ss, with its path.
func forEachSidecar(ss *appsv1alpha1.SidecarSet, fn func(init bool, p *field.Path, c *appsv1alpha1.SidecarContainer)) {
	for _, list := range []struct {
		init bool
		key  string
		cs   []appsv1alpha1.SidecarContainer
	}{{true, "initContainers", ss.Spec.InitContainers}, {false, "containers", ss.Spec.Containers}} {
		for i := range list.cs {
			fn(list.init, field.NewPath("spec", list.key).Index(i), &list.cs[i])
		}
	}
}

// storedForm turns ss into what Kruise v1.9 validates and stores, its v1beta1 conversion, kept
// in v1alpha1 types: spec.namespace becomes a namespaceSelector on kubernetes.io/metadata.name
// and replaces any selector (Kruise v1.9.0, apis/apps/v1alpha1/sidecarset_conversion.go;
// sidecarset/BEHAVIOUR.md §8.2). The custom-version label stands for spec.customVersion; an
// empty one has no v1beta1 form and is lost.
func storedForm(ss *appsv1alpha1.SidecarSet, bh behaviour) {
	if !bh.StoresV1Beta1 {
		return
	}
	if v, ok := ss.Labels[kruisev1beta1.LabelCustomVersion]; ok && v == "" {
		delete(ss.Labels, kruisev1beta1.LabelCustomVersion)
	}
	if ss.Spec.Namespace != "" {
		ss.Spec.NamespaceSelector = kruisev1beta1.NamespaceSelector(ss.Spec.Namespace)
		ss.Spec.Namespace = ""
	}
}

// validateFields is Kruise v1.9's validation of resourcesPolicy (the CRD schema's enum of
// targetContainersMode, then the validating webhook; sidecarset/BEHAVIOUR.md §8.6). Kruise's
// field paths are verbatim: the index is relative to the list, under the root "spec".
func validateFields(ss *appsv1alpha1.SidecarSet, f *kruisev1beta1.Fields, bh behaviour) field.ErrorList {
	if f.Empty() || !bh.ContainerFields {
		return nil
	}
	var errs field.ErrorList
	for _, list := range []struct {
		init bool
		key  string
		cs   []appsv1alpha1.SidecarContainer
	}{{true, "initContainers", ss.Spec.InitContainers}, {false, "containers", ss.Spec.Containers}} {
		for i := range list.cs {
			c := &list.cs[i]
			rp := f.Get(list.init, c.Name).ResourcesPolicy
			if rp == nil {
				continue
			}
			if m := rp.TargetContainersMode; m != kruisev1beta1.ModeSum && m != kruisev1beta1.ModeMax {
				errs = append(errs, field.NotSupported(field.NewPath("spec", list.key).Index(i).Child("resourcesPolicy", "targetContainersMode"),
					m, []string{string(kruisev1beta1.ModeSum), string(kruisev1beta1.ModeMax)}))
				continue
			}
			errs = append(errs, validateResourcesPolicy(field.NewPath("spec").Index(i).Child("resourcesPolicy"), c, rp, list.init)...)
		}
	}
	return errs
}

func validateResourcesPolicy(p *field.Path, c *appsv1alpha1.SidecarContainer, rp *kruisev1beta1.ResourcesPolicy, init bool) field.ErrorList {
	var errs field.ErrorList
	if init && !isNativeSidecar(c) {
		errs = append(errs, field.Invalid(p, rp, "resourcesPolicy is only supported for containers with RestartPolicy Always"))
	}
	if len(c.Resources.Limits) > 0 || len(c.Resources.Requests) > 0 {
		return append(errs, field.Invalid(p, rp, "resourcesPolicy and resources cannot be configured together"))
	}
	if rp.TargetContainersNameRegex == "" {
		errs = append(errs, field.Required(p.Child("targetContainersNameRegex"), "invalid empty regex"))
	} else if _, err := regexp.Compile(rp.TargetContainersNameRegex); err != nil {
		errs = append(errs, field.Invalid(p.Child("targetContainersNameRegex"), rp.TargetContainersNameRegex, "invalid regex pattern: "+err.Error()))
	}
	expr := rp.ResourcesExpr
	if expr.Limits == nil && expr.Requests == nil {
		return append(errs, field.Invalid(p.Child("resourcesExpr"), expr, "at least one of limits or requests must be configured"))
	}
	for _, l := range []struct {
		name string
		list *kruisev1beta1.ResourceExprList
	}{{"limits", expr.Limits}, {"requests", expr.Requests}} {
		if l.list == nil {
			continue
		}
		for _, e := range []struct{ name, expr string }{{"cpu", l.list.CPU}, {"memory", l.list.Memory}} {
			if e.expr == "" {
				continue
			}
			if err := checkExpr(e.expr, e.name); err != nil {
				errs = append(errs, field.Invalid(p.Child("resourcesExpr", l.name, e.name), e.expr, "invalid expression: "+err.Error()))
			}
		}
	}
	return errs
}
