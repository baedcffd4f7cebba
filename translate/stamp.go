package translate

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/sidecarset"
	"github.com/sidecarctl/sidecarctl/sidecarset/workload"
)

// agentsGroup is openkruise/agents' API group; its Sandbox, SandboxSet and SandboxTemplate
// declare `spec.runtimes` (translate/PLATFORMS.md §1.1).
const agentsGroup = "agents.kruise.io"

// builtinRuntimeOrder is the order openkruise/agents injects its built-in runtimes in,
// whatever order spec.runtimes lists them (translate/PLATFORMS.md §2.3, PR
// openkruise/agents#513). Other runtimes follow in declaration order. The order decides how
// postStart hooks and env nest. A function, so no caller can reorder the list another sees.
func builtinRuntimeOrder() []string { return []string{"agent-runtime", "csi"} }

// StampOptions control Stamp.
type StampOptions struct {
	// MainContainer names the app container; empty means the compile option, else the first
	// container that is not a sidecar.
	MainContainer string
}

// Stamped is what Stamp did with one object.
type Stamped struct {
	// Object is the result: a modified copy, or an unmodified copy when nothing applied.
	Object *unstructured.Unstructured
	// Changed reports whether Object differs from the input.
	Changed bool
	// Profiles are the runtimes stamped into the template, in application order.
	Profiles []string
	// Findings say what was stamped, applied, kept or left alone, and why. Their Object is
	// the workload; a finding about one profile names it at the start of its message.
	Findings finding.List
}

// Stamp hands the runtimes an openkruise/agents Sandbox, SandboxSet or SandboxTemplate
// declares in `spec.runtimes` over to the compiled profiles in res. It is StampProfiles
// without extra profiles.
//
// For each declared runtime that res compiled, it writes the selection label into the pod
// template (so the SidecarSet matches the pods), applies the AppPatch to the template
// (ApplyAppPatch, ApplyAppPatchMetadata), and removes the runtime from `spec.runtimes`, so
// the agents controller does not inject it a second time. Runtimes res does not know stay
// in the spec for the controller, with a warning. Other kinds, objects without runtimes and
// objects without an inline template come back unchanged, with a finding that says so.
//
// The template is changed through workload.Mutate, so fields outside the Go types survive.
// obj itself is never modified. On virtual-node targets the template must carry the
// create-time virtual-node label the SidecarSets select, and the pod must stay within the
// ECI container and volume limits.
func Stamp(obj *unstructured.Unstructured, res *Result, opts StampOptions) (*Stamped, error) {
	return StampProfiles(obj, res, nil, opts)
}

