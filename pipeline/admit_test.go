package pipeline_test

import (
	"strings"
	"testing"

	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/pipeline"
	"github.com/sidecarctl/sidecarctl/sidecarset"
)

const (
	plainSidecarSet = `
apiVersion: apps.kruise.io/v1alpha1
kind: SidecarSet
metadata:
  name: logs
spec:
  selector:
    matchLabels:
      app: web
  containers:
  - name: agent
    image: busybox
`
	// conflictingSidecarSet injects a container of the same name into the same pods, which
	// Kruise's validating webhook refuses once logs exists.
	conflictingSidecarSet = `
apiVersion: apps.kruise.io/v1alpha1
kind: SidecarSet
metadata:
  name: logs-too
spec:
  selector:
    matchLabels:
      app: web
  containers:
  - name: agent
    image: busybox:2
`
	crossNamespaceSidecarSet = `
apiVersion: apps.kruise.io/v1alpha1
kind: SidecarSet
metadata:
  name: filebeat
spec:
  selector:
    matchLabels:
      app: web
  containers:
  - name: filebeat
    image: busybox
    volumeMounts:
    - name: config
      mountPath: /etc/filebeat
  volumes:
  - name: config
    configMap:
      name: kube-system/filebeat-config
`
	invalidBinding = `
apiVersion: sidecarset.alibabacloud.com/v1alpha1
kind: SidecarSetResourceBinding
metadata:
  name: broken
  namespace: kube-system
spec:
  subjects: []
  resourceRefs: []
`
)

func admit(t *testing.T, opts pipeline.Options, docs ...string) (*pipeline.State, error) {
	t.Helper()
	in, err := pipeline.Decode(items(t, docs...))
	if err != nil {
		t.Fatal(err)
	}
	return pipeline.Admit(in, opts)
}

// TestAdmitTrust: files go through Kruise's webhooks in creation order; a cluster's objects
// are taken as stored (a conflicting pair Kruise would never have admitted from files, an
// invalid binding), and only a SidecarSet without hash annotations is defaulted.
func TestAdmitTrust(t *testing.T) {
	if _, err := admit(t, pipeline.Options{}, plainSidecarSet, conflictingSidecarSet); err == nil ||
		!strings.Contains(err.Error(), "doc2") || !strings.Contains(err.Error(), "sidecarset-validating-webhook") {
		t.Errorf("files: want the second SidecarSet refused, naming its document; got %v", err)
	}
	st, err := admit(t, pipeline.Options{KeepGoing: true}, plainSidecarSet, conflictingSidecarSet)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(st.Created()); n != 1 {
		t.Errorf("keep going: %d SidecarSets stored, want 1", n)
	}
	if fs := st.Findings(); len(fs) != 1 || fs[0].Severity != finding.Error || fs[0].Object != "doc2" ||
		fs[0].Code != finding.RefusedByValidatingWebhook {
		t.Errorf("keep going: want one refusal finding for doc2, got %+v", fs)
	}
	if _, err := admit(t, pipeline.Options{}, invalidBinding); err == nil {
		t.Error("files: an invalid binding was admitted")
	}
	st, err = admit(t, pipeline.Options{Trust: pipeline.Stored}, plainSidecarSet, conflictingSidecarSet, invalidBinding)
	if err != nil {
		t.Fatalf("stored: %v", err)
	}
	if n := len(st.Created()); n != 2 {
		t.Errorf("stored: %d SidecarSets, want both", n)
	}
	for _, c := range st.Created() {
		if c.SidecarSet.Annotations[sidecarset.AnnotationHash] == "" {
			t.Errorf("stored: %s was not defaulted and hashed", c.SidecarSet.Name)
		}
	}
}

