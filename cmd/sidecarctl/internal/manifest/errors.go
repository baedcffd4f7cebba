package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// checkText refuses data that is not UTF-8 text (a binary file, a UTF-16 export) before the
// YAML parser reports a confusing octet error, naming the line and the byte.
func checkText(data []byte) error {
	bad := textError(data)
	if bad < 0 {
		return nil
	}
	line := 1 + bytes.Count(data[:bad], []byte("\n"))
	return fmt.Errorf("line %d: not UTF-8 text (binary data, or another encoding such as UTF-16?): byte %d of the file", line, bad+1)
}

// jsonError says what is wrong with a JSON value that starts at offset start of data, at its
// line and column in the file, without the decoder's Go wording.
func jsonError(err error, data []byte, start int) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return fmt.Errorf("JSON: the file ends before the value is complete (a missing } or ])")
	}
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return fmt.Errorf("JSON: %w", err)
	}
	// Offset counts the bytes read, the offending one included.
	pos := min(int(se.Offset)-1, len(data))
	pos = max(pos, start, 0)
	line := 1 + bytes.Count(data[:pos], []byte("\n"))
	col := pos - bytes.LastIndexByte(data[:pos], '\n')
	msg := strings.TrimPrefix(se.Error(), "invalid character ")
	switch {
	case strings.Contains(msg, "exceeded max depth"):
		msg = "nested more than 10000 levels deep"
	case msg != se.Error():
		msg = "unexpected character " + msg
	}
	return fmt.Errorf("JSON: line %d, column %d: %s", line, col, msg)
}

// textError returns the offset of the first byte of data that is not UTF-8 text (a NUL or an
// invalid sequence), or -1.
func textError(data []byte) int {
	bad := bytes.IndexByte(data, 0)
	if !utf8.Valid(data) {
		for i := 0; i < len(data); {
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size <= 1 {
				if bad < 0 || i < bad {
					bad = i
				}
				break
			}
			i += size
		}
	}
	return bad
}
