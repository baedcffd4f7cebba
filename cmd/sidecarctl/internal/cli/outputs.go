package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/sidecarctl/sidecarctl/cmd/sidecarctl/internal/manifest"
)

// outputFlags say where inject and uninject write the documents: stdout (the default),
// --output-dir (one file per input file) or --in-place (the input files themselves).
type outputFlags struct {
	OutputDir string
	InPlace   bool

	flags *pflag.FlagSet
	in    *inputFlags
}

func (w *outputFlags) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&w.OutputDir, "output-dir", "", "write one file per input file under DIR instead of stdout: a file of a -f directory at its path under that directory, a -f file by its name, stdin as stdin.yaml, -k DIR as <DIR's name>.yaml; each file keeps its input's format and name unless -o is given, which sets the format and its extension (.json, .yaml; .yml is kept with -o yaml)")
	fs.BoolVar(&w.InPlace, "in-place", false, "rewrite the -f files in their format, only those that change; nothing is written unless every document of every file succeeded")
	_ = cobra.MarkFlagDirname(fs, "output-dir")
	w.flags = fs
}

// toFiles reports whether the documents go to files rather than stdout.
func (w *outputFlags) toFiles() bool { return w.OutputDir != "" || w.InPlace }

// validate checks --output-dir and --in-place against the inputs and -o; usage errors.
func (w *outputFlags) validate(in *inputFlags, output string) error {
	w.in = in
	if w.OutputDir != "" && w.InPlace {
		return errors.New("--output-dir and --in-place exclude each other")
	}
	if !w.toFiles() {
		return nil
	}
	flag := "--output-dir"
	if w.InPlace {
		flag = "--in-place"
	}
	if output == manifest.FormatName {
		return fmt.Errorf("%s writes manifests; -o name lists names on stdout", flag)
	}
	if !w.InPlace {
		return nil
	}
	if w.flags != nil && w.flags.Changed("output") {
		return errors.New("--in-place keeps each file's format: give no -o with it")
	}
	if len(in.Kustomize) > 0 {
		return errors.New("--in-place rewrites -f files; a -k build is not a file to rewrite (use --output-dir)")
	}
	for _, f := range in.Filenames {
		if f == "-" {
			return errors.New("--in-place rewrites -f files; stdin ('-') is not one (use --output-dir or stdout)")
		}
	}
	if len(in.Filenames) == 0 {
		return errors.New("--in-place needs -f files to rewrite")
	}
	return nil
}

// plannedFile is one output file, complete in memory before anything is written.
type plannedFile struct {
	path   string // where it goes
	source string // the input it comes from, as documents name it
	data   []byte
	mode   fs.FileMode
}

// write plans every output file, then writes them all or none, and says on report which
// files it wrote.
func (w *outputFlags) write(docs []manifest.Document, output string, report io.Writer) error {
	files, err := w.plan(w.in, docs, output)
	if err != nil {
		return err
	}
	if err := commit(files, os.CreateTemp); err != nil {
		return err
	}
	for _, f := range files {
		switch {
		case f.source == manifest.StdinSource:
			fmt.Fprintf(report, "stdin: written to %s\n", f.path)
		case w.InPlace:
			fmt.Fprintf(report, "%s: rewritten\n", f.path)
		default:
			fmt.Fprintf(report, "%s: written to %s\n", f.source, f.path)
		}
	}
	if w.InPlace && len(files) == 0 {
		fmt.Fprintln(report, "no file changed: nothing rewritten")
	}
	return nil
}

// plan encodes the documents of each input file into the bytes of its output file.
func (w *outputFlags) plan(in *inputFlags, docs []manifest.Document, output string) ([]plannedFile, error) {
	var order []string
	bySource := map[string][]manifest.Document{}
	for _, d := range docs {
		group, ok := bySource[d.Source]
		if !ok {
			order = append(order, d.Source)
		} else if last := group[len(group)-1]; d.Index < last.Index || d.Index == last.Index && (!d.FromList || d.Item <= last.Item) {
			// Documents restart: the file was read twice (-f a.yaml -f a.yaml, or a file
			// and its directory), and its output would hold them twice.
			return nil, usageError(fmt.Errorf("%s is given twice (as a file and in a directory, or twice by name); it can be written only once", d.Source))
		}
		bySource[d.Source] = append(group, d)
	}
	explicit := w.flags != nil && w.flags.Changed("output")
	var files []plannedFile
	taken := map[string]string{}
	for _, source := range order {
		group := bySource[source]
		format := output
		if !explicit {
			format = formatOf(group)
		}
		var buf bytes.Buffer
		if err := manifest.WriteDocuments(&buf, group, format); err != nil {
			return nil, err
		}
		f := plannedFile{source: source, data: buf.Bytes(), mode: 0o644}
		if w.InPlace {
			path, mode, unchanged, err := inPlaceTarget(source, f.data, format)
			if err != nil {
				return nil, err
			}
			if unchanged {
				continue
			}
			f.path, f.mode = path, mode
		} else {
			rel, err := outputPath(in, source, format, explicit)
			if err != nil {
				return nil, err
			}
			f.path = filepath.Join(w.OutputDir, rel)
			if info, err := os.Stat(source); err == nil && info.Mode().IsRegular() {
				f.mode = info.Mode().Perm()
			}
		}
		if other, dup := taken[f.path]; dup {
			if w.InPlace {
				return nil, usageError(fmt.Errorf("--in-place: %s and %s are the same file %s (a symbolic link?); give it once", other, source, f.path))
			}
			return nil, usageError(fmt.Errorf("--output-dir: %s and %s would both be written to %s; give their directory with -f instead", other, source, f.path))
		}
		taken[f.path] = source
		files = append(files, f)
	}
	if w.OutputDir != "" {
		if err := insideDir(w.OutputDir, files); err != nil {
			return nil, err
		}
	}
	return files, nil
}

