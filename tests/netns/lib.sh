# lib.sh: shared helpers for the namespace tests; source it first.
# shellcheck shell=bash
# Each test builds its own lab (prefix $LAB, set by tests/check.sh or made up
# here), asserts real outcomes, and always tears the lab down on exit.
# All waits are bounded polls: hang guards, not speed assertions.
set -eu

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=$ROOT/build
LABSH=$ROOT/netns-scripts/lab.sh
TEST_NAME=$(basename "$0" .sh)
export LAB=${LAB:-t$$}
export LAB_QUIET=1
STATE=$BUILD/lab/$LAB
# The lab's snapshot directory, for the daemons a test starts itself and
# the programs it runs directly too (lab.sh down removes it).
export LINKNAME_RUNDIR=${LINKNAME_RUNDIR-$("$LABSH" rundir)}
# How long a neighbour may take to appear (daemons announce on start-up).
LEARN_WAIT_S=${LEARN_WAIT_S:-10}
BG_PIDS=""
USER_BUILD=""
AS_NOBODY=()
EXTRA_LABS=""	# more labs a test makes (other LAB names), torn down on exit

say() { echo "[$TEST_NAME] $*"; }
fail() { echo "[$TEST_NAME] FAIL: $*" >&2; exit 1; }

# at_exit CMD...: run CMD when the test ends, before its lab goes (a test
# must not replace the EXIT trap: under set -e a failing command there ends
# the trap before the lab is torn down).
AT_EXIT=()
at_exit() { AT_EXIT+=("$(printf '%q ' "$@")"); }

cleanup() {
	local rc=$? pid lab cmd
	trap - EXIT INT TERM HUP
	set +e
	for cmd in "${AT_EXIT[@]}"; do
		eval "$cmd" 2>/dev/null
	done
	for pid in $BG_PIDS; do
		kill -s TERM "$pid" 2>/dev/null || true
	done
	if [ -n "${KEEP_LAB:-}" ]; then
		echo "[$TEST_NAME] KEEP_LAB set: lab '$LAB' left up" >&2
	else
		"$LABSH" down >/dev/null 2>&1 || echo "[$TEST_NAME] lab down failed" >&2
		for lab in $EXTRA_LABS; do
			LAB=$lab "$LABSH" down >/dev/null 2>&1 || echo "[$TEST_NAME] lab $lab down failed" >&2
		done
	fi
	[ -z "$USER_BUILD" ] || rm -rf "$USER_BUILD"
	exit $rc
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

lab() { "$LABSH" "$@"; }

# on HOST CMD...: run CMD inside HOST (uninstalled NSS module in use).
on() { "$LABSH" exec "$@"; }

ctl() { local host=$1; shift; on "$host" "$BUILD/linknamectl" "$@"; }

need_build() {
	local f
	for f in linknamed linknamectl libnss_linkname.so.2 tests/gai "$@"; do
		[ -e "$BUILD/$f" ] || fail "$BUILD/$f is missing (run: make all build/tests/gai build/tests/hangd)"
	done
}

# Another user cannot reach build/ when the clone lives in a private
# directory (/root is 0700, many homes 0700 or 0750), so what a test runs
# as another user comes from copies. nobody_files FILE...: copies each
# build/FILE into $USER_BUILD (same relative path), a directory made for
# this test under /tmp that anyone may read and only root may change,
# removed when the test ends; then "${AS_NOBODY[@]}" CMD... (after on or
# bg_start HOST) runs CMD as nobody:nogroup without other groups, from /,
# with the NSS module taken from $USER_BUILD. Name the copies in CMD
# ("$USER_BUILD/linknamectl"). tests/netns/test_clonepath.sh checks that
# such tests pass from a clone nobody cannot traverse.
nobody_files() {
	local f mode
	if [ -z "$USER_BUILD" ]; then
		USER_BUILD=$(mktemp -d /tmp/linkname-"$LAB".XXXXXX)
		chmod 0755 "$USER_BUILD"
	fi
	for f in "$@"; do
		[ -e "$BUILD/$f" ] || fail "$BUILD/$f is missing"
		mode=0644
		[ ! -x "$BUILD/$f" ] || mode=0755
		install -d -m 0755 "$USER_BUILD/$(dirname "$f")"
		install -m "$mode" "$BUILD/$f" "$USER_BUILD/$f"
	done
	AS_NOBODY=(env -C / LD_LIBRARY_PATH="$USER_BUILD"
		   setpriv --reuid=nobody --regid=nogroup --clear-groups)
	for f in "$@"; do
		mode=-r
		[ ! -x "$BUILD/$f" ] || mode=-x
		"${AS_NOBODY[@]}" test "$mode" "$USER_BUILD/$f" ||
			fail "nobody cannot use $USER_BUILD/$f (is /tmp mounted noexec?)"
	done
}

# in_private_mounts NAME [LAB...]: runs this test again, as `$0 --inside
# DIR`, in a private mount namespace, so nothing it mounts there reaches
# the machine; DIR ($STATE/NAME) is an empty directory to mount on. The
# labs LAB... it makes are torn down however it ends. Returns its status.
in_private_mounts() {
	local dir=$STATE/$1 rc=0
	shift
	EXTRA_LABS="$EXTRA_LABS $*"
	mkdir -p "$dir"
	unshare --mount --propagation private -- bash "$0" --inside "$dir" &
	BG_PIDS="$BG_PIDS $!"
	wait $! || rc=$?
	rmdir "$dir" 2>/dev/null || true
	return $rc
}

# lab_up N [DAEMON ARGS...]: N hosts, daemons started on all of them.
lab_up() {
	local n=$1
	shift
	need_build
	lab up "$n"
	lab start "$@"
}

# poll SECS CMD...: true as soon as CMD succeeds, false after SECS.
poll() {
	local secs=$1 end
	shift
	end=$(($(date +%s%N) + secs * 1000000000))
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s%N)" -lt "$end" ] || return 1
		sleep 0.1
	done
}

