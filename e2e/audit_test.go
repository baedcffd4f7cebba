package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// agentSidecarSet references a ConfigMap of another namespace that no binding authorizes and
// that does not exist: one SidecarSet row (no binding) and one row per pod it injected (the
// missing ConfigMap, which only the cluster can tell).
const agentSidecarSet = `apiVersion: apps.kruise.io/v1alpha1
kind: SidecarSet
metadata:
  name: audit-agent
spec:
  selector:
    matchLabels:
      audit: agent
  updateStrategy:
    type: NotUpdate
  containers:
  - name: agent
    image: busybox
    volumeMounts:
    - name: agent-config
      mountPath: /etc/agent
  volumes:
  - name: agent-config
    configMap:
      name: kube-system/agent-config
`

const agentPod = `apiVersion: v1
kind: Pod
metadata:
  name: agent-pod
  labels:
    audit: agent
spec:
  containers:
  - name: app
    image: busybox
`

// auditJSON is `audit -o json` without the explain commands, which name the state's source.
type auditJSON struct {
	Pods int `json:"pods"`
	Rows []struct {
		SidecarSet string `json:"sidecarSet"`
		Pod        string `json:"pod"`
		Reason     string `json:"reason"`
		Detail     string `json:"detail"`
	} `json:"rows"`
	SidecarSets []map[string]any `json:"sidecarSets"`
}

