#!/usr/bin/env bash
# postgres-test.sh: a throwaway Postgres for the tests of server/postgres (and anything else that
# reads PLAYGROUND_TEST_POSTGRES).
#
#   scripts/postgres-test.sh start      start an instance; print its URL on stdout
#   scripts/postgres-test.sh stop       stop it and remove its directory
#   scripts/postgres-test.sh url        print the URL of the running instance
#   scripts/postgres-test.sh run CMD…   start, run CMD with PLAYGROUND_TEST_POSTGRES set, stop (also
#                                       when CMD fails or is interrupted); exit with CMD's status
#
# When PLAYGROUND_TEST_POSTGRES is set already, nothing is started or stopped: start and url print
# it, and run runs CMD as it is.
#
# The server is Debian's (/usr/lib/postgresql/*/bin, the newest; PLAYGROUND_POSTGRES_BIN overrides
# it). When it is missing and we are root, `apt-get install postgresql` brings it; otherwise the
# script fails saying how to install it. As root, initdb and the server run as the postgres user
# (runuser -u postgres --), for Postgres refuses to run as root. The cluster lives in a fresh
# temporary directory owned by that user: data, log, and the unix socket. The server listens on
# 127.0.0.1 at the first free port from PLAYGROUND_TEST_POSTGRES_PORT (default 55432), with
# fsync off (its data is thrown away), and has a database playground_test whose superuser postgres
# signs in with a random password over TCP.
#
# The running instance is recorded in the state file PLAYGROUND_TEST_POSTGRES_STATE (default
# .postgres-test at the top of the repository), which stop reads; a start that finds an instance
# recorded there stops it first.
set -euo pipefail
# Command substitutions ($(start), $(postgres_bin)) fail with what they run.
shopt -s inherit_errexit

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
state=${PLAYGROUND_TEST_POSTGRES_STATE:-$root/.postgres-test}
first_port=${PLAYGROUND_TEST_POSTGRES_PORT:-55432}
database=playground_test

say() { echo "postgres-test: $*" >&2; }
die() { say "ERROR: $*"; exit 1; }

# now_ms is the time in milliseconds, for the timings printed.
now_ms() { date +%s%3N; }