// formatOf is the format of an input file: JSON when all its documents are.
func formatOf(docs []manifest.Document) string {
	for _, d := range docs {
		if d.Format != manifest.FormatJSON {
			return manifest.FormatYAML
		}
	}
	return manifest.FormatJSON
}

// outputPath is the path of an input's output file under --output-dir: stdin.yaml, a -k
// build's directory name, a file of a -f directory at its path in it, a -f file by its name.
// It never leaves the output directory: file arguments with ".." or absolute paths keep only
// what is under them. With -o given (explicit), a file takes the format's extension.
func outputPath(in *inputFlags, source, format string, explicit bool) (string, error) {
	ext := "." + format
	if source == manifest.StdinSource {
		return "stdin" + ext, nil
	}
	for _, dir := range in.Kustomize {
		if source == manifest.KustomizeSource(dir) {
			abs, err := filepath.Abs(dir)
			if err != nil {
				return "", err
			}
			return filepath.Base(abs) + ext, nil
		}
	}
	// The directory argument it came from: the deepest that holds it (-f k8s -f k8s/apps).
	best := ""
	for _, arg := range in.Filenames {
		if arg == "-" {
			continue
		}
		if source == arg {
			return checkLocal(source, withExtension(filepath.Base(source), format, explicit))
		}
		if info, err := os.Stat(arg); err == nil && info.IsDir() {
			if rel, err := filepath.Rel(arg, source); err == nil && filepath.IsLocal(rel) && (best == "" || len(rel) < len(best)) {
				best = rel
			}
		}
	}
	if best != "" {
		return checkLocal(source, withExtension(best, format, explicit))
	}
	return "", fmt.Errorf("--output-dir: %s comes from no -f or -k argument", source)
}

// withExtension gives name the extension of format when -o chose it (explicit): a.yaml with
// -o json is a.json, a.yml stays a.yml with -o yaml, a name without a manifest extension
// gains one. Without -o the file keeps its input's format, and so its name.
func withExtension(name, format string, explicit bool) string {
	if !explicit {
		return name
	}
	ext := filepath.Ext(name)
	switch {
	case format == manifest.FormatYAML && (ext == ".yaml" || ext == ".yml"), format == manifest.FormatJSON && ext == ".json":
		return name
	case ext == ".yaml" || ext == ".yml" || ext == ".json":
		name = strings.TrimSuffix(name, ext)
	}
	return name + "." + format
}

func checkLocal(source, rel string) (string, error) {
	if !filepath.IsLocal(rel) {
		return "", fmt.Errorf("--output-dir: %s: the output path %q would leave the output directory", source, rel)
	}
	return rel, nil
}

// insideDir refuses output files that a symbolic link in the output directory would carry
// outside it, and parents that are not directories. It creates nothing: commit creates the
// directories, so a run that fails leaves none behind. Directories that do not exist yet
// hold no symbolic link; the deepest that exists is resolved.
func insideDir(dir string, files []plannedFile) error {
	root, err := resolveExisting(dir)
	if err != nil {
		return fmt.Errorf("--output-dir: %w", err)
	}
	for _, f := range files {
		parent := filepath.Dir(f.path)
		real, err := resolveExisting(parent)
		if err != nil {
			return fmt.Errorf("--output-dir: %s: %w", f.source, err)
		}
		if rel, err := filepath.Rel(root, real); err != nil || !filepath.IsLocal(rel) {
			return fmt.Errorf("--output-dir: %s: %s leads outside %s through a symbolic link", f.source, parent, dir)
		}
		if info, err := os.Lstat(f.path); err == nil && info.Mode()&fs.ModeSymlink != 0 {
			return fmt.Errorf("--output-dir: %s: %s is a symbolic link; sidecarctl does not write through it", f.source, f.path)
		}
	}
	return nil
}

