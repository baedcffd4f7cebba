package sidecarset

import (
	"slices"
	"sort"
)

// KnownFeatureGates lists the feature gates of kruise-manager (pkg/features/kruise_features.go
// at v1.8.0, plus EnableSortSidecarContainerByName and InPlacePodVerticalScaling of v1.9.0).
// Only SidecarSetPatchPodMetadataDefaultsAllowed and, in v1.9,
// EnableSortSidecarContainerByName change SidecarSet injection in the versions sidecarctl
// emulates; the others are listed so that a misspelt gate can be told apart from
// one that merely does not concern SidecarSets (kruise-manager refuses to start with a gate
// it does not know).
func KnownFeatureGates() []string {
	gates := []string{
		"CloneSetEventHandlerOptimization", "CloneSetPartitionRollback", "CloneSetShortHash",
		"DaemonWatchingPod", "DeletionProtectionForCRDCascadingDeletion", "EnableExternalCerts",
		GateSortSidecarContainersByName, "EnhancedLivenessProbeGate",
		"ForceDeleteTimeoutExpectationFeatureGate", "ImagePullJobGate", "InPlacePodVerticalScaling", "InPlaceUpdateEnvFromMetadata",
		"InPlaceWorkloadVerticalScaling", "KruiseDaemon", "KruisePodReadinessGate", "PodIndexLabel",
		"PodProbeMarkerGate", "PodUnavailableBudgetDeleteGate", "PodUnavailableBudgetUpdateGate",
		"PodWebhook", "PreDownloadImageForDaemonSetUpdate", "PreDownloadImageForInPlaceUpdate",
		"PreparingUpdateAsUpdate", "RecreatePodWhenChangeVCTInCloneSetGate",
		"ResourceDistributionGate", "ResourcesDeletionProtection", GatePatchPodMetadataDefaultsAllowed,
		"SidecarTerminator", "StatefulSetAutoDeletePVC", "StatefulSetAutoResizePVCGate",
		"StatefulSetStartOrdinal", "TemplateNoDefaults", "WorkloadSpread",
		// Kubernetes' feature-gate library accepts these two for every component.
		"AllAlpha", "AllBeta",
	}
	sort.Strings(gates)
	return gates
}

// FeatureGateIn reports whether kruise-manager of release v has the gate name: the gates Kruise
// v1.9.0 added are not there before it (KnownFeatureGates lists every release's).
func FeatureGateIn(v Version, name string) bool {
	switch name {
	case GateSortSidecarContainersByName, "InPlacePodVerticalScaling":
		return behaviourOf(v).SortContainersGate
	}
	return slices.Contains(KnownFeatureGates(), name)
}
