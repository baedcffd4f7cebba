package sidecarset_test

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/sidecarctl/sidecarctl/sidecarset"
)

func labelsSel(kv ...string) *metav1.LabelSelector {
	sel := &metav1.LabelSelector{MatchLabels: map[string]string{}}
	for i := 0; i+1 < len(kv); i += 2 {
		sel.MatchLabels[kv[i]] = kv[i+1]
	}
	return sel
}

func exprSel(key string, op metav1.LabelSelectorOperator, values ...string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: key, Operator: op, Values: values}}}
}

// TestSelectorsOverlap pins sidecarset/BEHAVIOUR.md §6 item 58 (Kruise's TestSelectorConflict)
// and the conservative rule of §4.8: selectors on different keys overlap. Every pair is checked
// in both argument orders, since the relation is symmetric, and with both tests: the sound one
// (SelectorsOverlap) and Kruise's (KruiseSelectorsOverlap), which differ where kruise says.
func TestSelectorsOverlap(t *testing.T) {
	t.Parallel()
	in, notIn := metav1.LabelSelectorOpIn, metav1.LabelSelectorOpNotIn
	exists, absent := metav1.LabelSelectorOpExists, metav1.LabelSelectorOpDoesNotExist
	same := func(b bool) *bool { return &b }
	tests := []struct {
		name string
		a, b *metav1.LabelSelector
		want bool
		// kruise is Kruise's answer where it differs from want.
		kruise *bool
	}{
		// Item 58 of sidecarset/BEHAVIOUR.md §6, in its order.
		{"a=h / a=h", labelsSel("a", "h"), labelsSel("a", "h"), true, nil},
		{"a=h / a=i", labelsSel("a", "h"), labelsSel("a", "i"), false, nil},
		{"a=h / b=i: different keys overlap", labelsSel("a", "h"), labelsSel("b", "i"), true, nil},
		{"{a=h,b=i,c=j} / {a=h,b=x,c=j}", labelsSel("a", "h", "b", "i", "c", "j"), labelsSel("a", "h", "b", "x", "c", "j"), false, nil},
		{"a=h / a In [h,i,j]", labelsSel("a", "h"), exprSel("a", in, "h", "i", "j"), true, nil},
		{"a=h / a In [i,j]", labelsSel("a", "h"), exprSel("a", in, "i", "j"), false, nil},
		{"a NotIn [h,i] / a=h", exprSel("a", notIn, "h", "i"), labelsSel("a", "h"), false, nil},
		{"a=h / a Exists", labelsSel("a", "h"), exprSel("a", exists), true, nil},
		{"a DoesNotExist / a=h", exprSel("a", absent), labelsSel("a", "h"), false, nil},
		// Further pairs of the same rule.
		{"a NotIn [i] / a=h", exprSel("a", notIn, "i"), labelsSel("a", "h"), true, nil},
		{"a In [h,i] / a In [i,j]", exprSel("a", in, "h", "i"), exprSel("a", in, "i", "j"), true, nil},
		{"a Exists / a DoesNotExist", exprSel("a", exists), exprSel("a", absent), false, nil},
		{"a DoesNotExist / b=h", exprSel("a", absent), labelsSel("b", "h"), true, nil},
		{"a NotIn [h] / a NotIn [i]", exprSel("a", notIn, "h"), exprSel("a", notIn, "i"), true, nil},
		{"{a=h,b=i} / {a=h}", labelsSel("a", "h", "b", "i"), labelsSel("a", "h"), true, nil},
		{"nil / a=h", nil, labelsSel("a", "h"), false, nil},
		// Kruise's slip (fuzz example selector-exists-overlap): Exists on a key the other
		// selector does not name is "disjoint".
		{"a Exists / b=h", exprSel("a", exists), labelsSel("b", "h"), true, same(false)},
		{"a Exists / b Exists", exprSel("a", exists), exprSel("b", exists), true, same(false)},
		{"a Exists / {a=h,b=i}", exprSel("a", exists), labelsSel("a", "h", "b", "i"), true, nil},
		// Kruise records Exists as the value ALL, so a label value ALL reads as "any value" in
		// one direction; the other direction still tells a=ALL and a=h apart.
		{"a=ALL / a=h", labelsSel("a", "ALL"), labelsSel("a", "h"), false, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			kruise := tc.want
			if tc.kruise != nil {
				kruise = *tc.kruise
			}
			for _, pair := range [][2]*metav1.LabelSelector{{tc.a, tc.b}, {tc.b, tc.a}} {
				if got := sidecarset.SelectorsOverlap(pair[0], pair[1]); got != tc.want {
					t.Errorf("SelectorsOverlap(%v, %v) = %t, want %t", pair[0], pair[1], got, tc.want)
				}
				if got := sidecarset.KruiseSelectorsOverlap(pair[0], pair[1]); got != kruise {
					t.Errorf("KruiseSelectorsOverlap(%v, %v) = %t, want %t", pair[0], pair[1], got, kruise)
				}
			}
		})
	}
}
