// Command sidecarctl translates injection profiles into OpenKruise SidecarSets and injects
// SidecarSets into pods and workload manifests exactly as Kruise's webhook would.
package main

import (
	"context"
	"os"
	"path/filepath"

	"github.com/sidecarctl/sidecarctl/cmd/sidecarctl/internal/cli"
)

func main() {
	streams := cli.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	os.Exit(cli.ExecuteAs(context.Background(), streams, filepath.Base(os.Args[0]), os.Args[1:]))
}
