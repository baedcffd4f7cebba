package examples_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sidecarctl/sidecarctl/internal/golden"
)

// binary is the sidecarctl built once by TestMain.
var binary string

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "sidecarctl-examples-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	binary = filepath.Join(dir, "sidecarctl")
	build := exec.Command("go", "build", "-o", binary, "github.com/sidecarctl/sidecarctl/cmd/sidecarctl")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build sidecarctl:", err)
		return 1
	}
	// A golden file of a step that no longer exists is stale.
	return golden.Main(m, "*/*.stdout", "*/*.stderr", "*/*.exit")
}

// scenarios lists the scenario directories, sorted.
func scenarios(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() && e.Name() != "testdata" {
			out = append(out, e.Name())
		}
	}
	if len(out) == 0 {
		t.Fatal("no scenario directories")
	}
	return out
}

// steps lists a scenario's NN-name.args files, sorted, so NN gives the order.
func steps(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.args"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("%s: no *.args files", dir)
	}
	sort.Strings(files)
	return files
}

// readArgs reads an .args file: one argument per line, blank lines and lines starting with
// '#' skipped, nothing else interpreted (no quoting, no globbing).
func readArgs(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var args []string
	for _, line := range strings.Split(string(data), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		args = append(args, line)
	}
	if len(args) == 0 {
		return nil, fmt.Errorf("%s: no arguments", path)
	}
	return args, nil
}

func TestScenarios(t *testing.T) {
	for _, dir := range scenarios(t) {
		t.Run(dir, func(t *testing.T) {
			// Scenarios may read each other's golden files (explain/ does), so -update
			// rewrites them one scenario at a time.
			if !golden.Updating() {
				t.Parallel()
			}
			// Steps run in order: a later step may read an earlier step's golden stdout.
			for _, argsFile := range steps(t, dir) {
				step := strings.TrimSuffix(filepath.Base(argsFile), ".args")
				args, err := readArgs(argsFile)
				if err != nil {
					t.Fatal(err)
				}
				var stdout, stderr bytes.Buffer
				cmd := exec.Command(binary, args...)
				cmd.Dir = dir
				cmd.Stdout, cmd.Stderr = &stdout, &stderr
				exit := 0
				if err := cmd.Run(); err != nil {
					var ee *exec.ExitError
					if !errors.As(err, &ee) {
						t.Fatalf("%s: %v", step, err)
					}
					exit = ee.ExitCode()
				}
				exitText := ""
				if exit != 0 {
					exitText = strconv.Itoa(exit) + "\n"
				}
				base := filepath.Join(dir, step)
				checkGolden(t, base+".stdout", stdout.String())
				checkGolden(t, base+".stderr", stderr.String())
				checkGolden(t, base+".exit", exitText)
			}
		})
	}
}

// checkGolden compares got with the file at path byte for byte; a missing file stands for
// empty output (or exit status 0). With -update it writes the file when it differs, and
// removes it when got is empty.
func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	golden.Read(path)
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	want := string(data)
	if want == got {
		return
	}
	if golden.Updating() {
		if got == "" {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			return
		}
		if err := golden.Write(path, []byte(got)); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s differs (-want +got); run go test ./examples -update if the change is intended:\n%s", path, cmp.Diff(want, got))
}

// TestReadmeListsEveryScenario keeps examples/README.md in step with the directories.
func TestReadmeListsEveryScenario(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range scenarios(t) {
		if !bytes.Contains(readme, []byte("`"+dir+"/`")) {
			t.Errorf("README.md does not list scenario %s (as `%s/`)", dir, dir)
		}
	}
}

func TestReadArgs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		want     []string
		wantErr  bool
	}{
		{name: "one per line, comments and blanks skipped", in: "# why\ninject\n\n-f\npod with space.yaml\n", want: []string{"inject", "-f", "pod with space.yaml"}},
		{name: "only comments", in: "# nothing\n", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "x.args")
			if err := os.WriteFile(path, []byte(tc.in), 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := readArgs(path)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
