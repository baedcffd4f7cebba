package cli

// Memory benchmark (issue 11 §2): `sidecarctl inject` streams, so its peak memory does not
// grow with the input. Each run is a child process (this test binary, see TestMain) fed a
// generated stream of pods on stdin, which reports its peak RSS (VmHWM) as it ends.

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// memoryPod is the pod of the memory streams: seed 001's echo-server pod, which the state's
// SidecarSet injects. NAME is replaced by a distinct name per pod.
const memoryPod = `# A pod of the echo-server Deployment.
apiVersion: v1
kind: Pod
metadata:
  name: NAME
  namespace: default
  labels:
    app: echo-server # selected by the SidecarSet
spec:
  containers:
  - name: echo-server
    image: hashicorp/http-echo
    imagePullPolicy: IfNotPresent
    args:
    - -listen=:8080
    - -text="hello world"
`

// writePods writes n pods as a YAML stream.
func writePods(w io.Writer, n int) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	for i := range n {
		if _, err := fmt.Fprintf(bw, "---\n%s", strings.Replace(memoryPod, "NAME", fmt.Sprintf("echo-server-%06d", i), 1)); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// injectChild runs `inject -f - --from state` in a child process over n pods and returns
// its peak RSS in bytes, after checking that every pod came out injected.
func injectChild(tb testing.TB, state string, n int) float64 {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "inject", "-f", "-", "--from", state, "-q")
	peak := filepath.Join(filepath.Dir(state), fmt.Sprintf("peak-%d", n))
	cmd.Env = append(os.Environ(), childEnv+"=1", childPeakEnv+"="+peak)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	fed := make(chan error, 1)
	go func() {
		err := writePods(stdin, n)
		if cerr := stdin.Close(); err == nil {
			err = cerr
		}
		fed <- err
	}()
	injected := 0
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if sc.Text() == "  - name: filebeat" {
			injected++
		}
	}
	if err := cmd.Wait(); err != nil {
		tb.Fatalf("inject over %d pods: %v: %s", n, err, stderr.String())
	}
	if err := <-fed; err != nil {
		tb.Fatal(err)
	}
	if injected != n {
		tb.Fatalf("%d of %d pods came out injected", injected, n)
	}
	data, err := os.ReadFile(peak)
	if err != nil {
		tb.Skipf("no peak RSS from the child (it reads /proc/self/status): %v", err)
	}
	var kb float64
	if _, err := fmt.Sscanf(string(data), "%f kB", &kb); err != nil {
		tb.Fatalf("peak RSS %q: %v", data, err)
	}
	return kb * 1024
}

// BenchmarkInjectMemory reports the peak RSS of inject over 20,000 pods and how many times
// that a stream ten times longer needs (1 when memory does not grow with the input).
// -short runs 2,000 and 20,000 pods, to check that the benchmark works.
func BenchmarkInjectMemory(b *testing.B) {
	small, large := 20000, 200000
	if testing.Short() {
		small, large = 2000, 20000
	}
	state := filepath.Join(b.TempDir(), "sidecarset.yaml")
	if err := os.WriteFile(state, []byte(memorySidecarSet), 0o644); err != nil {
		b.Fatal(err)
	}
	var rssSmall, rssLarge float64
	for b.Loop() {
		rssSmall = injectChild(b, state, small)
		rssLarge = injectChild(b, state, large)
	}
	b.ReportMetric(rssSmall/(1<<20), "rss_mb_small")
	b.ReportMetric(rssLarge/rssSmall, "rss_large_vs_small")
	b.ReportMetric(float64(small), "pods_small")
}

// memorySidecarSet is seed 001's filebeat SidecarSet, selecting the memory pods.
const memorySidecarSet = `apiVersion: apps.kruise.io/v1alpha1
kind: SidecarSet
metadata:
  name: filebeat-sidecarset
spec:
  selector:
    matchLabels:
      app: echo-server
  updateStrategy:
    type: NotUpdate
  containers:
  - name: filebeat
    image: busybox
    imagePullPolicy: IfNotPresent
    args: ["/bin/sh", "-c", "cat /var/log/std/filebeat/0.log && sleep 36000"]
    volumeMounts:
    - name: stdlog
      mountPath: /var/log/std
      readOnly: true
  volumes:
  - name: stdlog
    csi:
      driver: stdlogplugin.csi.alibabacloud.com
`
