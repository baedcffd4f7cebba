package e2e

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// loadSpec is one bounded stream of pod creations: at most total pods at perSecond, every
// unrelatedEvery-th of them labelled so that no SidecarSet matches it, the others labelled
// to match. It stops by itself when every pod is done or after limit; a scenario ends it
// sooner with endAfter once its fault is over, so each phase gets its pods whatever the
// machine's speed.
type loadSpec struct {
	namespace      string
	total          int
	perSecond      int
	unrelatedEvery int
	matching       map[string]string
	unrelated      map[string]string
	limit          time.Duration
}

// outcome is what one create call came back with.
type outcome int

const (
	created    outcome = iota
	failedCall         // the webhook could not be called (failurePolicy Fail): retried, as a controller would
	denied             // the webhook denied the pod: final
	apiError           // anything else, the API server unreachable above all: retried
)

// attempt is one create call of one pod.
type attempt struct {
	start   time.Time
	outcome outcome
	err     string
}

// podRun is the history of one pod of the load.
type podRun struct {
	name     string
	matching bool
	attempts []attempt
}

func (r *podRun) last() attempt { return r.attempts[len(r.attempts)-1] }

// load runs a loadSpec with a few workers. dispatched counts the pods handed to a worker,
// finished those done; no pod past end is dispatched.
type load struct {
	spec       loadSpec
	c          client.Client
	runs       []*podRun
	dispatched atomic.Int64
	finished   atomic.Int64
	end        atomic.Int64
	wg         sync.WaitGroup
	cancel     context.CancelFunc
}

const loadWorkers = 8

// startLoad begins creating pods; wait ends it, and so does the end of the test.
func startLoad(ctx context.Context, t *testing.T, c client.Client, spec loadSpec) *load {
	ctx, cancel := context.WithTimeout(ctx, spec.limit)
	l := &load{spec: spec, c: c, cancel: cancel}
	t.Cleanup(func() {
		cancel()
		l.wg.Wait()
	})
	l.end.Store(int64(spec.total))
	for i := range spec.total {
		l.runs = append(l.runs, &podRun{name: fmt.Sprintf("pod-%04d", i), matching: spec.unrelatedEvery == 0 || (i+1)%spec.unrelatedEvery != 0})
	}
	work := make(chan *podRun)
	for range loadWorkers {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for run := range work {
				l.create(ctx, run)
				l.finished.Add(1)
			}
		}()
	}
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		defer close(work)
		tick := time.NewTicker(time.Second / time.Duration(spec.perSecond))
		defer tick.Stop()
		for i, run := range l.runs {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			if int64(i) >= l.end.Load() {
				return
			}
			select {
			case <-ctx.Done():
				return
			case work <- run:
				l.dispatched.Add(1)
			}
		}
	}()
	return l
}

