package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLoadSettings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		data    string
		want    Settings
		wantErr string
	}{
		{
			name: "full YAML",
			data: "apiVersion: sidecarctl.dev/v1alpha1\nkind: Settings\nregion: cn-hangzhou\ntarget: virtual-node\nplatform: acs\nmainContainer: sandbox\n",
			want: Settings{APIVersion: SettingsAPIVersion, Kind: SettingsKind, Region: "cn-hangzhou", Target: "virtual-node", Platform: "acs", MainContainer: "sandbox"},
		},
		{name: "JSON without type", data: `{"region": "ap-southeast-1"}`, want: Settings{Region: "ap-southeast-1"}},
		{name: "empty file", data: "", want: Settings{}},
		{name: "unknown field", data: "regoin: cn-hangzhou\n", wantErr: "settings.yaml: regoin: unknown field"},
		{name: "wrong kind", data: "kind: ConfigMap\n", wantErr: `settings.yaml: kind: want Settings, got "ConfigMap"`},
		{name: "wrong apiVersion", data: "apiVersion: v1\n", wantErr: `settings.yaml: apiVersion: want sidecarctl.dev/v1alpha1, got "v1"`},
		{name: "bad region", data: "region: CN_Hangzhou\n", wantErr: `settings.yaml: region: "CN_Hangzhou" is not a region id`},
		{name: "bad main container", data: "mainContainer: Main\n", wantErr: `settings.yaml: mainContainer: "Main"`},
		{name: "not YAML", data: "region: [\n", wantErr: "settings.yaml: yaml:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := LoadSettings("settings.yaml", []byte(tc.data))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
