package sidecarset_test

import (
	"fmt"
	"time"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/sidecarctl/sidecarctl/sidecarset"
)

func ExampleInject() {
	st := sidecarset.NewState(sidecarset.Options{Now: metav1.NewTime(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))})
	// Create defaults the SidecarSet and validates it, as Kruise's SidecarSet webhooks do.
	if _, err := st.Create(&appsv1alpha1.SidecarSet{
		ObjectMeta: metav1.ObjectMeta{Name: "log-sidecar"},
		Spec: appsv1alpha1.SidecarSetSpec{
			Selector:   &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Containers: []appsv1alpha1.SidecarContainer{{Container: corev1.Container{Name: "log-agent", Image: "log-agent:1.0"}}},
		},
	}); err != nil {
		panic(err)
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web-0", Labels: map[string]string{"app": "web"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx:1.25"}}},
	}
	res, err := sidecarset.Inject(st, pod, sidecarset.Request{Namespace: "shop"})
	if err != nil {
		panic(err)
	}
	for _, c := range res.Pod.Spec.Containers {
		fmt.Println(c.Name, c.Env)
	}
	for _, d := range res.Decisions {
		fmt.Println(d.SidecarSet, d.Reason)
	}
	fmt.Println(res.Pod.Namespace, res.Pod.Annotations[sidecarset.AnnotationInjectedList])
	// Output:
	// log-agent [{IS_INJECTED true nil}]
	// app []
	// log-sidecar injected
	// shop log-sidecar
}

// ExampleInject_explain: explain reads Inject's decisions, one per candidate SidecarSet.
func ExampleInject_explain() {
	st := sidecarset.NewState(sidecarset.Options{})
	for _, ss := range []*appsv1alpha1.SidecarSet{
		{ObjectMeta: metav1.ObjectMeta{Name: "for-web"}, Spec: appsv1alpha1.SidecarSetSpec{
			Selector:   &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Containers: []appsv1alpha1.SidecarContainer{{Container: corev1.Container{Name: "a", Image: "a:1"}}}}},
		{ObjectMeta: metav1.ObjectMeta{Name: "for-db"}, Spec: appsv1alpha1.SidecarSetSpec{
			Selector:   &metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}},
			Containers: []appsv1alpha1.SidecarContainer{{Container: corev1.Container{Name: "b", Image: "b:1"}}}}},
		{ObjectMeta: metav1.ObjectMeta{Name: "other-namespace"}, Spec: appsv1alpha1.SidecarSetSpec{
			Namespace:  "payments",
			Selector:   &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Containers: []appsv1alpha1.SidecarContainer{{Container: corev1.Container{Name: "c", Image: "c:1"}}}}},
	} {
		if _, err := st.Create(ss); err != nil {
			panic(err)
		}
	}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web-0", Namespace: "shop", Labels: map[string]string{"app": "web"}}}
	res, err := sidecarset.Inject(st, pod, sidecarset.Request{})
	if err != nil {
		panic(err)
	}
	for _, d := range res.Decisions {
		fmt.Printf("%s %t %s\n", d.SidecarSet, d.Injected, d.Reason)
	}
	// Output:
	// for-db false selector_mismatch
	// for-web true injected
	// other-namespace false namespace_mismatch
}
