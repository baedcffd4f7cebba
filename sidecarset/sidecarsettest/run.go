package sidecarsettest

import "testing"

// ForEach runs fn for every embedded case as a parallel subtest named after the case: the
// same corpus, whatever path (engine, CLI, webhook, workload) a test drives it through.
func ForEach(t *testing.T, fn func(t *testing.T, c *Case)) {
	t.Helper()
	cases, err := Cases()
	if err != nil {
		t.Fatal(err)
	}
	run(t, cases, fn)
}

// ForEachRelease is ForEach over ReleaseCases: the corpus with the outputs of the other Kruise
// releases, each case to be run in its release's mode (Case.Kruise).
func ForEachRelease(t *testing.T, fn func(t *testing.T, c *Case)) {
	t.Helper()
	cases, err := ReleaseCases()
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("no release outputs embedded")
	}
	run(t, cases, fn)
}

func run(t *testing.T, cases []*Case, fn func(t *testing.T, c *Case)) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			fn(t, c)
		})
	}
}

// AssertPod fails t unless got (a pod's JSON) is the oracle's pod, compared like
// compare.py --strict-time.
func (c *Case) AssertPod(t testing.TB, got []byte) {
	t.Helper()
	diff, err := Diff(c.Expected, got, CompareOptions{StrictTime: true})
	if err != nil {
		t.Fatalf("%s: %v", c.Name, err)
	}
	if diff != "" {
		t.Errorf("%s: %s\npod mismatch (-want +got):\n%s", c.Name, c.Description, diff)
	}
}
