// Command terraform-provider-superplane is the Terraform provider for
// SuperPlane. Terraform starts it as a plugin; with -debug it runs standalone
// for a debugger and prints the TF_REATTACH_PROVIDERS value to use.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/superplane/terraform-provider-superplane/internal/provider"
)

// version and commit are set by the release build's ldflags
// (-X main.version=... -X main.commit=...); local builds report "dev".
var (
	version = "dev"
	commit  = "none"
)

func main() {
	var debug, showVersion bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.BoolVar(&showVersion, "version", false, "print the version and exit")
	flag.Parse()

	if showVersion {
		fmt.Printf("terraform-provider-superplane %s (%s)\n", version, commit)
		return
	}

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/superplane/superplane",
		Debug:   debug,
	})
	if err != nil {
		log.Fatal(err.Error())
	}
}
