#!/usr/bin/env bash
# Installs Debian's chromium for the console's browser test (internal/server
# TestConsoleInBrowser, driven by chromedp) unless a Chrome is already on the PATH, and
# prints the browser's path and version. CI runs it; `make test` skips the browser test,
# saying so, on a machine without one.
set -euo pipefail

say() { echo "install-chromium: $*" >&2; }

find_chrome() {
	local name
	for name in chromium chromium-browser google-chrome google-chrome-stable; do
		if command -v "$name" >/dev/null; then
			command -v "$name"
			return 0
		fi
	done
	return 1
}

# As root run apt directly; otherwise through sudo when there is one.
as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null; then
		sudo "$@"
	else
		say "need root (or sudo) to run: $*"
		exit 1
	fi
}

if ! chrome=$(find_chrome); then
	say "installing chromium from Debian packages"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >&2
	if ! chrome=$(find_chrome); then
		say "chromium installed but not found on the PATH"
		exit 1
	fi
fi
echo "$chrome: $("$chrome" --version 2>/dev/null || echo 'version unknown')"
