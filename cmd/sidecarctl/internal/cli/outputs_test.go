package cli

import (
	"crypto/sha256"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// hashTree returns the SHA-256 of every file under dir, by slash-separated relative path.
func hashTree(t *testing.T, dir string) map[string][32]byte {
	t.Helper()
	out := map[string][32]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Type()&fs.ModeSymlink != 0 {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = sha256.Sum256(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// TestOutputDir: one output file per input file at its path under its -f directory, a -f
// file by its name, stdin and -k builds under names the report gives; each in its input's
// format unless -o is given.
func TestOutputDir(t *testing.T) {
	t.Parallel()
	podJSON := `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"j","namespace":"shop","labels":{"app":"web"}},"spec":{"containers":[{"name":"app","image":"x"}]}}`
	for _, tc := range []struct {
		name   string
		args   []string
		stdin  string
		files  []string          // the files of out/, sorted
		starts map[string]string // out/ file -> how it begins
		stderr []string
	}{
		{name: "a directory, recursive", args: []string{"inject", "--from", "@state.yaml", "-R", "-f", "@in", "--output-dir", "@out"},
			files:  []string{"a.yaml", "c.yml", "sub/b.json"},
			starts: map[string]string{"a.yaml": "apiVersion: v1\nkind: Pod\n", "sub/b.json": "{"},
			stderr: []string{filepath.FromSlash("in/sub/b.json: written to out/sub/b.json")}},
		{name: "files by name, -o json", args: []string{"inject", "--from", "@state.yaml", "-f", "@in/a.yaml", "-f", "@in/sub/../sub/b.json", "--output-dir", "@out", "-o", "json"},
			files: []string{"a.json", "b.json"}, starts: map[string]string{"a.json": "{\n"},
			stderr: []string{filepath.FromSlash("in/a.yaml: written to out/a.json")}},
		{name: "a directory, -o yaml", args: []string{"inject", "--from", "@state.yaml", "-R", "-f", "@in", "--output-dir", "@out", "-o", "yaml"},
			files: []string{"a.yaml", "c.yml", "sub/b.yaml"}, starts: map[string]string{"sub/b.yaml": "apiVersion: v1\n", "c.yml": "# the database"}},
		{name: "a file without extension, -o json", args: []string{"inject", "--from", "@state.yaml", "-f", "@in/pods", "--output-dir", "@out", "-o", "json"},
			files: []string{"pods.json"}, starts: map[string]string{"pods.json": "{\n"}},
		{name: "nested directory arguments: the deepest", args: []string{"inject", "--from", "@state.yaml", "-f", "@in", "-f", "@in/sub", "--output-dir", "@out"},
			files: []string{"a.yaml", "b.json", "c.yml"}},
		{name: "stdin", args: []string{"inject", "--from", "@state.yaml", "-f", "-", "--output-dir", "@out"}, stdin: webPod,
			files: []string{"stdin.yaml"}, stderr: []string{"stdin: written to " + filepath.FromSlash("out/stdin.yaml")}},
		{name: "kustomization", args: []string{"uninject", "-k", "@app", "--output-dir", "@out"},
			files: []string{"app.yaml"}, stderr: []string{"kustomize build " + filepath.FromSlash("app: written to out/app.yaml")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writeTree(t, dir, map[string]string{"state.yaml": goodSidecarSet, "in/a.yaml": webPod, "in/sub/b.json": podJSON, "in/c.yml": dbPod, "in/pods": webPod,
				"in/skipped.txt": "not a manifest", "app/kustomization.yaml": "resources:\n- pod.yaml\n", "app/pod.yaml": webPod})
			code, stdout, stderr := runIn(dir, tc.stdin, tc.args...)
			stderr = strings.ReplaceAll(stderr, dir+string(filepath.Separator), "")
			if code != 0 || stdout != "" {
				t.Fatalf("exit %d, want 0 and nothing on stdout\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			got := hashTree(t, filepath.Join(dir, "out"))
			if keys := sortedKeys(got); strings.Join(keys, " ") != strings.Join(tc.files, " ") {
				t.Errorf("out/ holds %v, want %v", keys, tc.files)
			}
			for name, prefix := range tc.starts {
				data, _ := os.ReadFile(filepath.Join(dir, "out", name))
				if !strings.HasPrefix(string(data), prefix) {
					t.Errorf("out/%s begins %q, want %q", name, string(data[:min(len(data), 40)]), prefix)
				}
			}
			for _, want := range tc.stderr {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr)
				}
			}
		})
	}
}

// TestInPlace: --in-place rewrites the files that change, in their format, leaves the others
// alone (not even rewritten), and writes nothing when any document fails.
func TestInPlace(t *testing.T) {
	t.Parallel()
	refused := strings.Replace(webPod, "  labels:\n", "  annotations:\n    kruise.io/sidecarset-hash: garbage\n  labels:\n", 1)
	for _, tc := range []struct {
		name    string
		files   map[string]string
		args    []string
		code    int
		changed []string // files whose bytes change
		stderr  []string
	}{
		{name: "the changed file only", files: map[string]string{"web.yaml": webPod, "db.yaml": dbPod},
			args:    []string{"inject", "--in-place", "--from", "@state.yaml", "-f", "@web.yaml", "-f", "@db.yaml"},
			changed: []string{"web.yaml"}, stderr: []string{"web.yaml: rewritten"}},
		{name: "a refusal in one file: no file touched", files: map[string]string{"web.yaml": webPod, "refused.yaml": refused},
			args: []string{"inject", "--in-place", "--from", "@state.yaml", "-f", "@web.yaml", "-f", "@refused.yaml"},
			code: 1, stderr: []string{"refused.yaml: document 1 (Pod shop/web-0): Kruise's pod webhook would refuse the pod"}},
		{name: "--strict: no file touched", files: map[string]string{"web.yaml": webPod},
			args: []string{"inject", "--in-place", "--strict", "--from", "@unknown-field.yaml", "-f", "@web.yaml"},
			code: 1, stderr: []string{"finding(s) are errors with --strict"}},
		{name: "nothing changes", files: map[string]string{"db.yaml": dbPod},
			args: []string{"uninject", "--in-place", "-f", "@db.yaml"}, stderr: []string{"no file changed: nothing rewritten"}},
		{name: "with --output-dir", files: map[string]string{"web.yaml": webPod},
			args: []string{"inject", "--in-place", "--output-dir", "@out", "-f", "@web.yaml"}, code: 2, stderr: []string{"--output-dir and --in-place exclude each other"}},
		{name: "with -k", files: map[string]string{"web.yaml": webPod},
			args: []string{"inject", "--in-place", "-k", "@web.yaml"}, code: 2, stderr: []string{"a -k build is not a file to rewrite"}},
		{name: "with stdin", files: map[string]string{"web.yaml": webPod},
			args: []string{"uninject", "--in-place", "-f", "-"}, code: 2, stderr: []string{"stdin ('-') is not one"}},
		{name: "with -o", files: map[string]string{"web.yaml": webPod},
			args: []string{"inject", "--in-place", "-o", "json", "-f", "@web.yaml"}, code: 2, stderr: []string{"--in-place keeps each file's format"}},
		{name: "a file given twice", files: map[string]string{"web.yaml": webPod + "---\n" + dbPod},
			args: []string{"inject", "--in-place", "--from", "@state.yaml", "-f", "@web.yaml", "-f", "@web.yaml"}, code: 2, stderr: []string{"web.yaml is given twice"}},
		{name: "a list file, given once", files: map[string]string{"list.yaml": "apiVersion: v1\nkind: List\nitems:\n- " + strings.ReplaceAll(strings.TrimSpace(webPod), "\n", "\n  ") + "\n- " + strings.ReplaceAll(strings.TrimSpace(dbPod), "\n", "\n  ") + "\n"},
			args: []string{"inject", "--in-place", "--from", "@state.yaml", "-f", "@list.yaml"}, changed: []string{"list.yaml"}, stderr: []string{"list.yaml: rewritten"}},
		{name: "-o name", files: map[string]string{"web.yaml": webPod},
			args: []string{"inject", "--output-dir", "@out", "-o", "name", "-f", "@web.yaml"}, code: 2, stderr: []string{"-o name lists names on stdout"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			tc.files["state.yaml"] = goodSidecarSet
			tc.files["unknown-field.yaml"] = strings.Replace(goodSidecarSet, "    image: log-agent:1\n", "    image: log-agent:1\n    imagee: x\n", 1)
			writeTree(t, dir, tc.files)
			before := hashTree(t, dir)
			code, stdout, stderr := runIn(dir, "", tc.args...)
			stderr = strings.ReplaceAll(stderr, dir+string(filepath.Separator), "")
			if code != tc.code || stdout != "" {
				t.Fatalf("exit %d, want %d and nothing on stdout\nstdout:\n%s\nstderr:\n%s", code, tc.code, stdout, stderr)
			}
			after := hashTree(t, dir)
			var changed []string
			for _, name := range sortedKeys(after) {
				if before[name] != after[name] {
					changed = append(changed, name)
				}
			}
			if strings.Join(changed, " ") != strings.Join(tc.changed, " ") {
				t.Errorf("files changed: %v, want %v", changed, tc.changed)
			}
			for _, want := range tc.stderr {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr)
				}
			}
		})
	}
}

// TestCommitAllOrNothing: when a temporary file cannot be created, no file is replaced and no
// temporary file is left.
func TestCommitAllOrNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"a.yaml": "a: 1\n", "b.yaml": "b: 1\n"})
	before := hashTree(t, dir)
	calls := 0
	failSecond := func(d, pattern string) (*os.File, error) {
		if calls++; calls == 2 {
			return nil, errors.New("disk full")
		}
		return os.CreateTemp(d, pattern)
	}
	files := []plannedFile{
		{path: filepath.Join(dir, "a.yaml"), data: []byte("a: 2\n"), mode: 0o644},
		{path: filepath.Join(dir, "b.yaml"), data: []byte("b: 2\n"), mode: 0o644},
	}
	err := commit(files, failSecond)
	if err == nil || !strings.Contains(err.Error(), "b.yaml: disk full; no file was written") {
		t.Fatalf("commit: %v, want the failure of b.yaml", err)
	}
	after := hashTree(t, dir)
	if len(after) != len(before) || after["a.yaml"] != before["a.yaml"] || after["b.yaml"] != before["b.yaml"] {
		t.Errorf("files changed or temporary files left: %v", sortedKeys(after))
	}
	if err := commit(files, os.CreateTemp); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "b.yaml")); string(data) != "b: 2\n" {
		t.Errorf("b.yaml = %q after a successful commit", data)
	}
}

