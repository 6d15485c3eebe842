# throwaway.sh: the command line that scripts/postgres-test.sh and scripts/redis-test.sh share.
# A script sources it after defining say, die, start (start an instance, print its URL), stop
# (stop it, remove its directory) and read_state (set url from the state file), then runs
#
#   throwaway_main VAR "$@"
#
# where VAR is the variable that holds the instance's URL (PLAYGROUND_TEST_POSTGRES, …): when it
# is set already, nothing is started or stopped.

# throwaway_run starts an instance, runs CMD… with VAR set to its URL and stops it, also when CMD
# fails or is interrupted; it returns CMD's status.
throwaway_run() {
	local var=$1
	shift
	[ $# -gt 0 ] || die "run needs a command"
	if [ -n "${!var:-}" ]; then
		"$@"
		return
	fi
	local u
	trap 'stop' EXIT
	u=$(start) || exit 1
	trap 'exit 130' INT
	trap 'exit 143' TERM
	local status=0
	env "$var=$u" "$@" || status=$?
	return "$status"
}

# throwaway_main dispatches the script's command line: start, stop, url or run CMD….
throwaway_main() {
	local var=$1
	shift
	case "${1:-}" in
	start) start ;;
	stop) stop ;;
	url)
		if [ -n "${!var:-}" ]; then
			echo "${!var}"
		elif read_state && [ -n "$url" ] && [ "$url" != pending ]; then
			echo "$url"
		else
			die "no instance is running ($0 start)"
		fi
		;;
	run)
		shift
		throwaway_run "$var" "$@"
		;;
	*)
		echo "usage: $0 start|stop|url|run CMD…" >&2
		exit 2
		;;
	esac
}
