package sidecarset

import (
	"reflect"
	"testing"
)

// TestBehaviourRowsDiffer: every row of the version table is a difference between the two
// emulated releases, and the zero Version is v1.8.
func TestBehaviourRowsDiffer(t *testing.T) {
	v13, v18 := reflect.ValueOf(behaviourOf(KruiseV13)), reflect.ValueOf(behaviourOf(KruiseV18))
	for i := 0; i < v13.NumField(); i++ {
		if v13.Field(i).Interface() == v18.Field(i).Interface() {
			t.Errorf("%s is %v for both v1.3 and v1.8", v13.Type().Field(i).Name, v13.Field(i).Interface())
		}
	}
	if k13, k18 := behaviourOf(KruiseV13).KubernetesTypes, behaviourOf(KruiseV18).KubernetesTypes; k13 != 22 || k18 != 30 {
		t.Errorf("Kubernetes types: v1.3 %d, v1.8 %d; want 22 and 30", k13, k18)
	}
	if behaviourOf("") != behaviourOf(KruiseV18) || (Options{}).behaviour() != behaviourOf(KruiseV18) {
		t.Error("the zero Version does not behave as v1.8")
	}
}
