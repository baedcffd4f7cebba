// Package pipelinetest hands the Kruise conformance corpus (package sidecarsettest) to the
// pipeline: the options and the input a case describes, so that every path (the pipeline,
// the CLI, the webhook handler) runs a case the same way.
package pipelinetest
