package sidecarset

// behaviour is what one emulated Kruise release does where the releases differ. Every
// version-dependent branch of the engine reads a field of it instead of comparing versions, so
// behaviourOf below is the one table of how Kruise v1.3 (Alibaba Cloud virtual nodes) to v1.8
// differ. A field is true for the newer behaviour (HashEntryForEveryMatchedSet for the older);
// its comment and its row in behaviourOf name the Kruise release that introduced it
// (sidecarset/BEHAVIOUR.md §5.14, the release table; §5 for v1.3). The first sentence of each
// comment is the field's line in README.md.
type behaviour struct {
	// Candidates and matching.

	// NamespaceIndex: candidates are the SidecarSets indexed under the pod's namespace, then
	// the cluster-scoped ones. Before, every SidecarSet in one list.
	NamespaceIndex bool
	// NamespaceSelector: spec.namespaceSelector is matched, validated and used for overlaps.
	// Before, the CRD schema prunes it at creation.
	NamespaceSelector bool
	// PartialRevisionPolicy: revision policy Partial lets updateStrategy pick the pinned or
	// the latest revision. Before, validation refuses Partial and the pinned revision is always
	// injected.
	PartialRevisionPolicy bool
	// RevisionReplacesSpec: ControllerRevisions carry "$patch": "replace" and restore lists by
	// name. The SidecarSet's lists have merge keys (name), so a revision recorded without the
	// directive is merged by name into the live lists; one with it replaces the whole spec.
	// Before, the stored lists replace the live ones (and revision names differ).
	RevisionReplacesSpec bool

	// Building the sidecars.

	// InitContainersShareVolumes: init containers get shared mounts, subPathExpr env and a
	// de-duplicated env. Before, transfer envs are appended as they come.
	InitContainersShareVolumes bool
	// NativeSidecars: init containers with restartPolicy Always are native sidecars. They
	// count in the SidecarSet hash, are hot-upgraded in pairs, and validation refuses them
	// with a RollingUpdate strategy. Before, they are ordinary init containers.
	NativeSidecars bool
	// SidecarListHasInitContainers: the hash annotation's sidecarList names init containers
	// too. v1.7.0 names every one (SidecarListOnlyNativeInitContainers narrows it).
	SidecarListHasInitContainers bool
	// SidecarListOnlyNativeInitContainers: sidecarList names only the native-sidecar init
	// containers.
	SidecarListOnlyNativeInitContainers bool
	// HashEntryForEveryMatchedSet: every matched SidecarSet gets a hash entry, even one that
	// injects nothing. From v1.4 only SidecarSets that inject something do.
	HashEntryForEveryMatchedSet bool
	// HashEntryForInitOnlySet: a SidecarSet that injects only init containers gets a hash
	// entry. v1.4.0 to v1.5.0 write one only for SidecarSets that inject a container.
	HashEntryForInitOnlySet bool
	// MergesInjectedList: kruise.io/sidecarset-injected-list is the sorted union with the
	// pod's value. Before, it is overwritten with this injection's SidecarSets in match order.
	MergesInjectedList bool
	// IsInjectedAnyEntry: an app container counts as an injected sidecar when any IS_INJECTED
	// entry of its env is "true". Before, only the first IS_INJECTED entry is read. Seen in
	// v1.8.4 against v1.3.0; the release in between that changed it is not pinned down, and
	// v1.4 is assumed.
	IsInjectedAnyEntry bool
	// RecordsEveryHotUpgradeSidecar: the working hot-upgrade annotation keeps an entry per
	// hot-upgrade sidecar. Before, only the last one processed survives.
	RecordsEveryHotUpgradeSidecar bool

	// Placement.

	// PlacesInitContainers: injected init containers honour podInjectPolicy and replace a
	// same-named pod init container in place. Before, they are appended after the pod's own
	// (sorted by name either way).
	PlacesInitContainers bool
	// EmptyInjectPolicyAfter: a container with an empty podInjectPolicy goes after the app
	// containers. Before, before them; only SidecarSets that skipped defaulting have one.
	EmptyInjectPolicyAfter bool

	// SidecarSet admission.

	// DefaultsInitContainerPolicies: init containers are defaulted to AfterAppContainer,
	// ColdUpgrade and shareVolumePolicy disabled. Before, only containers are.
	DefaultsInitContainerPolicies bool
	// ProjectedServiceAccountTokens: projected serviceAccountToken volumes are accepted.
	// The fake pod validation uses has a service account; before, Kubernetes refuses them.
	ProjectedServiceAccountTokens bool
	// RefusesPartitionWithSelector: a non-zero updateStrategy.partition with
	// updateStrategy.selector is refused.
	RefusesPartitionWithSelector bool
	// PriorityStrategy: updateStrategy.priorityStrategy exists and is validated. Before, the
	// CRD schema prunes it.
	PriorityStrategy bool
	// ValidationStopsBeforeConflicts: validation skips the cross-SidecarSet conflict checks
	// when the SidecarSet has errors of its own. Before, both kinds are reported together.
	ValidationStopsBeforeConflicts bool
	// InitHandlersForbidden: probes and lifecycle on a plain init container are "Forbidden:
	// may not be set for init containers". Before, Kubernetes 1.22 to 1.24 validation says
	// "Invalid value: ...: must not be set for init containers"; with native sidecars (1.28)
	// the text ends "without restartPolicy=Always".
	InitHandlersForbidden bool

	// Kruise v1.9 (sidecarset/BEHAVIOUR.md §8).

	// StoresV1Beta1: SidecarSets are stored and validated as apps.kruise.io/v1beta1. A
	// v1alpha1 spec.namespace becomes a namespaceSelector on kubernetes.io/metadata.name (it
	// then matches through the Namespace object and may stand next to a namespaceSelector),
	// and the custom-version label becomes spec.customVersion.
	StoresV1Beta1 bool
	// ContainerFields: sidecars have shareVolumeDevicePolicy and resourcesPolicy. Before, the
	// SidecarSet mutating webhook removes them (kruisev1beta1.ContainerFields).
	ContainerFields bool
	// DeviceVolumes: volumeDevices queue their volumes; a missing volume is skipped. A shared
	// app mount on one of the sidecar's own device paths is left out; before, devices queued
	// nothing and a missing volume panicked.
	DeviceVolumes bool
	// SortContainersGate: feature gate EnableSortSidecarContainerByName exists. With it on,
	// the injected containers are sorted by name.
	SortContainersGate bool
	// SleepHookGrace: lifecycle sleep hooks of 1-30 s are accepted. The fake pod that
	// validates sidecars has a 30 s grace period; before, 0, so every sleep fails.
	SleepHookGrace bool
	// LegacyVolumeDefaults: iSCSI, RBD, AzureDisk and ScaleIO volumes are defaulted. v1.9 no
	// longer calls those defaulters.
	LegacyVolumeDefaults bool

	// Around the webhook.

	// JobSidecarTerminator: a sidecar with KRUISE_TERMINATE_SIDECAR_WHEN_JOB_EXIT is stopped
	// once the app containers of a Job's pod have exited, with the SidecarTerminator gate.
	// Kruise's job sidecar terminator needs kruise-daemon on the node, or its image-swap form on
	// a virtual kubelet. Before, the env does nothing and the gate does not exist.
	JobSidecarTerminator bool
	// VirtualNodeFeatures: the feature level Alibaba Cloud virtual nodes (ECI/ACS) inject
	// SidecarSets with. Profiles compile for the virtual-node target, and what this release
	// prunes is post_v1_3_feature (translate/PLATFORMS.md §3.2).
	VirtualNodeFeatures bool

	// Kubernetes types.

	// KubernetesTypes: the Kubernetes API types Kruise is built with (22 means 1.22). Every
	// field those types lack (newerfields.go) is dropped from the SidecarSets it stores and
	// from the hashes, and is lost or moved in the pods it returns (sidecarset/BEHAVIOUR.md §7).
	KubernetesTypes int
	// PositionalPodPatch: the pod patch leaves fields the types lack at their list index.
	// The patch goes from the re-encoded original pod to the re-encoded result, so such a field
	// is lost from a container injection moved and left on the one now there; before, the
	// patch goes from the raw request, so every such field of a pod Kruise changes is removed
	// (§7.3, §7.4).
	PositionalPodPatch bool
}

