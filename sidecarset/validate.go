package sidecarset

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"

	appspub "github.com/openkruise/kruise-api/apps/pub"
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ValidationEnv is what Kruise's SidecarSet validating webhook reads besides the object.
type ValidationEnv struct {
	Version      Version
	FeatureGates FeatureGates
	// AllowPrivileged mirrors kruise-manager's --allow-privileged.
	AllowPrivileged bool
	// Others are the SidecarSets already stored (the object itself is skipped by name).
	Others []*appsv1alpha1.SidecarSet
	// Namespace looks up a Namespace by name (namespace overlap checks).
	Namespace func(name string) (*corev1.Namespace, bool)
	// KruiseConfiguration is kruise-system/kruise-configuration, if it exists.
	KruiseConfiguration *corev1.ConfigMap
	// Revisions are the ControllerRevisions that exist (injectionStrategy.revision).
	Revisions []*appsv1.ControllerRevision
}

// ValidationEnv is what the SidecarSet validating webhook reads from this state.
func (s *State) ValidationEnv() ValidationEnv {
	idx := s.buildIndex()
	cm, _ := s.whitelistConfigMap()
	return ValidationEnv{
		Version:             s.opts.version(),
		FeatureGates:        s.opts.FeatureGates,
		AllowPrivileged:     !s.opts.DisallowPrivileged,
		Others:              idx.all,
		Namespace:           s.Namespace,
		KruiseConfiguration: cm,
		Revisions:           s.revisions,
	}
}

const (
	sidecarSetNameFmt = `^[a-zA-Z0-9\-]+$`
	sidecarSetNameMsg = "sidecarset name must consist of alphanumeric characters or '-'"
)

var sidecarSetNameRegexp = regexp.MustCompile(sidecarSetNameFmt)

// Validate applies Kruise's SidecarSet validating webhook (sidecarset/BEHAVIOUR.md §4) to a
// defaulted SidecarSet. old is the stored version on update, nil on create. Errors use
// Kruise's field paths and messages.
func Validate(ss, old *appsv1alpha1.SidecarSet, env ValidationEnv) field.ErrorList {
	allErrs := validateMeta(ss)
	allErrs = append(allErrs, validateSpec(ss, env)...)
	if old != nil {
		allErrs = append(allErrs, validateContainerUpdate(ss.Spec.Containers, old.Spec.Containers, field.NewPath("spec", "containers"))...)
	}
	if len(allErrs) > 0 && env.behaviour().ValidationStopsBeforeConflicts {
		return allErrs
	}
	return append(allErrs, validateConflicts(ss, env)...)
}

func validateMeta(ss *appsv1alpha1.SidecarSet) field.ErrorList {
	var errs field.ErrorList
	p := field.NewPath("metadata", "name")
	if ss.Name == "" {
		return append(errs, field.Required(p, "name or generateName is required"))
	}
	if !sidecarSetNameRegexp.MatchString(ss.Name) {
		errs = append(errs, field.Invalid(p, ss.Name, validation.RegexError(sidecarSetNameMsg, sidecarSetNameFmt, "example-com")))
	}
	if len(ss.Name) > validation.DNS1035LabelMaxLength {
		errs = append(errs, field.Invalid(p, ss.Name, validation.MaxLenError(validation.DNS1035LabelMaxLength)))
	}
	return errs
}