# find_bin prints the directory of Debian's Postgres binaries, or nothing.
find_bin() {
	if [ -n "${PLAYGROUND_POSTGRES_BIN:-}" ]; then
		echo "$PLAYGROUND_POSTGRES_BIN"
		return
	fi
	local d
	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
	if [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
		echo "$d"
	fi
}

# postgres_bin prints the binaries' directory, installing Debian's postgresql when missing and
# root, or fails saying how to get them.
postgres_bin() {
	local d
	d=$(find_bin)
	if [ -n "$d" ]; then
		[ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] || die "$d has no initdb and pg_ctl (PLAYGROUND_POSTGRES_BIN?)"
		echo "$d"
		return
	fi
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		say "Postgres is not installed; installing Debian's (apt-get install postgresql)…"
		local t=$(now_ms)
		apt-get update -qq >&2 || die "apt-get update failed"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null </dev/null ||
			die "apt-get install postgresql failed"
		say "installed in $(( $(now_ms) - t )) ms"
		d=$(find_bin)
		[ -n "$d" ] || die "apt-get installed postgresql but /usr/lib/postgresql/*/bin has no initdb"
		echo "$d"
		return
	fi
	die "the Postgres tests need a Postgres server and none is installed (no /usr/lib/postgresql/*/bin/initdb).
Install it (e.g. sudo apt-get install -y postgresql) and run this again, or set PLAYGROUND_TEST_POSTGRES
to the URL of a database in which the tests may create schemas (postgres://user:password@host:port/db)."
}

# as_owner runs a command as the cluster's owner: the postgres user when we are root, else us.
as_owner() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# port_busy reports whether something listens on 127.0.0.1:$1.
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# free_port prints the first port from $1 nothing listens on (trying 100).
free_port() {
	local p
	for ((p = $1; p < $1 + 100; p++)); do
		if ! port_busy "$p"; then
			echo "$p"
			return
		fi
	done
	die "no free port in $1-$(($1 + 99)) on 127.0.0.1 (set PLAYGROUND_TEST_POSTGRES_PORT)"
}

# read_state loads the state file's dir, bin and url; it fails when there is no state or no dir.
read_state() {
	[ -f "$state" ] || return 1
	dir=$(sed -n 's/^dir=//p' "$state")
	bin=$(sed -n 's/^bin=//p' "$state")
	url=$(sed -n 's/^url=//p' "$state")
	[ -n "$dir" ]
}

# write_state records dir, bin and url in the state file, which only we may read (it holds the
# password).
write_state() { (umask 077 && printf 'dir=%s\nbin=%s\nurl=%s\n' "$dir" "$bin" "$url" >"$state"); }

start() {
	if [ -n "${PLAYGROUND_TEST_POSTGRES:-}" ]; then
		say "PLAYGROUND_TEST_POSTGRES is set: using that database, starting nothing"
		echo "$PLAYGROUND_TEST_POSTGRES"
		return
	fi
	if [ -f "$state" ]; then
		say "an instance is recorded in $state; stopping it first"
		stop
	fi
	local t0=$(now_ms)
	bin=$(postgres_bin) || exit 1
	if [ "$(id -u)" = 0 ]; then
		id postgres >/dev/null 2>&1 || die "there is no postgres user to run the server as (Debian's postgresql package makes it)"
		command -v runuser >/dev/null 2>&1 || die "runuser (util-linux) is missing: it runs initdb as the postgres user"
	fi
	# As root, in /tmp: the postgres user may not reach root's TMPDIR.
	local tmp=${TMPDIR:-/tmp}
	if [ "$(id -u)" = 0 ]; then
		tmp=/tmp
	fi
	dir=$(mktemp -d "$tmp/playground-pg.XXXXXX") || exit 1
	# The state is written before the server starts, so a stop after a failed start cleans up.
	url=pending
	write_state
	mkdir "$dir/sock"
	local password
	password=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
	printf '%s\n' "$password" >"$dir/pwfile"
	if [ "$(id -u)" = 0 ]; then
		chown -R postgres: "$dir"
	fi
	chmod 700 "$dir"

	as_owner "$bin/initdb" -D "$dir/data" -U postgres -E UTF8 --locale=C \
		--auth-local=trust --auth-host=scram-sha-256 --pwfile="$dir/pwfile" \
		--no-sync --no-instructions >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log" >&2; die "initdb failed (its output is above)"; }
	rm -f "$dir/pwfile"
	local t1=$(now_ms)

	local port="" try
	for try in 1 2 3; do
		port=$(free_port "${port:-$first_port}") || exit 1
		if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -s \
			-o "-p $port -k $dir/sock -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
			start >&2; then
			break
		fi
		if [ "$try" = 3 ] || ! grep -q "could not bind\|Address already in use" "$dir/server.log"; then
			tail -20 "$dir/server.log" >&2 || true
			die "the server did not start (its log is above)"
		fi
		say "port $port was taken meanwhile; trying the next"
		port=$((port + 1))
	done
	as_owner "$bin/psql" -h "$dir/sock" -p "$port" -U postgres -d postgres -X -q -v ON_ERROR_STOP=1 \
		-c "CREATE DATABASE $database" >&2 || die "creating the database $database failed"
	url="postgres://postgres:$password@127.0.0.1:$port/$database?sslmode=disable"
	write_state
	say "Postgres $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port in $dir: initdb $((t1 - t0)) ms, start and createdb $(( $(now_ms) - t1 )) ms"
	echo "$url"
}

stop() {
	if [ -n "${PLAYGROUND_TEST_POSTGRES:-}" ] && [ ! -f "$state" ]; then
		say "PLAYGROUND_TEST_POSTGRES is set: stopping nothing"
		return
	fi
	if ! read_state; then
		say "no instance is recorded in $state; nothing to stop"
		rm -f "$state"
		return
	fi
	local t0=$(now_ms)
	if [ -f "$dir/data/postmaster.pid" ] && [ -x "$bin/pg_ctl" ]; then
		as_owner "$bin/pg_ctl" -D "$dir/data" -w -t 60 -s -m immediate stop >&2 ||
			say "pg_ctl stop failed; removing the directory anyway"
	fi
	case "$dir" in
	*/playground-pg.*) rm -rf "$dir" ;;
	*) say "not removing $dir: it is not a directory this script made" ;;
	esac
	rm -f "$state"
	say "stopped and removed $dir in $(( $(now_ms) - t0 )) ms"
}

# shellcheck source=lib/throwaway.sh
. "$root/scripts/lib/throwaway.sh"
throwaway_main PLAYGROUND_TEST_POSTGRES "$@"
