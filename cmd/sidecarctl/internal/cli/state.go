package cli

import (
	"io"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

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

// admitForWorkloads reads the workloads of -f and admits the --from state for them: the
// profiles of the state follow the platform the workloads ask for (pipeline.Options.
// ForWorkloads). inject and explain start here, so they cannot differ.
func (f *engineFlags) admitForWorkloads(filenames []string, recursive bool, stdin io.Reader) (*pipeline.State, []manifest.Document, error) {
	opts, err := f.pipelineOptions(false)
	if err != nil {
		return nil, nil, err
	}
	docs, err := manifest.Read(filenames, recursive, stdin)
	if err != nil {
		return nil, nil, err
	}
	objs := make([]*unstructured.Unstructured, len(docs))
	for i := range docs {
		objs[i] = docs[i].Object
	}
	if opts, err = opts.ForWorkloads(objs...); err != nil {
		return nil, nil, err
	}
	st, err := admitState(f.From, recursive, stdin, opts)
	if err != nil {
		return nil, nil, err
	}
	return st, docs, nil
}