// behaviourOf is the table: one row per difference, each true from the release it names
// (the research behind each is in BEHAVIOUR.md §5.14, by pull request of openkruise/kruise).
// README.md's table "What changes between Kruise releases" is generated from it.
func behaviourOf(v Version) behaviour {
	since := v.since
	return behaviour{
		NamespaceIndex:        since(KruiseV170), // v1.7.0 (#1547)
		NamespaceSelector:     since(KruiseV14),  // v1.4.0 (#1178)
		PartialRevisionPolicy: since(KruiseV18),  // v1.8.0 (#1689, #1856)
		RevisionReplacesSpec:  since(KruiseV151), // v1.5.1 (#1402)

		InitContainersShareVolumes:          since(KruiseV150),                      // v1.5.0 (#1229)
		NativeSidecars:                      since(KruiseV170),                      // v1.7.0 (#1613)
		SidecarListHasInitContainers:        since(KruiseV170),                      // v1.7.0 (#1613)
		SidecarListOnlyNativeInitContainers: since(KruiseV171),                      // v1.7.1 (#1719)
		HashEntryForEveryMatchedSet:         !since(KruiseV14),                      // until v1.4.0 (#1101)
		HashEntryForInitOnlySet:             !since(KruiseV14) || since(KruiseV151), // gone in v1.4.0 (#1101), back in v1.5.1 (#1453)
		MergesInjectedList:                  since(KruiseV14),                       // v1.4.0 (#1101)
		IsInjectedAnyEntry:                  since(KruiseV14),                       // after v1.3.0, by v1.8.4
		RecordsEveryHotUpgradeSidecar:       since(KruiseV14),                       // v1.4.0 (#1101)

		PlacesInitContainers:   since(KruiseV170), // v1.7.0 (#1617)
		EmptyInjectPolicyAfter: since(KruiseV170), // v1.7.0

		DefaultsInitContainerPolicies:  since(KruiseV170), // v1.7.0 (#1617)
		ProjectedServiceAccountTokens:  since(KruiseV150), // v1.5.0 (#1238)
		RefusesPartitionWithSelector:   since(KruiseV18),  // v1.8.0
		PriorityStrategy:               since(KruiseV150), // v1.5.0 (#1325)
		ValidationStopsBeforeConflicts: since(KruiseV170), // v1.7.0
		InitHandlersForbidden:          since(KruiseV16),  // v1.6.0 (#1511, Kubernetes 1.26 validation)

		StoresV1Beta1:        since(KruiseV19),  // v1.9.0 (#2222)
		ContainerFields:      since(KruiseV19),  // v1.9.0 (#2011, #2200)
		DeviceVolumes:        since(KruiseV19),  // v1.9.0 (#2011, #2079)
		SortContainersGate:   since(KruiseV19),  // v1.9.0 (#1983)
		SleepHookGrace:       since(KruiseV19),  // v1.9.0 (#2067)
		LegacyVolumeDefaults: !since(KruiseV19), // until v1.9.0

		JobSidecarTerminator: since(KruiseV14),  // v1.4.0 (release notes: JobSidecarTerminator)
		VirtualNodeFeatures:  !since(KruiseV14), // v1.3.0 only (translate/PLATFORMS.md §3.2)

		KubernetesTypes:    kubernetesTypesOf(v), // each release's go.mod (#1354, #1511, #1598, #1896, #2067)
		PositionalPodPatch: since(KruiseV150),    // v1.5.0 (#1334)
	}
}

