package migrate_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/internal/golden"
	"github.com/sidecarctl/sidecarctl/migrate"
	"github.com/sidecarctl/sidecarctl/pipeline"
	"github.com/sidecarctl/sidecarctl/sidecarset"
	"github.com/sidecarctl/sidecarctl/sidecarset/workload"
)

// cases are the corpus: each file's first line gives the options ("# migrate: --container x
// --label k=v --kruise-version 1.3"); seed 001's example is read where the example keeps it.
func cases() []string {
	return []string{
		"testdata/corpus.yaml",
		"testdata/edge.yaml",
		"testdata/label.yaml",
		"testdata/native-v13.yaml",
		"testdata/twice.yaml",
		"testdata/share.yaml",
		"../examples/filebeat-stdlog/echo-server-with-filebeat.yaml",
	}
}

// seedOptions are the options of the example's file, which has no options line.
const seedOptions = "--container filebeat"

func TestCorpus(t *testing.T) {
	workloads := 0
	for _, path := range cases() {
		t.Run(filepath.Base(path), func(t *testing.T) {
			items, opts := readCase(t, path)
			res, err := migrate.Plan(items, opts)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range res.Workloads {
				if len(w.Migrated) > 0 || len(w.Kept) > 0 {
					workloads++
				}
			}
			checkRoundTrip(t, items, res, opts)
			checkKeptReported(t, res)
			golden.Assert(t, strings.TrimSuffix(filepath.Join("testdata", filepath.Base(path)), ".yaml")+".golden", render(t, res))
		})
	}
	// issue 10's bar: a corpus of at least 10 workloads with hand-written sidecars.
	t.Logf("%d workloads with hand-written sidecars", workloads)
	if workloads < 10 {
		t.Errorf("the corpus has %d workloads with hand-written sidecars, want at least 10", workloads)
	}
}

// checkRoundTrip is the round trip, redone outside package migrate: every workload of the
// output (migrated or not), injected through the pipeline with the proposal as its state,
// projects to its input apart from Kruise's bookkeeping, the stamped labels and volume order.
func checkRoundTrip(t *testing.T, items []pipeline.Item, res *migrate.Result, opts migrate.Options) {
	t.Helper()
	objs, err := res.Objects()
	if err != nil {
		t.Fatal(err)
	}
	var state []pipeline.Item
	for _, o := range objs {
		state = append(state, pipeline.Item{Object: o, Source: o.GetName()})
	}
	in, err := pipeline.Decode(state)
	if err != nil {
		t.Fatal(err)
	}
	popts := opts.Pipeline
	popts.Engine.KruiseExact = true
	st, err := pipeline.Admit(in, popts)
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range res.Workloads {
		obj := w.Object.DeepCopy()
		if _, err := st.InjectObject(obj, "default", sidecarset.Create); err != nil {
			t.Errorf("%s: %v", w.Name, err)
			continue
		}
		want, got := project(t, items[i].Object, opts), project(t, obj, opts)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: injecting the proposal does not give the input back (-input +injected):\n%s", w.Name, diff)
		}
	}
}

// view is what a workload's pod template is made of, for the round trip: containers in order
// with image, args, env (IS_INJECTED aside) and mounts, volumes by name, labels and
// annotations (Kruise's and the stamped ones aside).
type view struct {
	InitContainers, Containers []string
	Volumes                    []string
	Labels, Annotations        map[string]string
}