func validateSpec(ss *appsv1alpha1.SidecarSet, env ValidationEnv) field.ErrorList {
	spec := &ss.Spec
	p := field.NewPath("spec")
	var errs field.ErrorList
	if spec.Selector == nil {
		errs = append(errs, field.Required(p.Child("selector"), "no selector defined for SidecarSet"))
	} else {
		errs = append(errs, validateSelector(spec.Selector, p.Child("selector"))...)
	}
	if env.behaviour().NamespaceSelector {
		if spec.Namespace != "" && spec.NamespaceSelector != nil {
			errs = append(errs, field.Required(p.Child("namespace, namespaceSelector"), "namespace and namespaceSelector are mutually exclusive"))
		} else if spec.NamespaceSelector != nil {
			errs = append(errs, validateSelector(spec.NamespaceSelector, p.Child("namespaceSelector"))...)
		}
	}
	errs = append(errs, validateInjectionStrategy(ss, env, p.Child("injectionStrategy"))...)
	errs = append(errs, validateUpdateStrategy(ss, env, p.Child("updateStrategy"))...)
	if err := checkPatchWhitelist(ss, env); err != nil {
		errs = append(errs, field.Required(p.Child("patchPodMetadata"), err.Error()))
	}
	errs = append(errs, validatePatchPodMetadata(spec.PatchPodMetadata, p.Child("patchPodMetadata"))...)
	if len(spec.InitContainers)+len(spec.Containers) == 0 {
		errs = append(errs, field.Required(p.Child("containers"), "no initContainer or container defined for SidecarSet"))
	} else {
		errs = append(errs, validateContainers(ss, env, p)...)
	}
	return errs
}

func validateSelector(sel *metav1.LabelSelector, p *field.Path) field.ErrorList {
	errs := metavalidation.ValidateLabelSelector(sel, metavalidation.LabelSelectorValidationOptions{}, p)
	if len(sel.MatchLabels)+len(sel.MatchExpressions) == 0 {
		errs = append(errs, field.Invalid(p, sel, "empty selector is not valid for sidecarset."))
	}
	if _, err := metav1.LabelSelectorAsSelector(sel); err != nil {
		errs = append(errs, field.Invalid(p.Child("selector"), sel, ""))
	}
	return errs
}

func validateInjectionStrategy(ss *appsv1alpha1.SidecarSet, env ValidationEnv, p *field.Path) field.ErrorList {
	rev := ss.Spec.InjectionStrategy.Revision
	if rev == nil {
		return nil
	}
	var errs field.ErrorList
	if rev.RevisionName == nil && rev.CustomVersion == nil {
		errs = append(errs, field.Invalid(p.Child("revision"), rev, "revisionName and customVersion cannot be empty simultaneously"))
	} else {
		st := &State{opts: Options{Version: env.Version}, revisions: env.Revisions}
		if _, err := st.pinnedRevision(ss); err != nil {
			errs = append(errs, field.Invalid(p.Child("revision"), rev, fmt.Sprintf("Cannot find specific ControllerRevision, err: %v", err)))
		}
	}
	switch {
	case rev.Policy == "" || rev.Policy == appsv1alpha1.AlwaysSidecarSetInjectRevisionPolicy:
	case !env.behaviour().PartialRevisionPolicy:
		// Before v1.8 the path lacks "spec.injectionStrategy" and the value is the whole
		// revision (BEHAVIOUR.md §4.3).
		errs = append(errs, field.Invalid(field.NewPath("revision", "policy"), rev, fmt.Sprintf("Invalid policy %v, only support 'Always' currently", rev.Policy)))
	case rev.Policy == appsv1alpha1.PartialSidecarSetInjectRevisionPolicy:
	default:
		// From v1.8 the CRD schema lists the two values, so the API server refuses any other
		// before the webhook sees it (BEHAVIOUR.md §4.3).
		errs = append(errs, field.NotSupported(p.Child("revision", "policy"), rev.Policy, []string{
			string(appsv1alpha1.AlwaysSidecarSetInjectRevisionPolicy), string(appsv1alpha1.PartialSidecarSetInjectRevisionPolicy)}))
	}
	return errs
}

