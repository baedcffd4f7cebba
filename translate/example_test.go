package translate_test

import (
	"fmt"

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
