#!/usr/bin/env bash
# scripts/test-env.sh — provide the services kiban's integration tests need,
# run a command with them, and tear everything down again.
#
# Usage:
#   scripts/test-env.sh [COMMAND [ARGS...]]      (default: go test ./...)
#
#   scripts/test-env.sh go test -run TestStore ./internal/store
#   scripts/test-env.sh bash                      # a shell with the env set
#
# What it does, in order:
#   1. provision: every dependency in DEPS names the Debian packages it lacks;
#      the missing ones are installed in a single `apt-get install -y`
#      (through sudo when not root; `apt-get update` only if the install
#      fails without it).
#   2. setup:     each dependency locates its binaries, starts its throwaway
#      server if it has one, and exports its KIBAN_TEST_* variables.
#   3. run:       COMMAND runs with that environment; its exit code is ours.
#   4. cleanup:   on ANY exit (success, failure, Ctrl-C) the servers are
#      stopped and their temporary directories removed (trap).
#
# Variables honoured:
#   KIBAN_TEST_POSTGRES_URL  already set: use that server, start none.
#   KIBAN_TEST_CHROMIUM      already set: use that browser binary.
#   KIBAN_TEST_PROMTOOL      already set: use that promtool.
#   KIBAN_TEST_ALERTMANAGER  already set: use that Alertmanager binary.
#   KIBAN_TEST_PROVISION=0   never run apt-get; a dependency that is absent is
#                            left unset (its tests skip) instead of failing.
#   KIBAN_TEST_KEEP=1        keep the temporary directories (logs) on exit.
#
# Adding a dependency (e.g. promtool from Debian's `prometheus`): append its
# name to DEPS and write two functions, dep_NAME_packages (print the Debian
# packages to install when it is absent, nothing when present) and
# dep_NAME_setup (find it / start it, export KIBAN_TEST_*; register teardown
# with on_exit). See the chromium one for a binary-only dependency and the
# postgres one for a server.
set -euo pipefail

# Dependencies, in setup order. Teardown runs in reverse order.
DEPS=(postgres chromium promtool alertmanager)

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

