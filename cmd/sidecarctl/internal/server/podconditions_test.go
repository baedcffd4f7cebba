package server

import (
	"context"
	"testing"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apiserver/pkg/admission"
	plugincel "k8s.io/apiserver/pkg/admission/plugin/cel"
	"k8s.io/apiserver/pkg/admission/plugin/webhook/matchconditions"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"k8s.io/apiserver/pkg/cel/environment"
)

// celMatcher evaluates a pod webhook entry the way kube-apiserver does (k8s.io/apiserver's
// webhook dispatcher: namespaceSelector, objectSelector, then the compiled matchConditions
// within RuntimeCELCostBudgetMatchConditions).
type celMatcher struct {
	wh        admissionregistrationv1.MutatingWebhook
	evaluator plugincel.ConditionEvaluator
}

func newCELMatcher(t testing.TB, wh admissionregistrationv1.MutatingWebhook) *celMatcher {
	t.Helper()
	compiler := plugincel.NewConditionCompiler(environment.MustBaseEnvSet(environment.DefaultCompatibilityVersion()))
	exprs := make([]plugincel.ExpressionAccessor, len(wh.MatchConditions))
	for i, mc := range wh.MatchConditions {
		exprs[i] = &matchconditions.MatchCondition{Name: mc.Name, Expression: mc.Expression}
	}
	// The compilation of kube-apiserver's webhook accessor (GetCompiledMatcher), for a new
	// expression (the stricter environment); compilation errors surface on evaluation, as there.
	ev := compiler.CompileCondition(exprs, plugincel.OptionalVariableDeclarations{HasAuthorizer: true}, environment.NewExpressions)
	return &celMatcher{wh: wh, evaluator: ev}
}

// matches reports whether the API server would send pod (in a namespace labelled nsLabels)
// to the webhook, and the CEL cost it spent deciding.
func (m *celMatcher) matches(t testing.TB, pod *corev1.Pod, nsLabels map[string]string) (bool, int64) {
	t.Helper()
	nsSel, err := metav1.LabelSelectorAsSelector(m.wh.NamespaceSelector)
	if err != nil {
		t.Fatal(err)
	}
	if !nsSel.Matches(labels.Set(nsLabels)) {
		return false, 0
	}
	gvk := corev1.SchemeGroupVersion.WithKind("Pod")
	attr := admission.NewAttributesRecord(pod, nil, gvk, pod.Namespace, pod.Name, corev1.SchemeGroupVersion.WithResource("pods"), "",
		admission.Create, &metav1.CreateOptions{}, false, nil)
	va := &admission.VersionedAttributes{Attributes: attr, VersionedKind: gvk, VersionedObject: admission.NewLazyObject(pod)}
	budget := int64(celconfig.RuntimeCELCostBudgetMatchConditions)
	results, remaining, err := m.evaluator.ForInput(context.Background(), va,
		plugincel.CreateAdmissionRequest(attr, metav1.GroupVersionResource(attr.GetResource()), metav1.GroupVersionKind(gvk)),
		plugincel.OptionalVariableBindings{}, nil, budget)
	if err != nil {
		t.Fatalf("match conditions: %v", err)
	}
	for _, r := range results {
		if r.Error != nil {
			t.Fatalf("match condition %s: %v", r.ExpressionAccessor.GetExpression()[:min(80, len(r.ExpressionAccessor.GetExpression()))], r.Error)
		}
		if r.EvalResult.Value() != true {
			return false, budget - remaining
		}
	}
	return true, budget - remaining
}

func podWebhook(t testing.TB, cfg *admissionregistrationv1.MutatingWebhookConfiguration) (admissionregistrationv1.MutatingWebhook, bool) {
	t.Helper()
	var found []admissionregistrationv1.MutatingWebhook
	for _, wh := range cfg.Webhooks {
		if wh.Rules[0].Resources[0] == "pods" {
			found = append(found, wh)
		}
	}
	if len(found) > 1 {
		t.Fatalf("%d pod webhook entries, want at most one", len(found))
	}
	if len(found) == 0 {
		return admissionregistrationv1.MutatingWebhook{}, false
	}
	return found[0], true
}

func labelled(ns string, labels map[string]string) *corev1.Pod {
	return &corev1.Pod{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: ns, Labels: labels},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "app"}}}}
}

func selected(sel *metav1.LabelSelector) *appsv1alpha1.SidecarSet {
	ss := &appsv1alpha1.SidecarSet{ObjectMeta: metav1.ObjectMeta{Name: "s"}}
	ss.Spec.Selector = sel
	return ss
}

