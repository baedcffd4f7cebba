package binding_test

import (
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/sidecarctl/sidecarctl/binding"
	"github.com/sidecarctl/sidecarctl/binding/v1alpha1"
	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/internal/golden"
)

// verdict is the part of a Finding every case asserts in the table; the
// whole Finding, messages and suggested bindings included, is compared with
// testdata/check/<case>.golden.yaml.
type verdict struct {
	Code     finding.Code
	Severity finding.Severity
	Field    string
	Value    string
}

func verdicts(findings []binding.Finding) []verdict {
	var out []verdict
	for _, f := range findings {
		out = append(out, verdict{f.Code, f.Severity, f.Field, f.Value})
	}
	return out
}

func newBinding(namespace, name string, subjects []v1alpha1.Subject, refs ...v1alpha1.ResourceRef) v1alpha1.SidecarSetResourceBinding {
	return v1alpha1.SidecarSetResourceBinding{
		TypeMeta:   metav1.TypeMeta{APIVersion: v1alpha1.GroupVersion.String(), Kind: v1alpha1.Kind},
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
		Spec:       v1alpha1.SidecarSetResourceBindingSpec{Subjects: subjects, ResourceRefs: refs},
	}
}

func subject(name string) []v1alpha1.Subject {
	return []v1alpha1.Subject{{Kind: v1alpha1.SubjectKindSidecarSet, Name: name}}
}

func configMap(name string) v1alpha1.ResourceRef {
	return v1alpha1.ResourceRef{Kind: v1alpha1.ResourceKindConfigMap, Name: name}
}

func secret(name string) v1alpha1.ResourceRef {
	return v1alpha1.ResourceRef{Kind: v1alpha1.ResourceKindSecret, Name: name}
}

func matchLabels(kv ...string) *metav1.LabelSelector {
	sel := &metav1.LabelSelector{MatchLabels: map[string]string{}}
	for i := 0; i < len(kv); i += 2 {
		sel.MatchLabels[kv[i]] = kv[i+1]
	}
	return sel
}

