package sidecarset

import (
	"strconv"
	"strings"
)

// behaviour is what one emulated Kruise release does where the releases differ. Every
// version-dependent branch of the engine reads a field of it instead of comparing versions, so
// behaviourOf below is the one table of how Kruise v1.3 (Alibaba Cloud virtual nodes) and v1.8
// differ (and v1.9 from v1.8). Each field is true for the newer behaviour; its comment and its row in behaviourOf
// name the Kruise release that introduced it (sidecarset/BEHAVIOUR.md §5.12, the release
// table; §5 for v1.3).
type behaviour struct {
	// Candidates and matching.

	// NamespaceIndex: the pod webhook's candidates are the SidecarSets indexed under the pod's
	// namespace, then the cluster-scoped ones; before, every SidecarSet in one list.
	NamespaceIndex bool
	// NamespaceSelector: spec.namespaceSelector exists; it is matched, validated and taken
	// into account for overlaps. Before, the CRD schema prunes it at creation.
	NamespaceSelector bool
	// PartialRevisionPolicy: injectionStrategy.revision.policy Partial is accepted and lets
	// updateStrategy's selector, partition and paused choose between the pinned and the latest
	// revision. Before, validation refuses Partial and the pinned revision is always injected.
	PartialRevisionPolicy bool
	// RevisionReplacesSpec: a ControllerRevision's data carries "$patch": "replace", so
	// restoring it replaces the whole spec; before, only the five stored lists.
	RevisionReplacesSpec bool

	// Building the sidecars.

	// InitContainersShareVolumes: init containers get shareVolumePolicy mounts and their
	// subPathExpr envs, and their env is merged without duplicates; before, transfer envs are
	// appended as they come.
	InitContainersShareVolumes bool
	// NativeSidecars: init containers with restartPolicy Always are sidecars: they count in
	// the SidecarSet hash, are hot-upgraded in pairs, and validation refuses them with a
	// RollingUpdate strategy. Before, they are ordinary init containers.
	NativeSidecars bool
	// SidecarListHasNativeInitContainers: the hash annotation's sidecarList also names the
	// native-sidecar init containers (v1.7 listed every init container, v1.3 none).
	SidecarListHasNativeInitContainers bool
	// HashEntryForEveryMatchedSet: every matched SidecarSet gets a hash entry, even when it
	// injects nothing. From v1.4 only SidecarSets that inject something do (v1.4 and v1.5 only
	// those that inject a container, fixed in v1.6.0, #1453).
	HashEntryForEveryMatchedSet bool
	// MergesInjectedList: kruise.io/sidecarset-injected-list becomes the sorted union with the
	// pod's value; before, it is overwritten with this injection's SidecarSets in match order.
	MergesInjectedList bool
	// IsInjectedAnyEntry: an app container is an injected sidecar (no mount sharing from it)
	// when any IS_INJECTED entry of its env is "true"; before, only the first IS_INJECTED
	// entry is read. Seen in v1.8.4 against v1.3.0; the release in between that changed it is
	// not pinned down.
	IsInjectedAnyEntry bool
	// RecordsEveryHotUpgradeSidecar: kruise.io/sidecarset-working-hotupgrade-container keeps
	// an entry per hot-upgrade sidecar; before, only the last one processed survives.
	RecordsEveryHotUpgradeSidecar bool

	// Placement.

	// PlacesInitContainers: injected init containers honour podInjectPolicy and replace a
	// same-named init container of the pod in place; before, they are appended after the
	// pod's own (sorted by name either way).
	PlacesInitContainers bool
	// EmptyInjectPolicyAfter: the pod webhook puts a container with an empty podInjectPolicy
	// after the app containers; before, before them. Only sets that skipped defaulting have one.
	EmptyInjectPolicyAfter bool

	// SidecarSet admission.

	// DefaultsInitContainerPolicies: the mutating webhook defaults podInjectPolicy
	// (AfterAppContainer) and shareVolumePolicy of init containers; before, containers only.
	DefaultsInitContainerPolicies bool
	// ProjectedServiceAccountTokens: validation accepts projected serviceAccountToken volumes,
	// because the fake pod it validates has a service account; before, Kubernetes refuses them.
	ProjectedServiceAccountTokens bool
	// RefusesPartitionWithSelector: validation refuses a non-zero updateStrategy.partition
	// together with updateStrategy.selector.
	RefusesPartitionWithSelector bool
	// PriorityStrategy: updateStrategy.priorityStrategy exists; before, the CRD schema prunes it.
	PriorityStrategy bool

	// Kruise v1.9 (sidecarset/BEHAVIOUR.md §8).

	// StoresV1Beta1: SidecarSets are stored and validated as apps.kruise.io/v1beta1, so a
	// v1alpha1 spec.namespace becomes a namespaceSelector on kubernetes.io/metadata.name (it
	// then matches through the Namespace object, and may stand next to a namespaceSelector),
	// and the custom-version label becomes spec.customVersion.
	StoresV1Beta1 bool
	// ContainerFields: sidecars have shareVolumeDevicePolicy and resourcesPolicy
	// (kruisev1beta1.ContainerFields); before, the SidecarSet mutating webhook removes them.
	ContainerFields bool
	// DeviceVolumes: a sidecar's volumeDevices queue their SidecarSet volumes, a mount or
	// device of a volume spec.volumes lacks is skipped instead of panicking, and a shared app
	// mount on one of the sidecar's own device paths is left out.
	DeviceVolumes bool
	// SortContainersGate: feature gate EnableSortSidecarContainerByName exists.
	SortContainersGate bool
	// SleepHookGrace: the fake pod that validates sidecars has a 30 s grace period, so
	// lifecycle sleep hooks of 1-30 s pass; before, its grace period is 0 and every sleep fails.
	SleepHookGrace bool
	// LegacyVolumeDefaults: SidecarSet defaulting fills the iSCSI, RBD, AzureDisk and ScaleIO
	// volume defaults; v1.9 no longer calls those defaulters.
	LegacyVolumeDefaults bool
	// Kubernetes types.

	// KubernetesTypes is the minor release of the Kubernetes API types Kruise is built with
	// (22 means 1.22). Every field those types lack (newerfields.go) is dropped from the
	// SidecarSets it stores and from the hashes, and is lost or moved in the pods it returns
	// (sidecarset/BEHAVIOUR.md §7).
	KubernetesTypes int
	// PositionalPodPatch: the pod webhook's JSON patch goes from the re-encoded original pod to
	// the re-encoded result, so a field the types lack stays at its list index (lost from a
	// container injection moved, left on the one now there); before, the patch goes from the
	// raw request, so every such field of a pod Kruise changes is removed (§7.3, §7.4).
	PositionalPodPatch bool
}

