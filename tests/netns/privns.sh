# privns.sh: part of a namespace test run as root in a private mount
# namespace, so what it mounts (overlays over /etc, /usr, ...) and so what
# it installs never reaches the machine. Source it after lib.sh. The test
# defines inside DIR, then calls `privns_dispatch "$@"` before its main
# part (the private run re-enters the script there) and `privns_run DIR
# STATE` where the private part belongs: that runs `inside DIR` in a new
# mount namespace in which every mount is private, fails the test if what
# the function STATE prints about the machine changed meanwhile, and
# returns inside's status.
# inside puts the pids it starts in INSIDE_PIDS; they are killed when it
# ends, however it ends.
# shellcheck shell=bash

INSIDE_PIDS=""

privns_cleanup() {
	local rc=$? pid
	for pid in $INSIDE_PIDS; do
		kill -s KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	exit $rc
}

privns_dispatch() {
	[ "${1:-}" = --inside ] || return 0
	# Not lib.sh's cleanup: the lab belongs to the outer run.
	trap - EXIT
	trap privns_cleanup EXIT
	mount --make-rprivate /
	inside "$2"
	exit 0
}

# privns_state PATH...: one line per path, to compare the machine's files
# before and after.
privns_state() {
	local f
	for f; do
		if [ -d "$f" ]; then echo "$f directory"
		elif [ -e "$f" ]; then echo "$f $(sha256sum <"$f")"
		else echo "$f absent"; fi
	done
}

privns_run() {
	local dir=$1 state=$2 rc=0 before after
	before=$("$state")
	mkdir -p "$dir"
	# In the background so lib.sh's cleanup can stop it.
	unshare --mount --propagation private -- bash "$0" --inside "$dir" &
	BG_PIDS="$BG_PIDS $!"
	wait $! || rc=$?
	rmdir "$dir" 2>/dev/null || true
	after=$("$state")
	[ "$before" = "$after" ] || fail "the machine changed:"$'\n'"$(diff <(echo "$before") <(echo "$after"))"
	return $rc
}