func matchExpression(key string, op metav1.LabelSelectorOperator, values ...string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: key, Operator: op, Values: values}}}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	seedBinding := readBindings(t, "testdata/seed/filebeat-binding.yaml")
	const cfgField = "spec.volumes[0].configMap.name"
	const cfgValue = "kube-system/filebeat-config"
	unauthorized := verdict{finding.UnauthorizedReference, finding.Error, cfgField, cfgValue}
	regularNode := verdict{finding.CrossNamespaceOnRegularNode, finding.Warning, cfgField, cfgValue}

	tests := []struct {
		name     string
		selector *metav1.LabelSelector // replaces the seed's selector when set
		volumes  []corev1.Volume       // appended to the seed's volumes
		bindings []v1alpha1.SidecarSetResourceBinding
		want     []verdict
	}{
		{
			name:     "seed-authorized",
			bindings: seedBinding,
			want:     nil,
		},
		{
			name: "seed-without-binding",
			want: []verdict{unauthorized},
		},
		{
			name:     "binding-in-wrong-namespace",
			bindings: []v1alpha1.SidecarSetResourceBinding{newBinding("default", "filebeat", subject("filebeat-sidecarset"), configMap("filebeat-config"))},
			want:     []verdict{unauthorized},
		},
		{
			name:     "binding-without-namespace",
			bindings: []v1alpha1.SidecarSetResourceBinding{newBinding("", "filebeat", subject("filebeat-sidecarset"), configMap("filebeat-config"))},
			want:     []verdict{unauthorized},
		},
		{
			name:     "binding-for-another-sidecarset",
			bindings: []v1alpha1.SidecarSetResourceBinding{newBinding("kube-system", "logging", subject("fluent-bit"), configMap("filebeat-config"))},
			want:     []verdict{unauthorized},
		},
		{
			name:     "binding-with-wrong-resource-kind",
			bindings: []v1alpha1.SidecarSetResourceBinding{newBinding("kube-system", "filebeat", subject("filebeat-sidecarset"), secret("filebeat-config"))},
			want:     []verdict{unauthorized},
		},
		{
			name: "binding-with-wrong-subject-kind",
			bindings: []v1alpha1.SidecarSetResourceBinding{newBinding("kube-system", "filebeat",
				[]v1alpha1.Subject{{Kind: "Sidecarset", Name: "filebeat-sidecarset"}}, configMap("filebeat-config"))},
			want: []verdict{unauthorized},
		},
		{
			name: "binding-with-several-subjects",
			bindings: []v1alpha1.SidecarSetResourceBinding{newBinding("kube-system", "logging",
				append(subject("fluent-bit"), subject("filebeat-sidecarset")...), secret("other"), configMap("filebeat-config"))},
			want: nil,
		},
		{
			name:     "regular-node-authorized",
			selector: matchLabels("app", "echo-server"),
			bindings: seedBinding,
			want:     []verdict{regularNode},
		},
		{
			name:     "regular-node-unauthorized",
			selector: matchLabels("app", "echo-server"),
			want:     []verdict{unauthorized, regularNode},
		},
		{
			name:     "eci-label-is-a-virtual-node",
			selector: matchLabels("app", "echo-server", "alibabacloud.com/eci", "true"),
			bindings: seedBinding,
			want:     nil,
		},
		{
			name:     "acs-in-expression-is-a-virtual-node",
			selector: matchExpression("alibabacloud.com/acs", metav1.LabelSelectorOpIn, "true"),
			bindings: seedBinding,
			want:     nil,
		},
		{
			name:     "virtual-node-label-false",
			selector: matchLabels("serverless.alibabacloud.com/virtual-node", "false"),
			bindings: seedBinding,
			want:     []verdict{regularNode},
		},
		{
			name:     "in-expression-allowing-false",
			selector: matchExpression("alibabacloud.com/eci", metav1.LabelSelectorOpIn, "true", "false"),
			bindings: seedBinding,
			want:     []verdict{regularNode},
		},
		{
			name:     "exists-expression",
			selector: matchExpression("alibabacloud.com/eci", metav1.LabelSelectorOpExists),
			bindings: seedBinding,
			want:     []verdict{regularNode},
		},
		{
			name:     "malformed-reference",
			selector: matchLabels("app", "echo-server"),
			bindings: seedBinding,
			volumes:  []corev1.Volume{secretVolume("creds", "kube-system/filebeat/creds")},
			want: []verdict{
				regularNode,
				{finding.MalformedReference, finding.Error, "spec.volumes[2].secret.secretName", "kube-system/filebeat/creds"},
			},
		},
		{
			name:     "partly-authorized-namespace",
			bindings: seedBinding,
			volumes:  []corev1.Volume{secretVolume("creds", "kube-system/es-credentials"), cmVolume("extra", "monitoring/extra")},
			want: []verdict{
				{finding.UnauthorizedReference, finding.Error, "spec.volumes[2].secret.secretName", "kube-system/es-credentials"},
				{finding.UnauthorizedReference, finding.Error, "spec.volumes[3].configMap.name", "monitoring/extra"},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ss := readSidecarSets(t, "testdata/seed/filebeat-sidecarset.yaml")[0]
			if tc.selector != nil {
				ss.Spec.Selector = tc.selector
			}
			ss.Spec.Volumes = append(ss.Spec.Volumes, tc.volumes...)
			got := binding.Check(ss, tc.bindings)
			if diff := cmp.Diff(tc.want, verdicts(got)); diff != "" {
				t.Errorf("Check verdicts (-want +got):\n%s", diff)
			}
			for _, f := range got {
				if f.SidecarSet != "filebeat-sidecarset" {
					t.Errorf("%s: SidecarSet = %q, want filebeat-sidecarset", f.Field, f.SidecarSet)
				}
				if (f.Binding != nil) != (f.Code == finding.UnauthorizedReference) {
					t.Errorf("%s %s: Binding set = %v, want a binding exactly for unauthorized references", f.Field, f.Code, f.Binding != nil)
				}
				// The suggested binding must authorize what it was suggested for.
				if f.Binding != nil {
					for _, again := range binding.Check(ss, append(tc.bindings, *f.Binding)) {
						if again.Field == f.Field && again.Code == finding.UnauthorizedReference {
							t.Errorf("%s: suggested binding %s/%s does not authorize it", f.Field, f.Binding.Namespace, f.Binding.Name)
						}
					}
				}
			}
			if tc.want != nil {
				golden.Assert(t, filepath.Join("testdata", "check", tc.name+".golden.yaml"), marshalDocs(t, got))
			}
		})
	}
}

func TestCheckNothingToReport(t *testing.T) {
	t.Parallel()
	local := &appsv1alpha1.SidecarSet{Spec: appsv1alpha1.SidecarSetSpec{
		Selector: matchLabels("app", "echo-server"),
		Volumes:  []corev1.Volume{cmVolume("config", "filebeat-config")},
	}}
	tests := []struct {
		name string
		ss   *appsv1alpha1.SidecarSet
	}{
		{name: "nil SidecarSet", ss: nil},
		{name: "local references only", ss: local},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := binding.Check(tc.ss, nil); got != nil {
				t.Errorf("Check = %v, want nil", got)
			}
		})
	}
}

