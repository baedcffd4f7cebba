package manifest

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"sigs.k8s.io/kustomize/api/konfig"
	"sigs.k8s.io/kustomize/api/krusty"
	kusttypes "sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// KustomizeSource is the Source of the documents a kustomization in dir builds:
// "kustomize build overlays/prod: document 3 (Deployment shop/web)".
func KustomizeSource(dir string) string { return "kustomize build " + dir }

// Kustomize builds the kustomization in dir as `kustomize build DIR` does, in process, on the
// real file system (kubectl -k): files only under the kustomization's root, no plugins, no
// Helm. Remote bases and resources are refused before the build, because sidecarctl reads no
// network. The documents are those of the build output, tagged with KustomizeSource(dir).
func Kustomize(dir string) ([]Document, error) {
	if err := localKustomization(dir, map[string]bool{}); err != nil {
		return nil, fmt.Errorf("-k %s: %w", dir, err)
	}
	res, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		return nil, fmt.Errorf("-k %s: kustomize build: %w", dir, err)
	}
	data, err := res.AsYaml()
	if err != nil {
		return nil, fmt.Errorf("-k %s: kustomize build: %w", dir, err)
	}
	return Parse(KustomizeSource(dir), data)
}

// localKustomization checks that the kustomization in dir, and those of the directories it
// refers to, name only files and directories that exist on disk: anything else kustomize
// would try as a URL or a git repository.
func localKustomization(dir string, seen map[string]bool) error {
	if seen[dir] {
		return nil
	}
	seen[dir] = true
	info, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return errors.New("the directory does not exist")
	}
	if err != nil {
		return err
	}
	if !info.IsDir() {
		return errors.New("not a directory: -k takes a directory holding a kustomization.yaml")
	}
	file := ""
	for _, name := range konfig.RecognizedKustomizationFileNames() {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			file = filepath.Join(dir, name)
			break
		}
	}
	if file == "" {
		return fmt.Errorf("no kustomization.yaml, kustomization.yml or Kustomization in %s", dir)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var k kusttypes.Kustomization
	if err := yaml.Unmarshal(data, &k); err != nil {
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			return fmt.Errorf("%s:%s: YAML: %s", file, m[1], m[2])
		}
		return fmt.Errorf("%s: %s", file, strings.TrimPrefix(err.Error(), "error unmarshaling JSON: while decoding JSON: "))
	}
	var generic map[string]any
	if err := yaml.Unmarshal(data, &generic); err == nil {
		if at, ref := remotePath(generic, ""); at != "" {
			return fmt.Errorf("%s: %s: %q is a URL (sidecarctl reads no URL or git repository: it assumes no network)", file, at, ref)
		}
	}
	refs := map[string][]string{"resources": k.Resources, "bases": k.Bases, "components": k.Components, "crds": k.Crds}
	for _, key := range []string{"resources", "bases", "components", "crds"} {
		for i, ref := range refs[key] {
			p := filepath.Join(dir, ref)
			st, err := os.Stat(p)
			if err != nil {
				return fmt.Errorf("%s: %s[%d]: %q is not a local file or directory (sidecarctl reads no URL or git repository: it assumes no network)", file, key, i, ref)
			}
			if st.IsDir() {
				if err := localKustomization(p, seen); err != nil {
					return err
				}
				continue
			}
			if rel, err := filepath.Rel(dir, p); err != nil || !filepath.IsLocal(rel) {
				return fmt.Errorf("%s: %s[%d]: the file %s is outside %s; kustomize reads files only under the kustomization's directory (a directory holding another kustomization may be anywhere)", file, key, i, ref, dir)
			}
		}
	}
	return nil
}

// isPathKey reports the kustomization fields whose strings kustomize loads as files,
// directories or, when they are URLs, from the network.
func isPathKey(k string) bool {
	switch k {
	case "path", "resources", "bases", "components", "crds", "configurations", "generators", "transformers",
		"validators", "files", "envs", "env", "patchesStrategicMerge", "repo":
		return true
	}
	return false
}

// remotePath finds a URL among the path fields of a kustomization, at any depth, and returns
// where it is (field path) and the URL; "" when there is none.
func remotePath(v any, at string) (string, string) {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			child := k
			if at != "" {
				child = at + "." + k
			}
			if s, ok := v[k].(string); ok {
				if isPathKey(k) && isRemote(s) {
					return child, s
				}
				continue
			}
			if list, ok := v[k].([]any); ok && isPathKey(k) {
				for i, item := range list {
					if s, ok := item.(string); ok && isRemote(s) {
						return fmt.Sprintf("%s[%d]", child, i), s
					}
				}
			}
			if where, url := remotePath(v[k], child); where != "" {
				return where, url
			}
		}
	case []any:
		for i, item := range v {
			if where, url := remotePath(item, fmt.Sprintf("%s[%d]", at, i)); where != "" {
				return where, url
			}
		}
	}
	return "", ""
}

// isRemote reports a string kustomize would fetch: a URL or a git address, including the
// key=URL form of generator files, never an inline patch (several lines).
func isRemote(s string) bool {
	if strings.Contains(s, "\n") {
		return false
	}
	if _, value, ok := strings.Cut(s, "="); ok && strings.Contains(value, "://") {
		return true
	}
	return strings.Contains(s, "://") || strings.HasPrefix(s, "git@") || strings.HasPrefix(s, "git::")
}
