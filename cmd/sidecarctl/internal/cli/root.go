package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

// IOStreams are the standard streams of a command, kubectl style.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
}

// exitError carries an exit code other than 1 and says whether its message was printed already.
type exitError struct {
	code    int
	err     error
	printed bool
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// NewRootCommand builds the sidecarctl command tree.
func NewRootCommand(streams IOStreams) *cobra.Command {
	root := &cobra.Command{
		Use:   "sidecarctl",
		Short: "Translate injection profiles into OpenKruise SidecarSets and inject sidecars exactly as Kruise does",
		Long: `sidecarctl predicts and performs OpenKruise SidecarSet injection offline, for regular nodes
(Kruise v1.8) and Alibaba Cloud virtual nodes (Kruise v1.3 features), compiles
sandbox-injection-config profiles into SidecarSets, and checks SidecarSetResourceBindings.`,
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	// A flag that does not parse is a usage error, as kubectl's.
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError(err) })
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)
	root.AddCommand(
		newCmdInject(streams),
		newCmdUninject(streams),
		newCmdAudit(streams),
		newCmdMigrate(streams),
		newCmdExplain(streams),
		newCmdCheck(streams),
		newCmdBindings(streams),
		newCmdTranslate(streams),
		newCmdServe(streams),
		newCmdInstall(streams),
		newCmdVersion(streams),
	)
	outputs := map[string][]string{"inject": {"yaml", "json", "name"}, "uninject": {"yaml", "json", "name"}, "translate": {"yaml", "json"},
		"bindings": {"yaml", "json"}, "explain": {"json"}, "check": {"json"}, "audit": {"json"}, "migrate": {"yaml", "json"}, "version": {"json"}}
	for _, cmd := range root.Commands() {
		completeFlagValues(cmd)
		if formats, ok := outputs[cmd.Name()]; ok {
			completeOutput(cmd, formats...)
		}
	}
	return root
}

// Execute runs the command line and returns the process exit code: 0 on success, 2 for a
// mistake in the command line (an unknown command or flag, a flag value that does not parse,
// a missing or conflicting flag), 1 for any other error (printed once to stderr), or the code
// a command chose.
func Execute(ctx context.Context, streams IOStreams, args []string) int {
	return ExecuteAs(ctx, streams, "sidecarctl", args)
}

// ExecuteAs is Execute for a binary invoked under another name: as a kubectl plugin
// (kubectl-sidecarctl, run as `kubectl sidecarctl`), help and usage name it that way.
func ExecuteAs(ctx context.Context, streams IOStreams, invokedAs string, args []string) int {
	root := NewRootCommand(streams)
	if invokedAs == "kubectl-sidecarctl" {
		root.Annotations = map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl sidecarctl"}
	}
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if !ee.printed {
			fmt.Fprintf(streams.ErrOut, "error: %v\n", ee.err)
		}
		return ee.code
	}
	fmt.Fprintf(streams.ErrOut, "error: %v\n", err)
	if strings.HasPrefix(err.Error(), "unknown command") {
		// cobra's own usage error has no type of its own to match.
		return 2
	}
	return 1
}