// TestAuditFromCluster: problems planted in a namespace of the real API server (a pod created
// before its SidecarSet, one on an older revision, one edited by hand, a SidecarSet reference
// no binding authorizes, an injected ConfigMap that does not exist) are each found by
// `sidecarctl audit --from-cluster -n NS`, with the same rows as auditing the same pods and
// SidecarSets given as files, plus the missing ConfigMap only the cluster can tell; a clean
// namespace reports nothing.
func TestAuditFromCluster(t *testing.T) {
	c := newClient(t)
	kubeconfig := writeKubeconfig(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	example := filepath.Join("..", "examples", "filebeat-stdlog")
	file := func(name string) string { return filepath.Join(example, name) }
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	apply := func(args ...string) {
		t.Helper()
		if out, err := kubectl(t, kubeconfig, nil, append([]string{"apply"}, args...)...); err != nil {
			t.Fatalf("kubectl apply %v: %v\n%s", args, err, out)
		}
	}
	const dirty, clean = "audit-planted", "audit-clean"
	for _, ns := range []string{dirty, clean} {
		ensureNamespace(ctx, t, c, ns, nil)
	}
	// The seed's ConfigMap exists: only the agent's is missing.
	filebeatConfig := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "filebeat-config", Namespace: "kube-system"}, Data: map[string]string{"filebeat.yml": ""}}
	created := true
	if err := c.Create(ctx, filebeatConfig); apierrors.IsAlreadyExists(err) {
		created = false
	} else if err != nil {
		t.Fatal(err)
	}
	agent := write("agent.yaml", agentSidecarSet)
	t.Cleanup(func() {
		if created {
			_ = c.Delete(context.Background(), filebeatConfig)
		}
		_, _ = kubectl(t, kubeconfig, nil, "delete", "--ignore-not-found", "-f", file("sidecarset.yaml"), "-f", file("binding.yaml"), "-f", agent)
		_, _ = kubectl(t, kubeconfig, nil, "delete", "pods", "--all", "-n", dirty, "-n", clean)
	})
	apply("-f", file("sidecarset.yaml"), "-f", file("binding.yaml"))

	// The clean namespace: the seed's pod as Kruise injects it.
	injected, errOut, code := runCLI(t, "inject", "-f", file("echo-server-pod.yaml"), "--from", file("sidecarset.yaml"), "--from", file("binding.yaml"))
	if code != 0 {
		t.Fatalf("inject: exit %d\n%s", code, errOut)
	}
	apply("-n", clean, "-f", write("clean.yaml", strings.ReplaceAll(injected, "namespace: default", "namespace: "+clean)))
	// The planted namespace: example 12's pods (created before the SidecarSet, on an older
	// revision, edited by hand, up to date) and the agent's pod, injected, then its
	// SidecarSet, with no binding.
	apply("-n", dirty, "-f", write("planted.yaml", strings.ReplaceAll(mustRead(t, file("audit-pods.yaml")), "namespace: default", "namespace: "+dirty)))
	agentInjected, errOut, code := runCLI(t, "inject", "-n", dirty, "-f", write("agent-pod.yaml", agentPod), "--from", agent)
	if code != 0 {
		t.Fatalf("inject the agent: exit %d\n%s", code, errOut)
	}
	apply("-n", dirty, "-f", write("agent-injected.yaml", agentInjected))

	cluster := []string{"audit", "-o", "json", "--from-cluster", "--kubeconfig", kubeconfig}
	// The same pods and SidecarSets as files: the pods as the API server stores them.
	asFiles := func(ns string, state ...string) (auditJSON, int) {
		t.Helper()
		out, err := kubectl(t, kubeconfig, nil, "get", "pods", "-n", ns, "-o", "yaml")
		if err != nil {
			t.Fatal(err)
		}
		args := []string{"audit", "-o", "json", "-f", write(ns+"-pods.yaml", string(out))}
		for _, s := range state {
			args = append(args, "--from", s)
		}
		return runAudit(t, args...)
	}

	t.Run("clean namespace", func(t *testing.T) {
		got, code := runAudit(t, append(cluster, "-n", clean)...)
		if code != 0 || len(got.Rows) != 0 || got.Pods != 1 {
			t.Errorf("audit -n %s: exit %d, %d pod(s), rows %+v; want exit 0, 1 pod, no rows", clean, code, got.Pods, got.Rows)
		}
		want, _ := asFiles(clean, file("sidecarset.yaml"), file("binding.yaml"))
		if !sameAudit(got, want) {
			t.Errorf("--from-cluster differs from the files:\n%+v\nwant:\n%+v", got, want)
		}
	})

	apply("-f", agent)
	t.Run("planted problems", func(t *testing.T) {
		got, code := runAudit(t, append(cluster, "-n", dirty)...)
		if code != 1 {
			t.Errorf("audit -n %s: exit %d, want 1", dirty, code)
		}
		wantRows := []string{
			"audit-agent  audit_unauthorized_reference",
			"audit-agent " + dirty + "/agent-pod audit_missing_volume_source",
			"filebeat-sidecarset " + dirty + "/echo-server-created-before audit_not_injected",
			"filebeat-sidecarset " + dirty + "/echo-server-edited audit_sidecar_edited",
			"filebeat-sidecarset " + dirty + "/echo-server-old-revision audit_outdated",
		}
		if rows := rowKeys(got); !slices.Equal(rows, wantRows) {
			t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(rows, "\n"), strings.Join(wantRows, "\n"))
		}
		// The files give the same rows, but for the missing ConfigMap only a cluster shows.
		want, _ := asFiles(dirty, file("sidecarset.yaml"), file("binding.yaml"), agent)
		var withoutMissing auditJSON = got
		withoutMissing.Rows = nil
		for _, r := range got.Rows {
			if r.Reason != "audit_missing_volume_source" {
				withoutMissing.Rows = append(withoutMissing.Rows, r)
			}
		}
		if !sameAudit(withoutMissing, want) {
			t.Errorf("--from-cluster differs from the files (apart from the missing ConfigMap):\n%+v\nwant:\n%+v", withoutMissing, want)
		}
	})
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// runAudit runs `sidecarctl audit -o json` and decodes its report.
func runAudit(t *testing.T, args ...string) (auditJSON, int) {
	t.Helper()
	out, errOut, code := runCLI(t, args...)
	var rep auditJSON
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("sidecarctl %s: exit %d, %v\n%s%s", strings.Join(args, " "), code, err, out, errOut)
	}
	return rep, code
}

// rowKeys are the rows as "sidecarSet pod reason", sorted.
func rowKeys(rep auditJSON) []string {
	var out []string
	for _, r := range rep.Rows {
		out = append(out, r.SidecarSet+" "+r.Pod+" "+r.Reason)
	}
	slices.Sort(out)
	return out
}

func sameAudit(a, b auditJSON) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}
