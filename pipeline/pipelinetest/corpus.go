package pipelinetest

import (
	"fmt"
	"time"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/sidecarctl/sidecarctl/pipeline"
	"github.com/sidecarctl/sidecarctl/sidecarset"
	"github.com/sidecarctl/sidecarctl/sidecarset/sidecarsettest"
)

// FixedTime is the oracle's -fixed-time, written into the hash annotations.
var FixedTime = metav1.NewTime(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))

// Options are the pipeline options of a case: the case's Kruise release (v1.8 unless it is a
// sidecarsettest.ReleaseCases case) with its feature gates, webhooks and controller as the
// oracle ran them, SidecarSets admitted from files. A release that does not parse panics: the
// corpus names only releases sidecarset emulates.
func Options(c *sidecarsettest.Case) pipeline.Options {
	version, err := sidecarset.ParseVersion(c.Kruise)
	if err != nil {
		panic(fmt.Sprintf("case %s: %v", c.Name, err))
	}
	engine := sidecarset.Options{
		Version:         version,
		FeatureGates:    sidecarset.FeatureGates(c.FeatureGates),
		Now:             FixedTime,
		SkipDefaulting:  c.SidecarSetMutatingWebhook != nil && !*c.SidecarSetMutatingWebhook,
		SkipValidation:  c.SidecarSetValidatingWebhook != nil && !*c.SidecarSetValidatingWebhook,
		RecordRevisions: c.SidecarSetController,
	}
	if c.AllowPrivileged != nil && !*c.AllowPrivileged {
		engine.DisallowPrivileged = true
	}
	return pipeline.Options{Engine: engine, Trust: pipeline.Files}
}

// Input is the cluster state of a case, SidecarSets in creation order.
func Input(c *sidecarsettest.Case) *pipeline.Input {
	in := &pipeline.Input{}
	for i := range c.Namespaces {
		in.Namespaces = append(in.Namespaces, &c.Namespaces[i])
	}
	for i := range c.ConfigMaps {
		in.ConfigMaps = append(in.ConfigMaps, pipeline.Sourced[*corev1.ConfigMap]{Object: &c.ConfigMaps[i], Source: fmt.Sprintf("%s configMaps[%d]", c.Name, i)})
	}
	for i := range c.ControllerRevisions {
		in.ControllerRevisions = append(in.ControllerRevisions, &c.ControllerRevisions[i])
	}
	for i := range c.SidecarSets {
		in.Creations = append(in.Creations, pipeline.Creation{SidecarSet: &c.SidecarSets[i], Source: fmt.Sprintf("%s sidecarSets[%d]", c.Name, i)})
	}
	return in
}

// Operation is the case's admission operation.
func Operation(c *sidecarsettest.Case) sidecarset.Operation {
	if c.Operation == "UPDATE" {
		return sidecarset.Update
	}
	return sidecarset.Create
}

// Stored admits sets and namespaces as a cluster holds them (Trust Stored: defaulted and
// hashed when they carry no hash yet), with the injection time now: the benchmarks' state.
func Stored(sets []*appsv1alpha1.SidecarSet, namespaces []*corev1.Namespace, now metav1.Time) (*pipeline.State, error) {
	in := &pipeline.Input{Namespaces: namespaces}
	for _, ss := range sets {
		in.Creations = append(in.Creations, pipeline.Creation{SidecarSet: ss, Source: "sidecarset " + ss.Name})
	}
	return pipeline.Admit(in, pipeline.Options{Trust: pipeline.Stored, Engine: sidecarset.Options{Now: now}})
}
