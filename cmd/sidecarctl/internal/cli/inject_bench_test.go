package cli

// Offline benchmark (issue "Performance"): `sidecarctl inject` over a 10,000-object YAML
// stream against decoding and encoding the same stream with sigs.k8s.io/yaml, the floor of
// any YAML-in, YAML-out tool.

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/sidecarctl/sidecarctl/sidecarset/sidecarsettest"
)

const offlineObjects = 10000

// offlineFiles writes the stream (10,000 benchmark pods, distinct names) and the state (the
// ten benchmark SidecarSets, three of which match every pod) to dir.
func offlineFiles(tb testing.TB, dir string) (stream, state string) {
	tb.Helper()
	var buf bytes.Buffer
	for i := 0; i < offlineObjects; i++ {
		pod := sidecarsettest.BenchPod()
		pod.GenerateName = ""
		pod.Name = "code-interpreter-" + strings.Repeat("0", 5-len(itoa(i))) + itoa(i)
		b, err := yaml.Marshal(pod)
		if err != nil {
			tb.Fatal(err)
		}
		buf.WriteString("---\n")
		buf.Write(b)
	}
	stream = filepath.Join(dir, "pods.yaml")
	if err := os.WriteFile(stream, buf.Bytes(), 0o644); err != nil {
		tb.Fatal(err)
	}
	sets, err := sidecarsettest.BenchSidecarSets(10)
	if err != nil {
		tb.Fatal(err)
	}
	buf.Reset()
	for _, ss := range sets {
		b, err := yaml.Marshal(ss)
		if err != nil {
			tb.Fatal(err)
		}
		buf.WriteString("---\n")
		buf.Write(b)
	}
	state = filepath.Join(dir, "sidecarsets.yaml")
	if err := os.WriteFile(state, buf.Bytes(), 0o644); err != nil {
		tb.Fatal(err)
	}
	return stream, state
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

func BenchmarkOfflineInject(b *testing.B) {
	stream, state := offlineFiles(b, b.TempDir())
	info, err := os.Stat(stream)
	if err != nil {
		b.Fatal(err)
	}
	args := []string{"inject", "-f", stream, "--from", state, "-q"}
	var out, errOut bytes.Buffer
	if code := Execute(context.Background(), IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, args); code != 0 {
		b.Fatalf("inject exited %d: %s", code, errOut.String())
	}
	if got := strings.Count(out.String(), "name: csi-sidecar\n"); got != offlineObjects {
		b.Fatalf("%d of %d pods got the csi sidecar", got, offlineObjects)
	}
	b.SetBytes(info.Size())
	b.ReportAllocs()
	runtime.GC()
	b.ResetTimer()
	for b.Loop() {
		if code := Execute(context.Background(), IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard}, args); code != 0 {
			b.Fatalf("inject exited %d", code)
		}
	}
	b.ReportMetric(offlineObjects, "objects")
}

// BenchmarkOfflineYAMLRoundTrip reads the same file, decodes every document and encodes it
// again with sigs.k8s.io/yaml, and writes the stream: no engine, no types.
func BenchmarkOfflineYAMLRoundTrip(b *testing.B) {
	stream, _ := offlineFiles(b, b.TempDir())
	info, err := os.Stat(stream)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(info.Size())
	b.ReportAllocs()
	runtime.GC()
	b.ResetTimer()
	for b.Loop() {
		data, err := os.ReadFile(stream)
		if err != nil {
			b.Fatal(err)
		}
		var out bytes.Buffer
		n := 0
		for _, doc := range strings.Split(string(data), "---\n") {
			if strings.TrimSpace(doc) == "" {
				continue
			}
			var obj map[string]any
			if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
				b.Fatal(err)
			}
			enc, err := yaml.Marshal(obj)
			if err != nil {
				b.Fatal(err)
			}
			out.WriteString("---\n")
			out.Write(enc)
			n++
		}
		if n != offlineObjects {
			b.Fatalf("decoded %d documents, want %d", n, offlineObjects)
		}
		if _, err := io.Copy(io.Discard, &out); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(offlineObjects, "objects")
}
