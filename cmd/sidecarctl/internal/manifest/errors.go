package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

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
	off := int(se.Offset)
	if off > len(data) {
		off = len(data)
	}
	if off < start {
		off = start
	}
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	col := off - bytes.LastIndexByte(data[:off], '\n')
	msg := strings.TrimPrefix(se.Error(), "invalid character ")
	switch {
	case strings.Contains(msg, "exceeded max depth"):
		msg = "nested more than 10000 levels deep"
	case msg != se.Error():
		msg = "unexpected character " + msg
	}
	return fmt.Errorf("JSON: line %d, column %d: %s", line, col, msg)
}
