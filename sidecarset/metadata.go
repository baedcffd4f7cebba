package sidecarset

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/sidecarctl/sidecarctl/finding"
)

// patchPodMetadata applies a SidecarSet's patchPodMetadata to the pod annotations
// (sidecarset/BEHAVIOUR.md §2.11): Retain adds missing keys, Overwrite replaces,
// MergePatchJson merges into a non-empty value. A merge that fails refuses the pod.
func patchPodMetadata(pod *corev1.Pod, ss *appsv1alpha1.SidecarSet) *RefusalError {
	for i, patch := range ss.Spec.PatchPodMetadata {
		keys := make([]string, 0, len(patch.Annotations))
		for k := range patch.Annotations {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, key := range keys {
			value := patch.Annotations[key]
			old, exists := pod.Annotations[key]
			switch patch.PatchPolicy {
			case appsv1alpha1.SidecarSetOverwritePatchPolicy:
				pod.Annotations[key] = value
			case appsv1alpha1.SidecarSetMergePatchJsonPatchPolicy:
				if old == "" {
					pod.Annotations[key] = value
					continue
				}
				merged, err := mergePatchKruise(old, value)
				if err != nil {
					return &RefusalError{Code: finding.RefusedPodMetadata, SidecarSet: ss.Name,
						Field:   field.NewPath("spec", "patchPodMetadata").Index(i).Child("annotations").Key(key).String(),
						Message: fmt.Sprintf("patchPodMetadata annotation %s: %v", key, err), Err: err}
				}
				pod.Annotations[key] = merged
			default: // Retain, or empty when defaulting was skipped
				if !exists {
					pod.Annotations[key] = value
				}
			}
		}
	}
	return nil
}

// hashEntry is one SidecarSet's record in the pod's hash annotations; the field order is the
// JSON order Kruise writes.
type hashEntry struct {
	UpdateTimestamp    metav1.Time `json:"updateTimestamp"`
	Hash               string      `json:"hash"`
	SidecarSetName     string      `json:"sidecarSetName"`
	SidecarList        []string    `json:"sidecarList"`
	ControllerRevision string      `json:"controllerRevision,omitempty"`
}

// parseHashAnnotation reads an existing kruise.io/sidecarset-hash(-without-image) value in
// the current format or the legacy {"name":"hash"} one. Anything else is an error, which
// makes Kruise reject the pod.
func parseHashAnnotation(key, value string) (map[string]hashEntry, error) {
	out := map[string]hashEntry{}
	if value == "" {
		return out, nil
	}
	if err := json.Unmarshal([]byte(value), &out); err == nil {
		if out == nil {
			// "null" decodes into a nil map, and Kruise then assigns into it and panics: the
			// webhook call fails and the pod is refused.
			return nil, fmt.Errorf("pod annotation %s is null: panic: assignment to entry in nil map", key)
		}
		return out, nil
	}
	legacy := map[string]string{}
	if err := json.Unmarshal([]byte(value), &legacy); err != nil {
		return nil, fmt.Errorf("pod annotation %s: %w", key, err)
	}
	out = map[string]hashEntry{}
	for name, h := range legacy {
		out[name] = hashEntry{Hash: h, SidecarSetName: name}
	}
	return out, nil
}

func encodeJSON(v any) string {
	raw, err := json.Marshal(v)
	if err != nil {
		// The values are maps of strings and plain structs; encoding cannot fail.
		panic(fmt.Sprintf("encode annotation: %v", err))
	}
	return string(raw)
}

// injectedList merges names into the existing comma-separated list, sorted (v1.4+). Like
// Kruise it splits a non-empty value on every comma and keeps what it gets, so "a,,b" holds an
// empty name, which sorts first: the merged list then starts with a comma
// (sidecarset/BEHAVIOUR.md §3.1).
func injectedList(existing string, names []string) string {
	set := map[string]bool{}
	if existing != "" {
		for _, n := range strings.Split(existing, ",") {
			set[n] = true
		}
	}
	for _, n := range names {
		set[n] = true
	}
	out := make([]string, 0, len(set))
	for n := range set {
		out = append(out, n)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

// parseWorkingHotUpgrade reads kruise.io/sidecarset-working-hotupgrade-container; bad JSON
// counts as empty, as in Kruise.
func parseWorkingHotUpgrade(value string) map[string]string {
	out := map[string]string{}
	if value != "" {
		if err := json.Unmarshal([]byte(value), &out); err != nil {
			return map[string]string{}
		}
	}
	return out
}

// encodeHashes writes a hash annotation exactly as encoding/json would (sorted keys, the
// field order of hashEntry, RFC 3339 times or null), without reflection: it runs for every
// injected pod. Strings outside the plain set that names, hashes and times use go through
// encoding/json, so the escaping stays identical.
func encodeHashes(m map[string]hashEntry) string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteByte('{')
	for i, n := range names {
		e := m[n]
		if i > 0 {
			b.WriteByte(',')
		}
		writeJSONString(&b, n)
		b.WriteString(`:{"updateTimestamp":`)
		if e.UpdateTimestamp.IsZero() {
			b.WriteString("null")
		} else {
			writeJSONString(&b, e.UpdateTimestamp.UTC().Format(time.RFC3339))
		}
		b.WriteString(`,"hash":`)
		writeJSONString(&b, e.Hash)
		b.WriteString(`,"sidecarSetName":`)
		writeJSONString(&b, e.SidecarSetName)
		b.WriteString(`,"sidecarList":`)
		if e.SidecarList == nil {
			b.WriteString("null")
		} else {
			b.WriteByte('[')
			for j, s := range e.SidecarList {
				if j > 0 {
					b.WriteByte(',')
				}
				writeJSONString(&b, s)
			}
			b.WriteByte(']')
		}
		if e.ControllerRevision != "" {
			b.WriteString(`,"controllerRevision":`)
			writeJSONString(&b, e.ControllerRevision)
		}
		b.WriteByte('}')
	}
	b.WriteByte('}')
	return b.String()
}

func writeJSONString(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == ':' || c == '/') {
			b.WriteString(encodeJSON(s))
			return
		}
	}
	b.WriteByte('"')
	b.WriteString(s)
	b.WriteByte('"')
}