// TestCommitCreatesDirectories: commit creates the directories the files go to, and removes
// those it created when it fails; a directory that existed stays.
func TestCommitCreatesDirectories(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		failAt int      // the createTemp call that fails; 0: none
		dirs   []string // the directories under dir afterwards, slash-separated, sorted
	}{
		{name: "success", dirs: []string{"kept", "kept/new", "new", "new/deeper"}},
		{name: "the first temporary file fails", failAt: 1, dirs: []string{"kept"}},
		{name: "the last temporary file fails", failAt: 3, dirs: []string{"kept"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if err := os.Mkdir(filepath.Join(dir, "kept"), 0o755); err != nil {
				t.Fatal(err)
			}
			calls := 0
			createTemp := func(d, pattern string) (*os.File, error) {
				if calls++; calls == tc.failAt {
					return nil, errors.New("disk full")
				}
				return os.CreateTemp(d, pattern)
			}
			files := []plannedFile{
				{path: filepath.Join(dir, "new", "deeper", "a.yaml"), data: []byte("a: 1\n"), mode: 0o644},
				{path: filepath.Join(dir, "kept", "new", "b.yaml"), data: []byte("b: 1\n"), mode: 0o644},
				{path: filepath.Join(dir, "kept", "c.yaml"), data: []byte("c: 1\n"), mode: 0o644},
			}
			err := commit(files, createTemp)
			if (err != nil) != (tc.failAt != 0) || err != nil && !strings.Contains(err.Error(), "disk full; no file was written") {
				t.Fatalf("commit: %v, want a failure: %t", err, tc.failAt != 0)
			}
			var dirs []string
			_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
				if err == nil && d.IsDir() && p != dir {
					rel, _ := filepath.Rel(dir, p)
					dirs = append(dirs, filepath.ToSlash(rel))
				}
				return err
			})
			if strings.Join(dirs, " ") != strings.Join(tc.dirs, " ") {
				t.Errorf("directories %v, want %v", dirs, tc.dirs)
			}
			if files := hashTree(t, dir); tc.failAt != 0 && len(files) != 0 {
				t.Errorf("files left: %v", sortedKeys(files))
			}
		})
	}
}