func validateUpdateStrategy(ss *appsv1alpha1.SidecarSet, env ValidationEnv, p *field.Path) field.ErrorList {
	s := &ss.Spec.UpdateStrategy
	if s.Type != appsv1alpha1.RollingUpdateSidecarSetStrategyType {
		return nil
	}
	var errs field.ErrorList
	if env.behaviour().RefusesPartitionWithSelector && s.Selector != nil && s.Partition != nil && !isZeroIntOrString(s.Partition) {
		// Kruise names the path without "spec." and prints the strategy with %+v.
		errs = append(errs, field.Invalid(field.NewPath("updateStrategy"), fmt.Sprintf("%+v", s), "Partition and Selector cannot be used together"))
	}
	if s.Selector != nil {
		errs = append(errs, validateSelector(s.Selector, p.Child("selector"))...)
	}
	if ps := s.PriorityStrategy; ps != nil && env.behaviour().PriorityStrategy {
		if msg := priorityStrategyProblem(ps); msg != "" {
			errs = append(errs, field.Required(p.Child("priorityStrategy"), msg))
		}
	}
	if s.Partition != nil {
		errs = append(errs, validateNonNegativeIntOrPercent(*s.Partition, p.Child("partition"))...)
	}
	if s.MaxUnavailable != nil {
		errs = append(errs, validateNonNegativeIntOrPercent(*s.MaxUnavailable, p.Child("maxUnavailable"))...)
	}
	seen := map[string]bool{}
	for i, term := range s.ScatterStrategy {
		key := term.Key + "=" + term.Value
		if term.Key == "" || term.Value == "" {
			errs = append(errs, field.Invalid(p.Child("scatterStrategy").Index(i), term, "key and value of scatter term can not be empty"))
		} else if seen[key] {
			errs = append(errs, field.Invalid(p.Child("scatterStrategy").Index(i), term, "duplicated term in scatter strategy"))
		}
		seen[key] = true
	}
	if env.behaviour().NativeSidecars && hasNativeSidecar(ss.Spec.InitContainers) {
		errs = append(errs, field.Required(p, "The initContainer in-place upgrade is not currently supported."))
	}
	return errs
}

// priorityStrategyProblem is the first problem Kruise finds in a priorityStrategy [v1.5.0]:
// weight and order terms together, a weight out of range, an empty or unparsable selector, an
// empty order key (sidecarset/BEHAVIOUR.md §4.4).
func priorityStrategyProblem(ps *appspub.UpdatePriorityStrategy) string {
	if len(ps.WeightPriority) > 0 && len(ps.OrderPriority) > 0 {
		return "only one of weightPriority and orderPriority can be used"
	}
	for _, w := range ps.WeightPriority {
		switch {
		case w.Weight < 0 || w.Weight > 100:
			return "weight must be valid number in the range 1-100"
		case w.MatchSelector.Size() == 0:
			return "selector can not be empty"
		}
		if _, err := metav1.LabelSelectorAsSelector(&w.MatchSelector); err != nil {
			return fmt.Sprintf("invalid selector %v", err)
		}
	}
	for _, o := range ps.OrderPriority {
		if o.OrderedKey == "" {
			return "order key can not be empty"
		}
	}
	return ""
}

func isZeroIntOrString(v *intstr.IntOrString) bool {
	return (v.Type == intstr.Int && v.IntVal == 0) || (v.Type == intstr.String && (v.StrVal == "0" || v.StrVal == "0%"))
}

func validateNonNegativeIntOrPercent(v intstr.IntOrString, p *field.Path) field.ErrorList {
	if v.Type == intstr.Int {
		if v.IntVal < 0 {
			return field.ErrorList{field.Invalid(p, v.IntVal, "must be greater than or equal to 0")}
		}
		return nil
	}
	n, err := intstr.GetScaledValueFromIntOrPercent(&v, 100, true)
	if err != nil {
		return field.ErrorList{field.Invalid(p, v.StrVal, "must be an integer or percentage (e.g '5%')")}
	}
	if n < 0 {
		return field.ErrorList{field.Invalid(p, v.StrVal, "must be greater than or equal to 0")}
	}
	return nil
}

