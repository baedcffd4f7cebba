package workload

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	utiljson "k8s.io/apimachinery/pkg/util/json"
)

// FuzzMergeLossless checks the two identities the merge must keep for any
// JSON values: when the engine changes nothing the user's value comes back,
// and when raw is exactly its round trip the engine's value comes back.
func FuzzMergeLossless(f *testing.F) {
	seeds := [][2]string{
		{`{"a":1}`, `{"a":2,"b":[1,2]}`},
		{`[{"name":"x","v":1},{"name":"x","v":2}]`, `[{"name":"x","v":3},{"name":"y"}]`},
		{`[{"k":"a"},{"k":"b"}]`, `[{"k":"b"},{"k":"c"},{"k":"a"}]`},
		{`{"spec":{"containers":[{"name":"app","x":{"y":null}}]}}`, `{"spec":{"containers":[{"name":"sidecar"},{"name":"app"}]}}`},
		{`"s"`, `{"o":{}}`},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, left, right string) {
		var x, y any
		if utiljson.Unmarshal([]byte(left), &x) != nil || utiljson.Unmarshal([]byte(right), &y) != nil {
			return // not JSON: nothing to check
		}
		if diff := cmp.Diff(x, MergeLossless(x, y, y)); diff != "" {
			t.Errorf("merge(x, y, y) != x (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(y, MergeLossless(x, x, y)); diff != "" {
			t.Errorf("merge(x, x, y) != y (-want +got):\n%s", diff)
		}
	})
}