log() { printf 'test-env: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Timing for log messages: `t0=$(now)` ... `$(since "$t0")` prints "1.3s".
now() { echo "${EPOCHREALTIME//[!0-9]/}"; } # microseconds
since() { local us=$(($(now) - $1)); printf '%d.%ds' $((us / 1000000)) $((us / 100000 % 10)); }
START=$(now)

# on_exit CMD...: register a cleanup command (run in reverse order on exit).
CLEANUPS=()
on_exit() { CLEANUPS+=("$*"); }

cleanup() {
	local rc=$? i
	trap - EXIT INT TERM
	if ((${#CLEANUPS[@]})); then
		local t0; t0=$(now)
		for ((i = ${#CLEANUPS[@]} - 1; i >= 0; i--)); do
			eval "${CLEANUPS[i]}" || log "cleanup step failed: ${CLEANUPS[i]}"
		done
		log "teardown took $(since "$t0")"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

is_root() { [[ $(id -u) -eq 0 ]]; }

# as_root CMD...: run CMD as root (directly, or via sudo when available).
as_root() {
	if is_root; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		die "need root to run '$*' (not root and no sudo); install it by hand or set KIBAN_TEST_PROVISION=0"
	fi
}

# apt_install PKG...: install Debian packages non-interactively. Tries without
# `apt-get update` first (fast when the lists are fresh), then with it.
apt_install() {
	(($#)) || return 0
	command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install by hand: $*"
	local apt=(env DEBIAN_FRONTEND=noninteractive apt-get -y -q install "$@")
	log "installing Debian packages: $*"
	if ! as_root "${apt[@]}" </dev/null; then
		log "install failed; running apt-get update and retrying"
		as_root env DEBIAN_FRONTEND=noninteractive apt-get -q update </dev/null
		as_root "${apt[@]}" </dev/null
	fi
}

provisioning_enabled() { [[ ${KIBAN_TEST_PROVISION:-1} != 0 ]]; }

# ---------------------------------------------------------------------------
# Dependency: PostgreSQL
#   A throwaway server: initdb in a temp dir, trust auth for user `kiban`,
#   TCP on 127.0.0.1:<free port>, unix socket in the temp dir.
#   Exports KIBAN_TEST_POSTGRES_URL.
# ---------------------------------------------------------------------------

# Newest /usr/lib/postgresql/<ver>/bin that has initdb, or nothing.
pg_bindir() {
	local d best=""
	for d in /usr/lib/postgresql/*/bin; do
		[[ -x $d/initdb && -x $d/postgres ]] || continue
		best=$(printf '%s\n%s\n' "$best" "$d" | sort -V | tail -n 1)
	done
	[[ -z $best ]] || printf '%s\n' "$best"
}

dep_postgres_packages() {
	[[ -n ${KIBAN_TEST_POSTGRES_URL:-} ]] && return 0
	[[ -n $(pg_bindir) ]] || echo postgresql
}

# PostgreSQL refuses to run initdb/postgres as root: when root, run them as
# the `postgres` system user (created by the Debian package), else `nobody`.
PG_USER=""
as_pg() {
	if [[ -n $PG_USER ]]; then
		# cd first: the user may not be able to read the caller's cwd.
		(cd "$PG_TMP" && runuser -u "$PG_USER" -- "$@")
	else
		"$@"
	fi
}

# A TCP port on 127.0.0.1 that nothing listens on right now (the server may
# still lose a race for it; dep_postgres_setup then retries another port).
free_port() {
	local port i
	for ((i = 0; i < 100; i++)); do
		port=$((20000 + RANDOM % 40000))
		if command -v ss >/dev/null 2>&1; then
			ss -Htln "sport = :$port" 2>/dev/null | grep -q . || { echo "$port"; return 0; }
		elif ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "$port"
			return 0
		fi
	done
	die "no free TCP port found"
}

dep_postgres_setup() {
	if [[ -n ${KIBAN_TEST_POSTGRES_URL:-} ]]; then
		log "postgres: using KIBAN_TEST_POSTGRES_URL from the environment"
		return 0
	fi
	PG_BIN=$(pg_bindir)
	if [[ -z $PG_BIN ]]; then
		log "postgres: not installed; KIBAN_TEST_POSTGRES_URL left unset"
		return 0
	fi
	local t0; t0=$(now)

	if is_root; then
		if id postgres >/dev/null 2>&1; then PG_USER=postgres; else PG_USER=nobody; fi
		# Under /tmp (world-traversable) so the unprivileged user can reach it
		# whatever TMPDIR root has.
		PG_TMP=$(mktemp -d /tmp/kiban-test-pg.XXXXXX)
		chown "$PG_USER" "$PG_TMP"
	else
		local base=${TMPDIR:-/tmp}
		# A unix socket path must fit in ~107 bytes; fall back to /tmp.
		((${#base} <= 60)) || base=/tmp
		PG_TMP=$(mktemp -d "$base/kiban-test-pg.XXXXXX")
	fi
	on_exit pg_teardown

	local data=$PG_TMP/data
	as_pg "$PG_BIN/initdb" --pgdata="$data" --username=kiban --auth=trust \
		--encoding=UTF8 --locale=C --no-sync --no-instructions >"$PG_TMP/initdb.log" 2>&1 ||
		{ cat "$PG_TMP/initdb.log" >&2; die "postgres: initdb failed"; }

	# Settings for a disposable test server: no durability, loopback only.
	as_pg tee -a "$data/postgresql.conf" >/dev/null <<-EOF
		# --- scripts/test-env.sh ---
		listen_addresses = '127.0.0.1'
		unix_socket_directories = '$PG_TMP'
		max_connections = 200
		fsync = off
		synchronous_commit = off
		full_page_writes = off
		logging_collector = off
	EOF

	local port _
	for _ in 1 2 3 4 5; do
		port=$(free_port)
		rm -f "$PG_TMP/server.log"
		if as_pg "$PG_BIN/pg_ctl" start --pgdata="$data" --wait --timeout=60 \
			--log="$PG_TMP/server.log" --options="-p $port" >/dev/null 2>&1; then
			break
		fi
		if grep -qiE 'could not bind|address already in use' "$PG_TMP/server.log" 2>/dev/null; then
			log "postgres: port $port taken, retrying"
			port=""
			continue
		fi
		tail -n 30 "$PG_TMP/server.log" >&2 || true
		die "postgres: server failed to start"
	done
	[[ -n $port ]] || die "postgres: could not find a free port"

	# pg_ctl --wait already waited; double-check over TCP as the tests will.
	local i
	for ((i = 0; i < 60; i++)); do
		"$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -U kiban -d postgres && break
		sleep 0.5
	done
	"$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -U kiban -d postgres ||
		{ tail -n 30 "$PG_TMP/server.log" >&2; die "postgres: not accepting connections"; }

	export KIBAN_TEST_POSTGRES_URL="postgres://kiban@127.0.0.1:$port/postgres?sslmode=disable"
	log "postgres: $("$PG_BIN/postgres" --version | awk '{print $3}') ready on 127.0.0.1:$port in $(since "$t0") (dir $PG_TMP)"
}

pg_teardown() {
	[[ -n ${PG_TMP:-} && -d $PG_TMP ]] || return 0
	local data=$PG_TMP/data
	if [[ -f $data/postmaster.pid ]]; then
		if ! as_pg "$PG_BIN/pg_ctl" stop --pgdata="$data" --mode=fast --wait --timeout=30 >/dev/null 2>&1; then
			# Last resort: kill the postmaster; its children follow it.
			local pid
			pid=$(head -n 1 "$data/postmaster.pid" 2>/dev/null) || true
			if [[ -n $pid ]]; then kill -KILL "$pid" 2>/dev/null || true; fi
			log "postgres: fast shutdown failed; killed postmaster ${pid:-?}"
		fi
	fi
	if [[ ${KIBAN_TEST_KEEP:-0} == 1 ]]; then
		log "postgres: kept $PG_TMP"
	else
		rm -rf -- "$PG_TMP"
	fi
}

# ---------------------------------------------------------------------------
# Dependency: Chromium (headless browser for UI tests)
#   Exports KIBAN_TEST_CHROMIUM.
# ---------------------------------------------------------------------------

find_chromium() {
	local c
	if [[ -n ${KIBAN_TEST_CHROMIUM:-} ]]; then
		printf '%s\n' "$KIBAN_TEST_CHROMIUM"
		return 0
	fi
	for c in /usr/bin/chromium chromium chromium-browser google-chrome-stable google-chrome; do
		if command -v "$c" >/dev/null 2>&1; then
			command -v "$c"
			return 0
		fi
	done
	return 0
}

# promtool (Debian's prometheus package): checks and unit-tests generated
# Prometheus rules.
dep_promtool_packages() {
	if [[ -n ${KIBAN_TEST_PROMTOOL:-} ]]; then
		return 0
	fi
	command -v promtool >/dev/null 2>&1 || echo prometheus
}
dep_promtool_setup() {
	local p=${KIBAN_TEST_PROMTOOL:-$(command -v promtool || true)}
	if [[ -z $p ]]; then
		log "promtool: not installed; KIBAN_TEST_PROMTOOL left unset"
		return 0
	fi
	[[ -x $p ]] || die "promtool: KIBAN_TEST_PROMTOOL=$p is not executable"
	export KIBAN_TEST_PROMTOOL=$p
	log "promtool: $p ($("$p" --version 2>&1 | head -n1))"
}

# Alertmanager (Debian's prometheus-alertmanager package): the burn alert
# tests start their own throwaway server from the binary, so only the path is
# exported. The package's postinst may try to start its service; that may
# fail (no init system in a container) without harm.
find_alertmanager() {
	if [[ -n ${KIBAN_TEST_ALERTMANAGER:-} ]]; then
		printf '%s\n' "$KIBAN_TEST_ALERTMANAGER"
		return 0
	fi
	command -v prometheus-alertmanager || command -v alertmanager || true
}
dep_alertmanager_packages() {
	[[ -n $(find_alertmanager) ]] || echo prometheus-alertmanager
}
dep_alertmanager_setup() {
	local p
	p=$(find_alertmanager)
	if [[ -z $p ]]; then
		log "alertmanager: not installed; KIBAN_TEST_ALERTMANAGER left unset"
		return 0
	fi
	[[ -x $p ]] || p=$(command -v "$p" || true)
	[[ -n $p && -x $p ]] || die "alertmanager: KIBAN_TEST_ALERTMANAGER=${KIBAN_TEST_ALERTMANAGER:-} is not executable"
	export KIBAN_TEST_ALERTMANAGER=$p
	log "alertmanager: $p ($("$p" --version 2>&1 | head -n1))"
}

dep_chromium_packages() {
	[[ -n $(find_chromium) ]] || echo chromium
}

dep_chromium_setup() {
	local c
	c=$(find_chromium)
	if [[ -z $c ]]; then
		log "chromium: not installed; KIBAN_TEST_CHROMIUM left unset"
		return 0
	fi
	[[ -x $c ]] || die "chromium: KIBAN_TEST_CHROMIUM=$c is not executable"
	export KIBAN_TEST_CHROMIUM=$c
	log "chromium: $c"
}

# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------

main() {
	(($#)) || set -- go test ./...

	# 1. provision
	local dep missing=()
	for dep in "${DEPS[@]}"; do
		mapfile -t -O "${#missing[@]}" missing < <("dep_${dep}_packages")
	done
	if ((${#missing[@]})); then
		if provisioning_enabled; then
			local t0; t0=$(now)
			apt_install "${missing[@]}"
			log "installed ${missing[*]} in $(since "$t0")"
		else
			log "KIBAN_TEST_PROVISION=0: not installing ${missing[*]}"
		fi
	fi

	# 2. setup
	for dep in "${DEPS[@]}"; do
		"dep_${dep}_setup"
	done
	log "environment ready after $(since "$START")"

	# 3. run (not exec: the EXIT trap must still tear down afterwards)
	local rc=0
	log "running: $*"
	"$@" || rc=$?
	log "command exited with status $rc"
	return "$rc"
}

main "$@"
