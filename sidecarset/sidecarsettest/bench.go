package sidecarsettest

import (
	_ "embed"
	"fmt"
	"strings"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// The benchmark inputs of the performance issue: a realistic pod, a large pod and N
// SidecarSets of which three match the pod. They live here, beside the corpus, so that the
// engine, handler and CLI benchmarks measure the same objects.

//go:embed testdata/bench/acs-sidecarsets.yaml
var acsSidecarSets []byte

// BenchNamespace is the namespace of the benchmark pods.
const BenchNamespace = "sandbox"

// BenchMatching is how many of BenchSidecarSets(n) match BenchPod and LargePod.
const BenchMatching = 3

// BenchPod is the seed's code-interpreter pod as a Deployment creates it: template labels plus
// pod-template-hash, a ReplicaSet owner, API-server defaults and the service-account token
// volume that the ServiceAccount admission plugin adds before any webhook runs.
func BenchPod() *corev1.Pod {
	return benchPod([]corev1.Container{sandboxContainer("sandbox", nil)})
}

// LargePod is a pod whose JSON is about 64 KB: 20 containers carrying 500 env vars in all.
func LargePod() *corev1.Pod {
	containers := make([]corev1.Container, 20)
	for i := range containers {
		env := make([]corev1.EnvVar, 25)
		for j := range env {
			env[j] = corev1.EnvVar{
				Name:  fmt.Sprintf("WORKER_%02d_SETTING_%02d", i, j),
				Value: fmt.Sprintf("value-%02d-%02d-", i, j) + strings.Repeat("x", 60),
			}
		}
		name := "sandbox"
		if i > 0 {
			name = fmt.Sprintf("worker-%02d", i)
		}
		containers[i] = sandboxContainer(name, env)
	}
	return benchPod(containers)
}

func benchPod(containers []corev1.Container) *corev1.Pod {
	grace := int64(30)
	notReady, unreachable := int64(300), int64(300)
	projected := int32(420)
	tokenTTL := int64(3607)
	truth := true
	policy := corev1.PreemptLowerPriority
	prio := int32(0)
	return &corev1.Pod{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{
			GenerateName: "code-interpreter-7d9f8b6c5-",
			Namespace:    BenchNamespace,
			Labels: map[string]string{
				"app":                                  "code-interpreter",
				"pod-template-hash":                    "7d9f8b6c5",
				"alibabacloud.com/acs":                 "true",
				"runtime.sidecarctl.dev/csi":           "true",
				"runtime.sidecarctl.dev/agent-runtime": "true",
				"logging.example.com/collect":          "stdout",
			},
			Annotations: map[string]string{"kubectl.kubernetes.io/restartedAt": "2026-10-30T08:00:00Z"},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet",
				Name: "code-interpreter-7d9f8b6c5", UID: "6f0c2f55-3d0a-4d4c-9d77-0d1c7f1b2a11",
				Controller: &truth, BlockOwnerDeletion: &truth}},
		},
		Spec: corev1.PodSpec{
			Containers:                    containers,
			RestartPolicy:                 corev1.RestartPolicyAlways,
			TerminationGracePeriodSeconds: &grace,
			DNSPolicy:                     corev1.DNSClusterFirst,
			ServiceAccountName:            "default",
			DeprecatedServiceAccount:      "default",
			SecurityContext:               &corev1.PodSecurityContext{},
			SchedulerName:                 corev1.DefaultSchedulerName,
			Priority:                      &prio,
			PreemptionPolicy:              &policy,
			EnableServiceLinks:            &truth,
			Tolerations: []corev1.Toleration{
				{Key: "node.kubernetes.io/not-ready", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: &notReady},
				{Key: "node.kubernetes.io/unreachable", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: &unreachable},
			},
			Volumes: []corev1.Volume{{Name: "kube-api-access-7xk2p", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
				DefaultMode: &projected,
				Sources: []corev1.VolumeProjection{
					{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token", ExpirationSeconds: &tokenTTL}},
					{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "kube-root-ca.crt"},
						Items: []corev1.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}}}},
					{DownwardAPI: &corev1.DownwardAPIProjection{Items: []corev1.DownwardAPIVolumeFile{{Path: "namespace",
						FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.namespace"}}}}},
				},
			}}}},
		},
	}
}

