package sidecarset

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"
)

// SelectorsOverlap reports whether some label set could match both selectors. Like Kruise's
// check it is conservative: selectors are disjoint only when one key is constrained
// incompatibly by both (a=h vs a=i, a=h vs a NotIn [h], a Exists vs a DoesNotExist ...);
// selectors on different keys overlap. A nil selector overlaps nothing.
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