# poll_rc SECS RC CMD...: true as soon as CMD exits with RC.
poll_rc() {
	local secs=$1 want=$2
	shift 2
	poll "$secs" rc_is "$want" "$@"
}

rc_is() {
	local want=$1 rc=0
	shift
	"$@" >/dev/null 2>&1 || rc=$?
	[ "$rc" -eq "$want" ]
}

# expect_rc RC CMD...: run CMD once, fail the test unless it exits with RC.
# Its output is left in $OUT.
expect_rc() {
	local want=$1 rc=0
	shift
	OUT=$("$@" 2>&1) || rc=$?
	[ "$rc" -eq "$want" ] ||
		fail "$*: expected exit $want, got $rc; output:"$'\n'"$OUT"
}

# daemon_pid HOST: the pid of HOST's linknamed, as lab.sh recorded it.
daemon_pid() {
	local pid
	read -r pid _ <"$STATE/$1.pid" || fail "no linknamed pid file for $1"
	echo "$pid"
}

# ll_addr HOST IFACE: HOST's link-local address on IFACE.
ll_addr() {
	ip -n "$LAB-$1" -6 -o addr show dev "$2" scope link |
		awk '{ sub("/.*", "", $4); print $4; exit }'
}

# ifindex HOST IFACE
ifindex() {
	ip -n "$LAB-$1" -o link show dev "$2" | awk -F: '{ print $1; exit }'
}

# wait_learns HOST NAME: HOST's daemon knows NAME (bounded).
wait_learns() {
	poll_rc "$LEARN_WAIT_S" 0 ctl "$1" resolve "$2" ||
		fail "$1 did not learn $2 within ${LEARN_WAIT_S}s ($(ctl "$1" list 2>&1 | tr '\n' ' '))"
}

# bg_start OUTFILE HOST CMD...: run CMD in HOST in the background; sets BG_PID,
# the pid of CMD itself (lab.sh exec, ip netns exec and env all exec), so
# signals reach it and `wait` gives its exit status.
bg_start() {
	local out=$1
	shift
	"$LABSH" exec "$@" >"$out" 2>&1 &
	BG_PID=$!
	BG_PIDS="$BG_PIDS $BG_PID"
}

# wait_ready OUTFILE: a background tool printed "ready".
wait_ready() {
	poll 5 grep -qx ready "$1" || fail "no 'ready' in $1: $(cat "$1")"
}

# True while PID (our child) has not exited (zombies count as exited).
alive() {
	local st
	st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	st=${st##*) }
	[ "${st%% *}" != Z ]
}

# bg_wait PID SECS: reap our child PID within SECS (KILL it after that);
# sets BG_RC to its exit status.
bg_wait() {
	local pid=$1 secs=$2
	BG_RC=0
	if ! poll "$secs" eval "! alive $pid"; then
		kill -s KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		fail "pid $pid still running after ${secs}s, killed it"
	fi
	wait "$pid" || BG_RC=$?
}

pass() { say "ok"; exit 0; }

# h1's counters ("linknamectl stats", "key value" lines) into the array S;
# keep copies them to S0; moved lists what changed, for failure messages;
# wait_counter KEY VALUE polls (hang guard, 3 s) until S[KEY] >= VALUE.
declare -A S S0
snap() {
	local k v
	S=()
	while read -r k v; do S[$k]=$v; done < <(ctl h1 stats)
	[ -n "${S[dropped]:-}" ] || fail "linknamectl stats on h1 has no 'dropped' line"
}
keep() {
	local k
	S0=()
	for k in "${!S[@]}"; do S0[$k]=${S[$k]}; done
}
moved() {
	local k out=""
	for k in "${!S[@]}"; do
		case $k in name|uptime) continue ;; esac
		[ "${S[$k]}" = "${S0[$k]:-}" ] || out="$out $k:${S0[$k]:-?}->${S[$k]}"
	done
	echo "${out:- nothing}"
}
wait_counter() {
	local key=$1 want=$2
	for _ in $(seq 1 150); do
		snap
		[ "${S[$key]:-0}" -ge "$want" ] && return 0
		sleep 0.02
	done
	return 1
}
