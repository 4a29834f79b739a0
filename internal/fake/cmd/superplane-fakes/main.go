// Command superplane-fakes serves the fakes of GitHub, Semaphore, GitLab,
// Bitbucket, Azure DevOps, Datadog and MongoDB Atlas (internal/fake) on
// loopback, outside a test, so that `make demo` shows a GitHub integration
// verified and a repository webhook provisioned on a machine with no route to
// github.com and no real token. It is a test double: nothing ships it, and it
// accepts only the token it generates.
//
// It writes, to the file named by -out (mode 0600), one line per setting in
// the form of shell variables:
//
//	GITHUB_API_URL=http://127.0.0.1:PORT/
//	SEMAPHORE_API_URL=http://127.0.0.1:PORT
//	GITLAB_API_URL=http://127.0.0.1:PORT/api/v4
//	BITBUCKET_API_URL=http://127.0.0.1:PORT
//	BITBUCKET_CREDENTIAL=<-user>:<a random API token the Bitbucket fake accepts>
//	AZURE_DEVOPS_API_URL=http://127.0.0.1:PORT (for https://dev.azure.com/<-owner>)
//	DATADOG_API_URL=http://127.0.0.1:PORT (for SUPERPLANE_DATADOG_API_URL)
//	DATADOG_API_KEY=<an API key the Datadog fake accepts>
//	DATADOG_APP_KEY=<an application key the Datadog fake accepts>
//	MONGODB_ATLAS_URL=http://127.0.0.1:PORT (for SUPERPLANE_MONGODB_ATLAS_ENDPOINT_URL)
//	MONGODB_ATLAS_ORG, MONGODB_ATLAS_GROUP=<the organization and project ids of cluster prod>
//	MONGODB_ATLAS_PUBLIC_KEY, MONGODB_ATLAS_CLIENT_ID=<an API key's public key and a service
//	account's client id; TOKEN is the private key and the client secret>
//	TOKEN=<a random token every fake accepts>
//	GITHUB_OIDC_ISSUER=http://127.0.0.1:PORT
//	SEMAPHORE_OIDC_ISSUER=http://127.0.0.1:PORT
//	CONTROL_URL=http://127.0.0.1:PORT
//
// With -superplane-url, the runs of -repo post -outputs to that SuperPlane
// before they complete (POST /api/v1/outputs with the output token they
// were dispatched with), as a workflow's last step would. SuperPlane's port
// must be known before it starts: scripts/demo.sh picks a free one first.
// -workflow adds a workflow to -repo whose runs pass, and
// -semaphore-project a Semaphore project whose pipelines pass, each after
// two reads, as the deploy chain (examples/chain) expects.
//
// CONTROL_URL is the fakes' own endpoint (control.go), which takes the
// token as a bearer token: POST /push makes GitHub deliver a signed push of
// -repo to its webhooks, and GET /runs shows the workflows dispatched and
// the Semaphore pipelines run, with their inputs and parameters.
//
// It serves until it is interrupted or terminated. The GitHub fake knows
// the organization -owner with the repository -repo, administered by the
// token's user, as the quickstart expects; the GitLab fake knows the
// project -owner/-repo, which the token's user maintains. The Bitbucket fake
// knows the workspace -owner with the repository -repo, administered by
// -user, whose credential is BITBUCKET_CREDENTIAL. The Azure DevOps fake
// knows the organization -owner with the project -repo, whose pipeline 1
// passes after two reads, and takes TOKEN as a personal access token. The
// Datadog fake takes DATADOG_API_KEY and DATADOG_APP_KEY and holds the
// webhooks datadog sources provision.
package main

