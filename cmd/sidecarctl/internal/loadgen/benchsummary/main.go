// Command benchsummary reads `go test -bench` output on stdin, copies it to stdout, and ends
// with the one summary line of `make bench` (see package loadgen).
package main

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/sidecarctl/sidecarctl/cmd/sidecarctl/internal/loadgen"
)

func main() {
	var buf bytes.Buffer
	if _, err := io.Copy(io.MultiWriter(os.Stdout, &buf), os.Stdin); err != nil {
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		os.Exit(1)
	}
	results, err := loadgen.Parse(&buf)
	if err != nil {
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		os.Exit(1)
	}
	line, err := loadgen.Summarize(results)
	if err != nil {
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		os.Exit(1)
	}
	fmt.Println(line)
}
