#!/bin/bash
# The NSS module over a program's lifetime (issue 10, defects 2 to 5): what
# long-running, multithreaded programs see while the daemon is killed,
# restarted, said goodbye to, and while their threads switch network
# namespace. Each step is a function (nsslife_*) that tests/netns/
# test_chaos.sh can call again in a loop; STEPS="exit dead ..." runs a subset.
#
#   exit     8 threads mid-lookup while the main thread calls exit(0), 100
#            times: no child dies of a signal (the module has no destructor
#            that could pull its mapping from under them).
#   dead     a daemon with interval = 600 is SIGKILLed: 4 threads resolving
#            its own name and a neighbour's (lifetime 3600) see both fail
#            within 5 s (the module stops trusting a dead daemon whatever
#            the interval), with UNAVAIL, so the next source is asked.
#   restart  the daemon is SIGKILLed and at once restarted under a new
#            name: a program that predates it resolves the new name (the
#            new daemon's table), keeps resolving the neighbour once the
#            new daemon has learnt it, and sees it gone once it leaves
#            with a GOODBYE.
#   release  10 restarts (TERM and KILL in turn, each under a new name,
#            each seen by the program) under the same program: it maps at
#            most 2 snapshots at the end (replaced ones are released) and
#            its VmRSS stays flat.
#   setns    one thread setns()es into another host's namespace: it gets
#            that namespace's daemon's answer (scope ids differ: eth0 of hN
#            has ifindex 10+N), the other threads keep their own.
# Bounds here are hang guards (poll), the times measured are printed.
# timeout: 150
. "$(dirname "$0")/lib.sh"

need_build tests/nsslife
NL=$BUILD/tests/nsslife
STEPS=${STEPS:-exit dead restart release setns}
# The lab's own snapshot directory: killed daemons leave their file behind.
export LINKNAME_RUNDIR=$STATE/run
LONG="--interval 600"

now() { "$NL" now; }

# first_after FILE NAME up|down SINCE: the t= of the first such line of a
# prober at or after SINCE (ms); fails if there is none.
first_after() {
	awk -v n="$2" -v s="$3" -v since="$4" '
		$1 == n && $2 == s { t = $3; sub(/^t=/, "", t); if (t + 0 >= since) { print t; found = 1; exit } }
		END { exit !found }' "$1"
}

# wait_seen FILE NAME up|down SINCE SECS: poll until first_after succeeds.
wait_seen() { poll "$5" first_after "$1" "$2" "$3" "$4"; }

# start_prober TAG NAME...: 4 threads resolving NAMEs in h1, every 10 ms.
start_prober() {
	local tag=$1
	shift
	PROBE_OUT=$STATE/probe.$tag.out
	bg_start "$PROBE_OUT" h1 "$NL" run -t 4 -i 10 "$@"
	PROBER=$BG_PID
	wait_ready "$PROBE_OUT"
}

stop_prober() {
	kill -s TERM "$PROBER"
	bg_wait "$PROBER" 10
	[ "$BG_RC" -eq 0 ] || fail "the prober exited $BG_RC:"$'\n'"$(tail -n 20 "$PROBE_OUT")"
	say "prober: $(grep '^run ' "$PROBE_OUT")"
}

# The prober's latest outcome for NAME: up or down.
state_of() { awk -v n="$1" '$1 == n { s = $2 } END { print s }' "$PROBE_OUT"; }

# Snapshot files the prober maps (the module's, however it names them).
maps_of() { grep -c -e 'memfd:linkname' -e "$LINKNAME_RUNDIR/" "/proc/$1/maps" || true; }
rss_of() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

h1_running() { [ -f "$STATE/h1.pid" ]; }

# h1's daemon running under NAME (its own, h1, by default), knowing h2.
# After many restarts of h1 in a row, h2 may have spent its budget for
# answering solicitations: restarting h2 makes it announce itself.
h1_up() {
	h1_running || lab start-host h1 --name "${1:-h1}" $LONG
	if ! poll 3 ctl h1 resolve h2; then
		lab stop-host h2
		lab start-host h2 --lifetime 3600 $LONG
	fi
	wait_learns h1 h2
}

# probe_h2 TAG NAME...: h1's daemon up, a prober on NAMEs, resolving h2.
probe_h2() {
	h1_up
	start_prober "$@"
	[ "$(state_of h2)" = up ] || fail "the prober does not resolve h2: $(cat "$PROBE_OUT")"
}

nsslife_exit() {
	expect_rc 0 on h1 timeout 60 "$NL" exit -t 8 -r 100 h2
	say "exit mid-lookup: ${OUT##*$'\n'}"
}

