package translate

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"

	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/platform"
)

// TestCompilePlatforms compiles seed 000's profiles for every (target, platform) pair and
// checks what the platform decides: the selector, native or converted sidecars, the sidecar
// and resource-ignore env, whether hostPath and privileged are kept, refused or rewritten,
// and the findings' codes.
func TestCompilePlatforms(t *testing.T) {
	t.Parallel()
	const (
		runtimeLabel = "runtime.sidecarctl.dev/csi"
		native       = "native"    // init containers with restartPolicy: Always
		converted    = "converted" // containers placed BeforeAppContainer
	)
	tests := []struct {
		name         string
		opts         Options
		wantSelector []string // label keys of the csi SidecarSet's selector, sorted
		wantSidecars string
		wantEnv      []string // env names every csi sidecar has
		noEnv        []string // env names no csi sidecar has
		wantHostPath bool     // the hostPath volumes are kept (else emptyDir)
		wantCodes    []finding.Code
		wantErr      []finding.Code // Compile fails with these codes
	}{
		{
			name:         "kruise, regular nodes",
			opts:         Options{Target: Kruise},
			wantSelector: []string{runtimeLabel},
			wantSidecars: native,
			wantEnv:      []string{"__IGNORE_RESOURCE__"},
			noEnv:        []string{"__ECI_RESOURCE_IGNORE__", "__IS_SIDECAR__", "ECI_CONTAINER_TYPE"},
			wantHostPath: true,
			wantCodes: []finding.Code{finding.AppPatchEmitted, finding.InitOrderSorted, finding.ResourceIgnoreNoEffect,
				finding.VolumeUnused},
		},
		{
			name:         "kruise, ACS: create-time label, hostPath and privileged kept",
			opts:         Options{Target: Kruise, Platform: ACS},
			wantSelector: []string{platform.LabelACS, runtimeLabel},
			wantSidecars: native,
			wantEnv:      []string{"__IGNORE_RESOURCE__"},
			noEnv:        []string{"__ECI_RESOURCE_IGNORE__", "__IS_SIDECAR__", "ECI_CONTAINER_TYPE"},
			wantHostPath: true,
			wantCodes: []finding.Code{finding.AppPatchEmitted, finding.HostPathKeptOnACS, finding.InitOrderSorted,
				finding.PlatformLabelSelected, finding.PrivilegedKeptOnACS, finding.ResourceIgnoreShares, finding.VolumeUnused},
		},
		{
			name:    "kruise, ECI: hostPath and privileged refused",
			opts:    Options{Target: Kruise, Platform: ECI},
			wantErr: []finding.Code{finding.HostPathUnsupported, finding.PrivilegedNotAllowed},
		},
		{
			name:         "kruise, ECI with the rewrites: ECI's resource-ignore spelling",
			opts:         Options{Target: Kruise, Platform: ECI, HostPath: HostPathEmptyDir, AllowPrivileged: true},
			wantSelector: []string{platform.LabelECI, runtimeLabel},
			wantSidecars: native,
			wantEnv:      []string{"__IGNORE_RESOURCE__", "__ECI_RESOURCE_IGNORE__"},
			noEnv:        []string{"__IS_SIDECAR__", "ECI_CONTAINER_TYPE"},
			wantCodes: []finding.Code{finding.AppPatchEmitted, finding.HostPathToEmptyDir, finding.InitOrderSorted,
				finding.PlatformLabelSelected, finding.PrivilegedNeedsExemption, finding.ResourceIgnoreShares,
				finding.ResourceIgnoreTranslated, finding.VolumeUnused},
		},
		{
			name:    "kruise, ACS with hostPath=error asked for",
			opts:    Options{Target: Kruise, Platform: ACS, HostPath: HostPathError},
			wantErr: []finding.Code{finding.HostPathUnsupported},
		},
		{
			name:         "virtual-node, ACS by label: converted with __IS_SIDECAR__, hostPath and privileged kept",
			opts:         Options{Target: VirtualNode, VirtualNodeLabel: LabelACS},
			wantSelector: []string{platform.LabelACS, runtimeLabel},
			wantSidecars: converted,
			wantEnv:      []string{"__IGNORE_RESOURCE__", "__IS_SIDECAR__"},
			noEnv:        []string{"__ECI_RESOURCE_IGNORE__", "ECI_CONTAINER_TYPE"},
			wantHostPath: true,
			wantCodes: []finding.Code{finding.ACSIsSidecarBug, finding.AppPatchEmitted, finding.HostPathKeptOnACS,
				finding.MainContainerNotFirst, finding.NativeSidecarToContainer, finding.PrivilegedKeptOnACS,
				finding.ResourceIgnoreShares, finding.VolumeUnused},
		},
		{
			name:         "virtual-node, ACS by option, ACK's after-scheduling label",
			opts:         Options{Target: VirtualNode, Platform: ACS},
			wantSelector: []string{runtimeLabel, platform.LabelVirtualNode},
			wantSidecars: converted,
			wantEnv:      []string{"__IGNORE_RESOURCE__", "__IS_SIDECAR__"},
			noEnv:        []string{"__ECI_RESOURCE_IGNORE__", "ECI_CONTAINER_TYPE"},
			wantHostPath: true,
			wantCodes: []finding.Code{finding.ACSIsSidecarBug, finding.AppPatchEmitted, finding.HostPathKeptOnACS,
				finding.MainContainerNotFirst, finding.NativeSidecarToContainer, finding.PrivilegedKeptOnACS,
				finding.ResourceIgnoreShares, finding.SelectorAfterScheduling, finding.VolumeUnused},
		},
		{
			name:    "virtual-node, ECI: hostPath and privileged refused",
			opts:    Options{Target: VirtualNode, VirtualNodeLabel: LabelECI},
			wantErr: []finding.Code{finding.HostPathUnsupported, finding.PrivilegedNotAllowed},
		},
		{
			name:         "virtual-node, ECI with the rewrites: ECI's sidecar env",
			opts:         Options{Target: VirtualNode, VirtualNodeLabel: LabelECI, HostPath: HostPathEmptyDir, AllowPrivileged: true},
			wantSelector: []string{platform.LabelECI, runtimeLabel},
			wantSidecars: converted,
			wantEnv:      []string{"__IGNORE_RESOURCE__", "__ECI_RESOURCE_IGNORE__", "ECI_CONTAINER_TYPE"},
			noEnv:        []string{"__IS_SIDECAR__"},
			wantCodes: []finding.Code{finding.AppPatchEmitted, finding.ExitOrderUnverified, finding.HostPathToEmptyDir,
				finding.MainContainerNotFirst, finding.NativeSidecarToContainer, finding.PrivilegedNeedsExemption,
				finding.ResourceIgnoreShares, finding.ResourceIgnoreTranslated, finding.StartOrderUnprobed, finding.VolumeUnused},
		},
		{
			name:    "virtual-node, ECI: keep is not possible",
			opts:    Options{Target: VirtualNode, Platform: ECI, HostPath: HostPathKeep, AllowPrivileged: true},
			wantErr: []finding.Code{finding.HostPathUnsupported},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res, err := Compile(loadSeed(t, "cn-hangzhou"), tc.opts)
			if len(tc.wantErr) > 0 {
				if err == nil {
					t.Fatalf("Compile succeeded, want %v", tc.wantErr)
				}
				for _, code := range tc.wantErr {
					if !strings.Contains(err.Error(), "("+string(code)+")") {
						t.Errorf("error lacks %s:\n%v", code, err)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			csi, _ := res.Profile("csi")
			ss := csi.SidecarSet
			var keys []string
			for k := range ss.Spec.Selector.MatchLabels {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			if diff := cmp.Diff(tc.wantSelector, keys); diff != "" {
				t.Errorf("selector labels (-want +got):\n%s", diff)
			}
			sidecars := ss.Spec.InitContainers
			if tc.wantSidecars == converted {
				sidecars = ss.Spec.Containers
				if len(ss.Spec.InitContainers) > 0 {
					t.Errorf("init containers left on a virtual-node target: %d", len(ss.Spec.InitContainers))
				}
			}
			if len(sidecars) != 2 {
				t.Fatalf("csi sidecars: got %d %s, want 2", len(sidecars), tc.wantSidecars)
			}
			for _, sc := range sidecars {
				isNative := sc.RestartPolicy != nil && *sc.RestartPolicy == corev1.ContainerRestartPolicyAlways
				if isNative != (tc.wantSidecars == native) {
					t.Errorf("%s: native = %v, want %s", sc.Name, isNative, tc.wantSidecars)
				}
				if sc.SecurityContext == nil || sc.SecurityContext.Privileged == nil || !*sc.SecurityContext.Privileged {
					t.Errorf("%s: no longer privileged", sc.Name)
				}
				for _, name := range tc.wantEnv {
					if envIndex(sc.Env, name) < 0 {
						t.Errorf("%s: env %s missing", sc.Name, name)
					}
				}
				for _, name := range tc.noEnv {
					if envIndex(sc.Env, name) >= 0 {
						t.Errorf("%s: env %s set", sc.Name, name)
					}
				}
			}
			for _, v := range ss.Spec.Volumes {
				if v.Name == "mount-root" && (v.HostPath != nil) != tc.wantHostPath {
					t.Errorf("mount-root: hostPath kept = %v, want %v", v.HostPath != nil, tc.wantHostPath)
				}
			}
			if diff := cmp.Diff(tc.wantCodes, codeSet(res.Findings)); diff != "" {
				t.Errorf("finding codes (-want +got):\n%s", diff)
			}
		})
	}
}

// codeSet returns the distinct codes of findings, sorted.
func codeSet(fs finding.List) []finding.Code {
	var out []finding.Code
	for _, f := range fs {
		if !slices.Contains(out, f.Code) {
			out = append(out, f.Code)
		}
	}
	slices.Sort(out)
	return out
}