// checkPatchWhitelist mirrors Kruise's patchPodMetadata whitelist (sidecarset/BEHAVIOUR.md
// §2.11): the keys must match a regex of a rule in kruise-system/kruise-configuration whose
// selector matches the SidecarSet's labels, unless SidecarSetPatchPodMetadataDefaultsAllowed
// is on and no rule applies.
func checkPatchWhitelist(ss *appsv1alpha1.SidecarSet, env ValidationEnv) error {
	if len(ss.Spec.PatchPodMetadata) == 0 {
		return nil
	}
	defaultsAllowed := env.FeatureGates.Enabled(GatePatchPodMetadataDefaultsAllowed)
	var raw string
	if env.KruiseConfiguration != nil {
		raw = env.KruiseConfiguration.Data[WhitelistKey]
	}
	if raw == "" {
		if defaultsAllowed {
			return nil
		}
		return fmt.Errorf("SidecarSet patch metadata whitelist not found")
	}
	var whitelist struct {
		Rules []struct {
			Selector                  *metav1.LabelSelector `json:"selector,omitempty"`
			AllowedAnnotationKeyExprs []string              `json:"allowedAnnotationKeyExprs"`
		} `json:"rules"`
	}
	if err := json.Unmarshal([]byte(raw), &whitelist); err != nil {
		return err
	}
	var exprs []*regexp.Regexp
	for _, rule := range whitelist.Rules {
		if rule.Selector != nil {
			sel, err := metav1.LabelSelectorAsSelector(rule.Selector)
			if err != nil {
				return err
			}
			if !sel.Matches(labels.Set(ss.Labels)) {
				continue
			}
		}
		for _, expr := range rule.AllowedAnnotationKeyExprs {
			re, err := regexp.Compile(expr)
			if err != nil {
				return err
			}
			exprs = append(exprs, re)
		}
	}
	if len(exprs) == 0 {
		if defaultsAllowed {
			return nil
		}
		return fmt.Errorf("sidecarSet patch metadata annotation is not allowed")
	}
	for _, patch := range ss.Spec.PatchPodMetadata {
		keys := make([]string, 0, len(patch.Annotations))
		for k := range patch.Annotations {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, key := range keys {
			allowed := false
			for _, re := range exprs {
				if re.MatchString(key) {
					allowed = true
					break
				}
			}
			if !allowed {
				return fmt.Errorf("sidecarSet patch metadata annotation(%s) is not allowed", key)
			}
		}
	}
	return nil
}

func validatePatchPodMetadata(patches []appsv1alpha1.SidecarSetPatchPodMetadata, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := map[string]bool{}
	for _, patch := range patches {
		if len(patch.Annotations) == 0 {
			errs = append(errs, field.Required(p, "no annotations defined for SidecarSet"))
			continue
		}
		errs = append(errs, apivalidation.ValidateAnnotations(patch.Annotations, p.Child("annotations"))...)
		if patch.PatchPolicy == "" {
			errs = append(errs, field.Required(p.Child("patchPolicy"), "no patchPolicy defined for patchPodMetadata"))
		}
		keys := make([]string, 0, len(patch.Annotations))
		for k := range patch.Annotations {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, key := range keys {
			if seen[key] {
				errs = append(errs, field.Invalid(p, key, fmt.Sprintf("patch annotation[%s] already exist", key)))
			}
			seen[key] = true
		}
	}
	return errs
}

// validateContainerUpdate: containers cannot be added or renamed, and upgradeType is immutable.
func validateContainerUpdate(now, old []appsv1alpha1.SidecarContainer, p *field.Path) field.ErrorList {
	oldByName := map[string]*appsv1alpha1.SidecarContainer{}
	for i := range old {
		oldByName[old[i].Name] = &old[i]
	}
	var errs field.ErrorList
	for _, c := range now {
		o, ok := oldByName[c.Name]
		if !ok {
			errs = append(errs, field.Invalid(p, c.Name, fmt.Sprintf("container %v is not found", c.Name)))
			continue
		}
		if o.UpgradeStrategy.UpgradeType != c.UpgradeStrategy.UpgradeType {
			errs = append(errs, field.Invalid(p, c.Name, fmt.Sprintf("container %v upgradeType is immutable", c.Name)))
		}
	}
	return errs
}
