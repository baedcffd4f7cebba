package server

import (
	"errors"
	"fmt"

	kjson "sigs.k8s.io/json"
)

// decodeObject decodes an admission request's object as the API server decodes what it
// stores: keys match field names case-sensitively (so "Spec" is an unknown field, kept as it
// is, not the spec the patch paths go through), and a field given twice is refused (the API
// server never sends one; the typed object would merge both while the patch applies to one).
func decodeObject(raw []byte, into any) error {
	strict, err := kjson.UnmarshalStrict(raw, into, kjson.DisallowDuplicateFields)
	if err != nil {
		return err
	}
	if len(strict) > 0 {
		return fmt.Errorf("duplicate field: %w", errors.Join(strict...))
	}
	return nil
}
