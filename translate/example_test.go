package translate_test

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/sidecarctl/sidecarctl/config"
	"github.com/sidecarctl/sidecarctl/translate"
)

// ExampleCompile compiles a one-profile ConfigMap for ECI virtual nodes: the native sidecar
// becomes a container with ECI's sidecar env, the region is rendered into the image, and the
// main-container env goes to the AppPatch.
func ExampleCompile() {
	profiles := []byte(`
apiVersion: v1
kind: ConfigMap
metadata:
  name: sandbox-injection-config
  namespace: sandbox-system
data:
  agent-runtime: |
    {"mainContainer": {"env": [{"name": "ENVD_DIR", "value": "/mnt/envd"}]},
     "csiSidecar": [{"name": "init", "image": "registry-<region-id>-vpc.ack.aliyuncs.com/acs/agent-runtime:v0.0.5",
                     "restartPolicy": "Always", "readinessProbe": {"exec": {"command": ["true"]}}}]}
`)
	set, err := config.LoadProfiles("profiles.yaml", profiles)
	if err != nil {
		fmt.Println(err)
		return
	}
	set, err = config.Render(set, config.Settings{Region: "cn-hangzhou"})
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := translate.Compile(set, translate.Options{Target: translate.VirtualNode, VirtualNodeLabel: translate.LabelECI, MainContainer: "sandbox"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, ss := range res.SidecarSets() {
		fmt.Println(ss.Name, ss.Spec.Selector.MatchLabels, ss.Spec.UpdateStrategy.Type)
		for _, c := range ss.Spec.Containers {
			fmt.Println(" ", c.PodInjectPolicy, c.Name, c.Image)
		}
	}
	fmt.Println("app patches:", res.AppPatches.Namespace+"/"+res.AppPatches.Name)
	for _, f := range res.Findings {
		fmt.Println(f.Severity, f.Code)
	}
	// Output:
	// sidecarctl-agent-runtime map[alibabacloud.com/eci:true runtime.sidecarctl.dev/agent-runtime:true] NotUpdate
	//   BeforeAppContainer init registry-cn-hangzhou-vpc.ack.aliyuncs.com/acs/agent-runtime:v0.0.5
	// app patches: sidecarctl-system/sidecarctl-app-patches
	// rewrite native_sidecar_to_container
	// warning exit_order_unverified
	// info app_patch_emitted
}

// ExampleOptions_ForWorkloads is what a pipeline does with workloads: the platform comes from
// their templates (here an alibabacloud.com/acs SandboxSet), then the profiles are compiled
// for it and stamped into the workloads. On the kruise target the SidecarSets then select the
// ACS label too, so Kruise's webhook injects the native sidecars when the pod is created.
func ExampleOptions_ForWorkloads() {
	profiles := []byte(`
apiVersion: v1
kind: ConfigMap
metadata: {name: sandbox-injection-config, namespace: sandbox-system}
data:
  agent-runtime: |
    {"csiSidecar": [{"name": "init", "image": "agent-runtime:v0.0.5", "restartPolicy": "Always",
                     "env": [{"name": "__IGNORE_RESOURCE__", "value": "true"}]}]}
`)
	workload := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(`
apiVersion: agents.kruise.io/v1alpha1
kind: SandboxSet
metadata: {name: code-interpreter, namespace: default}
spec:
  runtimes: [{name: agent-runtime}]
  template:
    metadata: {labels: {alibabacloud.com/acs: "true"}}
    spec: {containers: [{name: sandbox, image: app}]}
`), &workload.Object); err != nil {
		fmt.Println(err)
		return
	}
	set, err := config.LoadProfiles("profiles.yaml", profiles)
	if err != nil {
		fmt.Println(err)
		return
	}
	opts, err := translate.Options{Target: translate.Kruise}.ForWorkloads(nil, workload)
	if err != nil {
		fmt.Println(err) // the workloads ask for different platforms
		return
	}
	res, err := translate.Compile(set, opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("platform:", res.Options.Platform, "from", res.Options.PlatformFrom)
	for _, ss := range res.SidecarSets() {
		fmt.Println(ss.Name, ss.Spec.Selector.MatchLabels, *ss.Spec.InitContainers[0].RestartPolicy)
	}
	st, err := translate.Stamp(workload, res, translate.StampOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range append(res.Findings, st.Findings...) {
		fmt.Println(f.Severity, f.Code)
	}
	// Output:
	// platform: acs from workloads
	// sidecarctl-agent-runtime map[alibabacloud.com/acs:true runtime.sidecarctl.dev/agent-runtime:true] Always
	// info platform_label_selected
	// warning resource_ignore_shares_resources
	// info runtimes_stamped
	// info kruise_injection_marks
}
