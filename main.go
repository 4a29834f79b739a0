// Command terraform-provider-superplane is the Terraform provider for
// SuperPlane. Terraform starts it as a plugin; with -debug it runs standalone
// for a debugger and prints the TF_REATTACH_PROVIDERS value to use.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"runtime/debug"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/superplane/terraform-provider-superplane/internal/cpuprofile"
	"github.com/superplane/terraform-provider-superplane/internal/provider"
)

// version and commit are set by the release build's ldflags
// (-X main.version=... -X main.commit=...); local builds report "dev".
var (
	version = "dev"
	commit  = "none"
)

func main() {
	var debugMode, showVersion bool
	flag.BoolVar(&debugMode, "debug", false, "run the provider with support for debuggers like delve")
	flag.BoolVar(&showVersion, "version", false, "print the version and exit")
	flag.Parse()

	if showVersion {
		fmt.Printf("terraform-provider-superplane %s (%s)\n", version, commit)
		return
	}

	quietSDKLogs()
	lessGC()
	stopProfile := cpuprofile.Start("provider")
	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/superplane/superplane",
		Debug:   debugMode,
	})
	stopProfile()
	if err != nil {
		log.Fatal(err.Error())
	}
}

// quietSDKLogs turns the plugin SDK's own log sinks off when no Terraform
// logging is asked for. go-plugin runs a plugin's loggers at TRACE and
// Terraform drops what it does not show, yet every per-RPC trace line of the
// framework is still encoded: 29% of the provider's CPU in an apply of 300
// resources (BENCHMARKS.md). With TF_LOG or any TF_LOG_* set, nothing
// changes, so TF_LOG=trace shows everything as before.
func quietSDKLogs() {
	for _, v := range []string{"TF_LOG", "TF_LOG_PROVIDER", "TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK",
		"TF_LOG_PROVIDER_SUPERPLANE"} {
		if os.Getenv(v) != "" {
			return
		}
	}
	for _, v := range []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK"} {
		_ = os.Setenv(v, "OFF")
	}
}

// lessGC lets the heap grow to five times what is live before a collection
// (GOGC=400) unless GOGC says otherwise. The provider is a short-lived
// process with a small live heap that allocates a lot per RPC (the
// framework's schema walks and value conversions): at the default, garbage
// collection was a third of its CPU in an apply, refresh and destroy of 300
// resources (BENCHMARKS.md), for a few MiB of memory saved.
func lessGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
}