func project(t *testing.T, obj *unstructured.Unstructured, opts migrate.Options) view {
	t.Helper()
	var v view
	_, err := workload.Mutate(obj.DeepCopy(), func(pod *corev1.Pod) error {
		for _, l := range []struct {
			into *[]string
			cs   []corev1.Container
		}{{&v.InitContainers, pod.Spec.InitContainers}, {&v.Containers, pod.Spec.Containers}} {
			for _, c := range l.cs {
				s := fmt.Sprintf("%s image=%s args=%v", c.Name, c.Image, c.Args)
				for _, e := range c.Env {
					if e.Name != sidecarset.EnvIsInjected {
						s += fmt.Sprintf(" env %s=%s", e.Name, e.Value)
					}
				}
				for _, m := range c.VolumeMounts {
					s += fmt.Sprintf(" mount %s:%s", m.Name, m.MountPath)
				}
				if c.RestartPolicy != nil {
					s += " restart=" + string(*c.RestartPolicy)
				}
				*l.into = append(*l.into, s)
			}
		}
		// The API server gives both sides' volumes the same defaults (defaultMode ...).
		sidecarset.DefaultVolumes(pod.Spec.Volumes)
		for _, vol := range pod.Spec.Volumes {
			raw, _ := yaml.Marshal(vol.VolumeSource)
			v.Volumes = append(v.Volumes, vol.Name+" "+strings.TrimSpace(string(raw)))
		}
		sort.Strings(v.Volumes)
		v.Labels, v.Annotations = map[string]string{}, map[string]string{}
		for k, val := range pod.Labels {
			if !strings.HasPrefix(k, migrate.StampKeyPrefix) && k != opts.LabelKey {
				v.Labels[k] = val
			}
		}
		for k, val := range pod.Annotations {
			if !strings.HasPrefix(k, "kruise.io/sidecarset") {
				v.Annotations[k] = val
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// checkKeptReported: a sidecar left in a workload is there, with a finding that says why at
// a field of that workload; a migrated one is gone.
func checkKeptReported(t *testing.T, res *migrate.Result) {
	t.Helper()
	why := []finding.Code{finding.MigrateFieldDiffers, finding.MigratePlacement, finding.MigrateRoundTrip, finding.MigrateNoAppContainer}
	for _, w := range res.Workloads {
		names := containerNames(t, w.Object)
		for _, k := range w.Kept {
			if !slices.Contains(names, k) {
				t.Errorf("%s: kept %s is not in the output", w.Name, k)
			}
		}
		for _, m := range w.Migrated {
			if slices.Contains(names, m) {
				t.Errorf("%s: migrated %s is still in the output", w.Name, m)
			}
		}
		reported := slices.ContainsFunc(w.Findings, func(f finding.Finding) bool { return slices.Contains(why, f.Code) && f.Field != "" })
		if len(w.Kept) > 0 && !reported {
			t.Errorf("%s: keeps %v without a finding at a field", w.Name, w.Kept)
		}
		if len(w.Kept) == 0 && reported {
			t.Errorf("%s: reports a sidecar it cannot migrate, yet keeps none", w.Name)
		}
	}
}

func containerNames(t *testing.T, obj *unstructured.Unstructured) []string {
	t.Helper()
	var out []string
	_, err := workload.Mutate(obj.DeepCopy(), func(pod *corev1.Pod) error {
		for _, c := range append(append([]corev1.Container{}, pod.Spec.InitContainers...), pod.Spec.Containers...) {
			out = append(out, c.Name)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// readCase reads a corpus file: its documents and the options of its first line.
func readCase(t *testing.T, path string) ([]pipeline.Item, migrate.Options) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	line, _, _ := strings.Cut(string(data), "\n")
	args, ok := strings.CutPrefix(line, "# migrate:")
	if !ok {
		args = seedOptions
	}
	opts := migrate.Options{Namespace: "default"}
	fields := strings.Fields(args)
	for i := 0; i+1 < len(fields); i += 2 {
		switch fields[i] {
		case "--container":
			opts.Containers = append(opts.Containers, fields[i+1])
		case "--label":
			opts.LabelKey, opts.LabelValue, _ = strings.Cut(fields[i+1], "=")
		case "--kruise-version":
			v, err := sidecarset.ParseVersion(fields[i+1])
			if err != nil {
				t.Fatal(err)
			}
			opts.Pipeline.Engine.Version = v
		}
	}
	var items []pipeline.Item
	for i, doc := range strings.Split(string(data), "\n---\n") {
		obj := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(doc), &obj.Object); err != nil {
			t.Fatalf("%s: document %d: %v", path, i+1, err)
		}
		items = append(items, pipeline.Item{Object: obj, Source: fmt.Sprintf("%s: document %d", filepath.Base(path), i+1)})
	}
	return items, opts
}

// render is the golden form of a result: the proposed objects, the migrated workloads, then
// the findings and each workload's verdict.
func render(t *testing.T, res *migrate.Result) []byte {
	t.Helper()
	var b bytes.Buffer
	objs, err := res.Objects()
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range res.Workloads {
		if w.Changed {
			objs = append(objs, w.Object)
		}
	}
	for _, o := range objs {
		raw, err := yaml.Marshal(o.Object)
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString("---\n")
		b.Write(raw)
	}
	b.WriteString("--- findings\n")
	for _, f := range res.Findings {
		fmt.Fprintln(&b, f.String())
	}
	for _, w := range res.Workloads {
		fmt.Fprintf(&b, "%s: migrated %v, kept %v\n", w.Name, w.Migrated, w.Kept)
		for _, f := range w.Findings {
			fmt.Fprintln(&b, "  "+f.String())
		}
	}
	return b.Bytes()
}

func TestMain(m *testing.M) {
	os.Exit(golden.Main(m, "testdata/*.golden"))
}
