package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/sidecarctl/sidecarctl/sidecarset"
)

// TestFault is issue 9 §4: two `sidecarctl serve` replicas (leader election for the
// controllers) behind a loopback balancer, on a control plane of the suite's own, while pods
// that match a SidecarSet and pods that match none are created at a steady rate, each
// scenario injects one fault and checks every pod afterwards. Each load is bounded in count
// and time and stops by itself; each scenario logs and asserts its counts: pods created,
// injected, refused (create calls the webhook refused or could not answer, retried as a
// controller would), errors (other failed calls, retried) and webhook calls (counted by the
// API server). An unrelated pod is never refused: the pod webhook's match condition keeps it
// from the server.
func TestFault(t *testing.T) {
	ctx := t.Context()
	start := time.Now()
	fc := startFaultCluster(ctx, t)
	t.Cleanup(func() { fc.dumpLogs(t) })
	t.Logf("control plane, 2 replicas and the balancer up in %v", time.Since(start).Round(time.Millisecond))
	for _, sc := range []struct {
		name string
		run  func(context.Context, *testing.T, *faultCluster)
	}{
		{"replica killed", faultReplicaKilled},
		{"apiserver restarted", faultAPIServerRestarted},
		{"certificate rotated", faultCertificateRotated},
		{"sidecarset updated", faultSidecarSetUpdated},
		{"binding deleted", faultBindingDeleted},
	} {
		t.Run(sc.name, func(t *testing.T) {
			begin := time.Now()
			sc.run(ctx, t, fc)
			t.Logf("%s: %v", sc.name, time.Since(begin).Round(time.Millisecond))
		})
	}
}

// faultLoad is the load of a scenario: 40 pods/s, one in three unrelated.
func faultLoad(ns, app string, total int) loadSpec {
	return loadSpec{namespace: ns, total: total, perSecond: 40, unrelatedEvery: 3,
		matching: map[string]string{"app": app}, unrelated: map[string]string{"app": app + "-unrelated"},
		limit: 2 * time.Minute}
}

// newFaultSidecarSet is a SidecarSet for the pods labelled app=name in namespace ns.
func newFaultSidecarSet(name, ns string, containers ...corev1.Container) *appsv1alpha1.SidecarSet {
	ss := &appsv1alpha1.SidecarSet{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: appsv1alpha1.SidecarSetSpec{
		Namespace: ns, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}}}}
	for _, c := range containers {
		ss.Spec.Containers = append(ss.Spec.Containers, appsv1alpha1.SidecarContainer{Container: c})
	}
	return ss
}

// createFaultSidecarSet creates ss and waits until the API server sends its pods to the
// webhook and every running replica injects them. A denial is retried: the replica that
// validates the SidecarSet may not have seen its binding yet.
func (fc *faultCluster) createFaultSidecarSet(ctx context.Context, t *testing.T, ss *appsv1alpha1.SidecarSet) {
	t.Helper()
	waitFor(ctx, t, "SidecarSet "+ss.Name+" to be admitted", func() (bool, error) {
		obj := ss.DeepCopy()
		if err := fc.c.Create(ctx, obj); err != nil {
			if classify(err) == denied {
				return false, nil
			}
			return false, err
		}
		*ss = *obj
		return true, nil
	})
	fc.waitPodWebhookCovers(ctx, t, "app", ss.Spec.Selector.MatchLabels["app"])
	fc.waitReplicas(ctx, t, "every replica to inject SidecarSet "+ss.Name, probePod(ss), func(allowed, patched bool) bool {
		return allowed && patched
	})
}

// probePod is a pod ss selects, sent to the replicas directly.
func probePod(ss *appsv1alpha1.SidecarSet) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ss.Spec.Namespace, Name: "probe", Labels: ss.Spec.Selector.MatchLabels},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx:1.25"}}}}
}

