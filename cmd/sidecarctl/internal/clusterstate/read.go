package clusterstate

import (
	"context"
	"fmt"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	bindingv1alpha1 "github.com/sidecarctl/sidecarctl/binding/v1alpha1"
	"github.com/sidecarctl/sidecarctl/config"
	"github.com/sidecarctl/sidecarctl/pipeline"
	"github.com/sidecarctl/sidecarctl/sidecarset"
	"github.com/sidecarctl/sidecarctl/translate"
)

// Options say which namespaced ConfigMaps to read besides Kruise's own.
type Options struct {
	// AppPatchNamespace holds the sidecarctl-app-patches ConfigMap; empty means
	// translate.DefaultAppPatchNamespace.
	AppPatchNamespace string
	// ProfilesNamespace holds the sandbox-injection-config ConfigMap; empty reads none.
	ProfilesNamespace string
}

// Read lists what Kruise's webhooks read: every SidecarSet, Namespace and
// SidecarSetResourceBinding, the ControllerRevisions and the kruise-configuration ConfigMap of
// kruise-system, and the app-patches and profiles ConfigMaps. The pipeline admits them in
// creation order (pipeline.Admit orders Creations by creationTimestamp).
func Read(ctx context.Context, r client.Reader, o Options) (*pipeline.Input, error) {
	if o.AppPatchNamespace == "" {
		o.AppPatchNamespace = translate.DefaultAppPatchNamespace
	}
	in := &pipeline.Input{}
	var namespaces corev1.NamespaceList
	if err := r.List(ctx, &namespaces); err != nil {
		return nil, fmt.Errorf("list namespaces: %w", err)
	}
	for i := range namespaces.Items {
		in.Namespaces = append(in.Namespaces, &namespaces.Items[i])
	}
	var revisions appsv1.ControllerRevisionList
	if err := r.List(ctx, &revisions, client.InNamespace(sidecarset.KruiseNamespace)); err != nil {
		return nil, fmt.Errorf("list controllerrevisions: %w", err)
	}
	for i := range revisions.Items {
		in.ControllerRevisions = append(in.ControllerRevisions, &revisions.Items[i])
	}
	keys := []client.ObjectKey{
		{Namespace: sidecarset.KruiseNamespace, Name: sidecarset.KruiseConfigurationName},
		{Namespace: o.AppPatchNamespace, Name: translate.AppPatchConfigMapName},
	}
	if o.ProfilesNamespace != "" {
		keys = append(keys, client.ObjectKey{Namespace: o.ProfilesNamespace, Name: config.ConfigMapName})
	}
	for _, key := range keys {
		cm := &corev1.ConfigMap{}
		err := r.Get(ctx, key, cm)
		if client.IgnoreNotFound(err) != nil {
			return nil, fmt.Errorf("get configmap %s: %w", key, err)
		}
		if err != nil {
			continue
		}
		src := "ConfigMap " + key.String()
		in.ConfigMaps = append(in.ConfigMaps, pipeline.Sourced[*corev1.ConfigMap]{Object: cm, Source: src})
		if pipeline.IsProfiles(cm) {
			in.Creations = append(in.Creations, pipeline.Creation{Profiles: cm, Source: src})
		}
	}
	sets := &unstructured.UnstructuredList{}
	sets.SetGroupVersionKind(appsv1alpha1.SchemeGroupVersion.WithKind("SidecarSetList"))
	if err := r.List(ctx, sets); err != nil {
		return nil, fmt.Errorf("list sidecarsets: %w", err)
	}
	items := make([]pipeline.Item, len(sets.Items))
	for i := range sets.Items {
		items[i] = pipeline.Item{Object: &sets.Items[i], Source: "SidecarSet " + sets.Items[i].GetName()}
	}
	decoded, err := pipeline.Decode(items)
	if err != nil {
		return nil, err
	}
	in.Creations = append(in.Creations, decoded.Creations...)
	var bindings bindingv1alpha1.SidecarSetResourceBindingList
	if err := r.List(ctx, &bindings); err != nil {
		return nil, fmt.Errorf("list sidecarsetresourcebindings: %w", err)
	}
	for i := range bindings.Items {
		b := &bindings.Items[i]
		in.Bindings = append(in.Bindings, pipeline.Sourced[*bindingv1alpha1.SidecarSetResourceBinding]{Object: b,
			Source: "SidecarSetResourceBinding " + b.Namespace + "/" + b.Name})
	}
	return in, nil
}

// SidecarSetObject is how SidecarSets are read from a cluster, by Read and by a webhook's
// informer: unstructured, so that Kruise v1.9's sidecar fields, which kruise-api v1.8's types
// lack, reach the engine (pipeline.Decode takes them off into Creation.Fields). A server's
// cache watches this same object, so its events and its reads come from one informer.
func SidecarSetObject() *unstructured.Unstructured {
	obj := &unstructured.Unstructured{}
	obj.SetGroupVersionKind(appsv1alpha1.SchemeGroupVersion.WithKind("SidecarSet"))
	return obj
}

// ReadSidecarSet reads one SidecarSet as Read does; a NotFound error passes through.
func ReadSidecarSet(ctx context.Context, r client.Reader, name string) (pipeline.Creation, error) {
	obj := SidecarSetObject()
	if err := r.Get(ctx, client.ObjectKey{Name: name}, obj); err != nil {
		return pipeline.Creation{}, err
	}
	in, err := pipeline.Decode([]pipeline.Item{{Object: obj, Source: "SidecarSet " + name}})
	if err != nil {
		return pipeline.Creation{}, err
	}
	if len(in.Creations) != 1 {
		return pipeline.Creation{}, fmt.Errorf("SidecarSet %s: read %d objects", name, len(in.Creations))
	}
	return in.Creations[0], nil
}