func sandboxContainer(name string, env []corev1.EnvVar) corev1.Container {
	res := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("1Gi")}
	return corev1.Container{
		Name:                     name,
		Image:                    "registry-cn-hangzhou-vpc.ack.aliyuncs.com/acs/code-interpreter:v1.6",
		ImagePullPolicy:          corev1.PullIfNotPresent,
		Env:                      env,
		Resources:                corev1.ResourceRequirements{Limits: res, Requests: res.DeepCopy()},
		TerminationMessagePath:   corev1.TerminationMessagePathDefault,
		TerminationMessagePolicy: corev1.TerminationMessageReadFile,
		VolumeMounts: []corev1.VolumeMount{{Name: "kube-api-access-7xk2p", ReadOnly: true,
			MountPath: "/var/run/secrets/kubernetes.io/serviceaccount"}},
	}
}

// BenchSidecarSets returns n SidecarSets (n >= BenchMatching), undefaulted as a user writes
// them: the ACS csi and agent-runtime sets translated from seed 000 and a log collector match
// the benchmark pods; the rest select other namespaces or labels, as in a real cluster (spread
// over spec.namespace, namespaceSelector on the namespace name and cluster-scoped selectors on
// other apps, with matchLabels and matchExpressions).
func BenchSidecarSets(n int) ([]*appsv1alpha1.SidecarSet, error) {
	if n < BenchMatching {
		return nil, fmt.Errorf("bench sidecarsets: n=%d is below the %d matching sets", n, BenchMatching)
	}
	var out []*appsv1alpha1.SidecarSet
	for i, doc := range strings.Split(string(acsSidecarSets), "\n---\n") {
		ss := &appsv1alpha1.SidecarSet{}
		if err := yaml.UnmarshalStrict([]byte(doc), ss); err != nil {
			return nil, fmt.Errorf("testdata/bench/acs-sidecarsets.yaml: document %d: %w", i, err)
		}
		out = append(out, ss)
	}
	out = append(out, logCollector("log-collector", &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
		{Key: "logging.example.com/collect", Operator: metav1.LabelSelectorOpIn, Values: []string{"stdout", "file"}},
	}}))
	for i := 0; len(out) < n; i++ {
		name := fmt.Sprintf("team-%05d", i)
		app := fmt.Sprintf("svc-%05d", i)
		var ss *appsv1alpha1.SidecarSet
		switch i % 10 {
		case 0, 1, 2, 3: // namespaced by spec.namespace, some selecting the pod's own app label
			ss = logCollector(name, &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}})
			ss.Spec.Namespace = fmt.Sprintf("team-ns-%03d", i%200)
			if i%20 == 0 {
				ss.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "code-interpreter"}}
			}
		case 4: // namespaceSelector on the namespace name
			ss = logCollector(name, &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}})
			ss.Spec.NamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{
				corev1.LabelMetadataName: fmt.Sprintf("team-ns-%03d", i%200)}}
		case 5, 6: // cluster-scoped, expressions on another app
			ss = logCollector(name, &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
				{Key: "app", Operator: metav1.LabelSelectorOpIn, Values: []string{app, app + "-canary"}},
				{Key: "tier", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"batch"}},
			}})
		default: // cluster-scoped, labels of another app
			ss = logCollector(name, &metav1.LabelSelector{MatchLabels: map[string]string{"app": app, "sidecar.example.com/inject": "true"}})
		}
		out = append(out, ss)
	}
	return out, nil
}

// logCollector is a typical regular sidecar: one container, a config volume, a shared log dir.
func logCollector(name string, selector *metav1.LabelSelector) *appsv1alpha1.SidecarSet {
	return &appsv1alpha1.SidecarSet{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps.kruise.io/v1alpha1", Kind: "SidecarSet"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app.kubernetes.io/part-of": "logging"}},
		Spec: appsv1alpha1.SidecarSetSpec{
			Selector: selector,
			Containers: []appsv1alpha1.SidecarContainer{{
				Container: corev1.Container{
					Name:  name + "-agent",
					Image: "docker.elastic.co/beats/filebeat:8.15.0",
					Args:  []string{"-c", "/etc/filebeat/filebeat.yml", "-e"},
					Env: []corev1.EnvVar{{Name: "NODE_NAME", ValueFrom: &corev1.EnvVarSource{
						FieldRef: &corev1.ObjectFieldSelector{FieldPath: "spec.nodeName"}}}},
					VolumeMounts: []corev1.VolumeMount{
						{Name: name + "-config", MountPath: "/etc/filebeat", ReadOnly: true},
						{Name: name + "-logs", MountPath: "/var/log/app"},
					},
				},
				PodInjectPolicy: appsv1alpha1.AfterAppContainerType,
			}},
			Volumes: []corev1.Volume{
				{Name: name + "-config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
					LocalObjectReference: corev1.LocalObjectReference{Name: "filebeat-config"}}}},
				{Name: name + "-logs", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
			},
		},
	}
}