import (
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/superplane/terraform-provider-superplane/internal/fake/azuredevops"
	"github.com/superplane/terraform-provider-superplane/internal/fake/bitbucket"
	"github.com/superplane/terraform-provider-superplane/internal/fake/callback"
	"github.com/superplane/terraform-provider-superplane/internal/fake/datadog"
	"github.com/superplane/terraform-provider-superplane/internal/fake/github"
	"github.com/superplane/terraform-provider-superplane/internal/fake/gitlab"
	fakeatlas "github.com/superplane/terraform-provider-superplane/internal/fake/mongodbatlas"
	"github.com/superplane/terraform-provider-superplane/internal/fake/semaphore"
)

// programTB is what the fakes ask of a test: misuse stops the program, and
// cleanups run when it is told to stop.
type programTB struct{ cleanups []func() }

func (*programTB) Helper() {}

func (*programTB) Fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "superplane-fakes: "+format+"\n", args...)
	os.Exit(1)
}

func (p *programTB) Cleanup(f func()) { p.cleanups = append(p.cleanups, f) }

func main() {
	out := flag.String("out", "", "file to write the fakes' URLs and token to (required)")
	owner := flag.String("owner", "superplanehq", "the GitHub organization the fake knows")
	repo := flag.String("repo", "superplane", "the repository of -owner the token's user administers")
	user := flag.String("user", "demo", "the GitHub user the token belongs to")
	superplaneURL := flag.String("superplane-url", "", "SuperPlane's URL, to which runs of -repo (GitHub, GitLab, Bitbucket) post -outputs (none when empty)")
	outputs := flag.String("outputs", "VERSION=1.2.3", "the outputs runs post, as NAME=VALUE,NAME=VALUE")
	workflow := flag.String("workflow", "build.yml", "a workflow file of -repo whose runs pass (none when empty)")
	semProject := flag.String("semaphore-project", "app", "a project of the Semaphore organization whose pipelines pass (none when empty)")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "superplane-fakes: -out is required")
		os.Exit(2)
	}

	raw := make([]byte, 20)
	if _, err := rand.Read(raw); err != nil {
		fmt.Fprintln(os.Stderr, "superplane-fakes:", err)
		os.Exit(1)
	}
	token := "ghp_" + hex.EncodeToString(raw)

	tb := &programTB{}
	gh := github.New(tb)
	gh.AddOwner(*owner, true)
	gh.AddOwner(*user, false)
	gh.AddRepo(*owner, *repo, *user)
	// The scopes SuperPlane needs for webhooks and workflow dispatch.
	gh.AddToken(token, *user, []string{"repo", "admin:repo_hook", "workflow"})
	sem := semaphore.New(tb)
	sem.AddToken(token)
	gl := gitlab.New(tb)
	gl.AddToken(token, *user)
	gl.AddProject(*owner + "/" + *repo)
	gl.Grant(*owner+"/"+*repo, *user, gitlab.AccessMaintainer)

	bb := bitbucket.New(tb)
	bb.AddUser(*user, token)
	bb.AddWorkspace(*owner, map[string]string{*user: "owner"})
	bb.AddRepo(*owner, *repo, *user)

	ado := azuredevops.New(tb)
	ado.AddOrganization(*owner)
	ado.AddProject(*owner, *repo)
	ado.AddPipeline(*owner, *repo, "1", "deploy")
	ado.AddPAT(*owner, token, azuredevops.PAT{User: *user})
	ado.SetRunResult("succeeded", 2)
	// Datadog's keys are hexadecimal: the API key the first 32 digits of
	// the token's random part, the application key all 40.
	dd := datadog.New(tb)
	ddAPIKey, ddAppKey := hex.EncodeToString(raw[:16]), hex.EncodeToString(raw)
	dd.AddKeys(ddAPIKey, ddAppKey)
	// MongoDB Atlas: organization atlasOrg with cluster prod in project
	// atlasGroup; the fakes' token is the API key's private key and the
	// service account's secret.
	atlas := fakeatlas.New(tb)
	atlas.AddOrganization(atlasOrg, *owner)
	atlas.AddAPIKey(atlasPublicKey, token, atlasOrg)
	atlas.AddServiceAccount(atlasClientID, token, atlasOrg)
	atlas.AddCluster(atlasOrg, atlasGroup, "prod")

	if *workflow != "" {
		// Two reads of the run: SuperPlane sees it running before it passes.
		gh.AddWorkflow(*owner, *repo, *workflow, "success", 2)
	}
	if *semProject != "" {
		sem.AddProject(*semProject)
		sem.SetPipelineResult("PASSED", 2)
	}

	if *superplaneURL != "" {
		gh.SetOutputsCallback(*owner, *repo, callback.Outputs{ServerURL: *superplaneURL, Values: parseOutputs(*outputs)})
		gl.SetOutputsCallback(*owner+"/"+*repo, callback.Outputs{ServerURL: *superplaneURL, Values: parseOutputs(*outputs)})
		bb.SetOutputsCallback(*owner, *repo, callback.Outputs{ServerURL: *superplaneURL, Values: parseOutputs(*outputs)})
	}

	controlURL, stopControl, err := serveControl(&control{token: token, gh: gh, sem: sem, owner: *owner, repo: *repo})
	if err != nil {
		fmt.Fprintln(os.Stderr, "superplane-fakes:", err)
		os.Exit(1)
	}
	tb.Cleanup(stopControl)

	settings := fmt.Sprintf("GITHUB_API_URL=%s\nSEMAPHORE_API_URL=%s\nGITLAB_API_URL=%s\nTOKEN=%s\nGITHUB_OIDC_ISSUER=%s\nSEMAPHORE_OIDC_ISSUER=%s\nCONTROL_URL=%s\n",
		gh.URL(), sem.URL(), gl.APIURL(), token, gh.Issuer().URL(), sem.Issuer(tb).URL(), controlURL)
	settings += fmt.Sprintf("BITBUCKET_API_URL=%s\nBITBUCKET_CREDENTIAL=%s:%s\n", bb.URL(), *user, token)
	settings += fmt.Sprintf("AZURE_DEVOPS_API_URL=%s\n", ado.URL())
	settings += fmt.Sprintf("DATADOG_API_URL=%s\nDATADOG_API_KEY=%s\nDATADOG_APP_KEY=%s\n", dd.URL(), ddAPIKey, ddAppKey)
	settings += fmt.Sprintf("MONGODB_ATLAS_URL=%s\nMONGODB_ATLAS_ORG=%s\nMONGODB_ATLAS_GROUP=%s\nMONGODB_ATLAS_PUBLIC_KEY=%s\nMONGODB_ATLAS_CLIENT_ID=%s\n",
		atlas.URL(), atlasOrg, atlasGroup, atlasPublicKey, atlasClientID)
	if err := os.WriteFile(*out, []byte(settings), 0o600); err != nil {
		fmt.Fprintln(os.Stderr, "superplane-fakes:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "superplane-fakes: GitHub at %s, Semaphore at %s, GitLab at %s, Bitbucket at %s, Azure DevOps at %s, Datadog at %s, MongoDB Atlas at %s (token in %s)\n",
		gh.URL(), sem.URL(), gl.URL(), bb.URL(), ado.URL(), dd.URL(), atlas.URL(), *out)

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	<-stop
	for i := len(tb.cleanups) - 1; i >= 0; i-- {
		tb.cleanups[i]()
	}
}

// The fake Atlas's fixtures (ids in Atlas's shapes).
const (
	atlasOrg       = "5f0a1b2c3d4e5f6a7b8c9d0e"
	atlasGroup     = "6123456789abcdef01234567"
	atlasPublicKey = "superplane"
	atlasClientID  = "mdb_sa_id_5f0a1b2c3d4e5f6a7b8c9d0f"
)

// parseOutputs reads NAME=VALUE,NAME=VALUE.
func parseOutputs(s string) map[string]string {
	out := map[string]string{}
	for _, pair := range strings.Split(s, ",") {
		if name, value, ok := strings.Cut(strings.TrimSpace(pair), "="); ok && name != "" {
			out[name] = value
		}
	}
	return out
}
