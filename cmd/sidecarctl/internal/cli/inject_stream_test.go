package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// signalWriter collects output and closes seen once the output holds want.
type signalWriter struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want string
	seen chan struct{}
}

func (w *signalWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(p)
	if w.seen != nil && strings.Contains(w.buf.String(), w.want) {
		close(w.seen)
		w.seen = nil
	}
	return n, err
}

func (w *signalWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func memoryState(t *testing.T) string {
	t.Helper()
	state := filepath.Join(t.TempDir(), "sidecarset.yaml")
	if err := os.WriteFile(state, []byte(memorySidecarSet), 0o644); err != nil {
		t.Fatal(err)
	}
	return state
}

func pod(i int) string {
	return "---\n" + strings.Replace(memoryPod, "NAME", fmt.Sprintf("echo-server-%06d", i), 1)
}

// TestInjectWritesBeforeInputEnds: with --from, the first document is on stdout while stdin
// is still open, and the rest follow in input order.
func TestInjectWritesBeforeInputEnds(t *testing.T) {
	t.Parallel()
	state := memoryState(t)
	in, feed := io.Pipe()
	out := &signalWriter{want: "  - name: filebeat\n", seen: make(chan struct{})}
	seen := out.seen
	done := make(chan int, 1)
	var errOut bytes.Buffer
	go func() {
		done <- Execute(context.Background(), IOStreams{In: in, Out: out, ErrOut: &errOut}, []string{"inject", "-f", "-", "--from", state, "-q"})
	}()
	// The "---" after the first pod says it is complete.
	if _, err := io.WriteString(feed, pod(0)+"---\n"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-seen:
	case code := <-done:
		t.Fatalf("inject ended (exit %d) before its input did: %s", code, errOut.String())
	case <-time.After(2 * time.Minute):
		t.Fatal("no document on stdout while stdin stays open: the input is buffered")
	}
	if _, err := io.WriteString(feed, strings.TrimPrefix(pod(1), "---\n")); err != nil {
		t.Fatal(err)
	}
	if err := feed.Close(); err != nil {
		t.Fatal(err)
	}
	if code := <-done; code != 0 {
		t.Fatalf("inject exited %d: %s", code, errOut.String())
	}
	got := out.String()
	first, second := strings.Index(got, "name: echo-server-000000"), strings.Index(got, "name: echo-server-000001")
	if first < 0 || second < first || strings.Count(got, "  - name: filebeat\n") != 2 {
		t.Errorf("want both pods injected, in input order:\n%s", got)
	}
}

// TestInjectStreamOrderAndFailure: documents come out in input order whatever worker
// finished first; a refused pod stops the stream with exit 1, the documents before it on
// stdout, and the error says so.
func TestInjectStreamOrderAndFailure(t *testing.T) {
	t.Parallel()
	state := memoryState(t)
	const n, bad = 200, 120
	var all, broken strings.Builder
	for i := range n {
		all.WriteString(pod(i))
		p := pod(i)
		if i == bad {
			p = strings.Replace(p, "  labels:", "  annotations:\n    kruise.io/sidecarset-hash: garbage\n  labels:", 1)
		}
		broken.WriteString(p)
	}
	run := func(input string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := Execute(context.Background(), IOStreams{In: strings.NewReader(input), Out: &out, ErrOut: &errOut},
			[]string{"inject", "-f", "-", "--from", state, "-q"})
		return code, out.String(), errOut.String()
	}
	code, whole, stderr := run(all.String())
	if code != 0 {
		t.Fatalf("inject exited %d: %s", code, stderr)
	}
	last := -1
	for i := range n {
		at := strings.Index(whole, fmt.Sprintf("name: echo-server-%06d\n", i))
		if at < last {
			t.Fatalf("pod %d is not after pod %d", i, i-1)
		}
		last = at
	}
	code, part, stderr := run(broken.String())
	if code != 1 {
		t.Fatalf("exit %d, want 1 for a refused pod", code)
	}
	cut := strings.Index(whole, fmt.Sprintf("---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: echo-server-%06d\n", bad))
	if cut < 0 {
		cut = strings.Index(whole, fmt.Sprintf("---\n# A pod of the echo-server Deployment.\napiVersion: v1\nkind: Pod\nmetadata:\n  name: echo-server-%06d\n", bad))
	}
	if cut < 0 || part != whole[:cut] {
		t.Errorf("stdout is not the %d documents before the refused one", bad)
	}
	for _, want := range []string{"Pod default/echo-server-000120", fmt.Sprintf("stdout holds the %d document(s) before it", bad)} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}

// TestStreamedAsBuffered: the streamed path (--from) writes what the path that reads the
// input whole (the state in -f) writes for the same pods, in every output format.
func TestStreamedAsBuffered(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var pods strings.Builder
	for i := range 5 {
		pods.WriteString(pod(i))
	}
	podsFile := filepath.Join(dir, "pods.yaml")
	stateFile := filepath.Join(dir, "state.yaml")
	allFile := filepath.Join(dir, "all.yaml")
	for path, data := range map[string]string{podsFile: pods.String(), stateFile: memorySidecarSet, allFile: memorySidecarSet + pods.String()} {
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run := func(args ...string) string {
		var out, errOut bytes.Buffer
		if code := Execute(context.Background(), IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, append([]string{"inject", "-q"}, args...)); code != 0 {
			t.Fatalf("inject %v exited %d: %s", args, code, errOut.String())
		}
		return out.String()
	}
	for _, format := range []string{"yaml", "json", "name"} {
		streamed := run("-f", podsFile, "--from", stateFile, "-o", format)
		buffered := run("-f", allFile, "-o", format)
		var want string
		switch format {
		case "yaml":
			want = memorySidecarSet + "---\n" + streamed
		case "name":
			want = "sidecarset.apps.kruise.io/filebeat-sidecarset\n" + streamed
		case "json":
			// The List of the buffered run has the SidecarSet first.
			var sets, items map[string]any
			if err := json.Unmarshal([]byte(buffered), &sets); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(streamed), &items); err != nil {
				t.Fatal(err)
			}
			all := sets["items"].([]any)
			if diff := cmp.Diff(all[1:], items["items"]); diff != "" || len(all) != 6 {
				t.Errorf("json: the streamed items differ from the buffered ones (-buffered +streamed):\n%s", diff)
			}
			continue
		}
		if buffered != want {
			t.Errorf("%s: streamed and buffered output differ:\n%s\n---- buffered:\n%s", format, streamed, buffered)
		}
	}
}
