package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRenderSeed(t *testing.T) {
	t.Parallel()
	set, err := LoadProfiles("profiles.yaml", readFile(t, seedFile))
	if err != nil {
		t.Fatal(err)
	}
	got, err := Render(set, Settings{Region: "cn-zhangjiakou"})
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	var images []string
	for _, p := range got.Profiles {
		for _, c := range p.CSISidecar {
			images = append(images, c.Image)
		}
	}
	want := []string{
		"registry-cn-zhangjiakou-vpc.ack.aliyuncs.com/acs/agent-runtime:v0.0.5",
		"registry-cn-zhangjiakou-vpc.ack.aliyuncs.com/acs/csi-plugin:v1.35.1-2592a4872",
		"registry-cn-zhangjiakou-vpc.ack.aliyuncs.com/acs/csi-agent:v1.35.3-cgroupv1-dport-forbidden",
	}
	if diff := cmp.Diff(want, images); diff != "" {
		t.Errorf("rendered images (-want +got):\n%s", diff)
	}
	if got.Region != "cn-zhangjiakou" {
		t.Errorf("Region = %q", got.Region)
	}
	if err := CheckRendered(got); err != nil {
		t.Errorf("CheckRendered after Render: %v", err)
	}
	// The input is untouched.
	if img := set.Profiles[0].CSISidecar[0].Image; !strings.Contains(img, RegionPlaceholder) {
		t.Errorf("Render modified its input: %s", img)
	}
}

func TestRenderEverywhere(t *testing.T) {
	t.Parallel()
	set, err := LoadProfiles("p.json", profilesCM(t, map[string]string{
		"x": `{"csiSidecar": [{"name": "a", "image": "r-<region-id>/a:1", "args": ["--region=<region-id>"],
			"env": [{"name": "R", "value": "<region-id>"}]}],
			"annotations": {"<region-id>.example.com/r": "<region-id>"}}`,
	}))
	if err != nil {
		t.Fatal(err)
	}
	got, err := Render(set, Settings{Region: "us-west-1"})
	if err != nil {
		t.Fatal(err)
	}
	p := got.Profiles[0]
	gotStrings := []string{p.CSISidecar[0].Image, p.CSISidecar[0].Args[0], p.CSISidecar[0].Env[0].Value, p.Annotations["us-west-1.example.com/r"]}
	if diff := cmp.Diff([]string{"r-us-west-1/a:1", "--region=us-west-1", "us-west-1", "us-west-1"}, gotStrings); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestRenderErrors(t *testing.T) {
	t.Parallel()
	const loc = "profiles.yaml: ConfigMap sandbox-system/sandbox-injection-config: "
	tests := []struct {
		name     string
		data     map[string]string
		settings Settings
		wantErr  []string
	}{
		{
			name: "missing region names every field",
			data: nil, // the seed
			wantErr: []string{
				loc + "data[agent-runtime]: csiSidecar[0].image: unresolved placeholder <region-id> (set the region",
				loc + "data[csi]: csiSidecar[0].image: unresolved placeholder <region-id>",
				loc + "data[csi]: csiSidecar[1].image: unresolved placeholder <region-id>",
			},
		},
		{
			name:     "unknown placeholder stays an error with a region",
			data:     map[string]string{"x": `{"csiSidecar": [{"name": "a", "image": "<your-registry>/a:1", "env": [{"name": "E", "value": "<region-id>"}]}]}`},
			settings: Settings{Region: "cn-hangzhou"},
			wantErr:  []string{loc + "data[x]: csiSidecar[0].image: unresolved placeholder <your-registry> (sidecarctl only renders <region-id>)"},
		},
		{
			name:     "placeholder in a map key",
			data:     map[string]string{"x": `{"labels": {"<team>.example.com/a": "b"}}`},
			wantErr:  []string{loc + "data[x]: labels.<team>.example.com/a: unresolved placeholder <team> in key"},
			settings: Settings{Region: "cn-hangzhou"},
		},
		{
			name:     "region that is not a region id",
			data:     map[string]string{"x": `{"volume": [{"name": "a", "emptyDir": {}}]}`},
			settings: Settings{Region: "cn hangzhou/x"},
			wantErr:  []string{loc + `region "cn hangzhou/x": want a region id`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			data := readFile(t, seedFile)
			if tc.data != nil {
				data = profilesCM(t, tc.data)
			}
			set, err := LoadProfiles("profiles.yaml", data)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Render(set, tc.settings)
			if err == nil {
				t.Fatal("Render succeeded, want error")
			}
			for _, want := range tc.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error does not contain %q:\n%v", want, err)
				}
			}
			if tc.settings.Region == "" {
				if cerr := CheckRendered(set); cerr == nil || cerr.Error() != err.Error() {
					t.Errorf("CheckRendered = %v, want the same errors as Render", cerr)
				}
			}
		})
	}
}