nsslife_dead() {
	local t0 t1 t2
	probe_h2 dead h1 h2
	t0=$(now)
	lab stop-host h1 KILL
	wait_seen "$PROBE_OUT" h1 down "$t0" 5 && wait_seen "$PROBE_OUT" h2 down "$t0" 5 ||
		fail "5 s after SIGKILL the program still trusts the dead daemon:"$'\n'"$(cat "$PROBE_OUT")"
	t1=$(first_after "$PROBE_OUT" h1 down "$t0")
	t2=$(first_after "$PROBE_OUT" h2 down "$t0")
	say "daemon SIGKILLed (interval 600): h1 failed after $((t1 - t0)) ms, h2 after $((t2 - t0)) ms"
	# UNAVAIL (the module's own answer), not NOTFOUND: the next source is asked.
	expect_rc 2 on h1 "$BUILD/tests/qabuse" nss h2
	say "the module, daemon dead: ${OUT#nss: }"
	stop_prober
}

nsslife_restart() {
	local t0 t1 t2
	probe_h2 restart h1b h2
	# Killed and back at once, under a new name: only its table has h1b.
	t0=$(now)
	lab stop-host h1 KILL
	lab start-host h1 --name h1b $LONG
	wait_seen "$PROBE_OUT" h1b up "$t0" 5 ||
		fail "the program does not use the restarted daemon's table:"$'\n'"$(cat "$PROBE_OUT")"
	t1=$(first_after "$PROBE_OUT" h1b up "$t0")
	say "daemon SIGKILLed and restarted: the program resolved its new name after $((t1 - t0)) ms"
	wait_learns h1 h2
	poll 5 eval '[ "$(state_of h2)" = up ]' || fail "the program lost h2:"$'\n'"$(cat "$PROBE_OUT")"
	# h2 leaves: its GOODBYE reaches the new daemon, and the program.
	t0=$(now)
	lab stop-host h2
	poll 5 eval '! ctl h1 resolve h2' || fail "h1's daemon did not take h2's goodbye"
	wait_seen "$PROBE_OUT" h2 down "$t0" 5 ||
		fail "the program still resolves h2 after its goodbye:"$'\n'"$(cat "$PROBE_OUT")"
	t2=$(first_after "$PROBE_OUT" h2 down "$t0")
	say "h2 said goodbye: the program stopped resolving it after $((t2 - t0)) ms"
	stop_prober
	lab start-host h2 --lifetime 3600 $LONG
}

# Each restart under a new name r1..r10: the program resolving rI proves
# it maps restart I's table.
nsslife_release() {
	local i sig t0 maps0 maps1 rss0 rss1
	h1_up
	start_prober release r1 r2 r3 r4 r5 r6 r7 r8 r9 r10
	maps0=$(maps_of "$PROBER")
	rss0=$(rss_of "$PROBER")
	for i in $(seq 1 10); do
		if [ $((i % 2)) -eq 0 ]; then sig=KILL; else sig=TERM; fi
		t0=$(now)
		lab stop-host h1 "$sig"
		lab start-host h1 --name "r$i"
		wait_seen "$PROBE_OUT" "r$i" up "$t0" 5 ||
			fail "restart $i (after SIG$sig): the program does not use the new daemon's table:"$'\n'"$(tail -n 20 "$PROBE_OUT")"
	done
	maps1=$(maps_of "$PROBER")
	rss1=$(rss_of "$PROBER")
	say "10 restarts: snapshot mappings $maps0 -> $maps1, VmRSS $rss0 -> $rss1 kB"
	[ "$maps1" -le 2 ] || fail "the program keeps $maps1 snapshot mappings after 10 restarts:"$'\n'"$(grep -e 'memfd:linkname' -e "$LINKNAME_RUNDIR/" "/proc/$PROBER/maps")"
	[ $((rss1 - rss0)) -lt 1024 ] || fail "VmRSS grew by $((rss1 - rss0)) kB over 10 restarts"
	stop_prober
}

nsslife_setns() {
	local here there again
	h1_up
	expect_rc 0 on h1 "$NL" setns "/run/netns/$LAB-h2" h2
	here=$(echo "$OUT" | awk '$1 == "here" { print $2 }')
	there=$(echo "$OUT" | awk '$1 == "there" { print $2 }')
	again=$(echo "$OUT" | awk '$1 == "here-again" { print $2 }')
	[ "${here##*%}" = "$(ifindex h1 eth0)" ] || fail "h2 from h1: $OUT"
	[ "${there##*%}" = "$(ifindex h2 eth0)" ] ||
		fail "a thread in h2's namespace was answered by h1's daemon:"$'\n'"$OUT"
	[ "$again" = "$here" ] || fail "the main thread lost its own namespace's answer:"$'\n'"$OUT"
	say "namespace switch in one thread: h1's view $here, h2's view $there, main thread again $again"
}

lab up 2
lab start-host h2 --lifetime 3600 $LONG
for s in $STEPS; do
	"nsslife_$s"
done
pass
