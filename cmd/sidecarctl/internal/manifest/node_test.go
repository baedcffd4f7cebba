package manifest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"sigs.k8s.io/yaml"
)

// TestNodeObjectReadsAsSigsYAML: where the one-parse reading of a document takes it, it gives
// what sigs.k8s.io/yaml and the JSON reader give (YAML 1.1 booleans, octal, big integers,
// integral floats as int64 ...); where it cannot promise that, it declines.
func TestNodeObjectReadsAsSigsYAML(t *testing.T) {
	t.Parallel()
	compared := 0
	for _, in := range []string{
		"a: yes", "a: On", "a: n", "a: ~", "a: null", "a:", "a: true", "a: 'yes'", `a: "1"`,
		"a: 017", "a: 0o17", "a: 0x1F", "a: 0x_1F", "a: 0b101", "a: 1_000", "a: +1", "a: -0",
		"a: 1.0", "a: 1e3", "a: 12e3", "a: .5", "a: +.5", "a: 0.0000001", "a: 1.5e-7", "a: 1_0.5",
		"a: 12345678901234567890", "a: 9223372036854775807", "a: -9223372036854775808", "a: 1e400",
		"a: 2001-12-14", "a: 2001-12-14T21:59:43.10-05:00", "a: 1:20", "a: !!str 12", "a: !!float 1",
		"a: |\n  two\n  lines\n", "a: >\n  folded\n  text\n", "a: [1, x, {b: c}]", "a: &x {b: 1}\nc: *x",
		"a: .inf", "a: !!binary aGVsbG8=", "<<: {a: 1}\nb: 2", "1: x", "1.5: x", "true: x", "yes: x", "~: 1",
		"a: 1\na: 2", "a: !custom x",
	} {
		n, err := parseNode([]byte(in), FormatYAML)
		if err != nil {
			continue // the slow way reports it
		}
		got, ok := nodeObject(n)
		if !ok {
			continue
		}
		js, err := yaml.YAMLToJSON([]byte(in))
		if err != nil {
			t.Errorf("%q: read as %v, sigs.k8s.io/yaml refuses it: %v", in, got, err)
			continue
		}
		compared++
		var want any
		if err := utiljson.Unmarshal(js, &want); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%q (-sigs.k8s.io/yaml +node):\n%s", in, diff)
		}
	}
	if compared < 35 {
		t.Errorf("only %d inputs were read the fast way", compared)
	}
}
