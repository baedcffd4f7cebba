package sidecarset_test

import (
	"errors"
	"testing"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/sidecarset"
)

// TestRefusalDecisions: one case per pod refusal code. Inject returns the *RefusalError with
// its code, SidecarSet and field, and a Result whose decisions cover every candidate: the
// refusing set carries the code, the other matched sets pod_refused, the rest their match
// verdict; nothing shows as injected and the pod is the input. Candidates, in name order:
// a (matches), b (the usual culprit), c (matches), d (another app).
func TestRefusalDecisions(t *testing.T) {
	t.Parallel()
	set := func(name string) *appsv1alpha1.SidecarSet { return sidecarSet(name, sc("agent-"+name, "")) }
	other := func() *appsv1alpha1.SidecarSet {
		ss := set("d")
		ss.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "other"}}
		return ss
	}
	badSelector := func(ss *appsv1alpha1.SidecarSet) *appsv1alpha1.SidecarSet {
		ss.Spec.Selector = exprSel("app", "Bogus", "x")
		return ss
	}
	missingRevision := func(ss *appsv1alpha1.SidecarSet) *appsv1alpha1.SidecarSet {
		v := "v9"
		ss.Spec.InjectionStrategy.Revision = &appsv1alpha1.SidecarSetInjectRevision{CustomVersion: &v}
		return ss
	}
	badMerge := func(ss *appsv1alpha1.SidecarSet) *appsv1alpha1.SidecarSet {
		ss.Spec.PatchPodMetadata = []appsv1alpha1.SidecarSetPatchPodMetadata{
			patch(appsv1alpha1.SidecarSetMergePatchJsonPatchPolicy, "key1", `{"b":2}`)}
		return ss
	}
	missingVolume := func(ss *appsv1alpha1.SidecarSet) *appsv1alpha1.SidecarSet {
		ss.Spec.Containers[0] = withMounts(ss.Spec.Containers[0], mount("absent", "/absent"))
		return ss
	}
	withAnnotation := func(key, value string) *corev1.Pod {
		pod := appPod("app")
		pod.Annotations = map[string]string{key: value}
		return pod
	}
	decisions := func(kv ...finding.Code) map[string]finding.Code {
		out := map[string]finding.Code{}
		for i, name := range []string{"a", "b", "c", "d"} {
			out[name] = kv[i]
		}
		return out
	}
	refused, mismatch := finding.PodRefused, finding.SelectorMismatch

	tests := []struct {
		name      string
		b, c      func(*appsv1alpha1.SidecarSet) *appsv1alpha1.SidecarSet
		pod       *corev1.Pod
		wantCode  finding.Code
		wantSet   string
		wantField string
		want      map[string]finding.Code
	}{
		{name: "unparsable selector", b: badSelector, wantCode: finding.RefusedSelector, wantSet: "b", wantField: "spec.selector",
			want: decisions(refused, finding.RefusedSelector, refused, mismatch)},
		{name: "a later unparsable selector keeps its own code", b: badSelector, c: badSelector, wantCode: finding.RefusedSelector,
			wantSet: "b", wantField: "spec.selector",
			want: decisions(refused, finding.RefusedSelector, finding.RefusedSelector, mismatch)},
		{name: "missing pinned revision", b: missingRevision, wantCode: finding.RefusedRevision, wantSet: "b",
			wantField: "spec.injectionStrategy.revision.customVersion",
			want:      decisions(refused, finding.RefusedRevision, refused, mismatch)},
		{name: "a later missing revision is never reached", b: badSelector, c: missingRevision, wantCode: finding.RefusedSelector,
			wantSet: "b", wantField: "spec.selector",
			want: decisions(refused, finding.RefusedSelector, refused, mismatch)},
		{name: "MergePatchJson into a value that is not JSON", b: badMerge, pod: withAnnotation("key1", "not json"),
			wantCode: finding.RefusedPodMetadata, wantSet: "b", wantField: "spec.patchPodMetadata[0].annotations[key1]",
			want: decisions(refused, finding.RefusedPodMetadata, refused, mismatch)},
		{name: "garbled hash annotation", pod: withAnnotation(sidecarset.AnnotationHash, "garbage"),
			wantCode: finding.RefusedHashAnnotation, wantSet: "a", wantField: "metadata.annotations[kruise.io/sidecarset-hash]",
			want: decisions(finding.RefusedHashAnnotation, refused, refused, mismatch)},
		{name: "null hash-without-image annotation", pod: withAnnotation(sidecarset.AnnotationHashWithoutImage, "null"),
			wantCode: finding.RefusedHashAnnotation, wantSet: "a", wantField: "metadata.annotations[kruise.io/sidecarset-hash-without-image]",
			want: decisions(finding.RefusedHashAnnotation, refused, refused, mismatch)},
		{name: "mount of an undefined volume", b: missingVolume, wantCode: finding.RefusedMissingVolume, wantSet: "b",
			wantField: "spec.containers[0].volumeMounts[0].name",
			want:      decisions(refused, finding.RefusedMissingVolume, refused, mismatch)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b, c := set("b"), set("c")
			if tc.b != nil {
				b = tc.b(b)
			}
			if tc.c != nil {
				c = tc.c(c)
			}
			pod := tc.pod
			if pod == nil {
				pod = appPod("app")
			}
			st := cluster{opts: sidecarset.Options{SkipValidation: true}, configMaps: []*corev1.ConfigMap{whitelistAll()},
				create: []*appsv1alpha1.SidecarSet{set("a"), b, c, other()}}.state(t)
			for _, matchedOnly := range []bool{false, true} {
				in := pod.DeepCopy()
				res, err := sidecarset.Inject(st, in, sidecarset.Request{Namespace: in.Namespace, MatchedOnly: matchedOnly})
				var ref *sidecarset.RefusalError
				if !errors.As(err, &ref) {
					t.Fatalf("matchedOnly=%t: err = %v, want *RefusalError", matchedOnly, err)
				}
				diff(t, "refusal", []string{string(tc.wantCode), tc.wantSet, tc.wantField},
					[]string{string(ref.Code), ref.SidecarSet, ref.Field})
				if res == nil {
					t.Fatalf("matchedOnly=%t: no Result with the refusal", matchedOnly)
				}
				want := map[string]finding.Code{}
				for name, code := range tc.want {
					if !matchedOnly || code != mismatch {
						want[name] = code
					}
				}
				got := map[string]finding.Code{}
				for _, d := range res.Decisions {
					got[d.SidecarSet] = d.Reason
					if d.Injected {
						t.Errorf("matchedOnly=%t: %s shows as injected on a refused pod", matchedOnly, d.SidecarSet)
					}
					if d.SidecarSet == ref.SidecarSet && d.Message != ref.Message {
						t.Errorf("matchedOnly=%t: refusing decision message %q, want the refusal's %q", matchedOnly, d.Message, ref.Message)
					}
				}
				diff(t, "decisions", want, got)
				if matchedOnly {
					diff(t, "skipped", map[finding.Code]int{mismatch: 1}, res.Skipped)
				}
				diff(t, "pod", pod, res.Pod)
				if res.Changed || len(res.Findings) > 0 {
					t.Errorf("matchedOnly=%t: changed=%t findings=%v, want an unchanged pod and no findings", matchedOnly, res.Changed, res.Findings)
				}
			}
		})
	}
}

