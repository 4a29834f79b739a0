package api

// The pipeline variables under which an execution's id and output token
// reach a GitLab or Bitbucket pipeline: the same names as Semaphore's
// parameters, so one push step (curl with $SUPERPLANE_TOKEN) serves every
// CI tool whose variables become environment variables.
const (
	RunExecutionIDVariable = SemaphoreExecutionIDParameter
	RunOutputTokenVariable = SemaphoreOutputTokenParameter
)
