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
// in both argument orders, since the relation is symmetric.
func TestSelectorsOverlap(t *testing.T) {
	t.Parallel()
	in, notIn := metav1.LabelSelectorOpIn, metav1.LabelSelectorOpNotIn
	exists, absent := metav1.LabelSelectorOpExists, metav1.LabelSelectorOpDoesNotExist
	tests := []struct {
		name string
		a, b *metav1.LabelSelector
		want bool
	}{
		// Item 58 of sidecarset/BEHAVIOUR.md §6, in its order.
		{"a=h / a=h", labelsSel("a", "h"), labelsSel("a", "h"), true},
		{"a=h / a=i", labelsSel("a", "h"), labelsSel("a", "i"), false},
		{"a=h / b=i: different keys overlap", labelsSel("a", "h"), labelsSel("b", "i"), true},
		{"{a=h,b=i,c=j} / {a=h,b=x,c=j}", labelsSel("a", "h", "b", "i", "c", "j"), labelsSel("a", "h", "b", "x", "c", "j"), false},
		{"a=h / a In [h,i,j]", labelsSel("a", "h"), exprSel("a", in, "h", "i", "j"), true},
		{"a=h / a In [i,j]", labelsSel("a", "h"), exprSel("a", in, "i", "j"), false},
		{"a NotIn [h,i] / a=h", exprSel("a", notIn, "h", "i"), labelsSel("a", "h"), false},
		{"a=h / a Exists", labelsSel("a", "h"), exprSel("a", exists), true},
		{"a DoesNotExist / a=h", exprSel("a", absent), labelsSel("a", "h"), false},
		// Further pairs of the same rule.
		{"a NotIn [i] / a=h", exprSel("a", notIn, "i"), labelsSel("a", "h"), true},
		{"a In [h,i] / a In [i,j]", exprSel("a", in, "h", "i"), exprSel("a", in, "i", "j"), true},
		{"a Exists / a DoesNotExist", exprSel("a", exists), exprSel("a", absent), false},
		{"a DoesNotExist / b=h", exprSel("a", absent), labelsSel("b", "h"), true},
		{"a NotIn [h] / a NotIn [i]", exprSel("a", notIn, "h"), exprSel("a", notIn, "i"), true},
		{"{a=h,b=i} / {a=h}", labelsSel("a", "h", "b", "i"), labelsSel("a", "h"), true},
		{"nil / a=h", nil, labelsSel("a", "h"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := sidecarset.SelectorsOverlap(tc.a, tc.b); got != tc.want {
				t.Errorf("SelectorsOverlap(a, b) = %t, want %t", got, tc.want)
			}
			if got := sidecarset.SelectorsOverlap(tc.b, tc.a); got != tc.want {
				t.Errorf("SelectorsOverlap(b, a) = %t, want %t", got, tc.want)
			}
		})
	}
}
