package manifest

import (
	"bytes"

	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
)

// layout is how a document was written, so that an edited document is written the same way.
type layout struct {
	crlf bool // lines end with "\r\n"
	// YAML: the indentation of nested mappings and whether sequences are indented under
	// their key (kyaml's wide style) or not (compact).
	indent int
	wide   bool
	// JSON: the indentation unit ("" for one line); anchors: the document uses anchors or
	// aliases, whose edits are checked (see edit.go).
	jsonIndent string
	anchors    bool
	// blankLines: a YAML document with blank lines between its lines, kept in an edit.
	blankLines bool
}

// lineEnding is what ends the document's lines.
func (l layout) lineEnding() string {
	if l.crlf {
		return "\r\n"
	}
	return "\n"
}

// detectLayout reads the layout of one document's bytes.
func detectLayout(data []byte, format string) layout {
	l := layout{crlf: bytes.Contains(data, []byte("\r\n")), indent: 2}
	data = lf(data)
	if format == FormatJSON {
		l.jsonIndent = jsonIndent(data)
		return l
	}
	l.blankLines = hasInnerBlankLine(data)
	// Anchors ("&a"), aliases ("*a") and merge keys ("<<") may be there: edits are checked.
	l.anchors = bytes.ContainsAny(data, "&*<")
	l.wide = kyaml.DeriveSeqIndentStyle(string(data)) == string(kyaml.WideSequenceStyle)
	l.indent = yamlIndent(data)
	return l
}

// hasInnerBlankLine reports whether a blank line stands between two lines with content.
func hasInnerBlankLine(data []byte) bool {
	seen, blank := false, false
	for line := range bytes.Lines(data) {
		if len(bytes.TrimSpace(line)) == 0 {
			blank = seen
			continue
		}
		if blank {
			return true
		}
		seen = true
	}
	return false
}

// yamlIndent finds the indentation of the first block mapping nested under a key ("key:"
// then a more indented "child: ..." line), 2 when there is none.
func yamlIndent(data []byte) int {
	prev, prevIsKey := -1, false
	for line := range bytes.Lines(data) {
		trimmed := bytes.TrimSpace(line)
		if len(trimmed) == 0 || trimmed[0] == '#' {
			continue
		}
		ind := len(line) - len(bytes.TrimLeft(line, " "))
		if prevIsKey && ind > prev && trimmed[0] != '-' {
			if n := ind - prev; n >= 2 && n <= 8 {
				return n
			}
		}
		content := trimmed
		if i := bytes.Index(content, []byte(" #")); i >= 0 {
			content = bytes.TrimSpace(content[:i])
		}
		prev, prevIsKey = ind, bytes.HasSuffix(content, []byte(":")) && content[0] != '-'
	}
	return 2
}

// jsonIndent finds the indentation unit of a JSON document: the leading blanks of its second
// line, "" when the document is on one line.
func jsonIndent(data []byte) string {
	data = bytes.TrimLeft(data, " \t\r\n")
	i := bytes.IndexByte(data, '\n')
	if i < 0 {
		return ""
	}
	rest := data[i+1:]
	n := len(rest) - len(bytes.TrimLeft(rest, " \t"))
	if n == 0 {
		return ""
	}
	return string(rest[:n])
}

// lf turns CRLF line endings into LF.
func lf(data []byte) []byte {
	if !bytes.Contains(data, []byte("\r\n")) {
		return data
	}
	return bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
}
