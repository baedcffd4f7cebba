package pipeline_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/sidecarctl/sidecarctl/pipeline"
	"github.com/sidecarctl/sidecarctl/pipeline/pipelinetest"
)

// churnCluster is the stored SidecarSets of a test cluster, changed step by step.
type churnCluster struct {
	sets []*appsv1alpha1.SidecarSet
	rv   int
}

func (c *churnCluster) find(name string) int {
	return slices.IndexFunc(c.sets, func(ss *appsv1alpha1.SidecarSet) bool { return ss.Name == name })
}

// put stores ss (create or update) with a new resourceVersion, as the API server does.
func (c *churnCluster) put(ss *appsv1alpha1.SidecarSet) *appsv1alpha1.SidecarSet {
	c.rv++
	ss = ss.DeepCopy()
	ss.ResourceVersion = fmt.Sprint(10000 + c.rv)
	if i := c.find(ss.Name); i >= 0 {
		c.sets[i] = ss
	} else {
		c.sets = append(c.sets, ss)
	}
	return ss
}

func (c *churnCluster) remove(name string) {
	c.sets = slices.DeleteFunc(c.sets, func(ss *appsv1alpha1.SidecarSet) bool { return ss.Name == name })
}

// churnStep changes the cluster and returns what changed, as the informer events say.
type churnStep func(t *testing.T, c *churnCluster, pool []*appsv1alpha1.SidecarSet) (changed []*appsv1alpha1.SidecarSet, deleted []string)

func later(ss *appsv1alpha1.SidecarSet, name string, d time.Duration) *appsv1alpha1.SidecarSet {
	out := ss.DeepCopy()
	out.Name, out.UID = name, types.UID("uid-"+name)
	out.CreationTimestamp = metav1.NewTime(ss.CreationTimestamp.Add(d))
	return out
}

// withSelector returns the first stored set that has a selector and containers.
func withSelector(t *testing.T, c *churnCluster) *appsv1alpha1.SidecarSet {
	t.Helper()
	for _, ss := range c.sets {
		if ss.Spec.Selector != nil && len(ss.Spec.Selector.MatchLabels) > 0 && len(ss.Spec.Containers) > 0 && !ss.Spec.InjectionStrategy.Paused {
			return ss
		}
	}
	t.Fatal("no stored SidecarSet with a selector")
	return nil
}

var churnSteps = map[string]churnStep{
	"add the next SidecarSet": func(_ *testing.T, c *churnCluster, pool []*appsv1alpha1.SidecarSet) ([]*appsv1alpha1.SidecarSet, []string) {
		for _, ss := range pool {
			if c.find(ss.Name) < 0 {
				return []*appsv1alpha1.SidecarSet{c.put(ss)}, nil
			}
		}
		return nil, nil
	},
	"add every missing SidecarSet at once, between older ones": func(_ *testing.T, c *churnCluster, pool []*appsv1alpha1.SidecarSet) ([]*appsv1alpha1.SidecarSet, []string) {
		var out []*appsv1alpha1.SidecarSet
		for _, ss := range pool {
			if c.find(ss.Name) < 0 {
				out = append(out, c.put(ss))
			}
		}
		return out, nil
	},
	"update a selector": func(t *testing.T, c *churnCluster, _ []*appsv1alpha1.SidecarSet) ([]*appsv1alpha1.SidecarSet, []string) {
		ss := withSelector(t, c).DeepCopy()
		ss.Spec.Selector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: metav1.LabelSelectorOpExists}}}
		return []*appsv1alpha1.SidecarSet{c.put(ss)}, nil
	},
	"pause one": func(t *testing.T, c *churnCluster, _ []*appsv1alpha1.SidecarSet) ([]*appsv1alpha1.SidecarSet, []string) {
		ss := withSelector(t, c).DeepCopy()
		ss.Spec.InjectionStrategy.Paused = true
		return []*appsv1alpha1.SidecarSet{c.put(ss)}, nil
	},
	"delete one": func(t *testing.T, c *churnCluster, _ []*appsv1alpha1.SidecarSet) ([]*appsv1alpha1.SidecarSet, []string) {
		name := withSelector(t, c).Name
		c.remove(name)
		return nil, []string{name}
	},
	"add a conflicting SidecarSet later (same containers, same selector)": func(t *testing.T, c *churnCluster, _ []*appsv1alpha1.SidecarSet) ([]*appsv1alpha1.SidecarSet, []string) {
		ss := withSelector(t, c)
		return []*appsv1alpha1.SidecarSet{c.put(later(ss, "zz-conflict-"+ss.Name, time.Hour))}, nil
	},
	"add one created in the same second as an older one": func(t *testing.T, c *churnCluster, _ []*appsv1alpha1.SidecarSet) ([]*appsv1alpha1.SidecarSet, []string) {
		ss := withSelector(t, c)
		return []*appsv1alpha1.SidecarSet{c.put(later(ss, "aa-twin-"+ss.Name, 0))}, nil
	},
	"delete and create again under the same name": func(t *testing.T, c *churnCluster, _ []*appsv1alpha1.SidecarSet) ([]*appsv1alpha1.SidecarSet, []string) {
		ss := withSelector(t, c)
		again := later(ss, ss.Name, 2*time.Hour)
		again.UID = "uid-again-" + ss.UID
		c.remove(ss.Name)
		return []*appsv1alpha1.SidecarSet{c.put(again)}, nil
	},
}

