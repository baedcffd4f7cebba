package binding_test

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"testing"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/sidecarctl/sidecarctl/binding/v1alpha1"
	"github.com/sidecarctl/sidecarctl/internal/golden"
)

// yamlDocs splits a multi-document YAML file into its documents, skipping
// empty ones (a leading comment, a trailing ---).
func yamlDocs(t *testing.T, path string) [][]byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var docs [][]byte
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("read %s: %v", path, err)
		}
		var probe map[string]any
		if err := yaml.Unmarshal(doc, &probe); err != nil {
			t.Fatalf("read %s: %v", path, err)
		}
		if len(probe) > 0 {
			docs = append(docs, doc)
		}
	}
}

func readSidecarSets(t *testing.T, path string) []*appsv1alpha1.SidecarSet {
	t.Helper()
	var sets []*appsv1alpha1.SidecarSet
	for i, doc := range yamlDocs(t, path) {
		var ss appsv1alpha1.SidecarSet
		if err := yaml.UnmarshalStrict(doc, &ss); err != nil {
			t.Fatalf("%s: document %d: %v", path, i, err)
		}
		sets = append(sets, &ss)
	}
	return sets
}

// readBindings decodes bindings through the scheme, strictly, as the CLI
// does, so the tests also prove AddToScheme registers the kind.
func readBindings(t *testing.T, path string) []v1alpha1.SidecarSetResourceBinding {
	t.Helper()
	scheme := runtime.NewScheme()
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	decoder := serializer.NewCodecFactory(scheme, serializer.EnableStrict).UniversalDeserializer()
	var out []v1alpha1.SidecarSetResourceBinding
	for i, doc := range yamlDocs(t, path) {
		obj, _, err := decoder.Decode(doc, nil, nil)
		if err != nil {
			t.Fatalf("%s: document %d: %v", path, i, err)
		}
		b, ok := obj.(*v1alpha1.SidecarSetResourceBinding)
		if !ok {
			t.Fatalf("%s: document %d: got %T, want a SidecarSetResourceBinding", path, i, obj)
		}
		out = append(out, *b)
	}
	return out
}

// marshalDocs writes objects as a YAML stream, the form `sidecarctl
// bindings` prints and kubectl applies.
func marshalDocs[T any](t *testing.T, objs []T) []byte {
	t.Helper()
	var buf bytes.Buffer
	for i := range objs {
		data, err := yaml.Marshal(objs[i])
		if err != nil {
			t.Fatal(err)
		}
		buf.WriteString("---\n")
		buf.Write(data)
	}
	return buf.Bytes()
}

// TestMain fails a full run for golden files no test reads any more.
func TestMain(m *testing.M) {
	os.Exit(golden.Main(m, "testdata/check/*.golden.yaml", "testdata/minimal/*/*.golden.yaml"))
}