// resolveExisting is path with the symbolic links of its deepest existing ancestor resolved
// and the rest, which does not exist yet, appended. That ancestor must be a directory.
func resolveExisting(path string) (string, error) {
	path = filepath.Clean(path)
	var rest []string
	for {
		info, err := os.Stat(path)
		if err == nil {
			if !info.IsDir() {
				return "", fmt.Errorf("%s is not a directory", path)
			}
			real, err := filepath.EvalSymlinks(path)
			if err != nil {
				return "", err
			}
			for i := len(rest) - 1; i >= 0; i-- {
				real = filepath.Join(real, rest[i])
			}
			return real, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		if _, lerr := os.Lstat(path); lerr == nil {
			return "", fmt.Errorf("%s is a symbolic link that leads nowhere", path)
		}
		up := filepath.Dir(path)
		if up == path {
			return "", err
		}
		rest = append(rest, filepath.Base(path))
		path = up
	}
}

// mkdirs creates dir and its missing parents, and appends those it created to created,
// parents first.
func mkdirs(dir string, created *[]string) error {
	info, err := os.Stat(dir)
	if err == nil {
		if !info.IsDir() {
			return fmt.Errorf("%s is not a directory", dir)
		}
		return nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if up := filepath.Dir(dir); up != dir {
		if err := mkdirs(up, created); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		return err
	}
	*created = append(*created, dir)
	return nil
}

// inPlaceTarget is the file --in-place rewrites for source (the file a symbolic link points
// at), its mode, and whether the new bytes change nothing: the same bytes, or the same
// documents once the file is read and printed again.
func inPlaceTarget(source string, data []byte, format string) (string, fs.FileMode, bool, error) {
	path, err := filepath.EvalSymlinks(source)
	if err != nil {
		return "", 0, false, fmt.Errorf("--in-place: %w", err)
	}
	info, err := os.Stat(path)
	if err != nil {
		return "", 0, false, fmt.Errorf("--in-place: %w", err)
	}
	old, err := os.ReadFile(path)
	if err != nil {
		return "", 0, false, fmt.Errorf("--in-place: %w", err)
	}
	if bytes.Equal(old, data) {
		return path, info.Mode().Perm(), true, nil
	}
	docs, err := manifest.Parse(source, old)
	if err != nil {
		return "", 0, false, fmt.Errorf("--in-place: %s changed while sidecarctl ran: %w", source, err)
	}
	var again bytes.Buffer
	if err := manifest.WriteDocuments(&again, docs, format); err != nil {
		return "", 0, false, err
	}
	return path, info.Mode().Perm(), bytes.Equal(again.Bytes(), data), nil
}

// commit creates the missing directories, writes every file to a temporary file next to it,
// then renames them all into place. When a directory or a temporary file cannot be made,
// every temporary file and every directory it created are removed and no file was touched.
// A rename failing after others succeeded (the same directory on the same file system, so
// rare) is reported with the files already replaced.
func commit(files []plannedFile, createTemp func(dir, pattern string) (*os.File, error)) error {
	temps := make([]string, 0, len(files))
	var dirs []string
	cleanup := func() {
		for _, t := range temps {
			_ = os.Remove(t)
		}
		// Deepest first; a directory that holds a file already renamed into it stays.
		for i := len(dirs) - 1; i >= 0; i-- {
			_ = os.Remove(dirs[i])
		}
	}
	for _, f := range files {
		if err := mkdirs(filepath.Dir(f.path), &dirs); err != nil {
			cleanup()
			return fmt.Errorf("%s: %w; no file was written", f.path, err)
		}
		tmp, err := createTemp(filepath.Dir(f.path), "."+filepath.Base(f.path)+".sidecarctl-*")
		if err != nil {
			cleanup()
			return fmt.Errorf("%s: %w; no file was written", f.path, err)
		}
		temps = append(temps, tmp.Name())
		_, err = tmp.Write(f.data)
		if err == nil {
			err = tmp.Chmod(f.mode)
		}
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			cleanup()
			return fmt.Errorf("%s: %w; no file was written", f.path, err)
		}
	}
	for i, f := range files {
		if err := os.Rename(temps[i], f.path); err != nil {
			done := make([]string, 0, i)
			for _, d := range files[:i] {
				done = append(done, d.path)
			}
			temps = temps[i:]
			cleanup()
			return fmt.Errorf("%s: %w; already replaced: %s", f.path, err, strings.Join(done, ", "))
		}
	}
	return nil
}
