package manifest

import (
	"bytes"
	"strings"

	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
)

// blankMark stands for a blank line while a document is parsed and encoded: the YAML
// encoder keeps comments, not blank lines.
const blankMark = "#sidecarctl:blank-line"

// markBlankLines parses the document's text again with its blank lines turned into
// blankMark comments, and returns that tree when it means what parsed does (a blank line
// inside a block scalar is text, not layout: then parsed is returned).
func markBlankLines(text []byte, parsed *kyaml.Node) *kyaml.Node {
	text = lf(text)
	if bytes.Contains(text, []byte(blankMark)) {
		return parsed
	}
	lines := bytes.Split(text, []byte("\n"))
	var marked bytes.Buffer
	block := -1 // the indentation of the line that opened the block scalar we are in
	for i, line := range lines {
		trimmed := bytes.TrimSpace(line)
		ind := len(line) - len(bytes.TrimLeft(line, " "))
		if len(trimmed) > 0 {
			if block >= 0 && ind <= block {
				block = -1
			}
			if block < 0 && opensBlockScalar(trimmed) {
				block = ind
			}
		}
		if len(trimmed) == 0 && block < 0 && i+1 < len(lines) {
			// At the indentation of the next line that has content.
			ind := 0
			for _, next := range lines[i+1:] {
				if len(bytes.TrimSpace(next)) > 0 {
					ind = len(next) - len(bytes.TrimLeft(next, " "))
					break
				}
			}
			marked.WriteString(strings.Repeat(" ", ind) + blankMark)
		} else {
			marked.Write(line)
		}
		if i+1 < len(lines) {
			marked.WriteByte('\n')
		}
	}
	n, err := parseNode(marked.Bytes(), FormatYAML)
	if err != nil {
		return parsed
	}
	want, err := nodeValue(parsed)
	if err != nil {
		return parsed
	}
	if got, err := nodeValue(n); err != nil || !equalTree(want, got) {
		return parsed
	}
	return n
}

// opensBlockScalar reports whether a line ends with a block scalar's indicator ("key: |",
// "- >-", "key: |2+").
func opensBlockScalar(line []byte) bool {
	if i := bytes.Index(line, []byte(" #")); i >= 0 {
		line = bytes.TrimSpace(line[:i])
	}
	line = bytes.TrimRight(line, "+-0123456789")
	return bytes.HasSuffix(line, []byte("|")) || bytes.HasSuffix(line, []byte(">"))
}

// unmarkBlankLines turns blankMark comments back into blank lines.
func unmarkBlankLines(data []byte) []byte {
	if !bytes.Contains(data, []byte(blankMark)) {
		return data
	}
	lines := bytes.Split(data, []byte("\n"))
	for i, line := range lines {
		if string(bytes.TrimSpace(line)) == blankMark {
			lines[i] = nil
		}
	}
	return bytes.Join(lines, []byte("\n"))
}
