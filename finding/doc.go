// Package finding is sidecarctl's one vocabulary of decisions and problems. Every engine
// package (sidecarset, translate, binding, config, pipeline) reports what it decided, rewrote
// or doubts as a Finding: a severity, a reason Code, the object, the field path and one human
// sentence. The CLI's reports, explain, check, the webhooks' warnings, Events and metric
// labels all read the same Findings, so a code means the same thing on every path.
//
// Each Code is defined exactly once, in the codes_*.go files of this package (one file per
// area, so the list stays readable), and registered with a one-line description; a test
// checks that no value is declared twice, that every declared code is registered, that no
// other package declares a code of its own, and that the README lists them all.
package finding
