package finding

// Auditing running pods against the SidecarSets of the state (`sidecarctl audit`): one code per
// kind of row.
const (
	// AuditNotInjected: a pod matches a SidecarSet but carries none of its injection.
	AuditNotInjected Code = "audit_not_injected"
	// AuditOutdated: a pod runs an older revision of a SidecarSet than its latest.
	AuditOutdated Code = "audit_outdated"
	// AuditSidecarRemoved: a sidecar the pod records was removed from it.
	AuditSidecarRemoved Code = "audit_sidecar_removed"
	// AuditSidecarEdited: a sidecar was edited after injection.
	AuditSidecarEdited Code = "audit_sidecar_edited"
	// AuditUnauthorizedReference: a SidecarSet's namespace/name reference no binding allows.
	AuditUnauthorizedReference Code = "audit_unauthorized_reference"
	// AuditMissingVolumeSource: an injected volume points at a ConfigMap or Secret that does
	// not exist.
	AuditMissingVolumeSource Code = "audit_missing_volume_source"
)

func auditCodes() []Description {
	return []Description{
		{AuditNotInjected, AreaAudit, "a pod matches the SidecarSet (Kruise would inject it at the pod's creation now) but carries none of its injection: created before the SidecarSet, with injection paused, or while the webhook was down"},
		{AuditOutdated, AreaAudit, "a pod was injected with an older revision of the SidecarSet than its latest (the pod's kruise.io/sidecarset-hash against the SidecarSet's)"},
		{AuditSidecarRemoved, AreaAudit, "a sidecar the pod's bookkeeping records (sidecarList) is no longer in the pod: removed by hand"},
		{AuditSidecarEdited, AreaAudit, "a sidecar differs from what the SidecarSet version the pod records injects: edited by hand after injection (uninject's check)"},
		{AuditUnauthorizedReference, AreaAudit, "a SidecarSet's namespace/name ConfigMap or Secret reference that no SidecarSetResourceBinding authorizes"},
		{AuditMissingVolumeSource, AreaAudit, "a volume a SidecarSet injected into a pod points at a ConfigMap or Secret the cluster does not hold (--from-cluster)"},
	}
}
