package manifests

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

//go:embed kustomization.yaml base without-kruise
var tree embed.FS

// Overlays that Render accepts.
const (
	// WithKruise runs sidecarctl next to OpenKruise (--mode kruise).
	WithKruise = "."
	// WithoutKruise adds the SidecarSet CRD and runs --mode standalone.
	WithoutKruise = "without-kruise"
)

// Render builds an overlay into multi-document YAML, optionally with another image.
func Render(overlay, image string) ([]byte, error) {
	mem := filesys.MakeFsInMemory()
	err := fs.WalkDir(tree, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := tree.ReadFile(p)
		if err != nil {
			return err
		}
		if err := mem.MkdirAll(path.Join("/m", path.Dir(p))); err != nil {
			return err
		}
		return mem.WriteFile(path.Join("/m", p), data)
	})
	if err != nil {
		return nil, err
	}
	if image != "" {
		// An overlay on top of the chosen one: the same images transformer users would write.
		name, tag := image, ""
		if i := strings.LastIndex(image, ":"); i > strings.LastIndex(image, "/") {
			name, tag = image[:i], image[i+1:]
		}
		kust := fmt.Sprintf("resources:\n- %s\nimages:\n- name: ghcr.io/sidecarctl/sidecarctl\n  newName: %s\n", path.Join("../m", overlay), name)
		if tag != "" {
			kust += "  newTag: " + tag + "\n"
		}
		if err := mem.MkdirAll("/image"); err != nil {
			return nil, err
		}
		if err := mem.WriteFile("/image/kustomization.yaml", []byte(kust)); err != nil {
			return nil, err
		}
		overlay = "/image"
	} else {
		overlay = path.Join("/m", overlay)
	}
	resources, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(mem, overlay)
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", overlay, err)
	}
	return resources.AsYaml()
}
