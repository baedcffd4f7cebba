// Package loadgen is sidecarctl's bounded loopback load generator, used by `make bench` to
// measure the pod webhook under load (issue "Performance"). It owns pacing requests at a
// fixed rate, recording server-side latency and process CPU, and turning `go test -bench`
// output into the one summary line `make bench` ends with. It does not own the webhook.
//
// Run refuses any target that is not on this machine's loopback (127.0.0.0/8, ::1,
// localhost) and stops by itself: after Config.Duration or Config.MaxRequests, whichever
// comes first. Entry points: Run, Recorder, Summarize.
package loadgen
