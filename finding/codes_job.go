package finding

// Sidecars in pods that run to completion (package pipeline).
const (
	// JobSidecarBlocksCompletion: a long-running sidecar in a pod whose restartPolicy is
	// Never or OnFailure (a Job's, a CronJob's) keeps the pod running after the app exits.
	JobSidecarBlocksCompletion Code = "job_sidecar_blocks_completion"
	// JobSidecarTerminates: the sidecar carries what ends it with the app on its platform.
	JobSidecarTerminates Code = "job_sidecar_terminates"
)

func jobCodes() []Description {
	return []Description{
		{JobSidecarBlocksCompletion, AreaJob, "a long-running sidecar in a pod that runs to completion (a Job's) keeps it running after the app exits; the message gives the fix for the pod's platform"},
		{JobSidecarTerminates, AreaJob, "a sidecar in a pod that runs to completion ends with the app: a native sidecar, or its platform's termination env"},
	}
}
