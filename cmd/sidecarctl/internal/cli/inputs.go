package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/sidecarctl/sidecarctl/cmd/sidecarctl/internal/manifest"
	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/pipeline"
)

// inputFlags say where a command's objects come from, as kubectl's: -f files, directories or
// stdin, -k kustomizations built in process, and -l the label selector that picks the objects
// to work on among them.
type inputFlags struct {
	Filenames []string
	Kustomize []string
	Recursive bool
	Selector  string

	selector labels.Selector
}

// addFlags adds -k and -l; each command adds -f and -R with its own help text.
func (in *inputFlags) addFlags(fs *pflag.FlagSet, selected string) {
	fs.StringArrayVarP(&in.Kustomize, "kustomize", "k", nil, "kustomization directories, built in process as `kustomize build DIR` (with or instead of -f; remote bases are refused)")
	fs.StringVarP(&in.Selector, "selector", "l", "", "label selector (kubectl's: app=web,tier!=db, env in (a,b), !canary): "+selected)
	_ = cobra.MarkFlagDirname(fs, "kustomize")
}

// given reports whether -f or -k names an input.
func (in *inputFlags) given() bool { return len(in.Filenames) > 0 || len(in.Kustomize) > 0 }

// describe names the inputs for messages: "-f a.yaml, -k overlays/prod".
func (in *inputFlags) describe() string {
	var parts []string
	if len(in.Filenames) > 0 {
		parts = append(parts, "-f "+strings.Join(in.Filenames, ", "))
	}
	if len(in.Kustomize) > 0 {
		parts = append(parts, "-k "+strings.Join(in.Kustomize, ", "))
	}
	return strings.Join(parts, " and ")
}

// flagNames names the input flags given: "-f", "-k" or "-f and -k".
func (in *inputFlags) flagNames() string {
	switch {
	case len(in.Filenames) > 0 && len(in.Kustomize) > 0:
		return "-f and -k"
	case len(in.Kustomize) > 0:
		return "-k"
	}
	return "-f"
}

// validate checks -f, -k and -l; its errors are usage errors.
func (in *inputFlags) validate() error {
	if err := localPaths("-f", in.Filenames...); err != nil {
		return err
	}
	if err := localPaths("-k", in.Kustomize...); err != nil {
		return err
	}
	for _, dir := range in.Kustomize {
		if dir == "-" {
			return errors.New("-k takes a kustomization directory, not '-': pipe `kustomize build DIR` into -f - instead")
		}
	}
	sel, err := labels.Parse(in.Selector)
	if err != nil {
		// The parser says "found ''" when the selector ends too early.
		msg := strings.ReplaceAll(err.Error(), "found ''", "found the end of the selector")
		return fmt.Errorf("-l %q: %s (kubectl's syntax: app=web,tier!=db,env in (a,b),!canary)", in.Selector, strings.TrimPrefix(msg, "unable to parse requirement: "))
	}
	in.selector = sel
	return nil
}

// selects reports whether -l picks obj; without -l every object is picked.
func (in *inputFlags) selects(obj *unstructured.Unstructured) bool {
	if in.selector == nil || in.selector.Empty() {
		return true
	}
	return in.selector.Matches(labels.Set(obj.GetLabels()))
}

// skips reports whether a command that works on workloads leaves obj alone: -l does not
// pick it and it is no state kind (SidecarSets, bindings ... in the stream stay state and pass
// through quietly as always).
func (in *inputFlags) skips(obj *unstructured.Unstructured) bool {
	return !in.selects(obj) && !pipeline.IsStateKind(obj)
}

// read reads the documents of -f, then those of each -k build, in order. It refuses a
// selector that picks none of them: in CI a wrong label is more likely than a wish to do
// nothing.
func (in *inputFlags) read(stdin io.Reader) ([]manifest.Document, error) {
	if err := pathsExist("-f", in.Filenames); err != nil {
		return nil, err
	}
	docs, err := manifest.Read(in.Filenames, in.Recursive, stdin)
	if err != nil {
		return nil, err
	}
	for _, dir := range in.Kustomize {
		built, err := manifest.Kustomize(dir)
		if err != nil {
			return nil, err
		}
		docs = append(docs, built...)
	}
	if len(docs) == 0 || in.selector == nil || in.selector.Empty() {
		return docs, nil
	}
	for i := range docs {
		if in.selects(docs[i].Object) {
			return docs, nil
		}
	}
	return nil, fmt.Errorf("-l %s selects none of the %d object(s) of %s", in.Selector, len(docs), in.describe())
}

// notSelected is the inject result of an object -l does not pick: it passes through.
func (in *inputFlags) notSelected(doc *manifest.Document) *pipeline.ObjectResult {
	return &pipeline.ObjectResult{Object: doc.String(), Outcome: finding.NotSelected,
		Message: fmt.Sprintf("%s: not selected by -l %s; passed through unchanged", doc, in.Selector)}
}

// pathsExist says which flag names a path that does not exist, before the read that would
// say only the path.
func pathsExist(flag string, paths []string) error {
	for _, p := range paths {
		if p == "-" {
			continue
		}
		if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%s %s: the path does not exist", flag, p)
		}
	}
	return nil
}
