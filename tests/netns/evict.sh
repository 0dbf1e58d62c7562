# evict.sh: issue #10 defect 1 against the real daemon, for
# test_queryabuse.sh and test_chaos.sh (source lib.sh first).
# shellcheck shell=bash
#
# evict_pending HOST NEIGHBOUR: HOST's daemon is stopped while
# SERVER_MAX_CLIENTS idle clients hold every slot; one more connects and
# each idle one sends its request (a RESOLVE of NEIGHBOUR, which HOST's
# daemon knows); on SIGCONT one batch holds the accept, which evicts the
# oldest idle client, and that client's own event after it. Before the fix
# the daemon died there (SIGSEGV). The oldest must be dropped unanswered,
# every other client answered, the daemon alive. Whether freed memory is
# handed out again before the stale event runs depends on the heap's
# history (calloc never takes from glibc's tcache, so whether that is full
# decides): with a tcache that never fills, freed client memory is never
# reused here, and a use after free crashes every time instead of only on
# a young daemon. HOST's daemon is left running (restarted with that
# tunable and its default options).

need_build tests/qabuse

evict_pending() {
	local host=$1 nb=$2 maxc dpid out evicter round line want
	lab stop-host "$host"
	LAB_WRAP="env GLIBC_TUNABLES=glibc.malloc.tcache_count=65535" lab start-host "$host"
	wait_learns "$host" "$nb"
	maxc=$(sed -n 's/^#define SERVER_MAX_CLIENTS[[:space:]]*\([0-9]*\).*/\1/p' "$ROOT/include/server.h")
	[ -n "$maxc" ] || fail "no SERVER_MAX_CLIENTS in include/server.h"
	dpid=$(daemon_pid "$host")
	out=$STATE/evict.out
	for round in 1 2 3; do
		bg_start "$out" "$host" "$BUILD/tests/qabuse" evict "$maxc" --pid "$dpid" "$nb"
		evicter=$BG_PID
		wait_ready "$out"
		# Every idle connection accepted: nothing queued on the listening socket.
		poll 5 evict_queue_empty "$host" ||
			fail "$host's daemon did not accept $maxc idle clients: $(on "$host" ss -xln)"
		kill -s USR1 "$evicter"
		bg_wait "$evicter" 15
		# 3: too slow a round for the 1 s idle bound, which proves nothing.
		[ "$BG_RC" -eq 3 ] || break
		say "eviction round $round was too slow to count: $(grep '^evict:' "$out")"
	done
	alive "$dpid" ||
		fail "linknamed on $host died when a stopped server's batch evicted a pending client:"$'\n'"$(cat "$out")"$'\n'"$(tail -n 5 "$STATE/$host.log")"
	[ "$BG_RC" -eq 0 ] || fail "qabuse evict failed (exit $BG_RC):"$'\n'"$(cat "$out")"
	line=$(grep '^evict:' "$out") || fail "qabuse evict printed no result:"$'\n'"$(cat "$out")"
	say "$line"
	want="connections=$((maxc + 1)) answered=$maxc ok=$maxc closed=1 open=0 first=closed last=answered"
	case $line in
	"evict: $want "*) ;;
	*) fail "eviction with pending events: want '$want', got:"$'\n'"$line" ;;
	esac
	expect_rc 0 ctl "$host" resolve "$nb"
}

evict_queue_empty() {
	[ "$(on "$1" ss -xlnH src @linkname | awk '{ print $3; exit }')" = 0 ]
}
