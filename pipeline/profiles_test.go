package pipeline_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sidecarctl/sidecarctl/config"
	"github.com/sidecarctl/sidecarctl/pipeline"
	"github.com/sidecarctl/sidecarctl/sidecarset"
	"github.com/sidecarctl/sidecarctl/translate"
)

// TestProfilesCompileAsTranslate: profiles in the state compile exactly as `translate` compiles
// them with the same options, and kruise-manager's --allow-privileged (Engine) is not the
// virtual-node privilege exemption (Translate.AllowPrivileged): with Kruise v1.3 (the
// virtual-node target) seed 000's privileged csi sidecars are refused on ECI unless the
// exemption is given, whatever --allow-privileged says.
func TestProfilesCompileAsTranslate(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(seedDir, "sandbox-injection-config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		opts    pipeline.Options
		wantErr bool
	}{
		{name: "kruise v1.8, regular nodes", opts: pipeline.Options{}},
		{name: "kruise v1.8, ACS pods", opts: pipeline.Options{Translate: translate.Options{Platform: translate.ACS}}},
		{name: "kruise v1.3, ECI: privileged refused though kruise-manager allows it", wantErr: true,
			opts: pipeline.Options{Engine: sidecarset.Options{Version: sidecarset.KruiseV13}, Translate: translate.Options{HostPath: translate.HostPathEmptyDir}}},
		{name: "kruise v1.3, ECI with the exemption",
			opts: pipeline.Options{Engine: sidecarset.Options{Version: sidecarset.KruiseV13}, Translate: translate.Options{HostPath: translate.HostPathEmptyDir, AllowPrivileged: true}}},
		{name: "kruise v1.3, ACS", opts: pipeline.Options{Engine: sidecarset.Options{Version: sidecarset.KruiseV13}, Translate: translate.Options{Platform: translate.ACS}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Region = "cn-hangzhou"
			st, err := admit(t, tc.opts, string(data))
			set, lerr := config.LoadProfiles("sandbox-injection-config.yaml", data)
			if lerr != nil {
				t.Fatal(lerr)
			}
			if set, lerr = config.Render(set, config.Settings{Region: "cn-hangzhou"}); lerr != nil {
				t.Fatal(lerr)
			}
			target := translate.Kruise
			if tc.opts.Engine.Version == sidecarset.KruiseV13 {
				target = translate.VirtualNode
			}
			topts := tc.opts.Translate
			topts.Target = target
			res, cerr := translate.Compile(set, topts)
			if (err != nil) != tc.wantErr || (cerr != nil) != tc.wantErr {
				t.Fatalf("pipeline: %v; translate: %v; want error: %v", err, cerr, tc.wantErr)
			}
			if tc.wantErr {
				return
			}
			var got []string
			for _, c := range st.Created() {
				got = append(got, c.SidecarSet.Name+" "+c.SidecarSet.Annotations[sidecarset.AnnotationHash])
			}
			engine := sidecarset.NewState(sidecarset.Options{Version: tc.opts.Engine.Version})
			var want []string
			for _, ss := range res.SidecarSets() {
				stored, err := engine.Create(ss)
				if err != nil {
					t.Fatal(err)
				}
				want = append(want, stored.Name+" "+stored.Annotations[sidecarset.AnnotationHash])
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("stored SidecarSets (name and hash) differ from translate's (-translate +pipeline):\n%s", diff)
			}
		})
	}
}
