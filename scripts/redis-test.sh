#!/usr/bin/env bash
# redis-test.sh: a throwaway Redis for the tests of server/redis (and anything else that reads
# PLAYGROUND_TEST_REDIS).
#
#   scripts/redis-test.sh start      start an instance; print its URL on stdout
#   scripts/redis-test.sh stop       stop it and remove its directory
#   scripts/redis-test.sh url        print the URL of the running instance
#   scripts/redis-test.sh run CMD…   start, run CMD with PLAYGROUND_TEST_REDIS set, stop (also when
#                                    CMD fails or is interrupted); exit with CMD's status
#
# When PLAYGROUND_TEST_REDIS is set already, nothing is started or stopped: start and url print it,
# and run runs CMD as it is.
#
# The server is Debian's redis-server (on PATH or in /usr/bin; PLAYGROUND_REDIS_SERVER overrides
# it). When it is missing and we are root, `apt-get install redis-server` brings it (and the
# service the package starts is stopped again); otherwise the script fails saying how to install
# it. As root, the server runs as the redis user the package makes (runuser -u redis --), not as
# root. It lives in a fresh temporary directory owned by that user (pid file, log), listens on
# 127.0.0.1 only, at the first free port from PLAYGROUND_TEST_REDIS_PORT (default 56379), without
# persistence (no RDB snapshots, no AOF: its data is thrown away), and is reached at
# redis://127.0.0.1:PORT/0.
#
# The running instance is recorded in the state file PLAYGROUND_TEST_REDIS_STATE (default
# .redis-test at the top of the repository), which stop reads; a start that finds an instance
# recorded there stops it first.
set -euo pipefail
# Command substitutions ($(start), $(redis_bin)) fail with what they run.
shopt -s inherit_errexit

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
state=${PLAYGROUND_TEST_REDIS_STATE:-$root/.redis-test}
first_port=${PLAYGROUND_TEST_REDIS_PORT:-56379}

say() { echo "redis-test: $*" >&2; }
die() { say "ERROR: $*"; exit 1; }

# now_ms is the time in milliseconds, for the timings printed.
now_ms() { date +%s%3N; }

# find_bin prints the path of redis-server, or nothing.
find_bin() {
	if [ -n "${PLAYGROUND_REDIS_SERVER:-}" ]; then
		echo "$PLAYGROUND_REDIS_SERVER"
		return
	fi
	local b
	b=$(command -v redis-server 2>/dev/null || true)
	if [ -z "$b" ] && [ -x /usr/bin/redis-server ]; then
		b=/usr/bin/redis-server
	fi
	echo "$b"
}

