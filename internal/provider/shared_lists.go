package provider

import (
	"os"
	"strconv"
	"strings"

	"github.com/superplane/terraform-provider-superplane/internal/client"
)

// EnvSharedLists, set to "false", "0" or "off", makes every refresh of a
// secret, event source, stage, integration, connection group or canvas,
// and every lookup of a data source of these types by name, send its own
// GET instead of sharing one list per type and scope among the reads of a
// plan (internal/client's listreads.go and listreads_names.go explain why
// the shared lists stay correct). It is there for a server whose lists
// answer less than its GETs do.
const EnvSharedLists = "SUPERPLANE_SHARED_LISTS"

// EnvSharedListsAfter is how many refreshes of one type and scope send their
// own GET before the shared list is fetched (client.DefaultSharedListAfter
// when unset; 0 lists at the first read).
const EnvSharedListsAfter = "SUPERPLANE_SHARED_LISTS_AFTER"

// sharedListAfter reads EnvSharedListsAfter for client.Config; anything
// that is not a whole number keeps the default.
func sharedListAfter() int {
	n, err := strconv.Atoi(strings.TrimSpace(os.Getenv(EnvSharedListsAfter)))
	switch {
	case err != nil || n < 0:
		return 0
	case n == 0:
		return -1
	}
	return n
}

// sharedListsOff tells whether EnvSharedLists turns the shared lists off.
func sharedListsOff() bool {
	switch strings.ToLower(strings.TrimSpace(os.Getenv(EnvSharedLists))) {
	case "false", "0", "off", "no":
		return true
	}
	return false
}

// forgetLists drops the lists the refreshes share when a resource is
// imported: the import's Read then looks the object up afresh, as it
// would after a write (the object may have been made a moment ago,
// outside Terraform, for this very import).
func forgetLists(c *client.Client) {
	if c != nil {
		c.ForgetLists()
	}
}
