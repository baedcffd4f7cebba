// Package platform knows where a pod runs: on a regular node, or on an Alibaba Cloud virtual
// node as an ECI instance or as ACS compute. It reads the labels that decide it, from a pod or
// from a SidecarSet selector, so that translate (which conventions a sidecar gets), binding
// (who may resolve namespace/name references) and the pipeline (which pods get mirrors) ask
// the same question the same way.
package platform
