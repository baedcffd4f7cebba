package sidecarset_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/sidecarctl/sidecarctl/sidecarset"
)

// Validation tests pin sidecarset/BEHAVIOUR.md §4 and §6 items 49-61 (the SidecarSet
// validating webhook), with Kruise's exact wording wherever sidecarset/BEHAVIOUR.md §4 quotes
// it.

// wantErr is one expected validation error: the field path and type must be equal, the
// detail must contain Detail (Kruise's wording, as validate.go and sidecarset/BEHAVIOUR.md §4
// give it, or a distinctive part of Kubernetes').
type wantErr struct {
	Field  string
	Type   field.ErrorType
	Detail string
}

func (w wantErr) String() string { return fmt.Sprintf("%s %s %q", w.Field, w.Type, w.Detail) }

// validateIn validates ss the way State.Create does against the cluster c (its create sets
// already admitted), and checks that State.Create refuses with exactly that error list.
func validateIn(t *testing.T, c cluster, ss *appsv1alpha1.SidecarSet) field.ErrorList {
	t.Helper()
	st := c.state(t)
	opts := st.Options()
	v := opts.Version
	if v == "" {
		v = sidecarset.KruiseV18
	}
	defaulted := ss.DeepCopy()
	if !opts.SkipDefaulting {
		sidecarset.Default(defaulted, v)
		if err := sidecarset.SetHashAnnotations(defaulted, v); err != nil {
			t.Fatal(err)
		}
	}
	env := sidecarset.ValidationEnv{
		Version:         v,
		FeatureGates:    opts.FeatureGates,
		AllowPrivileged: !opts.DisallowPrivileged,
		Others:          st.SidecarSets(),
		Namespace:       st.Namespace,
		Revisions:       st.ControllerRevisions(),
	}
	for _, cm := range c.configMaps {
		if cm.Namespace == sidecarset.KruiseNamespace && cm.Name == sidecarset.KruiseConfigurationName {
			env.KruiseConfiguration = cm
		}
	}
	old, _ := st.SidecarSet(ss.Name)
	errs := sidecarset.Validate(defaulted, old, env)

	_, err := st.Create(ss)
	switch {
	case len(errs) == 0 && err != nil:
		t.Errorf("Validate accepts, State.Create refuses: %v", err)
	case len(errs) > 0:
		var adm *sidecarset.AdmissionError
		if !errors.As(err, &adm) {
			t.Fatalf("Validate refuses, State.Create returned %v", err)
		}
		if adm.Stage != "sidecarset-validating-webhook" || adm.SidecarSet != ss.Name || adm.Message != errs.ToAggregate().Error() {
			t.Errorf("State.Create = %+v, want the validating webhook refusing %s with %q", adm, ss.Name, errs.ToAggregate().Error())
		}
		if !strings.HasPrefix(err.Error(), "sidecarset "+ss.Name+" refused by Kruise's sidecarset-validating-webhook: ") {
			t.Errorf("error text %q does not name the sidecarset and the webhook", err)
		}
	}
	return errs
}

func checkErrs(t *testing.T, want []wantErr, got field.ErrorList) {
	t.Helper()
	ok := len(want) == len(got)
	for i := 0; ok && i < len(want); i++ {
		ok = got[i].Field == want[i].Field && got[i].Type == want[i].Type && strings.Contains(got[i].Detail, want[i].Detail)
	}
	if !ok {
		var g []string
		for _, e := range got {
			g = append(g, fmt.Sprintf("%s %s %q", e.Field, e.Type, e.Detail))
		}
		t.Errorf("errors:\n got %d: %s\nwant %d: %v", len(got), strings.Join(g, "; "), len(want), want)
	}
}

func whitelist(rules string) *corev1.ConfigMap {
	cm := whitelistAll()
	cm.Data[sidecarset.WhitelistKey] = rules
	return cm
}

