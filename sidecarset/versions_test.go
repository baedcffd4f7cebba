package sidecarset

import (
	"reflect"
	"testing"
)

// TestBehaviourRowsDiffer: every row of the version table is a difference between emulated
// releases (v1.3 and v1.8, or v1.8 and v1.9), and the zero Version is v1.8.
func TestBehaviourRowsDiffer(t *testing.T) {
	v13, v18, v19 := reflect.ValueOf(behaviourOf(KruiseV13)), reflect.ValueOf(behaviourOf(KruiseV18)), reflect.ValueOf(behaviourOf(KruiseV19))
	for i := 0; i < v13.NumField(); i++ {
		if v13.Field(i).Interface() == v18.Field(i).Interface() && v18.Field(i).Interface() == v19.Field(i).Interface() {
			t.Errorf("%s is %v for v1.3, v1.8 and v1.9", v13.Type().Field(i).Name, v13.Field(i).Interface())
		}
	}
	if k13, k18, k19 := behaviourOf(KruiseV13).KubernetesTypes, behaviourOf(KruiseV18).KubernetesTypes, behaviourOf(KruiseV19).KubernetesTypes; k13 != 22 || k18 != 30 || k19 != 32 {
		t.Errorf("Kubernetes types: v1.3 %d, v1.8 %d, v1.9 %d; want 22, 30 and 32", k13, k18, k19)
	}
	if behaviourOf("") != behaviourOf(KruiseV18) || (Options{}).behaviour() != behaviourOf(KruiseV18) {
		t.Error("the zero Version does not behave as v1.8")
	}
}
