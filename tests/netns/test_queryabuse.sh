#!/bin/bash
# Query socket abuse on h1 by a local user (nobody) with tests/qabuse:
# clients that send garbage, a huge request, or nothing at all (more of
# them than the server's 64 client slots, reconnecting whenever dropped).
# Asserted: garbage and huge requests are answered BADREQ and closed, and
# root's lookups of a neighbour keep succeeding meanwhile, both in a
# long-running process (getaddrinfo in a loop, which after its first lookup
# reads the NSS module's mapped snapshot) and from a new process each time
# (which must fetch the snapshot over the abused socket, as every program's
# first lookup does). How long those lookups took is printed (figures, not
# assertions). Then issue #10's eviction crash, made deterministic with
# SIGSTOP (qabuse evict, as root): the daemon survives it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/evict.sh"

need_build tests/qabuse
QA=$BUILD/tests/qabuse
# nobody runs a copy it can read wherever the clone lives (lib.sh).
nobody_files tests/qabuse
QA_NOBODY=("${AS_NOBODY[@]}" "$USER_BUILD/tests/qabuse")
# SERVER_MAX_CLIENTS in include/server.h is 64: more than that.
IDLE_CLIENTS=80

lab_up 2
wait_learns h1 h2

# fresh_lookups WHAT N: N lookups of h2 on h1, each from a new process
# (qabuse nss: the module called directly, one fetch of the snapshot over
# the socket each); all must succeed.
fresh_lookups() {
	local what=$1 want=$2 out="" n bad worst
	for _ in $(seq "$want"); do
		out="$out$(on h1 timeout 5 "$QA" nss h2)"$'\n' || true
		sleep 0.02
	done
	n=$(echo "$out" | grep -c '^nss: ' || true)
	bad=$(echo "$out" | grep '^nss: ' | grep -vc 'status=SUCCESS' || true)
	worst=$(echo "$out" | sed -n 's/^nss: .* ms=\([0-9.]*\)$/\1/p' | sort -n | tail -n 1)
	say "lookups of h2 from a new process each, $what: $n, $bad failed, slowest ${worst:-?} ms"
	[ "$n" -eq "$want" ] || fail "only $n of $want lookups from new processes ran ($what):"$'\n'"$out"
	[ "$bad" -eq 0 ] || fail "lookups from new processes failed ($what):"$'\n'"$(echo "$out" | grep -v 'status=SUCCESS')"
}

expect_rc 0 on h1 "$QA" probe --count 20 h2
say "normal lookups of h2 in one process: $(echo "$OUT" | sed -n "s/^probe: //p")"
fresh_lookups "undisturbed" 10

# Garbage and huge requests, 20 rounds, while root looks h2 up.
abuse_out=$STATE/abuse.out
# shellcheck disable=SC2016 # expanded by the inner shell
bg_start "$abuse_out" h1 bash -c '
	for i in $(seq 20); do
		"$@" garbage 32 || exit 1
		"$@" huge 4 || exit 1
	done' abuse "${QA_NOBODY[@]}"
abuser=$BG_PID
expect_rc 0 on h1 "$QA" probe --duration 1000 --interval 5 h2
say "lookups of h2 in one process during garbage and huge requests: $(echo "$OUT" | sed -n "s/^probe: //p")"
fresh_lookups "during garbage and huge requests" 20
bg_wait "$abuser" 30
[ "$BG_RC" -eq 0 ] || fail "the garbage/huge abuser failed:"$'\n'"$(cat "$abuse_out")"
# Each garbage and each huge request got a BADREQ and was closed.
grep '^garbage:' "$abuse_out" | grep -v ' badreq=32 ' && fail "garbage was not answered BADREQ every time:"$'\n'"$(cat "$abuse_out")"
grep '^huge:' "$abuse_out" | grep -v ' badreq=4 ' && fail "a huge request was not answered BADREQ every time:"$'\n'"$(cat "$abuse_out")"
[ "$(grep -c '^garbage:.* badreq=32 ' "$abuse_out")" -eq 20 ] || fail "missing garbage rounds:"$'\n'"$(cat "$abuse_out")"
[ "$(grep -c '^huge:.* badreq=4 ' "$abuse_out")" -eq 20 ] || fail "missing huge rounds:"$'\n'"$(cat "$abuse_out")"
say "$(grep '^garbage:' "$abuse_out" | tail -n 1)"
say "$(grep '^huge:' "$abuse_out" | tail -n 1)"

# Idle clients hold every slot for 4 s and come back when dropped.
idle_out=$STATE/idle.out
bg_start "$idle_out" h1 "${QA_NOBODY[@]}" idle "$IDLE_CLIENTS" --hold 20000 --reconnect
idler=$BG_PID
wait_ready "$idle_out"
rc=0
OUT=$(on h1 timeout 10 "$QA" probe --duration 1500 --interval 20 h2 2>&1) || rc=$?
say "lookups of h2 in one process while $IDLE_CLIENTS idle clients hold the socket: $(echo "$OUT" | grep '^probe:')"
[ "$rc" -eq 0 ] || fail "getaddrinfo(h2) failed while idle clients held the query socket:"$'\n'"$OUT"
fresh_lookups "while $IDLE_CLIENTS idle clients hold the socket" 40
alive "$idler" || fail "the idle abuser ended early:"$'\n'"$(cat "$idle_out")"
kill -s TERM "$idler"
bg_wait "$idler" 10
say "$(grep '^idle:' "$idle_out")"
grep -q '^idle:.* opened=' "$idle_out" || fail "the idle abuser did not run:"$'\n'"$(cat "$idle_out")"

# Issue #10 defect 1, made deterministic (tests/netns/evict.sh).
evict_pending h1 h2

# And a lookup through glibc's own front end, once it is over.
expect_rc 0 on h1 timeout 5 getent ahosts h2
pass