// TestOutputDirStaysInside: --output-dir never writes outside its directory, whatever the
// file arguments (.., absolute paths) or symbolic links in the directory; two inputs for one
// output file are a usage error.
func TestOutputDirStaysInside(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	outside := t.TempDir()
	writeTree(t, dir, map[string]string{"state.yaml": goodSidecarSet, "x/web.yaml": webPod, "y/web.yaml": webPod, "z/sub/web.yaml": webPod, "z/new/web.yaml": webPod})
	if err := os.MkdirAll(filepath.Join(dir, "out"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "out", "sub")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "nothing"), filepath.Join(dir, "out", "dangling")); err != nil {
		t.Fatal(err)
	}
	writeTree(t, dir, map[string]string{"d/dangling/web.yaml": webPod})
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"dot-dot argument", []string{"-f", "@x/../../" + filepath.Base(dir) + "/x/web.yaml"}, 0, filepath.FromSlash("x/web.yaml: written to out/web.yaml")},
		{"collision", []string{"-f", "@x/web.yaml", "-f", "@y/web.yaml"}, 2, "would both be written to"},
		// z/new sorts before z/sub: planning refuses before anything, out/new included, is made.
		{"symbolic link recursive", []string{"-R", "-f", "@z"}, 1, "leads outside"},
		{"dangling symbolic link", []string{"-R", "-f", "@d"}, 1, filepath.FromSlash("out/dangling is a symbolic link that leads nowhere")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"inject", "--from", "@state.yaml", "--output-dir", "@out"}, tc.args...)
			code, _, stderr := runIn(dir, "", args...)
			stderr = strings.ReplaceAll(stderr, dir+string(filepath.Separator), "")
			if code != tc.code || !strings.Contains(stderr, tc.stderr) {
				t.Errorf("exit %d, want %d with %q:\n%s", code, tc.code, tc.stderr, stderr)
			}
			if got := hashTree(t, outside); len(got) != 0 {
				t.Errorf("written outside the output directory: %v", sortedKeys(got))
			}
			if _, err := os.Lstat(filepath.Join(dir, "out", "new")); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("out/new was created by a run that failed: %v", err)
			}
		})
	}
}