// kubernetesTypesOf is the Kubernetes minor release of the k8s.io/api each Kruise release is
// built with (its go.mod): 1.22 up to v1.4, 1.24 in v1.5 (#1354), 1.26 in v1.6 (#1511), 1.28 in
// v1.7 (#1598), 1.30 in v1.8 (#1896, #1924), 1.32 in v1.9 (#2067).
func kubernetesTypesOf(v Version) int {
	switch {
	case v.since(KruiseV19):
		return 32
	case v.since(KruiseV18):
		return 30
	case v.since(KruiseV170):
		return 28
	case v.since(KruiseV16):
		return 26
	case v.since(KruiseV150):
		return 24
	}
	return 22
}

// Capabilities are the facts of one emulated release that code outside the engine branches on,
// read from the table (behaviourOf), so that no caller compares versions.
type Capabilities struct {
	// NativeSidecars: init containers with restartPolicy Always are native sidecars (v1.7.0).
	NativeSidecars bool
	// JobSidecarTerminator: KRUISE_TERMINATE_SIDECAR_WHEN_JOB_EXIT ends a Job's sidecar, with
	// the SidecarTerminator gate (v1.4.0).
	JobSidecarTerminator bool
	// VirtualNodeFeatures: the release is the feature level of Alibaba Cloud virtual nodes
	// (v1.3.0).
	VirtualNodeFeatures bool
}

// CapabilitiesOf returns v's Capabilities; the empty Version is KruiseV18's.
func CapabilitiesOf(v Version) Capabilities {
	b := behaviourOf(v)
	return Capabilities{NativeSidecars: b.NativeSidecars, JobSidecarTerminator: b.JobSidecarTerminator, VirtualNodeFeatures: b.VirtualNodeFeatures}
}

func (o Options) behaviour() behaviour { return behaviourOf(o.version()) }

func (e ValidationEnv) behaviour() behaviour { return behaviourOf(e.Version) }

// StoresV1Beta1 reports whether the release serves and stores apps.kruise.io/v1beta1
// SidecarSets (Kruise v1.9 and later).
func (v Version) StoresV1Beta1() bool { return behaviourOf(v).StoresV1Beta1 }
