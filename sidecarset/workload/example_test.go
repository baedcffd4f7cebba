package workload_test

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/sidecarctl/sidecarctl/sidecarset/workload"
)

func ExampleMutate() {
	manifest := `
apiVersion: agents.x-k8s.io/v1alpha1
kind: Sandbox
metadata:
  name: my-sandbox
  namespace: default
spec:
  podTemplate:
    spec:
      runtimeClassName: gvisor
      x-future-field: kept
      containers:
      - name: aiosandbox
        image: all-in-one-sandbox:latest
`
	obj := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(manifest), &obj.Object); err != nil {
		fmt.Println(err)
		return
	}
	outcome, err := workload.Mutate(obj, func(pod *corev1.Pod) error {
		pod.Spec.Containers = append(pod.Spec.Containers, corev1.Container{Name: "log", Image: "log:1"})
		return nil
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(outcome.Reason, "-", outcome.Message)
	out, _ := yaml.Marshal(obj.Object["spec"])
	fmt.Print(string(out))
	// Output:
	// mutated - Sandbox.agents.x-k8s.io default/my-sandbox: changed the pod template at spec.podTemplate
	// podTemplate:
	//   spec:
	//     containers:
	//     - image: all-in-one-sandbox:latest
	//       name: aiosandbox
	//     - image: log:1
	//       name: log
	//       resources: {}
	//     runtimeClassName: gvisor
	//     x-future-field: kept
}