// TestWithEqualsAdmit applies sequences of changes to a state with With, and checks after
// every step that the state decides every corpus pod exactly as a state admitted from scratch
// from the cluster as it then is (creation order, findings, hashes and decisions).
func TestWithEqualsAdmit(t *testing.T) {
	t.Parallel()
	ch, err := pipelinetest.NewChurn()
	if err != nil {
		t.Fatal(err)
	}
	sequences := []struct {
		name  string
		steps []string
	}{
		{"add one by one", []string{"add the next SidecarSet", "add the next SidecarSet", "add the next SidecarSet"}},
		{"add in bulk", []string{"add every missing SidecarSet at once, between older ones"}},
		{"update then delete", []string{"update a selector", "pause one", "delete one", "delete one"}},
		{"conflicts added later", []string{"add a conflicting SidecarSet later (same containers, same selector)",
			"add one created in the same second as an older one", "delete one"}},
		{"recreate", []string{"delete and create again under the same name", "add the next SidecarSet", "update a selector"}},
	}
	for _, seq := range sequences {
		t.Run(seq.name, func(t *testing.T) {
			t.Parallel()
			c := &churnCluster{}
			// Every other corpus SidecarSet to start with: the others are created later but
			// sort between them.
			for i, ss := range ch.SidecarSets {
				if i%2 == 0 {
					c.put(ss)
				}
			}
			st, err := pipeline.Admit(pipelinetest.ChurnInput(c.sets, ch.Namespaces), pipelinetest.StoredOptions())
			if err != nil {
				t.Fatal(err)
			}
			for i, name := range seq.steps {
				changed, deleted := churnSteps[name](t, c, ch.SidecarSets)
				var creations []pipeline.Creation
				for _, ss := range changed {
					creations = append(creations, pipeline.Creation{SidecarSet: ss, Source: "SidecarSet " + ss.Name})
				}
				before, err := pipelinetest.Decisions(st, ch.Pods)
				if err != nil {
					t.Fatal(err)
				}
				st, err = st.With(creations, deleted)
				if err != nil {
					t.Fatalf("step %d (%s): %v", i, name, err)
				}
				full, err := pipeline.Admit(pipelinetest.ChurnInput(c.sets, ch.Namespaces), pipelinetest.StoredOptions())
				if err != nil {
					t.Fatal(err)
				}
				got, err := pipelinetest.Decisions(st, ch.Pods)
				if err != nil {
					t.Fatal(err)
				}
				want, err := pipelinetest.Decisions(full, ch.Pods)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Fatalf("step %d (%s): the updated state differs from a full admission (-full +incremental):\n%s", i, name, diff)
				}
				if slices.Equal(before, got) && len(changed)+len(deleted) > 0 && name != "pause one" {
					t.Logf("step %d (%s) changed no decision", i, name)
				}
			}
		})
	}
}

// TestWithRefusesWhatItCannotUpdate: states admitted from files (validated in creation order)
// are rebuilt, not updated.
func TestWithRefusesWhatItCannotUpdate(t *testing.T) {
	t.Parallel()
	ch, err := pipelinetest.NewChurn()
	if err != nil {
		t.Fatal(err)
	}
	opts := pipelinetest.StoredOptions()
	opts.Trust = pipeline.Files
	opts.KeepGoing = true
	st, err := pipeline.Admit(pipelinetest.ChurnInput(ch.SidecarSets[:2], ch.Namespaces), opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.With([]pipeline.Creation{{SidecarSet: ch.SidecarSets[2]}}, nil); !errors.Is(err, pipeline.ErrNotIncremental) {
		t.Errorf("With on a Files state: got %v, want ErrNotIncremental", err)
	}
}