// behaviourOf is the table: one row per difference, true from the release it names.
func behaviourOf(v Version) behaviour {
	minor := v.minor()
	since := func(m int) bool { return minor >= m }
	return behaviour{
		NamespaceIndex:        since(7), // Kruise v1.7.0 (#1547)
		NamespaceSelector:     since(4), // Kruise v1.4.0
		PartialRevisionPolicy: since(8), // Kruise v1.8.0
		RevisionReplacesSpec:  since(6), // Kruise v1.6.0

		InitContainersShareVolumes:         since(5),  // Kruise v1.5.0
		NativeSidecars:                     since(7),  // Kruise v1.7.0
		SidecarListHasNativeInitContainers: since(8),  // Kruise v1.8.0 (#1719)
		HashEntryForEveryMatchedSet:        !since(4), // Kruise v1.4.0 stopped it
		MergesInjectedList:                 since(4),  // Kruise v1.4.0
		IsInjectedAnyEntry:                 minor > 3, // v1.8.4 (first entry in v1.3.0)
		RecordsEveryHotUpgradeSidecar:      since(4),  // Kruise v1.4.0 (#1101)

		PlacesInitContainers:   since(7), // Kruise v1.7.0 (#1215)
		EmptyInjectPolicyAfter: since(7), // Kruise v1.7.0

		DefaultsInitContainerPolicies: since(7), // Kruise v1.7.0
		ProjectedServiceAccountTokens: since(5), // Kruise v1.5.0
		RefusesPartitionWithSelector:  since(8), // Kruise v1.8.0
		PriorityStrategy:              since(5), // Kruise v1.5.0

		StoresV1Beta1:        since(9),  // Kruise v1.9.0 (#2222)
		ContainerFields:      since(9),  // Kruise v1.9.0 (#2011, #2200)
		DeviceVolumes:        since(9),  // Kruise v1.9.0 (#2011, #2079)
		SortContainersGate:   since(9),  // Kruise v1.9.0 (#1983)
		SleepHookGrace:       since(9),  // Kruise v1.9.0 (#2067)
		LegacyVolumeDefaults: !since(9), // Kruise v1.9.0 stopped it

		KubernetesTypes:    kubernetesTypesOf(minor),
		PositionalPodPatch: since(5), // Kruise v1.5.0 (#1334)
	}
}

// kubernetesTypesOf is the Kubernetes minor release of the k8s.io/api each Kruise minor
// release is built with: 1.22 up to v1.4, 1.24 in v1.5, 1.26 in v1.6, 1.28 in v1.7, 1.30 in
// v1.8, 1.32 in v1.9 (#2067).
func kubernetesTypesOf(minor int) int {
	switch {
	case minor <= 4:
		return 22
	case minor >= 9:
		return 32
	case minor >= 8:
		return 30
	}
	return 24 + 2*(minor-5)
}

// minor returns the Kruise minor release of v; the zero Version and anything unparsable are
// the default, v1.8.
func (v Version) minor() int {
	if rest, ok := strings.CutPrefix(string(v), "1."); ok {
		if m, err := strconv.Atoi(rest); err == nil {
			return m
		}
	}
	return 8
}

// kruise names the release for messages: "Kruise v1.8".
func (v Version) kruise() string { return "Kruise v1." + strconv.Itoa(v.minor()) }

func (o Options) behaviour() behaviour { return behaviourOf(o.version()) }

func (e ValidationEnv) behaviour() behaviour { return behaviourOf(e.Version) }

// StoresV1Beta1 reports whether the release serves and stores apps.kruise.io/v1beta1
// SidecarSets (Kruise v1.9 and later).
func (v Version) StoresV1Beta1() bool { return behaviourOf(v).StoresV1Beta1 }