func TestUnauthorized(t *testing.T) {
	t.Parallel()
	seedBinding := readBindings(t, "testdata/seed/filebeat-binding.yaml")
	const cfgField = "spec.volumes[0].configMap.name"
	const cfgValue = "kube-system/filebeat-config"
	tests := []struct {
		name     string
		selector *metav1.LabelSelector // replaces the seed's selector when set
		volumes  []corev1.Volume       // appended to the seed's volumes
		bindings []v1alpha1.SidecarSetResourceBinding
		want     []verdict
	}{
		{name: "authorized", bindings: seedBinding, want: nil},
		{name: "authorized on regular nodes: the warning is not returned",
			selector: matchLabels("app", "echo-server"), bindings: seedBinding, want: nil},
		{name: "unauthorized on regular nodes: the error without the warning",
			selector: matchLabels("app", "echo-server"),
			want:     []verdict{{finding.UnauthorizedReference, finding.Error, cfgField, cfgValue}}},
		{name: "malformed and unauthorized, in reference order",
			bindings: seedBinding,
			volumes:  []corev1.Volume{secretVolume("creds", "kube-system/filebeat/creds"), cmVolume("extra", "monitoring/extra")},
			want: []verdict{
				{finding.MalformedReference, finding.Error, "spec.volumes[2].secret.secretName", "kube-system/filebeat/creds"},
				{finding.UnauthorizedReference, finding.Error, "spec.volumes[3].configMap.name", "monitoring/extra"},
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ss := readSidecarSets(t, "testdata/seed/filebeat-sidecarset.yaml")[0]
			if tc.selector != nil {
				ss.Spec.Selector = tc.selector
			}
			ss.Spec.Volumes = append(ss.Spec.Volumes, tc.volumes...)
			got := binding.Unauthorized(ss, tc.bindings)
			if diff := cmp.Diff(tc.want, verdicts(got)); diff != "" {
				t.Errorf("Unauthorized verdicts (-want +got):\n%s", diff)
			}
			// Exactly Check's errors, whole findings included.
			var wantWhole []binding.Finding
			for _, f := range binding.Check(ss, tc.bindings) {
				if f.Severity == finding.Error {
					wantWhole = append(wantWhole, f)
				}
			}
			if diff := cmp.Diff(wantWhole, got); diff != "" {
				t.Errorf("Unauthorized is not Check's errors (-Check +Unauthorized):\n%s", diff)
			}
		})
	}
}

// TestCheckRegularNodeWarning: Check warns about a cross-namespace reference exactly when
// the selector lets the SidecarSet reach regular-node pods (platform.SelectorRequiresVirtualNode).
func TestCheckRegularNodeWarning(t *testing.T) {
	t.Parallel()
	seedBinding := readBindings(t, "testdata/seed/filebeat-binding.yaml")
	tests := []struct {
		name     string
		sel      *metav1.LabelSelector
		wantWarn bool
	}{
		{name: "nil selector", sel: nil, wantWarn: true},
		{name: "empty selector", sel: &metav1.LabelSelector{}, wantWarn: true},
		{name: "virtual-node label", sel: matchLabels("serverless.alibabacloud.com/virtual-node", "true"), wantWarn: false},
		{name: "eci label", sel: matchLabels("alibabacloud.com/eci", "true"), wantWarn: false},
		{name: "acs label", sel: matchLabels("alibabacloud.com/acs", "true"), wantWarn: false},
		{name: "label with another value", sel: matchLabels("alibabacloud.com/eci", "True"), wantWarn: true},
		{name: "unrelated label", sel: matchLabels("app", "x"), wantWarn: true},
		{name: "In true", sel: matchExpression("serverless.alibabacloud.com/virtual-node", metav1.LabelSelectorOpIn, "true"), wantWarn: false},
		{name: "In true twice", sel: matchExpression("alibabacloud.com/acs", metav1.LabelSelectorOpIn, "true", "true"), wantWarn: false},
		{name: "In true or false", sel: matchExpression("alibabacloud.com/acs", metav1.LabelSelectorOpIn, "true", "false"), wantWarn: true},
		{name: "In without values", sel: matchExpression("alibabacloud.com/acs", metav1.LabelSelectorOpIn), wantWarn: true},
		{name: "NotIn false", sel: matchExpression("alibabacloud.com/eci", metav1.LabelSelectorOpNotIn, "false"), wantWarn: true},
		{name: "Exists", sel: matchExpression("alibabacloud.com/eci", metav1.LabelSelectorOpExists), wantWarn: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ss := readSidecarSets(t, "testdata/seed/filebeat-sidecarset.yaml")[0]
			ss.Spec.Selector = tc.sel
			var warned bool
			for _, f := range binding.Check(ss, seedBinding) {
				if f.Code == finding.CrossNamespaceOnRegularNode {
					warned = true
				}
			}
			if warned != tc.wantWarn {
				t.Errorf("selector %v: cross_namespace_on_regular_node reported = %v, want %v", tc.sel, warned, tc.wantWarn)
			}
		})
	}
}
