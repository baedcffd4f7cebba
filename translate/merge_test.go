package translate

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func execHandler(cmd ...string) *corev1.LifecycleHandler {
	return &corev1.LifecycleHandler{Exec: &corev1.ExecAction{Command: cmd}}
}

func withPostStart(c corev1.Container, h *corev1.LifecycleHandler) corev1.Container {
	c.Lifecycle = &corev1.Lifecycle{PostStart: h}
	return c
}

func TestApplyAppPatch(t *testing.T) {
	t.Parallel()
	envdPatch := AppPatch{
		Profile:        "agent-runtime",
		SkipContainers: []string{"init"},
		Env:            []corev1.EnvVar{{Name: "ENVD_DIR", Value: "/mnt/envd"}, {Name: "GODEBUG", Value: "multipathtcp=0"}},
		VolumeMounts:   []corev1.VolumeMount{{Name: "envd-volume", MountPath: "/mnt/envd"}},
		PostStart:      execHandler("bash", "-c", "/mnt/envd/envd-run.sh"),
		Volumes:        []corev1.Volume{{Name: "envd-volume", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
	}
	app := corev1.Container{Name: "sandbox", Image: "app"}
	tests := []struct {
		name    string
		spec    corev1.PodSpec
		patch   AppPatch
		main    string
		want    corev1.PodSpec
		wantErr string
	}{
		{
			name:  "plain main container gets everything",
			spec:  corev1.PodSpec{Containers: []corev1.Container{app}},
			patch: envdPatch,
			want: corev1.PodSpec{
				Containers: []corev1.Container{withPostStart(corev1.Container{Name: "sandbox", Image: "app", Env: envdPatch.Env, VolumeMounts: envdPatch.VolumeMounts}, envdPatch.PostStart)},
				Volumes:    envdPatch.Volumes,
			},
		},
		{
			name: "user env and volume win; user exec postStart runs after the injected one",
			spec: corev1.PodSpec{
				Containers: []corev1.Container{withPostStart(corev1.Container{Name: "sandbox", Env: []corev1.EnvVar{{Name: "GODEBUG", Value: "x=1"}}}, execHandler("sh", "-c", "echo hi"))},
				Volumes:    []corev1.Volume{{Name: "envd-volume", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory}}}},
			},
			patch: envdPatch,
			want: corev1.PodSpec{
				Containers: []corev1.Container{withPostStart(corev1.Container{Name: "sandbox",
					Env:          []corev1.EnvVar{{Name: "GODEBUG", Value: "x=1"}, {Name: "ENVD_DIR", Value: "/mnt/envd"}},
					VolumeMounts: envdPatch.VolumeMounts},
					execHandler("bash", "-c", "/mnt/envd/envd-run.sh", "--", "sh", "-c", "echo hi"))},
				Volumes: []corev1.Volume{{Name: "envd-volume", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory}}}},
			},
		},
		{
			name:  "sidecars in front are skipped when looking for the main container",
			spec:  corev1.PodSpec{Containers: []corev1.Container{{Name: "init"}, app}},
			patch: AppPatch{Profile: "p", SkipContainers: []string{"init"}, Env: []corev1.EnvVar{{Name: "A", Value: "1"}}},
			want:  corev1.PodSpec{Containers: []corev1.Container{{Name: "init"}, {Name: "sandbox", Image: "app", Env: []corev1.EnvVar{{Name: "A", Value: "1"}}}}},
		},
		{
			name:  "explicit main container",
			spec:  corev1.PodSpec{Containers: []corev1.Container{{Name: "proxy"}, app}},
			patch: AppPatch{Profile: "p", Env: []corev1.EnvVar{{Name: "A", Value: "1"}}},
			main:  "sandbox",
			want:  corev1.PodSpec{Containers: []corev1.Container{{Name: "proxy"}, {Name: "sandbox", Image: "app", Env: []corev1.EnvVar{{Name: "A", Value: "1"}}}}},
		},
		{
			name:    "named main container missing",
			spec:    corev1.PodSpec{Containers: []corev1.Container{app}},
			patch:   envdPatch,
			main:    "main",
			wantErr: `profile agent-runtime: main container "main" not found`,
		},
		{
			name:    "no container at all",
			spec:    corev1.PodSpec{},
			patch:   envdPatch,
			wantErr: "profile agent-runtime: no main container",
		},
		{
			name:    "user httpGet postStart cannot merge",
			spec:    corev1.PodSpec{Containers: []corev1.Container{withPostStart(app, &corev1.LifecycleHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/"}})}},
			patch:   envdPatch,
			wantErr: `profile agent-runtime: spec.containers[0].lifecycle.postStart: container "sandbox" has a postStart handler that cannot be merged`,
		},
		{
			name:    "mount path taken by another volume",
			spec:    corev1.PodSpec{Containers: []corev1.Container{{Name: "sandbox", VolumeMounts: []corev1.VolumeMount{{Name: "data", MountPath: "/mnt/envd"}}}}},
			patch:   envdPatch,
			wantErr: `profile agent-runtime: spec.containers[0].volumeMounts: /mnt/envd is already the mount path of volume "data", the profile mounts "envd-volume" there`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			spec := tc.spec.DeepCopy()
			_, err := ApplyAppPatch(spec, tc.patch, tc.main)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tc.wantErr)
				}
				if diff := cmp.Diff(&tc.spec, spec); diff != "" {
					t.Errorf("a failed ApplyAppPatch changed the spec (-before +after):\n%s", diff)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, *spec); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			// Idempotent: a second application changes nothing.
			again := spec.DeepCopy()
			if _, err := ApplyAppPatch(again, tc.patch, tc.main); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(spec, again); diff != "" {
				t.Errorf("second ApplyAppPatch changed the spec (-first +second):\n%s", diff)
			}
		})
	}
}

func TestApplyAppPatchMetadata(t *testing.T) {
	t.Parallel()
	meta := metav1.ObjectMeta{Labels: map[string]string{"team": "mine"}}
	ApplyAppPatchMetadata(&meta, AppPatch{Labels: map[string]string{"team": "theirs", "tier": "x"}, Annotations: map[string]string{"a": "1"}})
	want := metav1.ObjectMeta{Labels: map[string]string{"team": "mine", "tier": "x"}, Annotations: map[string]string{"a": "1"}}
	if diff := cmp.Diff(want, meta); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestLoadAppPatchesRoundTrip(t *testing.T) {
	t.Parallel()
	res, err := Compile(loadSeed(t, "cn-hangzhou"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := LoadAppPatches(res.AppPatches)
	if err != nil {
		t.Fatal(err)
	}
	var want []AppPatch
	for _, c := range res.Profiles {
		if c.AppPatch != nil {
			want = append(want, *c.AppPatch)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-compiled +loaded):\n%s", diff)
	}

	bad := res.AppPatches.DeepCopy()
	bad.Data["csi"] = strings.Replace(bad.Data["csi"], `"volumeMounts"`, `"volumeMount"`, 1)
	if _, err := LoadAppPatches(bad); err == nil || !strings.Contains(err.Error(), `ConfigMap sidecarctl-system/sidecarctl-app-patches: data[csi]: unknown field "volumeMount"`) {
		t.Errorf("LoadAppPatches(unknown field) error = %v", err)
	}
}
