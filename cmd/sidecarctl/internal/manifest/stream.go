package manifest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
)

// Chunk is one document of an input as split from its file, not yet decoded: splitting is
// cheap and sequential, decoding is not and can run on any goroutine.
type Chunk struct {
	source string
	c      chunk
}

// Decode decodes the chunk into its objects: one, none for an empty document ("~"), or the
// items of a list.
func (c Chunk) Decode() ([]Document, error) {
	return decode(c.source, c.c)
}

// Stream reads paths as Read does, but hands the documents to fn one at a time, in input
// order, as they are read: YAML streams are cut at their "---" lines while they are read,
// so memory holds one document, not the input. A JSON file or stream is read whole (its
// documents are JSON values). An error of fn stops the read and is returned.
func Stream(paths []string, recursive bool, stdin io.Reader, fn func(Chunk) error) error {
	// Every path is checked before the first document is handed out, so that a wrong path
	// fails the command before it wrote anything.
	files := make([][]string, len(paths))
	usedStdin := false
	for i, path := range paths {
		if path == "-" {
			if usedStdin {
				return errors.New(`"-" (stdin) can be given only once`)
			}
			usedStdin = true
			if stdin == nil {
				return errors.New(`"-" given but there is no stdin`)
			}
			continue
		}
		var err error
		if files[i], err = expand(path, recursive); err != nil {
			return err
		}
	}
	for i, path := range paths {
		if path == "-" {
			if err := streamFile(StdinSource, stdin, fn); err != nil {
				return err
			}
			continue
		}
		for _, file := range files[i] {
			f, err := os.Open(file)
			if err != nil {
				return err // *PathError names the file
			}
			err = streamFile(file, f, fn)
			_ = f.Close() // read-only: nothing to lose
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// readError names the source of a read error once.
type readError struct {
	source string
	err    error
}

func (e *readError) Error() string { return fmt.Sprintf("%s: %v", e.source, e.err) }
func (e *readError) Unwrap() error { return e.err }

// streamFile cuts one file into chunks as split does, reading it a line at a time.
func streamFile(source string, r io.Reader, fn func(Chunk) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	// What comes before the first byte that is not blank says YAML or JSON, as in split.
	var lead []byte
	for {
		b, err := br.Peek(1)
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return &readError{source, err}
		}
		if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\ufeff")) {
			_, _ = br.Discard(3)
			lead = append(lead, bom...)
			continue
		}
		if b[0] != ' ' && b[0] != '\t' && b[0] != '\r' && b[0] != '\n' {
			break
		}
		_, _ = br.Discard(1)
		lead = append(lead, b[0])
	}
	if b, err := br.Peek(1); err == nil && (b[0] == '{' || b[0] == '[') {
		rest, err := io.ReadAll(br)
		if err != nil {
			return &readError{source, err}
		}
		chunks, err := splitJSON(append(lead, rest...))
		if err != nil {
			return fmt.Errorf("%s: %w", source, err)
		}
		for _, c := range chunks {
			if err := fn(Chunk{source: source, c: c}); err != nil {
				return err
			}
		}
		return nil
	}
	return streamYAML(source, br, lead, fn)
}

// streamYAML cuts a YAML stream at its separator lines as splitYAML does.
func streamYAML(source string, br *bufio.Reader, lead []byte, fn func(Chunk) error) error {
	doc := lead
	index, startLine, line := 0, 1, 1+bytes.Count(lead, []byte("\n"))
	flush := func() error {
		if !hasYAMLContent(doc) {
			return nil
		}
		index++
		return fn(Chunk{source: source, c: chunk{index: index, line: startLine, data: doc, format: FormatYAML}})
	}
	for {
		text, err := br.ReadSlice('\n')
		for errors.Is(err, bufio.ErrBufferFull) {
			// A line longer than the buffer: keep reading it.
			long := append([]byte(nil), text...)
			text, err = br.ReadSlice('\n')
			text = append(long, text...)
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return &readError{source, err}
		}
		if len(text) > 0 {
			if isSeparator(text) {
				if ferr := flush(); ferr != nil {
					return ferr
				}
				doc, startLine = nil, line+1
			} else {
				doc = append(doc, text...)
			}
			line++
		}
		if err != nil {
			return flush()
		}
	}
}
