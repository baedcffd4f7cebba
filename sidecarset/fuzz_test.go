package sidecarset_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"

	"github.com/sidecarctl/sidecarctl/sidecarset"
	"github.com/sidecarctl/sidecarctl/sidecarset/sidecarsettest"
)

// FuzzInject feeds arbitrary pods to every corpus case's SidecarSets: injection must not
// panic, must not touch its input, and injecting the result again must change nothing.
func FuzzInject(f *testing.F) {
	cases, err := sidecarsettest.Cases()
	if err != nil {
		f.Fatal(err)
	}
	var states []*sidecarset.State
	for _, c := range cases {
		st := sidecarset.NewState(sidecarset.Options{Now: fixedTime, FeatureGates: c.FeatureGates})
		if c.Admit(st) != nil {
			continue
		}
		states = append(states, st)
		raw, _ := json.Marshal(c.Pod)
		f.Add(raw, uint8(len(states)-1))
	}
	f.Fuzz(func(t *testing.T, raw []byte, which uint8) {
		pod := &corev1.Pod{}
		if json.Unmarshal(raw, pod) != nil {
			return
		}
		st := states[int(which)%len(states)]
		before := pod.DeepCopy()
		res, err := sidecarset.Inject(st, pod, sidecarset.Request{})
		if diff := cmp.Diff(before, pod); diff != "" {
			t.Fatalf("Inject modified its input:\n%s", diff)
		}
		if err != nil {
			return // a refusal is a valid outcome
		}
		again, err := sidecarset.Inject(st, res.Pod, sidecarset.Request{})
		if err != nil {
			t.Fatalf("second injection refused what the first produced: %v", err)
		}
		if again.Changed {
			t.Fatalf("second injection changed the pod:\n%s", cmp.Diff(res.Pod, again.Pod))
		}
	})
}
