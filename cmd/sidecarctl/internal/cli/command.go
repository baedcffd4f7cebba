package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// commandOptions is kubectl's Options pattern, which every command follows: Complete fills in
// what the flags imply, Validate checks them, Run does the work.
type commandOptions interface {
	Complete() error
	Validate() error
	Run(ctx context.Context) error
}

// runCommand runs o for cobra. An error of Complete or Validate is a usage error (exit 2, as
// kubectl's usage errors); Run's errors exit 1 unless they carry another code.
func runCommand(o commandOptions) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, _ []string) error {
		if err := o.Complete(); err != nil {
			return usageError(err)
		}
		if err := o.Validate(); err != nil {
			return usageError(err)
		}
		return o.Run(cmd.Context())
	}
}

// usageError marks err as a mistake in the command line: exit status 2.
func usageError(err error) error {
	var ee *exitError
	if errors.As(err, &ee) {
		return err
	}
	return &exitError{code: 2, err: err}
}

// noArgs refuses positional arguments as a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if err := cobra.NoArgs(cmd, args); err != nil {
		return usageError(err)
	}
	return nil
}

// localPaths refuses URLs among file arguments: sidecarctl reads no network (CI runners and
// air-gapped clusters are where it runs), so a URL is a usage error with the way around it.
func localPaths(flag string, paths ...string) error {
	for _, p := range paths {
		if strings.HasPrefix(p, "http://") || strings.HasPrefix(p, "https://") {
			return fmt.Errorf("%s %s: sidecarctl reads no URL (it assumes no network); download it first, e.g. curl -fsSL %s | sidecarctl ... %s -", flag, p, p, flag)
		}
	}
	return nil
}
