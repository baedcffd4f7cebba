package manifests

import (
	"os"
	"testing"

	"github.com/sidecarctl/sidecarctl/internal/golden"
)

// TestSidecarSetCRD keeps without-kruise's CRD the derivation of the CRD generated from
// kruise-api (e2e/testdata/crd): `go test ./config/manifests -update` rewrites it.
func TestSidecarSetCRD(t *testing.T) {
	in, err := os.ReadFile("../../e2e/testdata/crd/apps.kruise.io_sidecarsets.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got, err := SidecarSetCRD(in)
	if err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "without-kruise/apps.kruise.io_sidecarsets.yaml", got)
}

func TestSidecarSetCRDRefusesOtherShapes(t *testing.T) {
	for _, in := range []string{
		"apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nspec:\n  versions: []\n",
		"apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nspec:\n  versions:\n  - name: v1beta1\n",
		"not: [yaml",
	} {
		if _, err := SidecarSetCRD([]byte(in)); err == nil {
			t.Errorf("SidecarSetCRD(%q) = nil error, want one", in)
		}
	}
}