// injectedOnce checks that a pod carries each sidecar of set exactly once, that Kruise's
// annotations name set once, and returns the hash its kruise.io/sidecarset-hash records.
func injectedOnce(pod *corev1.Pod, set string, sidecars ...string) (string, error) {
	seen := map[string]int{}
	for _, c := range append(append([]corev1.Container{}, pod.Spec.InitContainers...), pod.Spec.Containers...) {
		seen[c.Name]++
	}
	if seen["app"] != 1 {
		return "", fmt.Errorf("the app container appears %d times", seen["app"])
	}
	for _, s := range sidecars {
		if seen[s] != 1 {
			return "", fmt.Errorf("sidecar %s appears %d times (containers %v): want exactly once", s, seen[s], containerNames(pod.Spec.Containers))
		}
	}
	if got := pod.Annotations[sidecarset.AnnotationInjectedList]; got != set {
		return "", fmt.Errorf("%s = %q, want %q", sidecarset.AnnotationInjectedList, got, set)
	}
	var hashes map[string]struct {
		Hash string `json:"hash"`
	}
	if err := json.Unmarshal([]byte(pod.Annotations[sidecarset.AnnotationHash]), &hashes); err != nil {
		return "", fmt.Errorf("%s: %w", sidecarset.AnnotationHash, err)
	}
	if len(hashes) != 1 || hashes[set].Hash == "" {
		return "", fmt.Errorf("%s = %s: want one entry, for %s", sidecarset.AnnotationHash, pod.Annotations[sidecarset.AnnotationHash], set)
	}
	return hashes[set].Hash, nil
}

// sent counts the create calls of matching pods that reached the API server's admission:
// each is exactly one call of the pod webhook (no other webhook changes pods, so there is
// no reinvocation).
func sent(l *load, after time.Time) int {
	n := 0
	for _, run := range l.runs {
		for _, a := range run.attempts {
			if run.matching && a.outcome != apiError && !a.start.Before(after) {
				n++
			}
		}
	}
	return n
}

// refusedUnrelated lists the unrelated pods the webhook refused: never expected, since the
// match condition keeps them from the server.
func refusedUnrelated(l *load) []string {
	var out []string
	for _, run := range l.runs {
		for _, a := range run.attempts {
			if !run.matching && (a.outcome == failedCall || a.outcome == denied) {
				out = append(out, fmt.Sprintf("%s (unrelated): refused: %s", run.name, a.err))
			}
		}
	}
	return out
}