// TestRefusalErrorText: Error keeps its wording (golden outputs print it) and Unwrap reaches
// the cause.
func TestRefusalErrorText(t *testing.T) {
	t.Parallel()
	cause := errors.New("boom")
	for _, tc := range []struct {
		err  *sidecarset.RefusalError
		want string
	}{
		{&sidecarset.RefusalError{Code: finding.RefusedSelector, SidecarSet: "ss", Message: "bad", Err: cause}, "sidecarset ss: bad"},
		{&sidecarset.RefusalError{Code: finding.RefusedHashAnnotation, SidecarSet: "ss", Message: "pod annotation x: bad", Err: cause}, "pod annotation x: bad"},
	} {
		diff(t, "Error()", tc.want, tc.err.Error())
		if !errors.Is(tc.err, cause) {
			t.Errorf("%v does not unwrap to its cause", tc.err)
		}
	}
}

// TestAdmissionErrorFields: a SidecarSet Kruise refuses keeps Kruise's message and carries the
// field errors with their paths and the stage's code.
func TestAdmissionErrorFields(t *testing.T) {
	t.Parallel()
	ss := sidecarSet("ss", sc("agent", ""))
	ss.Spec.Selector = nil
	_, err := sidecarset.NewState(sidecarset.Options{}).Create(ss)
	var adm *sidecarset.AdmissionError
	if !errors.As(err, &adm) {
		t.Fatalf("err = %v, want *AdmissionError", err)
	}
	diff(t, "stage and code", []string{sidecarset.StageValidatingWebhook, string(finding.RefusedByValidatingWebhook)},
		[]string{adm.Stage, string(adm.Code)})
	diff(t, "message", "spec.selector: Required value: no selector defined for SidecarSet", adm.Message)
	if len(adm.Errs) != 1 || adm.Errs[0].Field != "spec.selector" {
		t.Errorf("field errors = %v, want one on spec.selector", adm.Errs)
	}
	if errors.Unwrap(adm) == nil {
		t.Error("AdmissionError does not unwrap to its cause")
	}
}
