package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// chunk is one document of a file before decoding.
type chunk struct {
	index  int    // 1-based, counting documents that have content
	line   int    // 1-based line of the document's first line in the file
	data   []byte // the document's bytes, without separators
	format string // FormatYAML or FormatJSON
}

// split cuts a file into documents. A file whose first non-blank byte is "{"
// is a stream of JSON objects (what `kubectl get -o json` and jq print), and one
// starting with "[" a JSON array of objects;
// anything else is YAML with "---" separators.
func split(data []byte) ([]chunk, error) {
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	if len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') {
		return splitJSON(data)
	}
	return splitYAML(data), nil
}

// splitYAML cuts at lines that are exactly "---", optionally followed by
// blanks or a comment, as kubectl does. Documents holding only blanks and
// comments are dropped and not counted, so "document 3" is the third object a
// reader sees in the file.
func splitYAML(data []byte) []chunk {
	var chunks []chunk
	start, startLine, line := 0, 1, 1
	flush := func(end int) {
		doc := data[start:end]
		if hasYAMLContent(doc) {
			chunks = append(chunks, chunk{index: len(chunks) + 1, line: startLine, data: doc, format: FormatYAML})
		}
	}
	for pos := 0; pos < len(data); line++ {
		end := bytes.IndexByte(data[pos:], '\n')
		next := len(data)
		if end >= 0 {
			next = pos + end + 1
		}
		if isSeparator(data[pos:next]) {
			flush(pos)
			start, startLine = next, line+1
		}
		pos = next
	}
	flush(len(data))
	return chunks
}

func isSeparator(line []byte) bool {
	rest, ok := bytes.CutPrefix(line, []byte("---"))
	if !ok {
		return false
	}
	rest = bytes.TrimSpace(rest)
	return len(rest) == 0 || rest[0] == '#'
}

func hasYAMLContent(doc []byte) bool {
	for line := range bytes.Lines(doc) {
		line = bytes.TrimSpace(line)
		if len(line) > 0 && line[0] != '#' && !bytes.Equal(line, []byte("...")) {
			return true
		}
	}
	return false
}

// splitJSON reads consecutive JSON values.
func splitJSON(data []byte) ([]chunk, error) {
	var chunks []chunk
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		var raw json.RawMessage
		offset := dec.InputOffset()
		err := dec.Decode(&raw)
		if errors.Is(err, io.EOF) {
			return chunks, nil
		}
		// The value starts after the whitespace that precedes it.
		start := int(offset) + len(data[offset:]) - len(bytes.TrimLeft(data[offset:], " \t\r\n"))
		line := 1 + bytes.Count(data[:start], []byte("\n"))
		if err != nil {
			return nil, fmt.Errorf("document %d starting at line %d: %w", len(chunks)+1, line, jsonError(err, data, start))
		}
		chunks = append(chunks, chunk{index: len(chunks) + 1, line: line, data: raw, format: FormatJSON})
	}
}