// TestValidateSidecarSet: the validating webhook denies an unauthorized reference with its
// field path and the binding that would allow it.
func TestValidateSidecarSet(t *testing.T) {
	st, err := admit(t, pipeline.Options{Trust: pipeline.Stored})
	if err != nil {
		t.Fatal(err)
	}
	in, err := pipeline.Decode(items(t, crossNamespaceSidecarSet))
	if err != nil {
		t.Fatal(err)
	}
	ss := in.Creations[0].SidecarSet
	sidecarset.Default(ss, sidecarset.KruiseV18) // the mutating webhook runs first
	errs, warnings := st.ValidateSidecarSet(ss, nil, nil)
	if len(errs) != 1 || errs[0].Field != "spec.volumes[0].configMap.name" ||
		!strings.Contains(errs[0].Detail, "a SidecarSetResourceBinding kube-system/sidecarctl-filebeat naming SidecarSet filebeat and ConfigMap filebeat-config would allow it") {
		t.Errorf("errors: %v", errs)
	}
	if len(warnings) != 1 || warnings[0].Code != finding.CrossNamespaceOnRegularNode {
		t.Errorf("warnings: %+v", warnings)
	}
}

// TestValidateSidecarSetWarnsOfMissedClash: a clash Kruise's overlap test misses is allowed,
// with the warning (sidecarset.ConflictsKruiseAccepts), on the webhook path as on admission.
func TestValidateSidecarSetWarnsOfMissedClash(t *testing.T) {
	const anyTier = `
apiVersion: apps.kruise.io/v1alpha1
kind: SidecarSet
metadata:
  name: any-tier
spec:
  selector:
    matchExpressions:
    - {key: tier, operator: Exists}
  containers:
  - name: agent
    image: busybox
`
	st, err := admit(t, pipeline.Options{}, anyTier)
	if err != nil {
		t.Fatal(err)
	}
	in, err := pipeline.Decode(items(t, plainSidecarSet))
	if err != nil {
		t.Fatal(err)
	}
	ss := in.Creations[0].SidecarSet
	sidecarset.Default(ss, sidecarset.KruiseV18)
	errs, warnings := st.ValidateSidecarSet(ss, nil, nil)
	if len(errs) != 0 || len(warnings) != 1 || warnings[0].Code != finding.SidecarSetConflictAccepted || warnings[0].Field != "spec.containers" {
		t.Errorf("errors %v, warnings %+v: want allowed with one sidecarset_conflict_accepted warning", errs, warnings)
	}
	st, err = admit(t, pipeline.Options{}, anyTier, plainSidecarSet)
	if err != nil {
		t.Fatal(err)
	}
	if fs := st.Findings(); len(fs) != 1 || fs[0].Code != finding.SidecarSetConflictAccepted || fs[0].SidecarSet != "logs" {
		t.Errorf("admission findings %+v: want the same warning for logs", fs)
	}
}

// TestCheckMakesDroppedFieldsErrors: check reports a SidecarSet field the emulated Kruise drops
// (here lifecycle.stopSignal, newer than v1.8's Kubernetes 1.30 types) as an error on the
// SidecarSet.
func TestCheckMakesDroppedFieldsErrors(t *testing.T) {
	const stopSignal = `
apiVersion: apps.kruise.io/v1alpha1
kind: SidecarSet
metadata:
  name: graceful
spec:
  selector:
    matchLabels:
      app: web
  containers:
  - name: agent
    image: busybox
    lifecycle:
      stopSignal: SIGUSR1
`
	st, err := admit(t, pipeline.Options{KeepGoing: true}, stopSignal)
	if err != nil {
		t.Fatal(err)
	}
	fs, _ := st.Check()
	var dropped finding.List
	for _, f := range fs {
		if f.Code == finding.SidecarFieldDropped {
			dropped = append(dropped, f)
		}
	}
	if len(dropped) != 1 || dropped[0].Severity != finding.Error || dropped[0].Object != "SidecarSet graceful" ||
		dropped[0].Field != "spec.containers[0].lifecycle.stopSignal" || !strings.Contains(dropped[0].Message, "Kruise v1.8") {
		t.Errorf("check findings %+v: want one sidecar_field_dropped error on spec.containers[0].lifecycle.stopSignal", fs)
	}
}
