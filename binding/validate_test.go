package binding_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sidecarctl/sidecarctl/binding"
	"github.com/sidecarctl/sidecarctl/binding/v1alpha1"
)

func TestValidateBinding(t *testing.T) {
	t.Parallel()
	valid := func() v1alpha1.SidecarSetResourceBinding {
		return newBinding("kube-system", "filebeat", subject("filebeat-sidecarset"), configMap("filebeat-config"), secret("es-credentials"))
	}
	tests := []struct {
		name   string
		mutate func(b *v1alpha1.SidecarSetResourceBinding)
		want   []string
	}{
		{name: "valid", mutate: func(*v1alpha1.SidecarSetResourceBinding) {}},
		{
			name:   "missing name and namespace",
			mutate: func(b *v1alpha1.SidecarSetResourceBinding) { b.Name, b.Namespace = "", "" },
			want: []string{
				"metadata.name: Required value: a binding needs a name",
				"metadata.namespace: Required value: a binding authorizes objects of its own namespace, so it needs one",
			},
		},
		{
			name:   "invalid name and namespace",
			mutate: func(b *v1alpha1.SidecarSetResourceBinding) { b.Name, b.Namespace = "File_Beat", "kube.system" },
			want: []string{
				`metadata.name: Invalid value: "File_Beat": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
				`metadata.namespace: Invalid value: "kube.system": must not contain dots`,
			},
		},
		{
			name: "no subjects and no refs",
			mutate: func(b *v1alpha1.SidecarSetResourceBinding) {
				b.Spec.Subjects, b.Spec.ResourceRefs = nil, nil
			},
			want: []string{
				"spec.subjects: Required value: at least one SidecarSet must be named",
				"spec.resourceRefs: Required value: at least one ConfigMap or Secret must be named",
			},
		},
		{
			name: "wrong kinds",
			mutate: func(b *v1alpha1.SidecarSetResourceBinding) {
				b.Spec.Subjects[0].Kind = "ServiceAccount"
				b.Spec.ResourceRefs[1].Kind = "secret"
			},
			want: []string{
				`spec.subjects[0].kind: Unsupported value: "ServiceAccount": supported values: "SidecarSet"`,
				`spec.resourceRefs[1].kind: Unsupported value: "secret": supported values: "ConfigMap", "Secret"`,
			},
		},
		{
			name: "empty names",
			mutate: func(b *v1alpha1.SidecarSetResourceBinding) {
				b.Spec.Subjects[0].Name = ""
				b.Spec.ResourceRefs[0].Name = ""
			},
			want: []string{
				"spec.subjects[0].name: Required value",
				"spec.resourceRefs[0].name: Required value",
			},
		},
		{
			name: "namespaced ref name",
			mutate: func(b *v1alpha1.SidecarSetResourceBinding) {
				b.Spec.ResourceRefs[0].Name = "kube-system/filebeat-config"
			},
			want: []string{
				`spec.resourceRefs[0].name: Invalid value: "kube-system/filebeat-config": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
			},
		},
		{
			name: "duplicates",
			mutate: func(b *v1alpha1.SidecarSetResourceBinding) {
				b.Spec.Subjects = append(b.Spec.Subjects, subject("other")[0], subject("filebeat-sidecarset")[0])
				b.Spec.ResourceRefs = append(b.Spec.ResourceRefs, secret("filebeat-config"), configMap("filebeat-config"))
			},
			want: []string{
				`spec.subjects[2]: Duplicate value: "SidecarSet filebeat-sidecarset"`,
				`spec.resourceRefs[3]: Duplicate value: "ConfigMap filebeat-config"`,
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := valid()
			tc.mutate(&b)
			var got []string
			for _, err := range binding.ValidateBinding(&b) {
				got = append(got, err.Error())
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ValidateBinding (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateSeedBinding(t *testing.T) {
	t.Parallel()
	for _, b := range readBindings(t, "testdata/seed/filebeat-binding.yaml") {
		if errs := binding.ValidateBinding(&b); len(errs) > 0 {
			t.Errorf("seed binding %s/%s: %v", b.Namespace, b.Name, errs.ToAggregate())
		}
	}
}
