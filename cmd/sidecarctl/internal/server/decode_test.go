package server

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestDecodeObject(t *testing.T) {
	pod := &corev1.Pod{}
	if err := decodeObject([]byte(`{"metadata":{"name":"a"},"Spec":{"containers":[{"name":"app"}]}}`), pod); err != nil {
		t.Fatal(err)
	}
	if pod.Name != "a" || len(pod.Spec.Containers) != 0 {
		t.Errorf("keys must match case-sensitively: %+v", pod)
	}
	if err := decodeObject([]byte(`{"spec":{"containers":[{"name":"app"}]},"spec":{}}`), &corev1.Pod{}); err == nil {
		t.Error("a duplicate field was accepted")
	}
}
