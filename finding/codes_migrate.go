package finding

// Migrating hand-written sidecars to SidecarSets (`sidecarctl migrate`, package migrate): what
// was proposed, and each field that keeps a sidecar in its workload because injection could
// not give the pod template back.
const (
	// MigrateSidecarFound: a hand-written sidecar became a proposed SidecarSet.
	MigrateSidecarFound Code = "migrate_sidecar_found"
	// MigrateLabelStamped: the SidecarSet's selection label was stamped on a template.
	MigrateLabelStamped Code = "migrate_label_stamped"
	// MigrateTransferEnv: an env var that differs per workload comes from the app container.
	MigrateTransferEnv Code = "migrate_transfer_env"
	// MigrateShareVolumes: the sidecar mounts what the app containers mount: shareVolumePolicy.
	MigrateShareVolumes Code = "migrate_share_volumes"
	// MigrateVolumeKept: a sidecar volume defined differently stays in the workload.
	MigrateVolumeKept Code = "migrate_volume_kept"
	// MigrateVolumeOrder: injection appends the sidecar's volumes after the workload's.
	MigrateVolumeOrder Code = "migrate_volume_order"
	// MigrateFieldDiffers: the workload's sidecar differs from the SidecarSet's in a field.
	MigrateFieldDiffers Code = "migrate_field_differs"
	// MigratePlacement: the sidecar stands where the SidecarSet's podInjectPolicy cannot put it.
	MigratePlacement Code = "migrate_placement"
	// MigrateRoundTrip: injecting the proposal does not give back the template at a field.
	MigrateRoundTrip Code = "migrate_round_trip"
	// MigrateNoAppContainer: moving the sidecars would leave the template without a container.
	MigrateNoAppContainer Code = "migrate_no_app_container"
	// MigrateNoSidecars: no container is shared by several workloads or named by --container.
	MigrateNoSidecars Code = "migrate_no_sidecars"
)

func migrateCodes() []Description {
	return []Description{
		{MigrateSidecarFound, AreaMigrate, "a container shared by several workloads (same name and image) or named by --container becomes a proposed SidecarSet, placed as the workloads place it"},
		{MigrateLabelStamped, AreaMigrate, "the labels the workloads share would also select other workloads of the input (or there are none): a selection label is stamped on the pod templates the SidecarSet takes over"},
		{MigrateTransferEnv, AreaMigrate, "a sidecar env var whose value differs per workload equals the app container's: the SidecarSet copies it with transferEnv"},
		{MigrateShareVolumes, AreaMigrate, "the sidecar's mounts differ per workload by what the app containers mount, which it mounts too: the SidecarSet shares them with shareVolumePolicy"},
		{MigrateVolumeKept, AreaMigrate, "the workload defines a volume of the sidecar differently from the SidecarSet: it stays in the workload, whose volume wins the name clash at injection"},
		{MigrateVolumeOrder, AreaMigrate, "injection appends the SidecarSet's volumes after the workload's, so the volume list comes back in another order (volumes are keyed by name)"},
		{MigrateFieldDiffers, AreaMigrate, "the workload's copy of the sidecar differs from the SidecarSet's in this field, which one SidecarSet cannot express per workload: the sidecar stays in that workload"},
		{MigratePlacement, AreaMigrate, "the sidecar stands where the SidecarSet's podInjectPolicy does not put it (between app containers, or on the other side than in the other workloads): the sidecar stays in that workload"},
		{MigrateRoundTrip, AreaMigrate, "injecting the proposed SidecarSets into the migrated workload does not give back its pod template at this field: the sidecar stays in that workload"},
		{MigrateNoAppContainer, AreaMigrate, "moving the sidecars out would leave the pod template without a container of its own: they stay in that workload"},
		{MigrateNoSidecars, AreaMigrate, "no container is shared by several workloads (same name and image) or named by --container: nothing to migrate"},
	}
}