// StampProfiles gives the named compiled profiles to any workload package workload knows
// (Pod, Deployment, ..., agent-sandbox Sandbox, OpenSandbox Pool), whether or not its kind
// declares runtimes: the selection labels go into the pod template and the AppPatches are
// applied to it, exactly as Stamp does for declared runtimes. A profile res did not compile
// is an error, because the user asked for it by name.
//
// For openkruise/agents kinds the runtimes the object declares are handed over too (Stamp's
// behaviour), and a profile given here that the object also declares leaves spec.runtimes.
// All profiles are applied in one order, agent-runtime then csi then the rest as given, so
// the postStart hooks nest the way openkruise/agents nests them.
//
// A profile only adds: whatever the template has that a profile cannot express (pod-level
// fields such as shareProcessNamespace, the main container's command, unknown fields) is
// kept as it is. Where the profile's sidecars need such a field, a finding says whether the
// template has it (pod_level_field_kept, main_command_kept) or lacks it
// (pod_level_field_required, main_command_not_wrapped).
//
// Kinds without a pod template pass through unchanged with an info finding, so a stream of
// manifests can be stamped as a whole.
func StampProfiles(obj *unstructured.Unstructured, res *Result, profiles []string, opts StampOptions) (*Stamped, error) {
	out := &Stamped{Object: obj.DeepCopy()}
	name := objectName(obj)
	note := func(sev finding.Severity, code finding.Code, profile, fieldPath, format string, args ...any) {
		f := workloadFinding(sev, code, profile, fieldPath, fmt.Sprintf(format, args...))
		f.Object = name
		out.Findings.Add(f)
	}
	var compiled []*Compiled
	given := map[string]bool{}
	for _, p := range profiles {
		c, ok := res.Profile(p)
		if !ok {
			return nil, fmt.Errorf("%s: profile %q is not among the compiled profiles (%s)%s", name, p, strings.Join(res.names(), ", "), didYouMean(p, res.names()))
		}
		if !given[p] {
			given[p] = true
			compiled = append(compiled, c)
		}
	}

	gvk := obj.GroupVersionKind()
	declares := DeclaresRuntimes(obj)
	if !declares && len(profiles) == 0 {
		note(finding.Info, finding.NotARuntimeWorkload, "", "", "only openkruise/agents Sandbox, SandboxSet and SandboxTemplate declare runtimes; left unchanged")
		return out, nil
	}
	var runtimes []any
	var declared []string
	if declares {
		var err error
		if runtimes, _, err = unstructured.NestedSlice(obj.Object, "spec", "runtimes"); err != nil {
			return nil, fmt.Errorf("%s: spec.runtimes: %w", name, err)
		}
		if len(runtimes) == 0 && len(profiles) == 0 {
			note(finding.Info, finding.NoRuntimes, "", "spec.runtimes", "no runtimes declared; left unchanged")
			return out, nil
		}
		declared = make([]string, len(runtimes))
		for i, r := range runtimes {
			m, ok := r.(map[string]any)
			rn, _ := m["name"].(string)
			if !ok || rn == "" {
				return nil, fmt.Errorf("%s: spec.runtimes[%d].name: want a non-empty string", name, i)
			}
			declared[i] = rn
			c, ok := res.Profile(rn)
			if !ok {
				note(finding.Warning, finding.RuntimeNotInProfiles, rn, fmt.Sprintf("spec.runtimes[%d]", i),
					"runtime %q is not among the compiled profiles; it stays in spec.runtimes for the agents controller%s", rn, didYouMean(rn, res.names()))
				continue
			}
			if !given[rn] {
				given[rn] = true
				compiled = append(compiled, c)
			}
		}
	}
	if len(compiled) == 0 {
		return out, nil
	}
	slices.SortStableFunc(compiled, func(a, b *Compiled) int { return runtimeRank(a.Name) - runtimeRank(b.Name) })

	main := opts.MainContainer
	if main == "" {
		main = res.Options.MainContainer
	}
	// Findings about the pod point into the object: spec.template.spec..., or spec... for a Pod.
	var fieldPrefix string
	if k, ok := workload.Lookup(gvk.GroupKind()); ok && !k.IsPod() {
		fieldPrefix = k.TemplatePath().String() + "."
	}
	outcome, err := workload.Mutate(out.Object, func(pod *corev1.Pod) error {
		applied, err := checkPlatformPod(pod, res, compiled, fieldPrefix)
		if err != nil {
			return err
		}
		for _, c := range compiled {
			if pod.Labels == nil {
				pod.Labels = map[string]string{}
			}
			pod.Labels[SelectionLabel(c.Name)] = "true"
			if c.AppPatch == nil {
				continue
			}
			notes, err := applyAppPatch(&pod.Spec, c.AppPatch, main)
			if err != nil {
				return err
			}
			applyMetadata(&pod.ObjectMeta, c.AppPatch)
			applied = append(applied, notes...)
			applied = append(applied, workloadFinding(finding.Info, finding.AppPatchApplied, c.Name, "",
				fmt.Sprintf("app-container part applied to the pod template (%s)", c.AppPatch.summary())))
		}
		applied = append(applied, podRequirements(pod, compiled, main, fieldPrefix)...)
		for _, n := range applied {
			n.Object = name
			out.Findings = append(out.Findings, n)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	switch outcome.Reason {
	case finding.UnsupportedKind:
		out.Findings = nil
		note(finding.Info, finding.NotAWorkload, "", "", "sidecarctl knows no pod template for this kind; profiles not applied, left unchanged")
		return out, nil
	case finding.NoPodTemplate:
		out.Findings = nil
		note(finding.Warning, finding.NoInlineTemplate, "", outcome.Kind.TemplatePath().String(),
			"there is no inline pod template (templateRef or poolRef?); stamp the template or pool it refers to instead. Left unchanged")
		return out, nil
	}
	for _, c := range compiled {
		out.Profiles = append(out.Profiles, c.Name)
	}
	out.Changed = outcome.Changed()

	// The runtimes handed over leave the spec, so nothing injects twice.
	var keep []any
	for i, r := range runtimes {
		if _, ok := res.Profile(declared[i]); !ok {
			keep = append(keep, r)
		}
	}
	var moved, extra []string // in application order
	for _, p := range out.Profiles {
		if slices.Contains(declared, p) {
			moved = append(moved, p)
		} else {
			extra = append(extra, p)
		}
	}
	switch {
	case len(moved) == 0:
	case len(keep) == 0:
		unstructured.RemoveNestedField(out.Object.Object, "spec", "runtimes")
	default:
		if err := unstructured.SetNestedSlice(out.Object.Object, keep, "spec", "runtimes"); err != nil {
			return nil, fmt.Errorf("%s: spec.runtimes: %w", name, err)
		}
	}
	if len(moved) > 0 {
		out.Changed = true
		note(finding.Info, finding.RuntimesStamped, "", "spec.runtimes",
			"runtimes %s moved to SidecarSet selection labels in the pod template and removed from spec.runtimes", strings.Join(moved, ", "))
		// The pods now get the runtimes from Kruise instead of the agents controller: the
		// same containers, env, mounts and volumes, plus what Kruise always adds.
		note(finding.Info, finding.KruiseInjectionMarks, "", "",
			"Kruise, not the agents controller, now injects %s and marks the pods its own way: env %s=true in each injected container and the annotations %s; "+
				"it also orders init containers by name and injects only mounted volumes (init_order_sorted, volume_unused)",
			strings.Join(moved, ", "), sidecarset.EnvIsInjected, strings.Join(kruiseAnnotations(), ", "))
	}
	if len(extra) > 0 {
		note(finding.Info, finding.ProfilesStamped, "", fieldPrefix+"metadata.labels",
			"selection labels of %s written into the pod template, app-container parts applied", strings.Join(extra, ", "))
	}
	return out, nil
}

func runtimeRank(name string) int {
	order := builtinRuntimeOrder()
	if i := slices.Index(order, name); i >= 0 {
		return i
	}
	return len(order)
}

// objectName names an object as "Kind.group namespace/name", as package workload does.
func objectName(obj *unstructured.Unstructured) string {
	kind := obj.GetKind()
	if g := obj.GroupVersionKind().Group; g != "" {
		kind += "." + g
	}
	n := obj.GetName()
	if ns := obj.GetNamespace(); ns != "" {
		n = ns + "/" + n
	}
	return kind + " " + n
}

// didYouMean suggests the profile nearest to a name no profile has, or says nothing.
func didYouMean(name string, profiles []string) string {
	if near := finding.Closest(name, profiles); near != "" {
		return "; did you mean " + near + "?"
	}
	return ""
}
