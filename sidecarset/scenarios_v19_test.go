package sidecarset_test

import (
	"errors"
	"strings"
	"testing"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/kruisev1beta1"
	"github.com/sidecarctl/sidecarctl/sidecarset"
)

// Scenarios of Kruise v1.9 against v1.8 (sidecarset/BEHAVIOUR.md §8.9).

var v19 = sidecarset.Options{Version: sidecarset.KruiseV19}

func fieldsOf(containers map[string]kruisev1beta1.ContainerFields, inits map[string]kruisev1beta1.ContainerFields) *kruisev1beta1.Fields {
	f := &kruisev1beta1.Fields{}
	for n, c := range containers {
		f.Set(false, n, c)
	}
	for n, c := range inits {
		f.Set(true, n, c)
	}
	return f
}

func policy(mode kruisev1beta1.TargetContainersMode, regex string, limits, requests *kruisev1beta1.ResourceExprList) kruisev1beta1.ContainerFields {
	return kruisev1beta1.ContainerFields{ResourcesPolicy: &kruisev1beta1.ResourcesPolicy{TargetContainersMode: mode,
		TargetContainersNameRegex: regex, ResourcesExpr: kruisev1beta1.ResourcesExpr{Limits: limits, Requests: requests}}}
}

func rl(pairs ...string) corev1.ResourceList {
	out := corev1.ResourceList{}
	for i := 0; i < len(pairs); i += 2 {
		out[corev1.ResourceName(pairs[i])] = resource.MustParse(pairs[i+1])
	}
	return out
}

func withResources(c corev1.Container, limits, requests corev1.ResourceList) corev1.Container {
	c.Resources = corev1.ResourceRequirements{Limits: limits, Requests: requests}
	return c
}

func resourceStrings(r corev1.ResourceRequirements) map[string]string {
	out := map[string]string{}
	for k, q := range r.Limits {
		out["limits."+string(k)] = q.String()
	}
	for k, q := range r.Requests {
		out["requests."+string(k)] = q.String()
	}
	return out
}

