package cli

import (
	"io"

	"github.com/sidecarctl/sidecarctl/cmd/sidecarctl/internal/manifest"
	"github.com/sidecarctl/sidecarctl/pipeline"
)

// admitState reads the --from paths and admits their objects through the pipeline: the
// commands' only way to build cluster state.
func admitState(paths []string, recursive bool, stdin io.Reader, opts pipeline.Options) (*pipeline.State, error) {
	var docs []manifest.Document
	if len(paths) > 0 {
		var err error
		if docs, err = manifest.Read(paths, recursive, stdin); err != nil {
			return nil, err
		}
	}
	in, err := pipeline.Decode(items(docs))
	if err != nil {
		return nil, err
	}
	return pipeline.Admit(in, opts)
}

// items hands documents to the pipeline, each with where it came from.
func items(docs []manifest.Document) []pipeline.Item {
	out := make([]pipeline.Item, len(docs))
	for i := range docs {
		out[i] = pipeline.Item{Object: docs[i].Object, Source: docs[i].String()}
	}
	return out
}
