package pipeline_test

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/pipeline"
	"github.com/sidecarctl/sidecarctl/pipeline/pipelinetest"
	"github.com/sidecarctl/sidecarctl/sidecarset"
)

func items(t *testing.T, docs ...string) []pipeline.Item {
	t.Helper()
	var out []pipeline.Item
	for i, d := range docs {
		obj := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(d), &obj.Object); err != nil {
			t.Fatal(err)
		}
		out = append(out, pipeline.Item{Object: obj, Source: "doc" + string(rune('1'+i))})
	}
	return out
}

const typoSidecarSet = `
apiVersion: apps.kruise.io/v1alpha1
kind: SidecarSet
metadata:
  name: logs
spec:
  selector:
    matchLabels:
      app: web
  containers:
  - name: agent
    image: busybox
    podInjectionPolicy: AfterAppContainer
`

// TestStrict: warnings that hide a mistake say what the API server does and suggest the
// near name; --strict makes them errors.
func TestStrict(t *testing.T) {
	for _, tc := range []struct {
		name   string
		strict bool
		gates  sidecarset.FeatureGates
		want   []finding.Finding
	}{
		{name: "unknown field", want: []finding.Finding{{Severity: finding.Warning, Code: finding.UnknownField, Object: "doc1",
			Field: "spec.containers[0].podInjectionPolicy"}}},
		{name: "unknown field strict", strict: true, want: []finding.Finding{{Severity: finding.Error, Code: finding.UnknownField, Object: "doc1",
			Field: "spec.containers[0].podInjectionPolicy"}}},
		{name: "unknown gate", gates: sidecarset.FeatureGates{"SidecarSetPatchPodMetadataDefaultAllowed": true}, want: []finding.Finding{
			{Severity: finding.Warning, Code: finding.UnknownFeatureGate, Field: "--feature-gates"},
			{Severity: finding.Warning, Code: finding.UnknownField, Object: "doc1", Field: "spec.containers[0].podInjectionPolicy"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in, err := pipeline.Decode(items(t, typoSidecarSet))
			if err != nil {
				t.Fatal(err)
			}
			st, err := pipeline.Admit(in, pipeline.Options{Strict: tc.strict, Engine: sidecarset.Options{FeatureGates: tc.gates}})
			if err != nil {
				t.Fatal(err)
			}
			got := st.Findings()
			if len(got) != len(tc.want) {
				t.Fatalf("got %d findings, want %d: %v", len(got), len(tc.want), got)
			}
			for i, w := range tc.want {
				g := got[i]
				if g.Severity != w.Severity || g.Code != w.Code || g.Object != w.Object || g.Field != w.Field {
					t.Errorf("finding %d: got %+v, want %+v", i, g, w)
				}
				if !strings.Contains(g.Message, "did you mean") {
					t.Errorf("finding %d has no suggestion: %s", i, g.Message)
				}
			}
			if got := got[len(got)-1].Message; !strings.Contains(got, "did you mean spec.containers[0].podInjectPolicy?") {
				t.Errorf("suggestion: %s", got)
			}
		})
	}
}

const (
	typoSandbox = `
apiVersion: agents.kruise.io/v1alpha1
kind: Sandbox
metadata:
  name: box
  namespace: default
spec:
  runtimes:
  - name: agent-runtme
  template:
    spec:
      containers:
      - name: sandbox
        image: example:tag
`
	agentRuntimeProfile = `
apiVersion: v1
kind: ConfigMap
metadata:
  name: sandbox-injection-config
  namespace: sandbox-system
data:
  agent-runtime: |
    {"mainContainer": {"name": "", "env": [{"name": "ENVD_DIR", "value": "/mnt/envd"}]},
     "csiSidecar": [{"name": "init", "image": "agent-runtime:v1", "restartPolicy": "Always"}]}
`
)

// TestStrictRuntime: a runtime no profile defines stays in spec.runtimes with a warning that
// suggests the near profile; --strict makes it an error.
func TestStrictRuntime(t *testing.T) {
	for _, strict := range []bool{false, true} {
		st, err := admit(t, pipeline.Options{Strict: strict}, agentRuntimeProfile)
		if err != nil {
			t.Fatal(err)
		}
		obj := items(t, typoSandbox)[0].Object
		res, err := st.InjectObject(obj, "default", sidecarset.Create)
		if err != nil {
			t.Fatal(err)
		}
		want := finding.Warning
		if strict {
			want = finding.Error
		}
		var found bool
		for _, f := range res.Findings {
			if f.Code == finding.RuntimeNotInProfiles {
				found = true
				if f.Severity != want || !strings.Contains(f.Message, "did you mean agent-runtime?") {
					t.Errorf("strict=%v: %s", strict, f)
				}
			}
		}
		if !found {
			t.Errorf("strict=%v: no runtime_not_in_profiles finding in %v", strict, res.Findings)
		}
	}
}

// TestStrictClusterRefusal: the references injection gives a pod that a cluster refuses (no
// binding authorizes them, or they are malformed) are warnings offline and errors with
// --strict, whatever their code: the webhook denies the pod for the same findings.
func TestStrictClusterRefusal(t *testing.T) {
	scenarios, err := pipelinetest.Scenarios()
	if err != nil {
		t.Fatal(err)
	}
	refusing := map[string]finding.Code{"unauthorized-reference": finding.UnauthorizedReference, "malformed-reference": finding.MalformedReference}
	for _, sc := range scenarios {
		code, ok := refusing[sc.Name]
		if !ok {
			continue
		}
		delete(refusing, sc.Name)
		for _, strict := range []bool{false, true} {
			sc.Strict = strict
			st, err := sc.Admit()
			if err != nil {
				t.Fatal(err)
			}
			res, err := st.InjectPod(sc.Pod, sidecarset.Request{Namespace: sc.Pod.Namespace})
			if err != nil {
				t.Fatalf("%s: %v", sc.Name, err)
			}
			want := finding.Warning
			if strict {
				want = finding.Error
			}
			var found int
			for _, f := range res.Findings {
				if f.Code != code {
					continue
				}
				found++
				if f.Severity != want {
					t.Errorf("%s strict=%v: %s", sc.Name, strict, f)
				}
			}
			if found == 0 || found != len(res.Unauthorized) {
				t.Errorf("%s strict=%v: %d %s findings in %v, want them all in Unauthorized %v", sc.Name, strict, found, code, res.Findings, res.Unauthorized)
			}
		}
	}
	for name := range refusing {
		t.Errorf("scenario %s is missing", name)
	}
}
