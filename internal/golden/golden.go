package golden

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// update is the -update flag of every test binary that imports the package. The flag package
// is the idiom for it; read is the record Main needs, one per test binary.
var (
	update = flag.Bool("update", false, "rewrite golden files with the current output, and delete the ones no test reads")
	read   sync.Map // cleaned path -> true
)

// Updating reports whether -update was given, for tests that write goldens of their own shape.
func Updating() bool { return *update }

// Read records that a test read the golden file at path (Assert does it).
func Read(path string) { read.Store(filepath.Clean(path), true) }

// Assert compares got with the golden file at path. With -update it writes the file when it
// differs, through a temporary file and a rename, so a failed write never leaves half a file.
func Assert(t testing.TB, path string, got []byte) {
	t.Helper()
	Read(path)
	want, err := os.ReadFile(path)
	if err != nil && !(errors.Is(err, os.ErrNotExist) && *update) {
		t.Fatalf("read golden %s: %v (run go test with -update to create it)", path, err)
	}
	if err == nil && bytes.Equal(want, got) {
		return
	}
	if *update {
		if err := Write(path, got); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s differs (-want +got); run go test with -update if the change is intended:\n%s", path,
		cmp.Diff(strings.Split(string(want), "\n"), strings.Split(string(got), "\n")))
}

// Write writes a golden file atomically.
func Write(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Main runs the package's tests and then, on a full run that passed (no -run, -skip or
// -short filter), fails for every file matching globs that no test read: a stale golden.
// With -update it deletes them instead. Use it from TestMain: os.Exit(golden.Main(m, globs...)).
func Main(m *testing.M, globs ...string) int {
	code := m.Run()
	if code != 0 || filtered() {
		return code
	}
	var stale []string
	for _, g := range globs {
		files, err := filepath.Glob(g)
		if err != nil {
			fmt.Fprintf(os.Stderr, "golden: %v\n", err)
			return 1
		}
		for _, f := range files {
			if _, ok := read.Load(filepath.Clean(f)); !ok {
				stale = append(stale, f)
			}
		}
	}
	sort.Strings(stale)
	for _, f := range stale {
		if *update {
			if err := os.Remove(f); err != nil {
				fmt.Fprintf(os.Stderr, "golden: %v\n", err)
				return 1
			}
			continue
		}
		fmt.Fprintf(os.Stderr, "golden: %s is read by no test (stale); go test -update deletes it\n", f)
		code = 1
	}
	return code
}

// filtered reports whether the run was narrowed, so that unread goldens prove nothing.
func filtered() bool {
	for _, name := range []string{"test.run", "test.skip"} {
		if f := flag.Lookup(name); f != nil && f.Value.String() != "" {
			return true
		}
	}
	return testing.Short()
}
