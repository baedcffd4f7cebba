package migrate_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/migrate"
	"github.com/sidecarctl/sidecarctl/pipeline"
)

// fieldsBase is a Deployment whose agent sidecar TestReportsExactlyTheFields changes in one
// of three workloads: %s is the name, %s the agent's extra YAML, %s the volumes.
const fieldsBase = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: %s, namespace: shop}
spec:
  selector: {matchLabels: {app: %[1]s}}
  template:
    metadata: {labels: {app: %[1]s, agent: "on"}}
    spec:
      containers:
      - {name: app, image: "example/app-%[1]s:1", volumeMounts: [{name: data, mountPath: /data}]}
      - name: agent
        image: "example/agent:1"
        env: [{name: MODE, value: push}]
        volumeMounts: [{name: agent-config, mountPath: /etc/agent}]
%s
      volumes:
%s
`

const fieldsVolumes = `      - {name: data, emptyDir: {}}
      - {name: agent-config, configMap: {name: agent-config}}`

// TestReportsExactlyTheFields: one change to one workload's copy of a sidecar keeps it there
// with exactly that field reported, or migrates it with the decision that reproduces it.
func TestReportsExactlyTheFields(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		extra   string // YAML appended to b's agent
		volumes string // b's volumes (fieldsVolumes when empty)
		edit    func(string) string
		kept    bool
		fields  []string // the fields reported for b, with their codes
	}{
		{name: "identical", fields: nil},
		{name: "image", edit: func(s string) string { return strings.Replace(s, `"example/agent:1"`, `"example/agent:2"`, 1) }, kept: true,
			fields: []string{"migrate_field_differs spec.template.spec.containers[1].image"}},
		{name: "env value", edit: func(s string) string { return strings.Replace(s, "value: push", "value: pull", 1) }, kept: true,
			fields: []string{"migrate_field_differs spec.template.spec.containers[1].env[0].value"}},
		{name: "resources and securityContext", extra: "        resources: {limits: {cpu: 100m}}\n        securityContext: {runAsUser: 1000}", kept: true,
			fields: []string{"migrate_field_differs spec.template.spec.containers[1].resources.limits.cpu",
				"migrate_field_differs spec.template.spec.containers[1].securityContext.runAsUser"}},
		{name: "mount readOnly", edit: func(s string) string {
			return strings.Replace(s, "mountPath: /etc/agent}", "mountPath: /etc/agent, readOnly: true}", 1)
		}, kept: true, fields: []string{"migrate_field_differs spec.template.spec.containers[1].volumeMounts[0].readOnly"}},
		{name: "placement", edit: func(s string) string {
			i := strings.Index(s, "      - name: agent")
			j := strings.Index(s, "      volumes:")
			app := "      - {name: app, image: \"example/app-b:1\", volumeMounts: [{name: data, mountPath: /data}]}\n"
			return strings.Replace(s[:i], app, "", 1) + s[i:j] + app + s[j:]
		}, kept: true, fields: []string{"migrate_placement spec.template.spec.containers[0]"}},
		{name: "volume defined otherwise", volumes: "      - {name: data, emptyDir: {}}\n      - {name: agent-config, configMap: {name: agent-config-b}}",
			fields: []string{"migrate_volume_kept spec.template.spec.volumes[1]"}},
		{name: "volume order", volumes: "      - {name: agent-config, configMap: {name: agent-config}}\n      - {name: data, emptyDir: {}}",
			fields: []string{"migrate_volume_order spec.template.spec.volumes"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var items []pipeline.Item
			for _, name := range []string{"a", "b", "c"} {
				extra, volumes := "", fieldsVolumes
				if name == "b" {
					extra = tc.extra
					if tc.volumes != "" {
						volumes = tc.volumes
					}
				}
				doc := fmt.Sprintf(fieldsBase, name, extra, volumes)
				if name == "b" && tc.edit != nil {
					doc = tc.edit(doc)
				}
				obj := &unstructured.Unstructured{}
				if err := yaml.Unmarshal([]byte(doc), &obj.Object); err != nil {
					t.Fatalf("%s: %v\n%s", name, err, doc)
				}
				items = append(items, pipeline.Item{Object: obj, Source: name})
			}
			res, err := migrate.Plan(items, migrate.Options{})
			if err != nil {
				t.Fatal(err)
			}
			b := res.Workloads[1]
			if kept := slices.Contains(b.Kept, "agent"); kept != tc.kept {
				t.Errorf("agent kept in b = %v, want %v (findings %v)", kept, tc.kept, b.Findings)
			}
			var got []string
			for _, f := range b.Findings {
				if f.Code != finding.MigrateLabelStamped {
					got = append(got, string(f.Code)+" "+f.Field)
				}
			}
			if diff := cmp.Diff(tc.fields, got); diff != "" {
				t.Errorf("b's findings (-want +got):\n%s", diff)
			}
			for _, w := range []migrate.Workload{res.Workloads[0], res.Workloads[2]} {
				if !slices.Equal(w.Migrated, []string{"agent"}) {
					t.Errorf("%s: migrated %v, want [agent] (findings %v)", w.Name, w.Migrated, w.Findings)
				}
			}
		})
	}
}
