// Package golden is the one golden-file helper of sidecarctl's tests: Assert compares output
// with a file byte for byte and rewrites it under -update (atomically, only when it differs);
// Main fails a full test run for golden files no test read any more, so a stale golden cannot
// linger (with -update it deletes them).
package golden
