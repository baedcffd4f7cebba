package sidecarset_test

import (
	"errors"
	"strings"
	"testing"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/sidecarset"
)

// TestConflictsKruiseAccepts pins the overlaps Kruise's validating webhook misses
// (sidecarset/BEHAVIOUR.md §4.8): the clash is accepted, as in Kruise, and reported as a
// sidecarset_conflict_accepted warning; where Kruise sees the overlap, the later SidecarSet is
// refused and nothing is reported.
func TestConflictsKruiseAccepts(t *testing.T) {
	t.Parallel()
	withNamespace := func(ns string) *appsv1alpha1.SidecarSet {
		ss := sidecarSet("pinned", sc("log", ""))
		ss.Spec.Namespace = ns
		return ss
	}
	withNamespaceSelector := func(env string) *appsv1alpha1.SidecarSet {
		ss := sidecarSet("by-label", sc("log", ""))
		ss.Spec.NamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"env": env}}
		return ss
	}
	anyTier := sidecarSet("any-tier", sc("log", ""))
	anyTier.Spec.Selector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
		{Key: "tier", Operator: metav1.LabelSelectorOpExists}}}
	ns1 := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "ns1", Labels: map[string]string{"env": "prod"}}}
	tests := []struct {
		name        string
		first, next *appsv1alpha1.SidecarSet
		refused     string // Kruise's refusal of next, or ""
		warn        string // part of the warning's message, or "" for none
	}{
		{"existing spec.namespace, new namespaceSelector matching it: never compared", withNamespace("ns1"), withNamespaceSelector("prod"),
			"", "yet namespace ns1 (pinned's) matches this spec.namespaceSelector"},
		{"the other way round Kruise compares them", withNamespaceSelector("prod"), withNamespace("ns1"),
			"container log already exist in by-label", ""},
		{"a namespaceSelector the namespace does not match: disjoint for both tests", withNamespace("ns1"), withNamespaceSelector("dev"), "", ""},
		{"Exists on a key the other selector does not name", anyTier, sidecarSet("ss", sc("log", "")),
			"", "its selector-overlap test calls spec.selector disjoint from any-tier's"},
		{"v1.8 selectors on different keys: Kruise sees the overlap", sidecarSet("a", sc("log", "")), func() *appsv1alpha1.SidecarSet {
			ss := sidecarSet("b", sc("log", ""))
			ss.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"tier": "web"}}
			return ss
		}(), "container log already exist in a", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := cluster{namespaces: []*corev1.Namespace{ns1}, create: []*appsv1alpha1.SidecarSet{tc.first}}.state(t)
			_, err := st.Create(tc.next)
			var adm *sidecarset.AdmissionError
			switch {
			case tc.refused != "" && (!errors.As(err, &adm) || !strings.Contains(adm.Message, tc.refused)):
				t.Fatalf("err = %v, want a refusal with %q", err, tc.refused)
			case tc.refused == "" && err != nil:
				t.Fatalf("Kruise accepts it; got %v", err)
			}
			var warned []finding.Finding
			for _, f := range st.Findings() {
				if f.Code == finding.SidecarSetConflictAccepted {
					warned = append(warned, f)
				}
			}
			if tc.warn == "" {
				if len(warned) != 0 {
					t.Errorf("warnings %v, want none", warned)
				}
				return
			}
			if len(warned) != 1 || warned[0].Severity != finding.Warning || warned[0].Field != "spec.containers" ||
				warned[0].SidecarSet != tc.next.Name || !strings.Contains(warned[0].Message, tc.warn) ||
				!strings.Contains(warned[0].Message, "Kruise v1.8 accepts the SidecarSet although container log already exist in") {
				t.Errorf("warnings %v, want one on spec.containers of %s containing %q", warned, tc.next.Name, tc.warn)
			}
		})
	}
}