// webhookCalls reads the API server's count or fails the test.
func (fc *faultCluster) mustWebhookCalls(ctx context.Context, t *testing.T) float64 {
	t.Helper()
	n, err := fc.webhookCalls(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (fc *faultCluster) mustAdmissions(ctx context.Context, t *testing.T, r *replica) float64 {
	t.Helper()
	n, err := r.admissions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func envValue(c corev1.Container, name string) string {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}

func agent(name, image string, env ...corev1.EnvVar) corev1.Container {
	return corev1.Container{Name: name, Image: image, Env: env}
}

// faultReplicaKilled kills a replica mid-run and restarts it, twice: first the one that
// holds the API server's connections (admissions in flight fail), then the leader (its
// controllers move to the other replica once the lease expires), unless that was the same.
// Every matching pod is injected exactly once, none is admitted without its sidecars, no
// unrelated pod is refused, the other replica serves while one is down, and the
// controllers run afterwards.
func faultReplicaKilled(ctx context.Context, t *testing.T, fc *faultCluster) {
	const ns = "fault-kill"
	ensureNamespace(ctx, t, fc.c, ns, nil)
	ss := newFaultSidecarSet(ns, ns, agent("agent", "agent:1"))
	fc.createFaultSidecarSet(ctx, t, ss)
	calls := fc.mustWebhookCalls(ctx, t)
	start := time.Now()
	l := startLoad(ctx, t, fc.c, faultLoad(ns, ns, 800))

	l.waitMore(ctx, t, 60)
	addr, conns := fc.lb.busiest()
	busiest := fc.replicas[0]
	if fc.replicas[1].addr == addr {
		busiest = fc.replicas[1]
	}
	leaderKilled := busiest.leads(ctx)
	t.Logf("killing replica %s: %d open connections from the API server, leader: %v", busiest.name, conns, leaderKilled)
	fc.killAndRestart(ctx, t, l, busiest, probePod(ss))
	if !leaderKilled {
		var leader *replica
		for _, r := range fc.replicas {
			if r.leads(ctx) {
				leader = r
			}
		}
		if leader == nil {
			t.Fatal("no replica leads")
		}
		l.waitMore(ctx, t, 40)
		t.Logf("killing the leader, replica %s", leader.name)
		fc.killAndRestart(ctx, t, l, leader, probePod(ss))
	}
	l.endAfter(60)
	l.wait()

	n, problems, err := l.tally(ctx, func(pod *corev1.Pod) error {
		_, err := injectedOnce(pod, ns, "agent")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	n.calls = fc.mustWebhookCalls(ctx, t) - calls
	report(t, "replica killed", n, append(problems, refusedUnrelated(l)...))
	total, skipped := fc.lb.stats()
	t.Logf("balancer: connections per replica %v, dead replicas skipped %d times", total, skipped)
	if n.created != n.pods || n.denied != 0 || n.errors != 0 {
		t.Errorf("want every pod created, none denied, no API errors: %s", n)
	}
	if want := sent(l, start); int(n.calls) != want {
		t.Errorf("the API server called the pod webhook %.0f times, want one call per matching create call (%d)", n.calls, want)
	}

	// The controllers run on whichever replica leads now (once the killed leader's lease
	// expired): a new SidecarSet reaches the webhook configuration.
	var leader string
	if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 2*leaseDuration, true, func(context.Context) (bool, error) {
		for _, r := range fc.replicas {
			if r.leads(ctx) {
				leader = r.name
			}
		}
		return leader != "", nil
	}); err != nil {
		t.Fatalf("no replica leads %v after the kill: %v", 2*leaseDuration, err)
	}
	t.Logf("replica %s leads after the kills", leader)
	fc.createFaultSidecarSet(ctx, t, newFaultSidecarSet(ns+"-after", ns, agent("agent", "agent:1")))
}

// killAndRestart kills victim, lets 80 more pods of the load through, checks that the other
// replica served admissions meanwhile (the balancer skipped the dead one), and starts victim
// again. The moment it reports ready, before its caches may have synced, it must inject
// probe or refuse it, never admit it unchanged.
func (fc *faultCluster) killAndRestart(ctx context.Context, t *testing.T, l *load, victim *replica, probe *corev1.Pod) {
	t.Helper()
	other := fc.replicas[0]
	if other == victim {
		other = fc.replicas[1]
	}
	served := fc.mustAdmissions(ctx, t, other)
	victim.stop()
	l.waitMore(ctx, t, 80)
	servedWhileDown := fc.mustAdmissions(ctx, t, other) - served
	t.Logf("replica %s served %.0f admissions while %s was down", other.name, servedWhileDown, victim.name)
	if servedWhileDown == 0 {
		t.Errorf("replica %s served no admission while %s was down", other.name, victim.name)
	}
	victim.start(ctx)
	allowed, patched, err := victim.review(ctx, probe)
	t.Logf("replica %s restarted; its first answer: allowed %v, patched %v, error %v", victim.name, allowed, patched, err)
	if err == nil && allowed && !patched {
		t.Errorf("replica %s, just restarted, admitted a matching pod without its sidecars", victim.name)
	}
}

// faultAPIServerRestarted stops kube-apiserver mid-run (etcd stays) and starts it again on
// the same port: the replicas reconnect without restarting, their caches resync, and
// admissions resume.
func faultAPIServerRestarted(ctx context.Context, t *testing.T, fc *faultCluster) {
	const ns = "fault-apiserver"
	ensureNamespace(ctx, t, fc.c, ns, nil)
	fc.createFaultSidecarSet(ctx, t, newFaultSidecarSet(ns, ns, agent("agent", "agent:1")))
	pids := map[string]int{}
	for _, r := range fc.replicas {
		pids[r.name] = r.pid()
	}
	calls := fc.mustWebhookCalls(ctx, t)
	l := startLoad(ctx, t, fc.c, faultLoad(ns, ns, 400))
	l.waitMore(ctx, t, 60)
	callsBeforeStop := fc.mustWebhookCalls(ctx, t) - calls
	down := fc.restartAPIServer(ctx, t)
	restarted := time.Now()
	t.Logf("kube-apiserver stopped and started again in %v", down.Round(time.Millisecond))
	l.endAfter(120)
	l.wait()

	n, problems, err := l.tally(ctx, func(pod *corev1.Pod) error {
		_, err := injectedOnce(pod, ns, "agent")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	callsAfter := fc.mustWebhookCalls(ctx, t) // the restarted API server counts from zero
	n.calls = callsBeforeStop + callsAfter
	report(t, "apiserver restarted", n, append(problems, refusedUnrelated(l)...))
	if n.created != n.pods || n.denied != 0 {
		t.Errorf("want every pod created and none denied: %s", n)
	}
	if n.errors == 0 {
		t.Error("no create call failed: the load did not run while the API server was down")
	}
	// Calls in flight when the API server stopped may be missing from its count, never
	// extra; every call made after the restart is counted.
	if want := sent(l, time.Time{}); int(n.calls) > want {
		t.Errorf("the API server called the pod webhook %.0f times, more than the %d matching create calls", n.calls, want)
	}
	if want := sent(l, restarted); callsAfter < float64(want) || want == 0 {
		t.Errorf("after the restart the API server called the pod webhook %.0f times for %d matching create calls: admissions did not resume", callsAfter, want)
	}
	for _, r := range fc.replicas {
		if !r.running() || r.pid() != pids[r.name] {
			t.Errorf("replica %s restarted (pid %d, was %d; running %v): it should reconnect by itself", r.name, r.pid(), pids[r.name], r.running())
		}
	}
	// The replicas' caches follow the restarted API server: a SidecarSet created now
	// reaches the leader's webhook configuration and every replica's injection.
	fc.createFaultSidecarSet(ctx, t, newFaultSidecarSet(ns+"-after", ns, agent("agent", "agent:1")))
	pod := probePod(newFaultSidecarSet(ns+"-after", ns))
	pod.Name = "after-restart"
	if err := fc.c.Create(ctx, pod); err != nil {
		t.Fatalf("create a pod for the SidecarSet created after the restart: %v", err)
	}
	if _, err := injectedOnce(pod, ns+"-after", "agent"); err != nil {
		t.Errorf("pod created after the restart: %v", err)
	}
}

// faultSidecarSetUpdated changes both sidecars of a SidecarSet mid-run: each pod gets all
// of the old version or all of the new one, and its hash annotation says which.
func faultSidecarSetUpdated(ctx context.Context, t *testing.T, fc *faultCluster) {
	const ns = "fault-update"
	ensureNamespace(ctx, t, fc.c, ns, nil)
	version := func(v string) []corev1.Container {
		env := corev1.EnvVar{Name: "VERSION", Value: v}
		return []corev1.Container{agent("log-agent", "log-agent:"+v, env), agent("metrics-agent", "metrics-agent:"+v, env)}
	}
	ss := newFaultSidecarSet(ns, ns, version("1")...)
	fc.createFaultSidecarSet(ctx, t, ss)
	hashes := map[string]string{ss.Annotations[sidecarset.AnnotationHash]: "1"}
	calls := fc.mustWebhookCalls(ctx, t)
	start := time.Now()
	l := startLoad(ctx, t, fc.c, faultLoad(ns, ns, 300))
	l.waitMore(ctx, t, 100)
	for i, c := range version("2") {
		ss.Spec.Containers[i].Container = c
	}
	if err := fc.c.Update(ctx, ss); err != nil {
		t.Fatalf("update SidecarSet %s: %v", ss.Name, err)
	}
	hashes[ss.Annotations[sidecarset.AnnotationHash]] = "2"
	if len(hashes) != 2 {
		t.Fatalf("the SidecarSet's hash did not change with its containers: %v", hashes)
	}
	l.endAfter(100)
	l.wait()

	versions := map[string]int{}
	n, problems, err := l.tally(ctx, func(pod *corev1.Pod) error {
		hash, err := injectedOnce(pod, ns, "log-agent", "metrics-agent")
		if err != nil {
			return err
		}
		v, ok := hashes[hash]
		if !ok {
			return fmt.Errorf("hash %s is neither version's (%v)", hash, hashes)
		}
		for _, c := range pod.Spec.Containers {
			if c.Name == "app" {
				continue
			}
			if !strings.HasSuffix(c.Image, ":"+v) || envValue(c, "VERSION") != v {
				return fmt.Errorf("hash of version %s, but sidecar %s has image %s, env %v: a mix of versions", v, c.Name, c.Image, c.Env)
			}
		}
		versions[v]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	n.calls = fc.mustWebhookCalls(ctx, t) - calls
	report(t, "sidecarset updated", n, append(problems, refusedUnrelated(l)...))
	t.Logf("sidecarset updated: %d pods of version 1, %d of version 2", versions["1"], versions["2"])
	if n.created != n.pods || n.refused != 0 || n.errors != 0 {
		t.Errorf("want every pod created at the first call: %s", n)
	}
	if want := sent(l, start); int(n.calls) != want {
		t.Errorf("the API server called the pod webhook %.0f times, want %d", n.calls, want)
	}
	if versions["1"] == 0 || versions["2"] == 0 {
		t.Errorf("versions %v: want pods of both, the update happened mid-run", versions)
	}
}