func TestValidateSidecarSet(t *testing.T) {
	t.Parallel()
	in, bogus := metav1.LabelSelectorOpIn, metav1.LabelSelectorOperator("Bogus")
	mod := func(f func(*appsv1alpha1.SidecarSet)) *appsv1alpha1.SidecarSet {
		ss := sidecarSet("ss", sc("agent", ""))
		f(ss)
		return ss
	}
	pvc := func(name string) corev1.Volume {
		return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "claim"}}}
	}
	revision := func(name, custom *string, policy appsv1alpha1.SidecarSetInjectRevisionPolicy) *appsv1alpha1.SidecarSet {
		return mod(func(ss *appsv1alpha1.SidecarSet) {
			ss.Spec.InjectionStrategy.Revision = &appsv1alpha1.SidecarSetInjectRevision{RevisionName: name, CustomVersion: custom, Policy: policy}
		})
	}
	recorded := sidecarSet("ss", sc("agent", ""))
	recorded.Labels = map[string]string{appsv1alpha1.SidecarSetCustomVersionLabel: "v1"}
	cr := revisionOf(t, recorded, sidecarset.KruiseV18)
	withRevision := cluster{revisions: []*appsv1.ControllerRevision{cr}}
	patched := func(ps ...appsv1alpha1.SidecarSetPatchPodMetadata) *appsv1alpha1.SidecarSet {
		return mod(func(ss *appsv1alpha1.SidecarSet) { ss.Spec.PatchPodMetadata = ps })
	}
	retain := appsv1alpha1.SidecarSetRetainPatchPolicy
	labelled := func(ss *appsv1alpha1.SidecarSet) *appsv1alpha1.SidecarSet {
		ss.Labels = map[string]string{"app": "sidecar"}
		return ss
	}

	tests := []struct {
		name string
		c    cluster
		ss   *appsv1alpha1.SidecarSet
		want []wantErr
	}{
		{"valid", cluster{}, sidecarSet("ss", sc("agent", "")), nil},
		// Metadata.
		{"name with an underscore", cluster{}, sidecarSet("bad_name", sc("agent", "")),
			[]wantErr{{"metadata.name", field.ErrorTypeInvalid, "sidecarset name must consist of alphanumeric characters or '-'"}}},
		{"name longer than 63", cluster{}, sidecarSet(strings.Repeat("a", 64), sc("agent", "")),
			[]wantErr{{"metadata.name", field.ErrorTypeInvalid, "must be no more than 63 characters"}}},
		// 49.
		{"49 missing selector", cluster{}, mod(func(ss *appsv1alpha1.SidecarSet) { ss.Spec.Selector = nil }),
			[]wantErr{{"spec.selector", field.ErrorTypeRequired, "no selector defined for SidecarSet"}}},
		{"49 duplicate scatter terms", cluster{}, mod(func(ss *appsv1alpha1.SidecarSet) {
			term := appsv1alpha1.UpdateScatterTerm{Key: "k", Value: "v"}
			ss.Spec.UpdateStrategy.ScatterStrategy = appsv1alpha1.UpdateScatterStrategy{term, term}
		}), []wantErr{{"spec.updateStrategy.scatterStrategy[1]", field.ErrorTypeInvalid, "duplicate"}}},
		{"49 invalid label value app-risk-: 2 errors", cluster{}, mod(func(ss *appsv1alpha1.SidecarSet) {
			ss.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "app-risk-"}}
		}), []wantErr{{"spec.selector.matchLabels", field.ErrorTypeInvalid, "valid label"}, {"spec.selector.selector", field.ErrorTypeInvalid, ""}}},
		{"empty selector", cluster{}, mod(func(ss *appsv1alpha1.SidecarSet) { ss.Spec.Selector = &metav1.LabelSelector{} }),
			[]wantErr{{"spec.selector", field.ErrorTypeInvalid, "empty selector is not valid for sidecarset."}}},
		{"namespace and namespaceSelector", cluster{}, mod(func(ss *appsv1alpha1.SidecarSet) {
			ss.Spec.Namespace = "ns"
			ss.Spec.NamespaceSelector = labelsSel("team", "a")
		}), []wantErr{{"spec.namespace, namespaceSelector", field.ErrorTypeRequired, "namespace and namespaceSelector are mutually exclusive"}}},
		{"empty namespaceSelector", cluster{}, mod(func(ss *appsv1alpha1.SidecarSet) { ss.Spec.NamespaceSelector = &metav1.LabelSelector{} }),
			[]wantErr{{"spec.namespaceSelector", field.ErrorTypeInvalid, "empty selector is not valid for sidecarset."}}},
		// 50.
		{"50 init container without image", cluster{}, withInit(sidecarSet("ss", sc("agent", "")), appsv1alpha1.SidecarContainer{Container: corev1.Container{Name: "init"}}),
			[]wantErr{{"spec.initContainers[0].image", field.ErrorTypeRequired, ""}}},
		{"50 no containers", cluster{}, sidecarSet("ss"),
			[]wantErr{{"spec.containers", field.ErrorTypeRequired, "no initContainer or container defined for SidecarSet"}}},
		{"50 undefaulted policies", cluster{opts: sidecarset.Options{SkipDefaulting: true}}, func() *appsv1alpha1.SidecarSet {
			ss := sidecarSet("ss", sc("agent", ""))
			sidecarset.Default(ss, sidecarset.KruiseV18)
			ss.Spec.Containers[0].ShareVolumePolicy.Type = ""
			ss.Spec.Containers[0].PodInjectPolicy = "Sideways"
			return ss
		}(), []wantErr{
			{"spec.containers[0].podInjectPolicy", field.ErrorTypeInvalid, "unsupported pod inject policy"},
			{"spec.containers[0].shareVolumePolicy", field.ErrorTypeInvalid, "unsupported share volume policy"},
		}},
		// 51.
		{"51 volume without source (defaulting skipped)", cluster{opts: sidecarset.Options{SkipDefaulting: true}}, func() *appsv1alpha1.SidecarSet {
			ss := sidecarSet("ss", withMounts(sc("agent", ""), mount("v", "/v")))
			sidecarset.Default(ss, sidecarset.KruiseV18)
			return withVolumes(ss, corev1.Volume{Name: "v"})
		}(), []wantErr{{"spec.volumes[0]", field.ErrorTypeRequired, "must specify a volume type"}}},
		// The mutating webhook applies the Kubernetes volume defaults first
		// (sidecarset/BEHAVIOUR.md §2.0), which turn a volume without source into an emptyDir.
		{"51 volume without source is defaulted to emptyDir", cluster{}, withVolumes(sidecarSet("ss", withMounts(sc("agent", ""), mount("v", "/v"))), corev1.Volume{Name: "v"}), nil},
		{"51 projected service-account token", cluster{}, withVolumes(sidecarSet("ss", withMounts(sc("agent", ""), mount("token", "/var/run/token"))), corev1.Volume{
			Name: "token", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{
				{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token", Audience: "sts"}}}}}}), nil},
		{"mount of an undefined volume", cluster{}, sidecarSet("ss", withMounts(sc("agent", ""), mount("absent", "/a"))),
			[]wantErr{{"spec.containers[0].volumeMounts[0].name", field.ErrorTypeNotFound, ""}}},
		// 52.
		{"52 device of an undefined volume", cluster{}, mod(func(ss *appsv1alpha1.SidecarSet) {
			ss.Spec.Containers[0].VolumeDevices = []corev1.VolumeDevice{{Name: "disk", DevicePath: "/dev/disk"}}
		}), []wantErr{{"spec.containers[0].volumeDevices[0].name", field.ErrorTypeNotFound, ""}}},
		{"52 device of a PVC volume", cluster{}, withVolumes(mod(func(ss *appsv1alpha1.SidecarSet) {
			ss.Spec.Containers[0].VolumeDevices = []corev1.VolumeDevice{{Name: "disk", DevicePath: "/dev/disk"}}
		}), pvc("disk")), nil},
		{"52 device of an emptyDir volume", cluster{}, withVolumes(mod(func(ss *appsv1alpha1.SidecarSet) {
			ss.Spec.Containers[0].VolumeDevices = []corev1.VolumeDevice{{Name: "disk", DevicePath: "/dev/disk"}}
		}), emptyDir("disk")), []wantErr{{"spec.containers[0].volumeDevices[0].name", field.ErrorTypeInvalid, "PersistentVolumeClaim"}}},
		// 53.
		{"53 same patch key twice", cluster{configMaps: []*corev1.ConfigMap{whitelistAll()}}, patched(patch(retain, "key1", "a"), patch(retain, "key1", "b")),
			[]wantErr{{"spec.patchPodMetadata", field.ErrorTypeInvalid, "patch annotation[key1] already exist"}}},
		{"patch entry without annotations", cluster{configMaps: []*corev1.ConfigMap{whitelistAll()}}, patched(patch(retain), patch(retain, "key1", "b")),
			[]wantErr{{"spec.patchPodMetadata", field.ErrorTypeRequired, "no annotations defined for SidecarSet"}}},
		// 54.
		{"54 customVersion without ControllerRevision", withRevision, revision(nil, ptr("v9"), ""),
			[]wantErr{{"spec.injectionStrategy.revision", field.ErrorTypeInvalid, "Cannot find specific ControllerRevision, err: "}}},
		{"54 revisionName without ControllerRevision", withRevision, revision(ptr("ss-missing"), nil, ""),
			[]wantErr{{"spec.injectionStrategy.revision", field.ErrorTypeInvalid, "Cannot find specific ControllerRevision, err: "}}},
		{"54 recorded customVersion", withRevision, revision(nil, ptr("v1"), ""), nil},
		{"54 recorded revisionName, Partial", withRevision, revision(ptr(cr.Name), nil, appsv1alpha1.PartialSidecarSetInjectRevisionPolicy), nil},
		{"54 neither name nor version", withRevision, revision(nil, nil, ""),
			[]wantErr{{"spec.injectionStrategy.revision", field.ErrorTypeInvalid, "revisionName and customVersion cannot be empty simultaneously"}}},
		{"54 unknown policy", withRevision, revision(nil, ptr("v1"), "Sometimes"),
			[]wantErr{{"spec.injectionStrategy.revision.policy", field.ErrorTypeNotSupported, `supported values: "Always", "Partial"`}}},
		// 55.
		{"55 native sidecar with RollingUpdate", cluster{}, withInit(sidecarSet("ss"), native(sc("proxy", ""))),
			[]wantErr{{"spec.updateStrategy", field.ErrorTypeRequired, "The initContainer in-place upgrade is not currently supported."}}},
		{"55 native sidecar with NotUpdate", cluster{}, notUpdate(withInit(sidecarSet("ss"), native(sc("proxy", "")))), nil},
		// Update strategy.
		{"partition and selector", cluster{}, mod(func(ss *appsv1alpha1.SidecarSet) {
			ss.Spec.UpdateStrategy.Selector = labelsSel("canary", "true")
			ss.Spec.UpdateStrategy.Partition = ptr(intstr.FromInt32(2))
		}), []wantErr{{"updateStrategy", field.ErrorTypeInvalid, "Partition and Selector cannot be used together"}}},
		{"updateStrategy selector with a bad operator", cluster{}, mod(func(ss *appsv1alpha1.SidecarSet) {
			ss.Spec.UpdateStrategy.Selector = exprSel("canary", bogus, "true")
		}), []wantErr{{"spec.updateStrategy.selector.matchExpressions[0].operator", field.ErrorTypeInvalid, ""}, {"spec.updateStrategy.selector.selector", field.ErrorTypeInvalid, ""}}},
		{"updateStrategy selector with In", cluster{}, mod(func(ss *appsv1alpha1.SidecarSet) {
			ss.Spec.UpdateStrategy.Selector = exprSel("canary", in, "true")
		}), nil},
		{"negative maxUnavailable", cluster{}, mod(func(ss *appsv1alpha1.SidecarSet) { ss.Spec.UpdateStrategy.MaxUnavailable = ptr(intstr.FromInt32(-1)) }),
			[]wantErr{{"spec.updateStrategy.maxUnavailable", field.ErrorTypeInvalid, "must be greater than or equal to 0"}}},
		// transferEnv and privileged.
		{"transferEnv from metadata.name", cluster{}, mod(func(ss *appsv1alpha1.SidecarSet) {
			ss.Spec.Containers[0].TransferEnv = []appsv1alpha1.TransferEnvVar{{EnvName: "E", SourceContainerNameFrom: &appsv1alpha1.SourceContainerNameSource{
				FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}}}
		}), []wantErr{{"spec.containers[0].transferEnv[0].sourceContainerNameFrom.fieldRef.fieldPath", field.ErrorTypeInvalid, "error converting fieldPath"}}},
		{"transferEnv from a label", cluster{}, mod(func(ss *appsv1alpha1.SidecarSet) {
			ss.Spec.Containers[0].TransferEnv = []appsv1alpha1.TransferEnvVar{{EnvName: "E", SourceContainerNameFrom: &appsv1alpha1.SourceContainerNameSource{
				FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.labels['app']"}}}}
		}), nil},
		{"privileged with --allow-privileged=false", cluster{opts: sidecarset.Options{DisallowPrivileged: true}}, mod(func(ss *appsv1alpha1.SidecarSet) {
			ss.Spec.Containers[0].SecurityContext = &corev1.SecurityContext{Privileged: ptr(true)}
		}), []wantErr{{"spec.containers[0].securityContext.privileged", field.ErrorTypeForbidden, "disallowed by cluster policy"}}},
		{"duplicate names across init and containers", cluster{}, withInit(sidecarSet("ss", sc("agent", "")), sc("agent", "")),
			[]wantErr{{"spec.containers[0].name", field.ErrorTypeDuplicate, ""}}},
		// 61: the patchPodMetadata whitelist.
		{"61 key.* allows key1", cluster{configMaps: []*corev1.ConfigMap{whitelist(`{"rules":[{"allowedAnnotationKeyExprs":["key.*"]}]}`)}}, patched(patch(retain, "key1", "v")), nil},
		{"61 regexes are unanchored", cluster{configMaps: []*corev1.ConfigMap{whitelist(`{"rules":[{"allowedAnnotationKeyExprs":["ey"]}]}`)}}, patched(patch(retain, "key1", "v")), nil},
		{"61 key2 rejects key1", cluster{configMaps: []*corev1.ConfigMap{whitelist(`{"rules":[{"allowedAnnotationKeyExprs":["key2"]}]}`)}}, patched(patch(retain, "key1", "v")),
			[]wantErr{{"spec.patchPodMetadata", field.ErrorTypeRequired, "sidecarSet patch metadata annotation(key1) is not allowed"}}},
		{"61 rule for other SidecarSets", cluster{configMaps: []*corev1.ConfigMap{whitelist(`{"rules":[{"selector":{"matchLabels":{"app":"other"}},"allowedAnnotationKeyExprs":["key.*"]}]}`)}},
			labelled(patched(patch(retain, "key1", "v"))),
			[]wantErr{{"spec.patchPodMetadata", field.ErrorTypeRequired, "sidecarSet patch metadata annotation is not allowed"}}},
		{"61 rule for this SidecarSet", cluster{configMaps: []*corev1.ConfigMap{whitelist(`{"rules":[{"selector":{"matchLabels":{"app":"sidecar"}},"allowedAnnotationKeyExprs":["key.*"]}]}`)}},
			labelled(patched(patch(retain, "key1", "v"))), nil},
		{"61 no ConfigMap", cluster{}, patched(patch(retain, "key1", "v")),
			[]wantErr{{"spec.patchPodMetadata", field.ErrorTypeRequired, "SidecarSet patch metadata whitelist not found"}}},
		{"61 ConfigMap outside the Kruise namespace", cluster{configMaps: []*corev1.ConfigMap{func() *corev1.ConfigMap {
			cm := whitelistAll()
			cm.Namespace = "kube-system"
			return cm
		}()}}, patched(patch(retain, "key1", "v")),
			[]wantErr{{"spec.patchPodMetadata", field.ErrorTypeRequired, "SidecarSet patch metadata whitelist not found"}}},
		{"61 gate allows without ConfigMap", cluster{opts: sidecarset.Options{FeatureGates: sidecarset.FeatureGates{sidecarset.GatePatchPodMetadataDefaultsAllowed: true}}},
			patched(patch(retain, "key1", "v")), nil},
		{"61 gate allows without applicable rule", cluster{
			opts:       sidecarset.Options{FeatureGates: sidecarset.FeatureGates{sidecarset.GatePatchPodMetadataDefaultsAllowed: true}},
			configMaps: []*corev1.ConfigMap{whitelist(`{"rules":[{"selector":{"matchLabels":{"app":"other"}},"allowedAnnotationKeyExprs":["key.*"]}]}`)},
		}, labelled(patched(patch(retain, "key1", "v"))), nil},
		{"61 gate does not allow an unmatched key", cluster{
			opts:       sidecarset.Options{FeatureGates: sidecarset.FeatureGates{sidecarset.GatePatchPodMetadataDefaultsAllowed: true}},
			configMaps: []*corev1.ConfigMap{whitelist(`{"rules":[{"allowedAnnotationKeyExprs":["key2"]}]}`)},
		}, patched(patch(retain, "key1", "v")),
			[]wantErr{{"spec.patchPodMetadata", field.ErrorTypeRequired, "sidecarSet patch metadata annotation(key1) is not allowed"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			checkErrs(t, tc.want, validateIn(t, tc.c, tc.ss))
		})
	}
}

func TestValidateConflicts(t *testing.T) {
	t.Parallel()
	overwrite, merge, retain := appsv1alpha1.SidecarSetOverwritePatchPolicy, appsv1alpha1.SidecarSetMergePatchJsonPatchPolicy, appsv1alpha1.SidecarSetRetainPatchPolicy
	hostPath := func(name, path string) corev1.Volume {
		return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: path}}}
	}
	// set builds a SidecarSet selecting a=b with container c1, init container init-<name>
	// and volume v; the init names never clash unless a case says so.
	set := func(name string, f func(*appsv1alpha1.SidecarSet)) *appsv1alpha1.SidecarSet {
		ss := withInit(sidecarSet(name, withMounts(sc("c1", ""), mount("v", "/v"))), sc("init-"+name, ""))
		ss.Spec.Selector = labelsSel("a", "b")
		ss.Spec.Volumes = []corev1.Volume{hostPath("v", "/data")}
		if f != nil {
			f(ss)
		}
		return ss
	}
	sameInit := func(ss *appsv1alpha1.SidecarSet) { ss.Spec.InitContainers[0].Name = "i1" }
	// rename gives the container a name of its own, so only the case's subject can clash.
	rename := func(ss *appsv1alpha1.SidecarSet) { ss.Spec.Containers[0].Name = "c-" + ss.Name }
	nsSel := func(v string) func(*appsv1alpha1.SidecarSet) {
		return func(ss *appsv1alpha1.SidecarSet) { ss.Spec.NamespaceSelector = labelsSel("app", v) }
	}
	patches := func(ps ...appsv1alpha1.SidecarSetPatchPodMetadata) func(*appsv1alpha1.SidecarSet) {
		return func(ss *appsv1alpha1.SidecarSet) {
			rename(ss)
			ss.Spec.PatchPodMetadata = ps
		}
	}
	wl := []*corev1.ConfigMap{whitelistAll()}
	tests := []struct {
		name  string
		opts  sidecarset.Options
		first *appsv1alpha1.SidecarSet
		next  *appsv1alpha1.SidecarSet
		want  []wantErr
	}{
		{"57 same container and init names, identical volume", sidecarset.Options{}, set("ss-1", sameInit), set("ss-2", sameInit), []wantErr{
			{"spec.initContainers", field.ErrorTypeInvalid, "container i1 already exist in ss-1"},
			{"spec.containers", field.ErrorTypeInvalid, "container c1 already exist in ss-1"},
		}},
		{"57 identical namespaceSelectors", sidecarset.Options{}, set("ss-1", nsSel("nginx")), set("ss-2", nsSel("nginx")), []wantErr{
			{"spec.containers", field.ErrorTypeInvalid, "container c1 already exist in ss-1"},
		}},
		{"57 disjoint namespaceSelectors", sidecarset.Options{}, set("ss-1", nsSel("nginx")), set("ss-2", nsSel("redis")), nil},
		{"different spec.namespace", sidecarset.Options{}, set("ss-1", func(ss *appsv1alpha1.SidecarSet) { ss.Spec.Namespace = "ns1" }),
			set("ss-2", func(ss *appsv1alpha1.SidecarSet) { ss.Spec.Namespace = "ns2" }), nil},
		{"disjoint selectors", sidecarset.Options{}, set("ss-1", nil), set("ss-2", func(ss *appsv1alpha1.SidecarSet) { ss.Spec.Selector = labelsSel("a", "c") }), nil},
		{"selectors on different keys overlap", sidecarset.Options{}, set("ss-1", nil),
			set("ss-2", func(ss *appsv1alpha1.SidecarSet) { ss.Spec.Selector = labelsSel("z", "y") }),
			[]wantErr{{"spec.containers", field.ErrorTypeInvalid, "container c1 already exist in ss-1"}}},
		{"init and container names are checked separately", sidecarset.Options{}, set("ss-1", nil),
			set("ss-2", func(ss *appsv1alpha1.SidecarSet) {
				ss.Spec.Containers[0].Name = "init-ss-1"
				ss.Spec.InitContainers[0].Name = "c1"
			}), nil},
		{"different same-named volume", sidecarset.Options{}, set("ss-1", nil),
			set("ss-2", func(ss *appsv1alpha1.SidecarSet) { rename(ss); ss.Spec.Volumes[0] = hostPath("v", "/other") }),
			[]wantErr{{"spec.volumes", field.ErrorTypeInvalid, "volume v is in conflict with sidecarset ss-1"}}},
		{"v1.3 prunes namespaceSelectors, so they conflict", sidecarset.Options{Version: sidecarset.KruiseV13}, set("ss-1", nsSel("nginx")), set("ss-2", nsSel("redis")),
			[]wantErr{{"spec.containers", field.ErrorTypeInvalid, "container c1 already exist in ss-1"}}},
		// 59.
		{"59 Overwrite vs MergePatchJson", sidecarset.Options{}, set("ss-1", patches(patch(merge, "key1", `{"a":1}`))),
			set("ss-2", patches(patch(overwrite, "key1", "v"))),
			[]wantErr{{"spec.patchPodMetadata", field.ErrorTypeInvalid, "annotation key1 is in conflict with sidecarset ss-1"}}},
		{"59 MergePatchJson vs Overwrite", sidecarset.Options{}, set("ss-1", patches(patch(overwrite, "key1", "v"))),
			set("ss-2", patches(patch(merge, "key1", `{"a":1}`))),
			[]wantErr{{"spec.patchPodMetadata", field.ErrorTypeInvalid, "annotation key1 is in conflict with sidecarset ss-1"}}},
		{"59 Retain vs Overwrite, different keys", sidecarset.Options{}, set("ss-1", patches(patch(overwrite, "key2", "v"))),
			set("ss-2", patches(patch(retain, "key1", "v"))), nil},
		{"59 Retain vs Overwrite, same key", sidecarset.Options{}, set("ss-1", patches(patch(overwrite, "key1", "v"))),
			set("ss-2", patches(patch(retain, "key1", "v"))), nil},
		{"59 MergePatchJson vs MergePatchJson", sidecarset.Options{}, set("ss-1", patches(patch(merge, "key1", `{"a":1}`))),
			set("ss-2", patches(patch(merge, "key1", `{"b":1}`))), nil},
		{"59 Overwrite vs Overwrite", sidecarset.Options{}, set("ss-1", patches(patch(overwrite, "key1", "a"))),
			set("ss-2", patches(patch(overwrite, "key1", "b"))),
			[]wantErr{{"spec.patchPodMetadata", field.ErrorTypeInvalid, "annotation key1 is in conflict with sidecarset ss-1"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := cluster{opts: tc.opts, configMaps: wl, create: []*appsv1alpha1.SidecarSet{tc.first}}
			if tc.opts.Version == sidecarset.KruiseV13 {
				// v1.3 prunes before validating, which validateIn cannot reproduce: go
				// through State.Create only.
				_, err := c.state(t).Create(tc.next)
				var adm *sidecarset.AdmissionError
				if !errors.As(err, &adm) || len(tc.want) != 1 || adm.Message != tc.want[0].Field+": Invalid value: \"c1\": "+tc.want[0].Detail {
					t.Errorf("err = %v, want %v", err, tc.want)
				}
				return
			}
			checkErrs(t, tc.want, validateIn(t, c, tc.next))
		})
	}
}

func TestValidateUpdate(t *testing.T) {
	t.Parallel()
	first := func() *appsv1alpha1.SidecarSet {
		return sidecarSet("ss", sc("test", ""), sc("other", ""))
	}
	tests := []struct {
		name string
		next func(*appsv1alpha1.SidecarSet)
		want []wantErr
	}{
		{"60 renamed container", func(ss *appsv1alpha1.SidecarSet) { ss.Spec.Containers[0].Name = "test2" },
			[]wantErr{{"spec.containers", field.ErrorTypeInvalid, "container test2 is not found"}}},
		{"60 added container", func(ss *appsv1alpha1.SidecarSet) { ss.Spec.Containers = append(ss.Spec.Containers, sc("new", "")) },
			[]wantErr{{"spec.containers", field.ErrorTypeInvalid, "container new is not found"}}},
		{"60 upgradeType ColdUpgrade -> HotUpgrade", func(ss *appsv1alpha1.SidecarSet) { ss.Spec.Containers[0] = hot(ss.Spec.Containers[0], "empty:1") },
			[]wantErr{{"spec.containers", field.ErrorTypeInvalid, "container test upgradeType is immutable"}}},
		{"removed container and changed image", func(ss *appsv1alpha1.SidecarSet) {
			ss.Spec.Containers = ss.Spec.Containers[:1]
			ss.Spec.Containers[0].Image = "test:v2"
		}, nil},
		{"added init container", func(ss *appsv1alpha1.SidecarSet) {
			ss.Spec.InitContainers = []appsv1alpha1.SidecarContainer{sc("init", "")}
		}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			next := first()
			tc.next(next)
			// The stored version of the same name is the old object, and the conflict
			// check skips it.
			checkErrs(t, tc.want, validateIn(t, cluster{create: []*appsv1alpha1.SidecarSet{first()}}, next))
		})
	}
}

// TestValidateDevicePathOnMountPath pins the part of scenario 52 the engine agrees with: a
// device path that is already a mount path is refused at the device.
func TestValidateDevicePathOnMountPath(t *testing.T) {
	t.Parallel()
	ss := withVolumes(sidecarSet("ss", withMounts(sc("agent", ""), mount("data", "/dev/disk"))), emptyDir("data"),
		corev1.Volume{Name: "disk", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "claim"}}})
	ss.Spec.Containers[0].VolumeDevices = []corev1.VolumeDevice{{Name: "disk", DevicePath: "/dev/disk"}}
	errs := validateIn(t, cluster{}, ss)
	var found bool
	for _, e := range errs {
		if e.Field == "spec.containers[0].volumeDevices[0].devicePath" && e.Type == field.ErrorTypeInvalid {
			found = true
		}
	}
	if !found {
		t.Errorf("errors %v lack an Invalid spec.containers[0].volumeDevices[0].devicePath", errs)
	}
}
