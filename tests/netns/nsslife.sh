# nsslife.sh: the steps of test_nsslife.sh, for it and for test_chaos.sh
# to call (source lib.sh first; a lab of 2 hosts, h2 started with
# --lifetime 3600 $LONG; LINKNAME_RUNDIR exported). Each step is a function
# nsslife_STEP; see test_nsslife.sh for what each asserts.
# shellcheck shell=bash

need_build tests/nsslife
NL=$BUILD/tests/nsslife
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

# start_prober TAG NAME...: NSSLIFE_THREADS threads (default 4) resolving
# NAMEs in h1, every 10 ms; sets PROBER and PROBE_OUT.
start_prober() {
	local tag=$1
	shift
	PROBE_OUT=$STATE/probe.$tag.out
	bg_start "$PROBE_OUT" h1 "$NL" run -t "${NSSLIFE_THREADS:-4}" -i 10 "$@"
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

# NSSLIFE_EXIT_RUNS programs (default 100) exit mid-lookup.
nsslife_exit() {
	local runs=${NSSLIFE_EXIT_RUNS:-100}
	expect_rc 0 on h1 timeout $((60 + runs / 2)) "$NL" exit -t 8 -r "$runs" h2
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

# Each restart under a new name r1..r10: a program resolving rI proves it
# maps restart I's table. NSSLIFE_PROGRAMS programs (default 4) of
# NSSLIFE_THREADS threads each.
nsslife_release() {
	local i p sig t0 n=${NSSLIFE_PROGRAMS:-4} pids=() outs=() maps0=() rss0=() maps1 rss1
	h1_up
	for p in $(seq 1 "$n"); do
		start_prober "release$p" r1 r2 r3 r4 r5 r6 r7 r8 r9 r10
		pids+=("$PROBER")
		outs+=("$PROBE_OUT")
		maps0+=("$(maps_of "$PROBER")")
		rss0+=("$(rss_of "$PROBER")")
	done
	for i in $(seq 1 10); do
		if [ $((i % 2)) -eq 0 ]; then sig=KILL; else sig=TERM; fi
		t0=$(now)
		lab stop-host h1 "$sig"
		lab start-host h1 --name "r$i"
		for p in "${outs[@]}"; do
			wait_seen "$p" "r$i" up "$t0" 5 ||
				fail "restart $i (after SIG$sig): a program does not use the new daemon's table:"$'\n'"$(tail -n 20 "$p")"
		done
	done
	for p in $(seq 0 $((n - 1))); do
		maps1=$(maps_of "${pids[$p]}")
		rss1=$(rss_of "${pids[$p]}")
		say "10 restarts, program $((p + 1)) of $n: snapshot mappings ${maps0[$p]} -> $maps1, VmRSS ${rss0[$p]} -> $rss1 kB"
		[ "$maps1" -le 2 ] ||
			fail "a program keeps $maps1 snapshot mappings after 10 restarts:"$'\n'"$(grep -e 'memfd:linkname' -e "$LINKNAME_RUNDIR/" "/proc/${pids[$p]}/maps")"
		[ $((rss1 - ${rss0[$p]})) -lt 1024 ] || fail "VmRSS grew by $((rss1 - ${rss0[$p]})) kB over 10 restarts"
		PROBER=${pids[$p]}
		PROBE_OUT=${outs[$p]}
		stop_prober
	done
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

