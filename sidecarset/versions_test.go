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
		if v13.Field(i).Bool() == v18.Field(i).Bool() {
			t.Errorf("%s is %t for both v1.3 and v1.8", v13.Type().Field(i).Name, v13.Field(i).Bool())
		}
	}
	if behaviourOf("") != behaviourOf(KruiseV18) || (Options{}).behaviour() != behaviourOf(KruiseV18) {
		t.Error("the zero Version does not behave as v1.8")
	}
}
