package sidecarsettest

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

//go:embed testdata/fuzz
var fuzzExamples embed.FS

// FuzzExamples returns the minimised generated cases on which sidecarctl once decided
// differently from Kruise (CONFORMANCE.md §5), each with Kruise's own output and the Kruise
// release that produced it (Case.Kruise), sorted by release and name. Their names are
// "vX.Y/NAME".
func FuzzExamples() ([]*Case, error) {
	return LoadFuzz(fuzzExamples, "testdata/fuzz")
}

// LoadFuzz reads dir/vX.Y/NAME.json with its Kruise output dir/vX.Y/NAME.kruise.json for every
// release directory below dir of fsys. A case without an output file, or the reverse, is an
// error.
func LoadFuzz(fsys fs.FS, dir string) ([]*Case, error) {
	releases, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	var out []*Case
	for _, rel := range releases {
		if !rel.IsDir() || !strings.HasPrefix(rel.Name(), "v") {
			continue
		}
		files, err := fs.Glob(fsys, path.Join(dir, rel.Name(), "*.json"))
		if err != nil {
			return nil, err
		}
		outputs := map[string]bool{}
		for _, f := range files {
			if name, ok := strings.CutSuffix(path.Base(f), ".kruise.json"); ok {
				outputs[name] = true
			}
		}
		for _, f := range files {
			if strings.HasSuffix(f, ".kruise.json") {
				continue
			}
			name := strings.TrimSuffix(path.Base(f), ".json")
			if !outputs[name] {
				return nil, fmt.Errorf("%s: no %s.kruise.json", f, name)
			}
			delete(outputs, name)
			c := &Case{Name: rel.Name() + "/" + name, Kruise: strings.TrimPrefix(rel.Name(), "v")}
			if c.Raw, err = fs.ReadFile(fsys, f); err != nil {
				return nil, err
			}
			if err := c.parse(c.Raw); err != nil {
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			if c.Expected, err = fs.ReadFile(fsys, path.Join(dir, rel.Name(), name+".kruise.json")); err != nil {
				return nil, err
			}
			out = append(out, c)
		}
		for name := range outputs {
			return nil, fmt.Errorf("%s/%s.kruise.json has no case", rel.Name(), name)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
