#!/usr/bin/env bash
# Starts a throwaway PostgreSQL for the store tests and prints its URL on stdout, so that
#
#   export SUPERPLANE_TEST_POSTGRES_URL="$(scripts/start-postgres.sh)"
#
# works. Everything else goes to stderr. Installs the Debian packages when no server is
# installed, and does nothing but print the URL when one already answers on the port.
# The cluster lives in a temp dir with trust auth on loopback only, fsync off: test data only.
#
# Environment: SUPERPLANE_PG_PORT (default 55432).
set -euo pipefail

port="${SUPERPLANE_PG_PORT:-55432}"
url="postgres://postgres@127.0.0.1:${port}/postgres?sslmode=disable"
say() { echo "start-postgres: $*" >&2; }

ready() {
	if command -v pg_isready >/dev/null; then
		pg_isready -q -h 127.0.0.1 -p "$port" -U postgres
	else
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
	fi
}

if ready; then
	say "PostgreSQL already answers on 127.0.0.1:$port"
	echo "$url"
	exit 0
fi

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

find_bindir() {
	# The newest major version when several are installed.
	local d
	d=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
	if [ -x "$d/postgres" ] && [ -x "$d/initdb" ]; then echo "$d"; fi
}

bindir=$(find_bindir)
if [ -z "$bindir" ]; then
	say "installing PostgreSQL from Debian packages"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		postgresql postgresql-client >&2
	bindir=$(find_bindir)
	if [ -z "$bindir" ]; then
		say "PostgreSQL installed but no /usr/lib/postgresql/*/bin/postgres found"
		exit 1
	fi
fi

datadir=$(mktemp -d "${TMPDIR:-/tmp}/superplane-pg.XXXXXX")
logfile="$datadir.log"

# PostgreSQL refuses to run as root, so as root the cluster belongs to the postgres user
# (created by the Debian package). Commands run from /tmp so postgres can read its cwd.
if [ "$(id -u)" -eq 0 ]; then
	if ! id postgres >/dev/null 2>&1; then
		say "no 'postgres' user to run the server as"
		exit 1
	fi
	chown postgres: "$datadir"
	touch "$logfile" && chown postgres: "$logfile"
	as_pg() { (cd /tmp && runuser -u postgres -- "$@"); }
else
	as_pg() { (cd /tmp && "$@"); }
fi

say "initdb in $datadir ($("$bindir/postgres" --version))"
as_pg "$bindir/initdb" -D "$datadir" -U postgres --auth=trust -E UTF8 --no-sync >/dev/null

say "starting on 127.0.0.1:$port (log: $logfile)"
as_pg "$bindir/pg_ctl" -D "$datadir" -l "$logfile" -w -t 60 \
	-o "-p $port -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
	start >&2

for _ in $(seq 1 60); do
	if ready; then
		say "ready; stop it with: $( [ "$(id -u)" -eq 0 ] && echo 'runuser -u postgres -- ')$bindir/pg_ctl -D $datadir stop"
		echo "$url"
		exit 0
	fi
	sleep 0.5
done
say "PostgreSQL did not become ready within 30s; last log lines:"
tail -n 20 "$logfile" >&2 || true
exit 1
