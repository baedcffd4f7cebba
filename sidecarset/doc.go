// Package sidecarset is sidecarctl's SidecarSet injection engine. It reproduces what
// OpenKruise's webhooks do with SidecarSets, as described in sidecarset/BEHAVIOUR.md:
//
//   - Default and Hash: the SidecarSet mutating webhook (defaults, the two hash annotations);
//   - Validate: the SidecarSet validating webhook (Kruise's rules and messages, including the
//     conflicts with SidecarSets created earlier);
//   - State.Create: both of the above in creation order, the way a cluster admits SidecarSets;
//   - Inject: the SidecarSet part of Kruise's pod mutating webhook, with a Decision and a
//     reason code for every candidate SidecarSet, also when Kruise refuses the pod (the same
//     data serves explain, the CLI report, admission warnings and metrics).
//
// Reason codes, findings and refusals use package finding's vocabulary: a *RefusalError and an
// *AdmissionError carry a finding.Code and the field path of their cause.
//
// Behaviour follows Kruise v1.8 by default, any release from v1.3.0 (what Alibaba Cloud
// virtual nodes run, KruiseV13) to v1.8 with Options.Version (releases.go lists them);
// versions.go is the one table of what differs.
// Where Kruise loses or moves a user's field (fields newer than its Kubernetes types,
// newerfields.go), the engine keeps the field and reports what Kruise does, unless
// Options.KruiseExact (sidecarset/BEHAVIOUR.md §7).
// The package is pure: it takes API objects and returns API objects plus decisions. Reading
// files, talking to clusters and serving HTTP live in adapters (cmd/sidecarctl,
// sidecarset/workload).
package sidecarset