// create creates one pod, retrying a failed webhook call or an API error until it is
// created, denied, or the load's time is up.
func (l *load) create(ctx context.Context, run *podRun) {
	labels := l.spec.matching
	if !run.matching {
		labels = l.spec.unrelated
	}
	for ctx.Err() == nil {
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: l.spec.namespace, Name: run.name, Labels: labels},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx:1.25"}}}}
		a := attempt{start: time.Now()}
		err := l.c.Create(ctx, pod)
		a.outcome = classify(err)
		if err != nil {
			a.err = err.Error()
		}
		if apierrors.IsAlreadyExists(err) {
			// An earlier attempt was stored but its answer lost (the API server stopped).
			a.outcome = created
		}
		run.attempts = append(run.attempts, a)
		if a.outcome == created || a.outcome == denied {
			return
		}
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func classify(err error) outcome {
	switch {
	case err == nil:
		return created
	case strings.Contains(err.Error(), "failed calling webhook"):
		return failedCall
	case strings.Contains(err.Error(), "denied the request"):
		return denied
	default:
		return apiError
	}
}

// waitMore waits until n more pods are done than when it was called.
func (l *load) waitMore(ctx context.Context, t *testing.T, n int) {
	t.Helper()
	want := l.finished.Load() + int64(n)
	if want > l.end.Load() {
		t.Fatalf("the load ends at %d pods, %d are done: cannot wait for %d more", l.end.Load(), l.finished.Load(), n)
	}
	waitFor(ctx, t, fmt.Sprintf("%d more pods of the load", n), func() (bool, error) {
		return l.finished.Load() >= want, nil
	})
}

// endAfter lets n more pods be dispatched, then ends the load.
func (l *load) endAfter(n int) {
	if end := l.dispatched.Load() + int64(n); end < l.end.Load() {
		l.end.Store(end)
	}
}

// wait waits for the load to end by itself (every pod done, or its limit).
func (l *load) wait() {
	l.wg.Wait()
	l.cancel()
}

// counts are a scenario's numbers. Refused and errors count create calls; the others, pods.
type counts struct {
	pods, created, injected, unrelated, refused, denied, errors int
	calls                                                       float64
}

func (c counts) String() string {
	return fmt.Sprintf("pods %d: created %d (injected %d, unrelated %d), refused %d (denied %d), errors %d, webhook calls %.0f",
		c.pods, c.created, c.injected, c.unrelated, c.refused, c.denied, c.errors, c.calls)
}

// tally reads back every pod of the load and checks it: a matching pod that was created
// must pass injected (carry its sidecars exactly once), an unrelated one must carry nothing
// injection adds. It returns the counts and one problem per pod that fails.
func (l *load) tally(ctx context.Context, injected func(*corev1.Pod) error) (counts, []string, error) {
	var list corev1.PodList
	if err := l.c.List(ctx, &list, client.InNamespace(l.spec.namespace)); err != nil {
		return counts{}, nil, fmt.Errorf("list pods of %s: %w", l.spec.namespace, err)
	}
	stored := map[string]*corev1.Pod{}
	for i := range list.Items {
		stored[list.Items[i].Name] = &list.Items[i]
	}
	var n counts
	var problems []string
	for _, run := range l.runs[:l.dispatched.Load()] {
		n.pods++
		for _, a := range run.attempts {
			switch a.outcome {
			case failedCall:
				n.refused++
			case denied:
				n.refused++
				n.denied++
			case apiError:
				n.errors++
			}
		}
		pod, ok := stored[run.name]
		switch {
		case !ok && len(run.attempts) > 0 && run.last().outcome == created:
			problems = append(problems, fmt.Sprintf("%s: created but not stored", run.name))
		case !ok:
			continue
		case len(run.attempts) == 0 || run.last().outcome != created:
			problems = append(problems, fmt.Sprintf("%s: stored although its last create failed", run.name))
		case run.matching:
			if err := injected(pod); err != nil {
				problems = append(problems, fmt.Sprintf("%s: %v", run.name, err))
			} else {
				n.injected++
			}
		default:
			n.unrelated++
			if err := untouched(pod); err != nil {
				problems = append(problems, fmt.Sprintf("%s (unrelated): %v", run.name, err))
			}
		}
		if ok {
			n.created++
		}
	}
	return n, problems, nil
}

// untouched checks that an unrelated pod carries nothing injection adds.
func untouched(pod *corev1.Pod) error {
	if len(pod.Spec.Containers) != 1 || len(pod.Spec.InitContainers) != 0 {
		return fmt.Errorf("containers %v, init containers %v: want only the app", containerNames(pod.Spec.Containers), containerNames(pod.Spec.InitContainers))
	}
	for k := range pod.Annotations {
		if strings.HasPrefix(k, "kruise.io/") {
			return fmt.Errorf("annotation %s", k)
		}
	}
	return nil
}

func containerNames(cs []corev1.Container) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name)
	}
	return out
}

// report logs the counts and fails the test for each problem (the first few in full).
func report(t *testing.T, scenario string, n counts, problems []string) {
	t.Helper()
	t.Logf("%s: %s", scenario, n)
	for i, p := range problems {
		if i == 10 {
			t.Errorf("... and %d more problems", len(problems)-i)
			break
		}
		t.Error(p)
	}
}
