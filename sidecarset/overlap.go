package sidecarset

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"
)

// KruiseSelectorsOverlap is Kruise's own overlap test (pkg/util/selector.go), which its
// validating webhook uses for spec.selector and spec.namespaceSelector (sidecarset/BEHAVIOUR.md
// §4.8). It declares two selectors disjoint when either one, read against the other, pins a
// key incompatibly. The reading keeps, per key of the first selector, the values its
// matchLabels and In expressions allow, or "any value" for Exists (NotIn and DoesNotExist are
// not recorded); then each requirement of the second selector is checked against that:
//
//   - k=v or k In [...]: disjoint when the first records k, not as "any value", and none of
//     the values is among its values;
//   - k NotIn [...]: disjoint when the first records k and all its values are excluded;
//   - k Exists: disjoint when the first does not record k at all;
//   - k DoesNotExist: disjoint when the first records k.
//
// The Exists rule is wrong: `tier Exists` and `app=other` both match a pod labelled
// tier=x,app=other, yet Kruise calls them disjoint and lets their clashes through. Like
// Kruise, the reading records "any value" as the value "ALL". A nil selector overlaps nothing.
func KruiseSelectorsOverlap(a, b *metav1.LabelSelector) bool {
	if a == nil || b == nil {
		return false
	}
	return !kruiseDisjoint(a, b) && !kruiseDisjoint(b, a)
}

// kruiseAny is the value by which Kruise records "any value" of a key.
const kruiseAny = "ALL"

func kruiseDisjoint(first, second *metav1.LabelSelector) bool {
	allowed := map[string][]string{}
	for k, v := range first.MatchLabels {
		allowed[k] = []string{v}
	}
	for _, e := range first.MatchExpressions {
		switch e.Operator {
		case metav1.LabelSelectorOpIn:
			allowed[e.Key] = append(allowed[e.Key], e.Values...)
		case metav1.LabelSelectorOpExists:
			allowed[e.Key] = []string{kruiseAny}
		}
	}
	excludes := func(values []string, want ...string) bool {
		vs := sets.New(values...)
		return !vs.Has(kruiseAny) && !vs.HasAny(want...)
	}
	for k, v := range second.MatchLabels {
		if values, ok := allowed[k]; ok && excludes(values, v) {
			return true
		}
	}
	for _, e := range second.MatchExpressions {
		values, ok := allowed[e.Key]
		switch e.Operator {
		case metav1.LabelSelectorOpIn:
			if ok && excludes(values, e.Values...) {
				return true
			}
		case metav1.LabelSelectorOpNotIn:
			if ok && sets.New(e.Values...).HasAll(values...) {
				return true
			}
		case metav1.LabelSelectorOpExists:
			if !ok {
				return true
			}
		case metav1.LabelSelectorOpDoesNotExist:
			if ok {
				return true
			}
		}
	}
	return false
}

// SelectorsOverlap reports whether some label set could match both selectors, soundly:
// selectors are disjoint only when one key is constrained incompatibly by both (a=h vs a=i,
// a=h vs a NotIn [h], a Exists vs a DoesNotExist ...); selectors on different keys overlap.
// Kruise's own test (KruiseSelectorsOverlap) decides; this one tells when Kruise misses an
// overlap. A nil selector overlaps nothing.
func SelectorsOverlap(a, b *metav1.LabelSelector) bool {
	if a == nil || b == nil {
		return false
	}
	ca, cb := constraintsOf(a), constraintsOf(b)
	for key, xs := range ca {
		for _, x := range xs {
			for _, y := range cb[key] {
				if disjoint(x, y) {
					return false
				}
			}
		}
	}
	return true
}

type constraint struct {
	op     metav1.LabelSelectorOperator
	values sets.Set[string]
}

func constraintsOf(sel *metav1.LabelSelector) map[string][]constraint {
	out := map[string][]constraint{}
	for k, v := range sel.MatchLabels {
		out[k] = append(out[k], constraint{op: metav1.LabelSelectorOpIn, values: sets.New(v)})
	}
	for _, e := range sel.MatchExpressions {
		out[e.Key] = append(out[e.Key], constraint{op: e.Operator, values: sets.New(e.Values...)})
	}
	return out
}

func disjoint(x, y constraint) bool {
	if x.op > y.op { // order the pair so each combination is handled once
		x, y = y, x
	}
	const (
		in     = metav1.LabelSelectorOpIn
		notIn  = metav1.LabelSelectorOpNotIn
		exists = metav1.LabelSelectorOpExists
		absent = metav1.LabelSelectorOpDoesNotExist
	)
	switch {
	case x.op == in && y.op == in:
		return x.values.Intersection(y.values).Len() == 0
	case x.op == in && y.op == notIn:
		return y.values.IsSuperset(x.values)
	case x.op == in && y.op == absent, x.op == absent && y.op == in:
		return true
	case x.op == absent && y.op == exists, x.op == exists && y.op == absent:
		return true
	}
	return false
}
