package translate

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sidecarctl/sidecarctl/sidecarset/workload"
)

// agentsGroup is openkruise/agents' API group; its Sandbox, SandboxSet and SandboxTemplate
// declare `spec.runtimes` (agent-sandbox-ecosystem.md A.1).
const agentsGroup = "agents.kruise.io"

// builtinRuntimeOrder is the order openkruise/agents injects its built-in runtimes in,
// whatever order spec.runtimes lists them (A.4, PR openkruise/agents#513). Other runtimes
// follow in declaration order. The order decides how postStart hooks and env nest.
var builtinRuntimeOrder = []string{"agent-runtime", "csi"}

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
	// Findings say what was stamped, applied, kept or left alone, and why.
	Findings []Finding
}

// Stamp hands the runtimes an openkruise/agents Sandbox, SandboxSet or SandboxTemplate
// declares in `spec.runtimes` over to the compiled profiles in res.
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
	out := &Stamped{Object: obj.DeepCopy()}
	name := objectName(obj)
	note := func(sev Severity, reason Reason, profile, fieldPath, format string, args ...any) {
		out.Findings = append(out.Findings, Finding{Object: name, Profile: profile, Severity: sev, Reason: reason, Field: fieldPath, Message: fmt.Sprintf(format, args...)})
	}
	gvk := obj.GroupVersionKind()
	if gvk.Group != agentsGroup || !slices.Contains([]string{"Sandbox", "SandboxSet", "SandboxTemplate"}, gvk.Kind) {
		note(Info, ReasonNotRuntimeKind, "", "", "only openkruise/agents Sandbox, SandboxSet and SandboxTemplate declare runtimes; left unchanged")
		return out, nil
	}
	runtimes, found, err := unstructured.NestedSlice(obj.Object, "spec", "runtimes")
	if err != nil {
		return nil, fmt.Errorf("%s: spec.runtimes: %w", name, err)
	}
	if !found || len(runtimes) == 0 {
		note(Info, ReasonNoRuntimes, "", "spec.runtimes", "no runtimes declared; left unchanged")
		return out, nil
	}

	declared := make([]string, len(runtimes))
	var compiled []*Compiled
	for i, r := range runtimes {
		m, ok := r.(map[string]any)
		rn, _ := m["name"].(string)
		if !ok || rn == "" {
			return nil, fmt.Errorf("%s: spec.runtimes[%d].name: want a non-empty string", name, i)
		}
		declared[i] = rn
		c, ok := res.Profile(rn)
		if !ok {
			note(Warning, ReasonRuntimeNotCompiled, rn, fmt.Sprintf("spec.runtimes[%d]", i),
				"runtime %q is not among the compiled profiles; it stays in spec.runtimes for the agents controller", rn)
			continue
		}
		compiled = append(compiled, c)
	}
	if len(compiled) == 0 {
		return out, nil
	}
	slices.SortStableFunc(compiled, func(a, b *Compiled) int { return runtimeRank(a.Name) - runtimeRank(b.Name) })

	main := opts.MainContainer
	if main == "" {
		main = res.Options.MainContainer
	}
	outcome, err := workload.Mutate(out.Object, func(pod *corev1.Pod) error {
		if err := checkVirtualNodePod(pod, res, compiled); err != nil {
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
			for _, n := range notes {
				n.Object = name
				out.Findings = append(out.Findings, n)
			}
			note(Info, ReasonAppPatchApplied, c.Name, "", "app-container part applied to the pod template (%s)", c.AppPatch.summary())
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if outcome.Reason == workload.ReasonNoPodTemplate {
		out.Findings = nil
		note(Warning, ReasonNoInlineTemplate, "", "spec.template",
			"runtimes are declared but there is no inline pod template (templateRef?); stamp the SandboxTemplate it refers to instead. Left unchanged")
		return out, nil
	}

	// The runtimes handed over leave the spec, so nothing injects twice.
	var keep []any
	for i, r := range runtimes {
		if _, ok := res.Profile(declared[i]); !ok {
			keep = append(keep, r)
		}
	}
	if len(keep) == 0 {
		unstructured.RemoveNestedField(out.Object.Object, "spec", "runtimes")
	} else if err := unstructured.SetNestedSlice(out.Object.Object, keep, "spec", "runtimes"); err != nil {
		return nil, fmt.Errorf("%s: spec.runtimes: %w", name, err)
	}
	for _, c := range compiled {
		out.Profiles = append(out.Profiles, c.Name)
	}
	out.Changed = true
	note(Info, ReasonRuntimesStamped, "", "spec.runtimes",
		"runtimes %s moved to SidecarSet selection labels in the pod template and removed from spec.runtimes", strings.Join(out.Profiles, ", "))
	return out, nil
}

func runtimeRank(name string) int {
	if i := slices.Index(builtinRuntimeOrder, name); i >= 0 {
		return i
	}
	return len(builtinRuntimeOrder)
}

// checkVirtualNodePod refuses a template the virtual-node SidecarSets cannot serve: without
// the create-time platform label they never match, and ECI refuses pods over its limits.
func checkVirtualNodePod(pod *corev1.Pod, res *Result, compiled []*Compiled) error {
	if res.Options.Target != VirtualNode {
		return nil
	}
	if vl := string(res.Options.VirtualNodeLabel); res.Options.VirtualNodeLabel != LabelVirtualNode && pod.Labels[vl] != "true" {
		return fmt.Errorf("metadata.labels: the virtual-node SidecarSets select %s=true, which the template does not carry; "+
			"add it (it sends the pods to %s) or compile for another virtual-node label (%s)", vl, strings.ToUpper(string(res.Options.Platform)), ReasonVirtualNodeLabel)
	}
	containers := len(pod.Spec.Containers) + len(pod.Spec.InitContainers)
	volumes := map[string]bool{}
	for _, v := range pod.Spec.Volumes {
		volumes[v.Name] = true
	}
	for _, c := range compiled {
		if ss := c.SidecarSet; ss != nil {
			containers += len(ss.Spec.Containers) + len(ss.Spec.InitContainers)
			for _, v := range ss.Spec.Volumes {
				volumes[v.Name] = true
			}
		}
		if c.AppPatch != nil {
			for _, v := range c.AppPatch.Volumes {
				volumes[v.Name] = true
			}
		}
	}
	if containers > eciMaxContainers {
		return fmt.Errorf("spec: the pod would have %d containers with its sidecars; ECI allows at most %d (%s)", containers, eciMaxContainers, ReasonTooManyContainers)
	}
	if len(volumes) > eciMaxVolumes {
		return fmt.Errorf("spec.volumes: the pod would have %d volumes with its sidecars'; ECI allows at most %d (%s)", len(volumes), eciMaxVolumes, ReasonTooManyVolumes)
	}
	return nil
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
