package clusterstate

import (
	"context"
	"fmt"

	"github.com/distribution/reference"
	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/sidecarctl/sidecarctl/sidecarset"
)

// kruiseManagerName is the Deployment a Kruise installation (its Helm chart) runs in
// kruise-system, with the manager container whose image tag is the release.
const kruiseManagerName = "kruise-controller-manager"

// KruiseVersion reads the Kruise release a cluster runs from kruise-manager's image tag. It
// returns found false when the cluster has no kruise-manager Deployment (no Kruise, or one
// installed another way), and an error naming the image when its tag is not a release
// sidecarctl emulates.
func KruiseVersion(ctx context.Context, r client.Reader) (v sidecarset.Version, image string, found bool, err error) {
	kruiseManager := client.ObjectKey{Namespace: sidecarset.KruiseNamespace, Name: kruiseManagerName}
	d := &appsv1.Deployment{}
	if err := r.Get(ctx, kruiseManager, d); err != nil {
		if client.IgnoreNotFound(err) == nil {
			return "", "", false, nil
		}
		return "", "", false, fmt.Errorf("get deployment %s: %w", kruiseManager, err)
	}
	for _, c := range d.Spec.Template.Spec.Containers {
		if c.Name != "manager" && len(d.Spec.Template.Spec.Containers) > 1 {
			continue
		}
		ref, err := reference.ParseNormalizedNamed(c.Image)
		if err != nil {
			return "", c.Image, true, fmt.Errorf("deployment %s: image %q: %w", kruiseManager, c.Image, err)
		}
		tagged, ok := ref.(reference.Tagged)
		if !ok {
			return "", c.Image, true, fmt.Errorf("deployment %s: image %q has no tag to read the Kruise release from", kruiseManager, c.Image)
		}
		v, err := sidecarset.ParseVersion(tagged.Tag())
		if err != nil {
			return "", c.Image, true, fmt.Errorf("deployment %s runs %s: %w", kruiseManager, c.Image, err)
		}
		return v, c.Image, true, nil
	}
	return "", "", true, fmt.Errorf("deployment %s has no manager container", kruiseManager)
}
