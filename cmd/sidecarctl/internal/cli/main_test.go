package cli

import (
	"context"
	"os"
	"testing"

	"github.com/sidecarctl/sidecarctl/internal/golden"
)

// childEnv makes this test binary run the CLI on its arguments instead of the tests, so
// that a benchmark can measure one command in a process of its own (BenchmarkInjectMemory).
const childEnv = "SIDECARCTL_TEST_RUN_CLI"

// TestMain runs the CLI in a child process started with childEnv, the tests otherwise, and
// then fails a full run for golden files no test reads.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(Execute(context.Background(), IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}, os.Args[1:]))
	}
	os.Exit(golden.Main(m, "testdata/format/golden/*"))
}
