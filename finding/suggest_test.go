package finding

import "testing"

func TestClosest(t *testing.T) {
	for _, tc := range []struct {
		name       string
		candidates []string
		want       string
	}{
		{"podInjectionPolicy", []string{"name", "podInjectPolicy", "upgradeStrategy"}, "podInjectPolicy"},
		{"agent-runtme", []string{"agent-runtime", "csi"}, "agent-runtime"},
		{"nfs", []string{"agent-runtime", "csi"}, ""},
		{"completely-different", []string{"csi"}, ""},
	} {
		if got := Closest(tc.name, tc.candidates); got != tc.want {
			t.Errorf("Closest(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestIsRefusal(t *testing.T) {
	for c, want := range map[Code]bool{Refused: true, RefusedHashAnnotation: true, RefusedByValidatingWebhook: true,
		PodRefused: false, Injected: false, UnknownField: false, Code("nonsense"): false} {
		if got := c.IsRefusal(); got != want {
			t.Errorf("%s.IsRefusal() = %v, want %v", c, got, want)
		}
	}
}
