package cli

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/sidecarctl/sidecarctl/internal/golden"
)

// childEnv makes this test binary run the CLI on its arguments instead of the tests, so
// that a benchmark can measure one command in a process of its own (BenchmarkInjectMemory).
const childEnv = "SIDECARCTL_TEST_RUN_CLI"

// childPeakEnv names a file where the child writes its peak RSS (VmHWM) when it ends: the
// rusage of a child started with vfork counts the parent's pages until exec.
const childPeakEnv = "SIDECARCTL_TEST_PEAK_RSS_FILE"

// TestMain runs the CLI in a child process started with childEnv, the tests otherwise, and
// then fails a full run for golden files no test reads.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		code := Execute(context.Background(), IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}, os.Args[1:])
		if path := os.Getenv(childPeakEnv); path != "" {
			if status, err := os.ReadFile("/proc/self/status"); err == nil {
				for _, line := range strings.Split(string(status), "\n") {
					if strings.HasPrefix(line, "VmHWM:") {
						_ = os.WriteFile(path, []byte(strings.TrimSpace(strings.TrimPrefix(line, "VmHWM:"))), 0o644)
					}
				}
			}
		}
		os.Exit(code)
	}
	os.Exit(golden.Main(m, "testdata/format/golden/*"))
}
