package sidecarset_test

import (
	corev1 "k8s.io/api/core/v1"
)

// releaseScenarios are the examples of sidecarset/BEHAVIOUR.md §5.14, at least one for every
// boundary between two emulated releases; TestReleaseBoundaries runs each in every release.
var releaseScenarios = []releaseScenario{
	// v1.3.0 -> v1.4.
	{name: "namespaceSelector is pruned, then matched",
		state: "apiVersion: v1\nkind: Namespace\nmetadata: {name: dev, labels: {env: dev}}\n---\n" +
			set("prod-only", "  namespaceSelector: {matchLabels: {env: prod}}\n  containers: [{name: log, image: log:1}]"),
		pod:   `{metadata: {name: web, namespace: dev, labels: {app: x}}, spec: {containers: [{name: app, image: app:1}]}}`,
		probe: containerNames,
		want:  []string{"1.3", "log,app", "1.4", "app"}},
	{name: "namespace and namespaceSelector together",
		state: set("both", "  namespace: default\n  namespaceSelector: {matchLabels: {env: prod}}\n  containers: [{name: log, image: log:1}]"),
		probe: containerNames,
		want: []string{"1.3", "log,app",
			"1.4", "refused: spec.namespace, namespaceSelector: Required value: namespace and namespaceSelector are mutually exclusive"}},
	{name: "namespaceSelectors that do not overlap",
		state: set("a", "  namespaceSelector: {matchLabels: {env: prod}}\n  containers: [{name: log, image: log:1}]") + "\n---\n" +
			set("b", "  namespaceSelector: {matchLabels: {env: dev}}\n  containers: [{name: log, image: log:1}]"),
		probe: containerNames,
		want:  []string{"1.3", `refused: spec.containers: Invalid value: "log": container log already exist in a`, "1.4", "app"}},
	{name: "injected list is merged with the pod's",
		state: set("aaa", "  containers: [{name: log, image: log:1}]"),
		pod:   `{metadata: {name: web, namespace: default, labels: {app: x}, annotations: {kruise.io/sidecarset-injected-list: zzz}}, spec: {containers: [{name: app, image: app:1}]}}`,
		probe: annotation("kruise.io/sidecarset-injected-list"),
		want:  []string{"1.3", "aaa", "1.4", "aaa,zzz"}},
	{name: "working hot-upgrade annotation keeps every sidecar",
		state: set("hot", `  containers:
  - {name: envoy, image: envoy:1, upgradeStrategy: {upgradeType: HotUpgrade, hotUpgradeEmptyImage: empty:1}}
  - {name: pilot, image: pilot:1, upgradeStrategy: {upgradeType: HotUpgrade, hotUpgradeEmptyImage: empty:1}}`),
		probe: annotation("kruise.io/sidecarset-working-hotupgrade-container"),
		want:  []string{"1.3", `{"pilot":"pilot-1"}`, "1.4", `{"envoy":"envoy-1","pilot":"pilot-1"}`}},
	// v1.3.0 -> v1.4, v1.5.0 -> v1.5.1, v1.7.0 -> v1.7.1 (#1101, #1453, #1719).
	{name: "hash entry of a SidecarSet with only init containers",
		state: set("init-only", "  initContainers: [{name: setup, image: setup:1}]"),
		probe: sidecarLists,
		want:  []string{"1.3", "init-only:[]", "1.4", "{}", "1.5.1", "init-only:[]", "1.7.0", "init-only:[setup]", "1.7.1", "init-only:[]"}},

	// v1.4 -> v1.5.0.
	{name: "pod fields newer than Kubernetes 1.22 when a sidecar is appended",
		state: set("after", "  containers: [{name: log, image: log:1, podInjectPolicy: AfterAppContainer}]"),
		pod:   `{metadata: {name: web, namespace: default, labels: {app: x}}, spec: {os: {name: linux}, schedulingGates: [{name: wait}], containers: [{name: app, image: app:1}]}}`,
		probe: func(pod *corev1.Pod) string {
			return "os" + has(pod.Spec.OS != nil) + " schedulingGates" + has(len(pod.Spec.SchedulingGates) > 0)
		},
		want: []string{"1.3", "os- schedulingGates-", "1.5.0", "os+ schedulingGates+"}},
	{name: "pod container resizePolicy when a sidecar goes before it",
		state: set("before", "  containers: [{name: proxy, image: proxy:1}]"),
		pod:   `{metadata: {name: web, namespace: default, labels: {app: x}}, spec: {containers: [{name: app, image: app:1, resizePolicy: [{resourceName: cpu, restartPolicy: NotRequired}]}]}}`,
		probe: each(false, func(c *corev1.Container) string { return has(len(c.ResizePolicy) > 0) }),
		want:  []string{"1.3", "proxy:-,app:-", "1.5.0", "proxy:+,app:-", "1.7.0", "proxy:-,app:+"}},
	{name: "grpc probe on a sidecar",
		state: set("grpc", "  containers: [{name: proxy, image: proxy:1, livenessProbe: {grpc: {port: 9090}}}]"),
		probe: containerNames,
		want: []string{"1.3", "refused: spec.containers[0].livenessProbe: Required value: must specify a handler type",
			"1.5.0", "proxy,app"}},
	{name: "init container env and shared volumes",
		state: set("cfg", `  initContainers:
  - name: cfg
    image: cfg:1
    env: [{name: MODE, value: sidecar}]
    transferEnv: [{sourceContainerName: app, envNames: [MODE, REGION]}]
    shareVolumePolicy: {type: enabled}
    volumeMounts: [{name: cfg, mountPath: /cfg}]
  volumes: [{name: cfg, emptyDir: {}}]`),
		pod: `{metadata: {name: web, namespace: default, labels: {app: x}}, spec: {volumes: [{name: data, emptyDir: {}}],
  containers: [{name: app, image: app:1, env: [{name: MODE, value: app}, {name: REGION, value: eu}], volumeMounts: [{name: data, mountPath: /data}]}]}}`,
		probe: each(true, envAndMounts),
		want: []string{"1.3", "cfg:env MODE=sidecar;IS_INJECTED=true;MODE=app;REGION=eu mounts /cfg",
			"1.5.0", "cfg:env MODE=sidecar;IS_INJECTED=true;REGION=eu mounts /cfg;/data"}},
	{name: "projected service account token volume",
		state: set("token", "  containers: [{name: proxy, image: proxy:1}]\n  volumes: [{name: token, projected: {sources: [{serviceAccountToken: {path: token}}]}}]"),
		probe: containerNames,
		want: []string{"1.3", "refused: spec.volumes[0].projected.sources[0].serviceAccountToken: Forbidden: must not be specified when serviceAccountName is not set",
			"1.5.0", "proxy,app"}},
	{name: "priorityStrategy with weight and order terms",
		state: set("prio", `  containers: [{name: proxy, image: proxy:1}]
  updateStrategy:
    priorityStrategy:
      weightPriority: [{weight: 50, matchSelector: {matchLabels: {a: b}}}]
      orderPriority: [{orderedKey: k}]`),
		probe: containerNames,
		want: []string{"1.3", "proxy,app",
			"1.5.0", "refused: spec.updateStrategy.priorityStrategy: Required value: only one of weightPriority and orderPriority can be used"}},

	// v1.5.0 -> v1.5.1 (#1402).
	{name: "pinned revision recorded without $patch",
		state: `apiVersion: apps/v1
kind: ControllerRevision
metadata: {name: pinned-old, namespace: kruise-system}
revision: 1
data: {spec: {containers: [{name: a, image: a:1}], initContainers: [{name: x, image: x:1}]}}
---
` + set("pinned", `  containers: [{name: a, image: a:2}]
  initContainers: [{name: x, image: x:2}, {name: z, image: z:1}]
  injectionStrategy: {revision: {revisionName: pinned-old}}`),
		probe: func(pod *corev1.Pod) string {
			return each(true, func(c *corev1.Container) string { return c.Image })(pod) + " " +
				each(false, func(c *corev1.Container) string { return c.Image })(pod)
		},
		want: []string{"1.3", "x:x:1 a:a:1,app:app:1", "1.5.1", "x:x:1,z:z:1 a:a:1,app:app:1"}},

	// v1.5.1 -> v1.6.
	{name: "resource claims on a sidecar",
		state: set("claims", "  containers: [{name: proxy, image: proxy:1, resources: {claims: [{name: gpu}]}}]"),
		probe: containerNames,
		want: []string{"1.3", "proxy,app",
			"1.6", `refused: spec.containers[0].resources.claims[0]: Not found: "gpu": must be one of the names in pod.spec.resourceClaims which is empty`}},
	{name: "readinessProbe on a plain init container",
		state: set("probe", "  initContainers: [{name: setup, image: setup:1, readinessProbe: {exec: {command: [\"true\"]}}}]"),
		probe: initNames,
		want: []string{"1.3", "refused: spec.initContainers[0].readinessProbe: Invalid value: …",
			"1.6", "refused: spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers",
			"1.7.0", "refused: spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always"}},

	// v1.6 -> v1.7.0.
	{name: "resizePolicy on a sidecar",
		state: set("resize", "  containers: [{name: proxy, image: proxy:1, resizePolicy: [{resourceName: cpu, restartPolicy: NotRequired}]}]"),
		probe: each(false, func(c *corev1.Container) string { return has(len(c.ResizePolicy) > 0) }),
		want:  []string{"1.3", "proxy:-,app:-", "1.7.0", "proxy:+,app:-"}},
	{name: "restartPolicy on a sidecar container",
		state: set("restart", "  containers: [{name: proxy, image: proxy:1, restartPolicy: Always}]"),
		probe: containerNames,
		want:  []string{"1.3", "proxy,app", "1.7.0", "refused: spec.containers[0].restartPolicy: Forbidden: may not be set for non-init containers"}},
	{name: "init containers placed by podInjectPolicy",
		state: set("place", "  initContainers: [{name: a-init, image: a:1, podInjectPolicy: AfterAppContainer}, {name: b-init, image: b:1, podInjectPolicy: BeforeAppContainer}]"),
		pod:   `{metadata: {name: web, namespace: default, labels: {app: x}}, spec: {initContainers: [{name: app-init, image: i:1}], containers: [{name: app, image: app:1}]}}`,
		probe: initNames,
		want:  []string{"1.3", "app-init,a-init,b-init", "1.7.0", "b-init,app-init,a-init"}},
	{name: "empty podInjectPolicy without defaulting",
		state:          set("raw", "  containers: [{name: proxy, image: proxy:1}]"),
		skipDefaulting: true,
		probe:          containerNames,
		want:           []string{"1.3", "proxy,app", "1.7.0", "app,proxy"}},
	{name: "errors of its own stop the conflict checks",
		state: set("first", "  containers: [{name: log, image: log:1}]") + "\n---\n" + set("second", "  containers: [{name: log}]"),
		probe: containerNames,
		want: []string{"1.3", `refused: [spec.containers[0].image: Required value, spec.containers: Invalid value: "log": container log already exist in first]`,
			"1.7.0", "refused: spec.containers[0].image: Required value"}},

	// v1.6 -> v1.7.0 -> v1.7.1 (#1613, #1719).
	{name: "sidecarList with a plain init container",
		state: set("mixed", "  initContainers: [{name: setup, image: setup:1}]\n  containers: [{name: proxy, image: proxy:1}]"),
		probe: sidecarLists,
		want:  []string{"1.3", "mixed:[proxy]", "1.7.0", "mixed:[proxy,setup]", "1.7.1", "mixed:[proxy]"}},
	{name: "sidecarList with a native sidecar",
		state: set("mesh", `  initContainers: [{name: setup, image: setup:1}, {name: mesh-init, image: mesh:1, restartPolicy: Always}]
  containers: [{name: proxy, image: proxy:1}]
  updateStrategy: {type: NotUpdate}`),
		probe: sidecarLists,
		want:  []string{"1.3", "mesh:[proxy]", "1.7.0", "mesh:[mesh-init,proxy,setup]", "1.7.1", "mesh:[mesh-init,proxy]"}},

	// v1.7.1 -> v1.8.
	{name: "revision policy Partial",
		state: `apiVersion: apps/v1
kind: ControllerRevision
metadata: {name: partial-v1, namespace: kruise-system}
revision: 1
data: {spec: {containers: [{name: proxy, image: proxy:1}], $patch: replace}}
---
` + set("partial", "  containers: [{name: proxy, image: proxy:2}]\n  injectionStrategy: {revision: {revisionName: partial-v1, policy: Partial}}"),
		probe: each(false, func(c *corev1.Container) string { return c.Image }),
		want: []string{"1.3", "refused: revision.policy: Invalid value: …",
			"1.8", "proxy:proxy:2,app:app:1"}},
	{name: "unknown revision policy",
		state: `apiVersion: apps/v1
kind: ControllerRevision
metadata: {name: odd-v1, namespace: kruise-system}
revision: 1
data: {spec: {containers: [{name: proxy, image: proxy:1}], $patch: replace}}
---
` + set("odd", "  containers: [{name: proxy, image: proxy:2}]\n  injectionStrategy: {revision: {revisionName: odd-v1, policy: Sometimes}}"),
		probe: containerNames,
		want: []string{"1.3", "refused: revision.policy: Invalid value: …",
			"1.8", `refused: spec.injectionStrategy.revision.policy: Unsupported value: "Sometimes": supported values: "Always", "Partial"`}},
	{name: "partition together with updateStrategy.selector",
		state: set("canary", "  containers: [{name: proxy, image: proxy:1}]\n  updateStrategy: {selector: {matchLabels: {canary: \"true\"}}, partition: 50%}"),
		probe: containerNames,
		want:  []string{"1.3", "proxy,app", "1.8", `refused: updateStrategy: Invalid value: "&{Type:RollingUpdate …`}},
	{name: "preStop sleep on a sidecar",
		state: set("sleep", "  containers: [{name: proxy, image: proxy:1, lifecycle: {preStop: {sleep: {seconds: 5}}}}]"),
		probe: containerNames,
		want: []string{"1.3", "refused: spec.containers[0].lifecycle.preStop: Required value: must specify a handler type",
			"1.8", "refused: spec.containers[0].lifecycle.preStop.sleep: Invalid value: 5: must be greater than 0 and less than terminationGracePeriodSeconds (0)"}},
	{name: "clusterTrustBundle projection in a SidecarSet volume",
		state: set("bundle", `  containers: [{name: proxy, image: proxy:1, volumeMounts: [{name: ca, mountPath: /ca}]}]
  volumes: [{name: ca, projected: {sources: [{clusterTrustBundle: {name: b, path: b.pem}}]}}]`),
		probe: func(pod *corev1.Pod) string {
			for _, v := range pod.Spec.Volumes {
				if v.Name == "ca" && v.Projected != nil && len(v.Projected.Sources) == 1 {
					return "trust bundle" + has(v.Projected.Sources[0].ClusterTrustBundle != nil)
				}
			}
			return "no ca volume"
		},
		want: []string{"1.3", "trust bundle-", "1.8", "trust bundle+"}},
}
