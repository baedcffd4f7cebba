// Package sidecarsettest holds the Kruise conformance corpus: SidecarSet injection cases whose
// expected pods came from Kruise v1.8's own webhook code, and from the code of older releases
// (testdata/expected-vX, ReleaseCases; see CONFORMANCE.md),
// embedded once so that every path (engine, offline workload inject, webhook, e2e) runs the
// same cases. It imports API types only, never the engine, like net/http/httptest.
//
// Expected files are oracle output: they are never rewritten by -update.
package sidecarsettest
