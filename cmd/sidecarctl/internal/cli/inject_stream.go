package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"github.com/sidecarctl/sidecarctl/cmd/sidecarctl/internal/manifest"
	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/pipeline"
)

// streamInject injects the -f documents as they are read and writes each one as soon as it
// and every document before it are done, so memory holds a bounded window of documents,
// not the input: a chunk is decoded, injected and rendered on one of GOMAXPROCS workers,
// and written in input order. The report goes to stderr in the same order, the state's
// findings last.
//
// A failure (a refusal, bad input, a finding that is an error with --strict) stops the run:
// the documents before it are already on stdout, the error says how many.
func (o *InjectOptions) streamInject(ctx context.Context, st *pipeline.State) error {
	if n := len(st.Findings().Errors()); n > 0 {
		if !o.Quiet {
			writeStateFindings(o.ErrOut, st.Findings())
		}
		return fmt.Errorf("%d finding(s) are errors with --strict", n)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := runtime.GOMAXPROCS(0)
	renderer := manifest.NewRenderer()
	// The window: at most this many chunks are read and not yet written.
	window := make(chan struct{}, 4*workers)
	jobs := make(chan streamJob)
	results := make(chan streamResult, 4*workers)

	var readErr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(jobs)
		seq := 0
		readErr = manifest.Stream(o.Filenames, o.Recursive, o.In, func(c manifest.Chunk) error {
			select {
			case window <- struct{}{}:
			case <-ctx.Done():
				return ctx.Err()
			}
			select {
			case jobs <- streamJob{seq: seq, chunk: c}:
			case <-ctx.Done():
				return ctx.Err()
			}
			seq++
			return nil
		})
	}()
	var work sync.WaitGroup
	for range workers {
		work.Add(1)
		go func() {
			defer work.Done()
			for j := range jobs {
				r := o.injectChunk(st, renderer, j)
				select {
				case results <- r:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() {
		work.Wait()
		close(results)
	}()

	err := o.writeInOrder(results, window, st.Findings())
	cancel()
	wg.Wait()
	if readErr != nil && !errors.Is(readErr, context.Canceled) && (err == nil || errors.Is(err, errNoObjects)) {
		err = readErr
	}
	return err
}

// errNoObjects is an input without objects.
var errNoObjects = errors.New("no objects to work on")

type streamJob struct {
	seq   int
	chunk manifest.Chunk
}

// streamResult is one chunk done: its documents rendered, its report lines, or its error.
type streamResult struct {
	seq      int
	docs     int
	rendered []manifest.Rendered
	report   []byte
	strict   int // findings that are errors
	err      error
}

// injectChunk decodes, injects and renders one chunk.
func (o *InjectOptions) injectChunk(st *pipeline.State, renderer *manifest.Renderer, j streamJob) streamResult {
	r := streamResult{seq: j.seq}
	docs, err := j.chunk.Decode()
	if err != nil {
		r.err = err
		return r
	}
	var report bytes.Buffer
	for i := range docs {
		var res *pipeline.ObjectResult
		if o.skips(docs[i].Object) {
			res = o.notSelected(&docs[i])
		} else if res, err = injectDocument(st, &docs[i], o.Namespace, o.op); err != nil {
			r.err = err
			return r
		}
		writeOutcome(&report, res, pipeline.IsStateKind(docs[i].Object))
		r.strict += len(res.Findings.Errors())
		out, err := renderer.Render(&docs[i], o.Output)
		if err != nil {
			r.err = err
			return r
		}
		r.rendered = append(r.rendered, out)
	}
	r.docs, r.report = len(docs), report.Bytes()
	return r
}

// writeInOrder writes results in input order as they arrive, freeing a window slot for each
// chunk written.
func (o *InjectOptions) writeInOrder(results <-chan streamResult, window <-chan struct{}, stateFindings finding.List) error {
	out := manifest.NewWriter(o.Out, o.Output)
	pending := map[int]streamResult{}
	next, written, strict := 0, 0, 0
	fail := func(err error) error {
		if written > 0 {
			return fmt.Errorf("%w (stdout holds the %d document(s) before it)", err, written)
		}
		return err
	}
	for r := range results {
		pending[r.seq] = r
		for {
			r, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			<-window
			if r.err != nil {
				return fail(r.err)
			}
			if !o.Quiet || r.strict > 0 {
				if _, err := o.ErrOut.Write(r.report); err != nil {
					return err
				}
			}
			if strict += r.strict; strict > 0 {
				return fail(fmt.Errorf("%d finding(s) are errors with --strict", strict))
			}
			for _, doc := range r.rendered {
				if err := out.Write(doc); err != nil {
					return err
				}
			}
			written += r.docs
		}
	}
	if written == 0 {
		// An empty stream is more often a wrong path or a failed pipe than a wish.
		return fmt.Errorf("-f %s: %w", strings.Join(o.Filenames, ", "), errNoObjects)
	}
	if err := out.Close(); err != nil {
		return err
	}
	if !o.Quiet {
		writeStateFindings(o.ErrOut, stateFindings)
	}
	return nil
}