func req(key string, op metav1.LabelSelectorOperator, values ...string) metav1.LabelSelectorRequirement {
	return metav1.LabelSelectorRequirement{Key: key, Operator: op, Values: values}
}

// TestPodWebhookConditions: which pods the API server sends to the single pod webhook.
func TestPodWebhookConditions(t *testing.T) {
	t.Parallel()
	opts := WebhookConfigOptions{Name: "sidecarctl", URL: "https://127.0.0.1:9443", ExcludeNamespaces: []string{"kube-system", "sidecarctl-system"}}
	type pod struct {
		ns     string
		labels map[string]string
		sent   bool
	}
	web := map[string]string{"app": "web"}
	tests := []struct {
		name string
		sets []*appsv1alpha1.SidecarSet
		pods []pod
	}{
		{name: "matchLabels: pods with the key and value", sets: []*appsv1alpha1.SidecarSet{selected(&metav1.LabelSelector{MatchLabels: web})},
			pods: []pod{{"default", web, true}, {"default", map[string]string{"app": "db"}, false}, {"default", map[string]string{"tier": "web"}, false},
				{"default", nil, false}, {"kube-system", web, false}, {"sidecarctl-system", web, false}}},
		{name: "In requires its key and values, Exists its key", sets: []*appsv1alpha1.SidecarSet{
			selected(&metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{req("tier", metav1.LabelSelectorOpIn, "web")}}),
			selected(&metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{req("mesh.example.com/inject", metav1.LabelSelectorOpExists)}})},
			pods: []pod{{"default", map[string]string{"tier": "web", "x": "y"}, true}, {"default", map[string]string{"tier": "db"}, false}, {"default", map[string]string{"mesh.example.com/inject": ""}, true},
				{"default", web, false}, {"default", map[string]string{"mesh.example.com/injected": "x"}, false}}},
		{name: "NotIn with In: the In key", sets: []*appsv1alpha1.SidecarSet{selected(&metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
			req("tier", metav1.LabelSelectorOpNotIn, "batch"), req("app", metav1.LabelSelectorOpIn, "web")}})},
			pods: []pod{{"default", web, true}, {"default", map[string]string{"tier": "web"}, false}}},
		{name: "NotIn/DoesNotExist only: every pod outside the excluded namespaces", sets: []*appsv1alpha1.SidecarSet{
			selected(&metav1.LabelSelector{MatchLabels: web}),
			selected(&metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{req("tier", metav1.LabelSelectorOpNotIn, "batch"),
				req("legacy", metav1.LabelSelectorOpDoesNotExist)}})},
			pods: []pod{{"default", nil, true}, {"default", map[string]string{"tier": "batch"}, true}, {"kube-system", nil, false}}},
		{name: "empty and nil selectors never match: no pod webhook", sets: []*appsv1alpha1.SidecarSet{selected(nil), selected(&metav1.LabelSelector{})},
			pods: []pod{{"default", web, false}, {"default", nil, false}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			wh, ok := podWebhook(t, MutatingWebhookConfiguration(tc.sets, nil, opts))
			if !ok {
				for _, p := range tc.pods {
					if p.sent {
						t.Errorf("no pod webhook, want pod %s %v sent", p.ns, p.labels)
					}
				}
				return
			}
			m := newCELMatcher(t, wh)
			for _, p := range tc.pods {
				if got, _ := m.matches(t, labelled(p.ns, p.labels), map[string]string{corev1.LabelMetadataName: p.ns}); got != p.sent {
					t.Errorf("pod in %s with %v: sent = %t, want %t (conditions %v)", p.ns, p.labels, got, p.sent, wh.MatchConditions)
				}
			}
		})
	}
}

func TestScopeChoosesSharedKeys(t *testing.T) {
	t.Parallel()
	scope := scopeOf([]*metav1.LabelSelector{
		{MatchLabels: map[string]string{"app": "a", "team": "x"}},
		{MatchLabels: map[string]string{"app": "b", "zone": "y"}},
		{MatchExpressions: []metav1.LabelSelectorRequirement{req("app", metav1.LabelSelectorOpIn, "c"), req("a-first", metav1.LabelSelectorOpExists)}},
	})
	if scope.all || len(scope.keys) != 1 || scope.keys[0] != "app" {
		t.Errorf("keys %v (all %t), want [app]", scope.keys, scope.all)
	}
}
