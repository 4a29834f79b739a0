#!/usr/bin/env bash
# Builds the provider into a Terraform filesystem mirror and prints the CLI configuration
# that makes `terraform init` install it from there, with no registry and no network:
#
#   <dir>/registry.terraform.io/superplane/superplane/<version>/<os>_<arch>/terraform-provider-superplane_v<version>
#
# Usage: scripts/install-local.sh [dir]    (`make install-local`, MIRROR_DIR=dir)
#
# Environment:
#   MIRROR_DIR     the mirror directory when no argument is given (default: ./bin/terraform-mirror)
#   LOCAL_VERSION  the version to install as (default: 0.1.0). Terraform selects a pre-release
#                  such as 0.1.0-dev only when required_providers pins it exactly, so keep a
#                  plain x.y.z unless your configuration does.
#   GOOS, GOARCH   the platform to build for (default: this machine's, as `go env` reports)
#
# The build messages go to stderr; stdout is only the CLI configuration, so
# `scripts/install-local.sh > ~/.terraformrc` writes it (or set TF_CLI_CONFIG_FILE to the file).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir="${1:-${MIRROR_DIR:-$repo/bin/terraform-mirror}}"
version="${LOCAL_VERSION:-0.1.0}"

fail() { printf 'install-local: %s\n' "$*" >&2; exit 1; }

command -v go >/dev/null || fail "go not found in PATH"
# A mirror directory is named by the version; Terraform reads anything else there as broken.
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] ||
	fail "LOCAL_VERSION=$version is not a semantic version such as 0.1.0"

mkdir -p "$dir"
dir=$(cd "$dir" && pwd) # the CLI configuration needs an absolute path
os=$(go env GOOS)
arch=$(go env GOARCH)
commit=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo none)
target="$dir/registry.terraform.io/superplane/superplane/$version/${os}_${arch}"
bin="$target/terraform-provider-superplane_v$version"

printf 'install-local: building terraform-provider-superplane %s for %s_%s (a cold build takes a few minutes)\n' \
	"$version" "$os" "$arch" >&2
mkdir -p "$target"
(cd "$repo" && go build -trimpath -ldflags "-X main.version=$version -X main.commit=$commit" -o "$bin" .)
printf 'install-local: installed %s\n' "$bin" >&2
printf 'install-local: the CLI configuration is on stdout: put it in ~/.terraformrc (or a file named by TF_CLI_CONFIG_FILE);\n' >&2
printf 'install-local: after a rebuild, delete .terraform.lock.hcl (it records the checksum of the previous build) and run terraform init again.\n\n' >&2

cat <<EOF
provider_installation {
  filesystem_mirror {
    path    = "$dir"
    include = ["registry.terraform.io/superplane/superplane"]
  }
  direct {
    exclude = ["registry.terraform.io/superplane/superplane"]
  }
}
EOF