# redis_bin prints the path of redis-server, installing Debian's when missing and root, or fails
# saying how to get it.
redis_bin() {
	local b
	b=$(find_bin)
	if [ -n "$b" ]; then
		[ -x "$b" ] || die "$b is not an executable redis-server (PLAYGROUND_REDIS_SERVER?)"
		echo "$b"
		return
	fi
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		say "Redis is not installed; installing Debian's (apt-get install redis-server)…"
		local t=$(now_ms)
		apt-get update -qq >&2 || die "apt-get update failed"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null </dev/null ||
			die "apt-get install redis-server failed"
		# The package starts a system Redis on port 6379 where it can; the tests need none.
		if command -v service >/dev/null 2>&1; then
			service redis-server stop >/dev/null 2>&1 || true
		fi
		say "installed in $(( $(now_ms) - t )) ms"
		b=$(find_bin)
		[ -n "$b" ] || die "apt-get installed redis-server but there is no redis-server on PATH or in /usr/bin"
		echo "$b"
		return
	fi
	die "the Redis tests need a Redis server and none is installed (no redis-server on PATH or in /usr/bin).
Install it (e.g. sudo apt-get install -y redis-server) and run this again, set PLAYGROUND_REDIS_SERVER to a
redis-server binary, or set PLAYGROUND_TEST_REDIS to the URL of a Redis the tests may write keys
under playground:rl: in (redis://[:password@]host:port/db)."
}

# run_as is the user the server runs as: redis when we are root and it exists, else us.
run_as() {
	if [ "$(id -u)" = 0 ] && id redis >/dev/null 2>&1; then
		echo redis
	else
		id -un
	fi
}

# as_owner runs a command as the server's user.
as_owner() {
	if [ "$(id -u)" = 0 ] && [ "$owner" != root ]; then
		runuser -u "$owner" -- "$@"
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
	die "no free port in $1-$(($1 + 99)) on 127.0.0.1 (set PLAYGROUND_TEST_REDIS_PORT)"
}

# pong reports whether a Redis answers PING on 127.0.0.1:$1.
pong() {
	(
		exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
		printf 'PING\r\n' >&3
		IFS= read -r -t 1 line <&3 || exit 1
		[ "${line%$'\r'}" = "+PONG" ]
	) 2>/dev/null
}

# read_state loads the state file's dir, pid and url; it fails when there is no state or no dir.
read_state() {
	[ -f "$state" ] || return 1
	dir=$(sed -n 's/^dir=//p' "$state")
	pid=$(sed -n 's/^pid=//p' "$state")
	url=$(sed -n 's/^url=//p' "$state")
	[ -n "$dir" ]
}

# write_state records dir, pid and url in the state file, which only we may read.
write_state() { (umask 077 && printf 'dir=%s\npid=%s\nurl=%s\n' "$dir" "$pid" "$url" >"$state"); }

start() {
	if [ -n "${PLAYGROUND_TEST_REDIS:-}" ]; then
		say "PLAYGROUND_TEST_REDIS is set: using that Redis, starting nothing"
		echo "$PLAYGROUND_TEST_REDIS"
		return
	fi
	if [ -f "$state" ]; then
		say "an instance is recorded in $state; stopping it first"
		stop
	fi
	local t0=$(now_ms) bin
	bin=$(redis_bin) || exit 1
	owner=$(run_as)
	if [ "$(id -u)" = 0 ] && [ "$owner" != root ]; then
		command -v runuser >/dev/null 2>&1 || die "runuser (util-linux) is missing: it runs redis-server as the $owner user"
	fi
	# As root, in /tmp: the redis user may not reach root's TMPDIR.
	local tmp=${TMPDIR:-/tmp}
	if [ "$(id -u)" = 0 ]; then
		tmp=/tmp
	fi
	dir=$(mktemp -d "$tmp/playground-redis.XXXXXX") || exit 1
	# The state is written before the server starts, so a stop after a failed start cleans up.
	pid="" url=pending
	write_state
	if [ "$(id -u)" = 0 ]; then
		chown "$owner": "$dir"
	fi
	chmod 700 "$dir"

	local port="" try
	for try in 1 2 3; do
		port=$(free_port "${port:-$first_port}") || exit 1
		rm -f "$dir/redis.pid"
		# No config file: everything is an argument. save "" and appendonly no: no persistence.
		if as_owner "$bin" --bind 127.0.0.1 --port "$port" --dir "$dir" --save "" --appendonly no \
			--daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >&2; then
			local i
			for ((i = 0; i < 100; i++)); do
				if pong "$port"; then
					break 2
				fi
				if [ -f "$dir/redis.log" ] && grep -q "Address already in use\|Could not create server TCP" "$dir/redis.log"; then
					break
				fi
				sleep 0.05
			done
		fi
		if [ "$try" = 3 ] || ! grep -q "Address already in use\|Could not create server TCP" "$dir/redis.log" 2>/dev/null; then
			tail -20 "$dir/redis.log" >&2 2>/dev/null || true
			die "the server did not start (its log is above)"
		fi
		say "port $port was taken meanwhile; trying the next"
		port=$((port + 1))
	done
	local i=0
	while [ ! -s "$dir/redis.pid" ] && [ "$i" -lt 50 ]; do
		sleep 0.02
		i=$((i + 1))
	done
	pid=$(cat "$dir/redis.pid" 2>/dev/null || true)
	[ -n "$pid" ] || die "the server answers on 127.0.0.1:$port but wrote no pid file"
	url="redis://127.0.0.1:$port/0"
	write_state
	say "Redis $("$bin" --version | sed -n 's/.* v=\([^ ]*\).*/\1/p') on 127.0.0.1:$port in $dir as $owner, without persistence: started in $(( $(now_ms) - t0 )) ms"
	echo "$url"
}

stop() {
	if [ -n "${PLAYGROUND_TEST_REDIS:-}" ] && [ ! -f "$state" ]; then
		say "PLAYGROUND_TEST_REDIS is set: stopping nothing"
		return
	fi
	if ! read_state; then
		say "no instance is recorded in $state; nothing to stop"
		rm -f "$state"
		return
	fi
	local t0=$(now_ms)
	if [ -z "$pid" ] && [ -f "$dir/redis.pid" ]; then
		pid=$(cat "$dir/redis.pid" 2>/dev/null || true)
	fi
	# Only a redis-server of ours: the pid must still be a redis-server process.
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && grep -q redis-server "/proc/$pid/cmdline" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		local i=0
		while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 200 ]; do
			sleep 0.05
			i=$((i + 1))
		done
		if kill -0 "$pid" 2>/dev/null; then
			say "redis-server $pid did not stop within 10 s; killing it"
			kill -KILL "$pid" 2>/dev/null || true
		fi
	fi
	case "$dir" in
	*/playground-redis.*) rm -rf "$dir" ;;
	*) say "not removing $dir: it is not a directory this script made" ;;
	esac
	rm -f "$state"
	say "stopped and removed $dir in $(( $(now_ms) - t0 )) ms"
}

# shellcheck source=lib/throwaway.sh
. "$root/scripts/lib/throwaway.sh"
throwaway_main PLAYGROUND_TEST_REDIS "$@"
