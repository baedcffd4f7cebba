package platform

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestOf(t *testing.T) {
	for _, tc := range []struct {
		labels map[string]string
		want   Platform
	}{
		{nil, Regular},
		{map[string]string{LabelACS: "true"}, ACS},
		{map[string]string{LabelECI: "true"}, ECI},
		{map[string]string{LabelECI: "true", LabelACS: "true"}, ACS},
		{map[string]string{LabelVirtualNode: "true"}, VirtualNode},
		{map[string]string{LabelACS: "false"}, Regular},
	} {
		if got := Of(tc.labels); got != tc.want {
			t.Errorf("Of(%v) = %q, want %q", tc.labels, got, tc.want)
		}
	}
}

func TestSelectorRequiresVirtualNode(t *testing.T) {
	for _, tc := range []struct {
		name string
		sel  *metav1.LabelSelector
		want bool
	}{
		{"nil", nil, false},
		{"matchLabels", &metav1.LabelSelector{MatchLabels: map[string]string{LabelVirtualNode: "true"}}, true},
		{"matchLabels false", &metav1.LabelSelector{MatchLabels: map[string]string{LabelECI: "false"}}, false},
		{"In true", &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: LabelACS, Operator: metav1.LabelSelectorOpIn, Values: []string{"true"}}}}, true},
		{"In true or false", &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: LabelACS, Operator: metav1.LabelSelectorOpIn, Values: []string{"true", "false"}}}}, false},
		{"Exists", &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: LabelACS, Operator: metav1.LabelSelectorOpExists}}}, false},
		{"other label", &metav1.LabelSelector{MatchLabels: map[string]string{"app": "x"}}, false},
	} {
		if got := SelectorRequiresVirtualNode(tc.sel); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}