// TestV19SortGate is §8.9 scenario 1: only v1.9 with EnableSortSidecarContainerByName sorts the
// injected containers by name, also within one SidecarSet.
func TestV19SortGate(t *testing.T) {
	t.Parallel()
	before, after := appsv1alpha1.BeforeAppContainerType, appsv1alpha1.AfterAppContainerType
	set := func() *appsv1alpha1.SidecarSet {
		return sidecarSet("ss", sc("zeta", before), sc("beta", before), sc("omega", after), sc("alpha", after), hot(sc("hot", before), "empty:1"))
	}
	gate := sidecarset.FeatureGates{sidecarset.GateSortSidecarContainersByName: true}
	for _, tc := range []struct {
		name string
		opts sidecarset.Options
		want []string
	}{
		{"v1.8 ignores the gate", sidecarset.Options{Version: sidecarset.KruiseV18, FeatureGates: gate}, []string{"zeta", "hot-1", "hot-2", "app", "beta", "omega", "alpha"}},
		{"v1.9 gate off", v19, []string{"zeta", "hot-1", "hot-2", "app", "beta", "omega", "alpha"}},
		{"v1.9 gate on", sidecarset.Options{Version: sidecarset.KruiseV19, FeatureGates: gate}, []string{"hot-1", "hot-2", "zeta", "app", "beta", "alpha", "omega"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := cluster{opts: tc.opts, create: []*appsv1alpha1.SidecarSet{set()}}.mustInject(t, appPod("app", "beta"))
			if got := names(res.Pod.Spec.Containers); strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("containers = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestV19ResourcesPolicy is §8.9 scenarios 2-4: targets, aggregation, the refusal, and v1.8,
// which removes the policy.
func TestV19ResourcesPolicy(t *testing.T) {
	t.Parallel()
	always := corev1.ContainerRestartPolicyAlways
	pod := func() *corev1.Pod {
		p := appPod()
		initDB := withResources(corev1.Container{Name: "init-db", Image: "db:1"}, rl("cpu", "4", "memory", "4Gi"), nil)
		nat := withResources(corev1.Container{Name: "native", Image: "n:1", RestartPolicy: &always}, rl("cpu", "200m", "memory", "256Mi"), nil)
		p.Spec.InitContainers = []corev1.Container{initDB, nat}
		p.Spec.Containers = []corev1.Container{
			withResources(corev1.Container{Name: "app", Image: "app:1"}, rl("cpu", "1", "memory", "1Gi"), rl("cpu", "500m")),
			withResources(corev1.Container{Name: "logger", Image: "logger:1"}, rl("cpu", "8", "memory", "8Gi"), nil),
		}
		return p
	}
	e2e := policy(kruisev1beta1.ModeSum, ".*", &kruisev1beta1.ResourceExprList{CPU: "cpu*50%", Memory: "max(memory*25%, 128Mi)"},
		&kruisev1beta1.ResourceExprList{CPU: "cpu*10%", Memory: "64Mi"})
	set := func() *appsv1alpha1.SidecarSet {
		return sidecarSet("ss", sc("proxy", appsv1alpha1.BeforeAppContainerType), sc("logger", appsv1alpha1.AfterAppContainerType))
	}
	for _, tc := range []struct {
		name    string
		opts    sidecarset.Options
		fields  kruisev1beta1.ContainerFields
		want    map[string]string
		refusal string
	}{
		{"v1.9 sum over native and app", v19, e2e,
			map[string]string{"limits.cpu": "600m", "limits.memory": "320Mi", "requests.cpu": "50m", "requests.memory": "64Mi"}, ""},
		{"v1.8 removes the policy", v18, e2e, map[string]string{}, ""},
		{"v1.9 regex matches nothing", v19, policy(kruisev1beta1.ModeSum, "^nomatch$", &kruisev1beta1.ResourceExprList{CPU: "cpu"}, nil),
			nil, `no containers match the regex pattern "^nomatch$"`},
		{"v1.9 max, requests missing count as zero", v19, policy(kruisev1beta1.ModeMax, "^(app|native)$", &kruisev1beta1.ResourceExprList{CPU: "cpu*40%"},
			&kruisev1beta1.ResourceExprList{CPU: "cpu*50%", Memory: "memory*50%"}),
			map[string]string{"limits.cpu": "400m", "requests.cpu": "250m", "requests.memory": "0"}, ""},
		{"v1.9 a target without a limit: unlimited", v19, policy(kruisev1beta1.ModeSum, ".*", &kruisev1beta1.ResourceExprList{CPU: "cpu"}, nil),
			map[string]string{}, ""},
		{"v1.9 runtime error refuses the pod", v19, policy(kruisev1beta1.ModeSum, "^app$", &kruisev1beta1.ResourceExprList{CPU: "cpu*2m"}, nil),
			nil, `failed to evaluate CPU limits expression: failed to parse expression "cpu*2m": multiplication of two quantities`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := pod()
			if tc.name == "v1.9 a target without a limit: unlimited" {
				p.Spec.Containers[0].Resources.Limits = nil
			}
			c := cluster{opts: tc.opts, create: []*appsv1alpha1.SidecarSet{set()},
				fields: map[string]*kruisev1beta1.Fields{"ss": fieldsOf(map[string]kruisev1beta1.ContainerFields{"proxy": tc.fields}, nil)}}
			st := c.state(t)
			res, err := sidecarset.Inject(st, p, sidecarset.Request{})
			if tc.refusal != "" {
				var r *sidecarset.RefusalError
				if !errors.As(err, &r) || r.Code != finding.RefusedResourcesPolicy || !strings.Contains(r.Message, tc.refusal) {
					t.Fatalf("err = %v, want a %s refusal %q", err, finding.RefusedResourcesPolicy, tc.refusal)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := names(res.Pod.Spec.Containers); strings.Join(got, ",") != "proxy,app,logger" {
				t.Errorf("containers = %v", got)
			}
			diff(t, "proxy resources", tc.want, resourceStrings(container(t, res.Pod, "proxy").Resources))
			if tc.opts.Version == sidecarset.KruiseV18 && !hasFinding(st.Findings(), finding.V19FieldDropped, "spec.containers[0].resourcesPolicy") {
				t.Errorf("findings %v: want %s on spec.containers[0].resourcesPolicy", st.Findings(), finding.V19FieldDropped)
			}
		})
	}
}

func hasFinding(list finding.List, code finding.Code, field string) bool {
	for _, f := range list {
		if f.Code == code && f.Field == field {
			return true
		}
	}
	return false
}

// TestV19NativeInitResourcesPolicy is §8.9 scenario 4's native-sidecar init container.
func TestV19NativeInitResourcesPolicy(t *testing.T) {
	t.Parallel()
	always := corev1.ContainerRestartPolicyAlways
	p := appPod()
	p.Spec.InitContainers = []corev1.Container{withResources(corev1.Container{Name: "native", Image: "n:1", RestartPolicy: &always}, rl("cpu", "400m"), nil)}
	p.Spec.Containers = []corev1.Container{withResources(corev1.Container{Name: "app", Image: "a:1"}, rl("cpu", "600m"), nil)}
	ss := notUpdate(withInit(sidecarSet("ss"), native(sc("mesh", ""))))
	c := cluster{opts: v19, create: []*appsv1alpha1.SidecarSet{ss}, fields: map[string]*kruisev1beta1.Fields{"ss": fieldsOf(nil,
		map[string]kruisev1beta1.ContainerFields{"mesh": policy(kruisev1beta1.ModeMax, ".*", &kruisev1beta1.ResourceExprList{CPU: "max(cpu*30%, 50m)"}, nil)})}}
	res := c.mustInject(t, p)
	diff(t, "mesh resources", map[string]string{"limits.cpu": "180m"}, resourceStrings(container(t, res.Pod, "mesh").Resources))
}

// TestV19DeviceVolumes is §8.9 scenarios 5 and 6: device volumes are injected from v1.9, a shared
// mount on an own devicePath is left out, shareVolumeDevicePolicy shares the app's devices, and
// a missing volume is skipped where v1.8 panics.
func TestV19DeviceVolumes(t *testing.T) {
	t.Parallel()
	pvc := corev1.Volume{Name: "blk", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "blk"}}}
	set := func() *appsv1alpha1.SidecarSet {
		agent := sharing(sc("agent", appsv1alpha1.AfterAppContainerType))
		agent.VolumeDevices = []corev1.VolumeDevice{{Name: "blk", DevicePath: "/dev/xvda"}}
		return withVolumes(sidecarSet("ss", agent), pvc)
	}
	pod := func() *corev1.Pod {
		p := appPod("app")
		p.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{mount("data", "/dev/xvda"), mount("data", "/data")}
		p.Spec.Containers[0].VolumeDevices = []corev1.VolumeDevice{{Name: "raw", DevicePath: "/dev/raw"}}
		p.Spec.Volumes = []corev1.Volume{emptyDir("data"), emptyDir("raw")}
		return p
	}
	enabled := map[string]*kruisev1beta1.Fields{"ss": fieldsOf(map[string]kruisev1beta1.ContainerFields{"agent": {
		ShareVolumeDevicePolicy: &appsv1alpha1.ShareVolumePolicy{Type: appsv1alpha1.ShareVolumePolicyEnabled}}}, nil)}
	for _, tc := range []struct {
		name                     string
		opts                     sidecarset.Options
		fields                   map[string]*kruisev1beta1.Fields
		mounts, devices, volumes []string
	}{
		{"v1.8", v18, nil, []string{"/dev/xvda", "/data"}, []string{"/dev/xvda"}, []string{"data", "raw"}},
		{"v1.9", v19, nil, []string{"/data"}, []string{"/dev/xvda"}, []string{"data", "raw", "blk"}},
		{"v1.9 shareVolumeDevicePolicy", v19, enabled, []string{"/data"}, []string{"/dev/xvda", "/dev/raw"}, []string{"data", "raw", "blk"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := cluster{opts: tc.opts, create: []*appsv1alpha1.SidecarSet{set()}, fields: tc.fields}.mustInject(t, pod())
			agent := container(t, res.Pod, "agent")
			var mounts, devices, volumes []string
			for _, m := range agent.VolumeMounts {
				mounts = append(mounts, m.MountPath)
			}
			for _, d := range agent.VolumeDevices {
				devices = append(devices, d.DevicePath)
			}
			for _, v := range res.Pod.Spec.Volumes {
				volumes = append(volumes, v.Name)
			}
			diff(t, "mounts", tc.mounts, mounts)
			diff(t, "devices", tc.devices, devices)
			diff(t, "volumes", tc.volumes, volumes)
		})
	}

	t.Run("missing volume", func(t *testing.T) {
		t.Parallel()
		ss := sidecarSet("ss", withMounts(sc("agent", ""), mount("ghost", "/g")))
		c := cluster{opts: sidecarset.Options{Version: sidecarset.KruiseV18, SkipValidation: true}, create: []*appsv1alpha1.SidecarSet{ss}}
		if _, err := c.inject(t, appPod("app")); !sidecarset.IsRefusal(err) {
			t.Errorf("v1.8: err = %v, want the panic refusal", err)
		}
		c.opts.Version = sidecarset.KruiseV19
		res := c.mustInject(t, appPod("app"))
		if len(res.Pod.Spec.Volumes) != 0 || len(res.Pod.Spec.Containers) != 2 {
			t.Errorf("v1.9: containers %v, volumes %v; want agent injected and no volume", names(res.Pod.Spec.Containers), res.Pod.Spec.Volumes)
		}
		if !hasFinding(res.Findings, finding.MissingVolumeSkipped, "spec.containers[0].volumeMounts[0].name") {
			t.Errorf("findings %v: want %s", res.Findings, finding.MissingVolumeSkipped)
		}
	})
}

// TestV19PinnedRevisionFields: a pinned ControllerRevision brings the resourcesPolicy it
// recorded (the revision's containers carry the v1.9 fields), not the live object's; uninject
// checks the sidecar against that version.
func TestV19PinnedRevisionFields(t *testing.T) {
	t.Parallel()
	st := sidecarset.NewState(sidecarset.Options{Version: sidecarset.KruiseV19, RecordRevisions: true, Now: scenarioNow})
	first := sidecarSet("ss", sc("proxy", ""))
	half := fieldsOf(map[string]kruisev1beta1.ContainerFields{"proxy": policy(kruisev1beta1.ModeSum, ".*", &kruisev1beta1.ResourceExprList{CPU: "cpu*50%"}, nil)}, nil)
	stored, err := st.CreateWithFields(first, half)
	if err != nil {
		t.Fatal(err)
	}
	rev := stored.Status.LatestRevision
	second := sidecarSet("ss", sc("proxy", ""))
	second.Spec.Containers[0].Image = "proxy:v2"
	second.Spec.InjectionStrategy.Revision = &appsv1alpha1.SidecarSetInjectRevision{RevisionName: &rev}
	tenth := fieldsOf(map[string]kruisev1beta1.ContainerFields{"proxy": policy(kruisev1beta1.ModeSum, ".*", &kruisev1beta1.ResourceExprList{CPU: "cpu*10%"}, nil)}, nil)
	if _, err := st.CreateWithFields(second, tenth); err != nil {
		t.Fatal(err)
	}
	pod := appPod("app")
	pod.Spec.Containers[0].Resources.Limits = rl("cpu", "1")
	res, err := sidecarset.Inject(st, pod, sidecarset.Request{})
	if err != nil {
		t.Fatal(err)
	}
	proxy := container(t, res.Pod, "proxy")
	if proxy.Image != "proxy:v1" {
		t.Errorf("image %s: want the pinned revision's proxy:v1", proxy.Image)
	}
	diff(t, "proxy resources", map[string]string{"limits.cpu": "500m"}, resourceStrings(proxy.Resources))
	un, err := sidecarset.Uninject(st, res.Pod)
	if err != nil {
		t.Fatal(err)
	}
	if got := names(un.Pod.Spec.Containers); len(got) != 1 || got[0] != "app" {
		t.Errorf("uninjected containers = %v, want [app] (findings %v)", got, un.Findings)
	}
}

// TestV19HotUpgradeResources: resourcesPolicy runs before the hot-upgrade split, so both
// halves of the pair carry the computed resources (sidecarset/BEHAVIOUR.md §8.4).
func TestV19HotUpgradeResources(t *testing.T) {
	t.Parallel()
	ss := sidecarSet("ss", hot(sc("proxy", ""), "empty:1"))
	c := cluster{opts: v19, create: []*appsv1alpha1.SidecarSet{ss}, fields: map[string]*kruisev1beta1.Fields{"ss": fieldsOf(
		map[string]kruisev1beta1.ContainerFields{"proxy": policy(kruisev1beta1.ModeSum, ".*", nil, &kruisev1beta1.ResourceExprList{Memory: "memory*50%"})}, nil)}}
	pod := appPod("app")
	pod.Spec.Containers[0].Resources.Requests = rl("memory", "1Gi")
	res := c.mustInject(t, pod)
	for _, name := range []string{"proxy-1", "proxy-2"} {
		diff(t, name+" resources", map[string]string{"requests.memory": "512Mi"}, resourceStrings(container(t, res.Pod, name).Resources))
	}
}
