#!/bin/bash
# Faults over the daemon's and the programs' lifetime (issue #10), each step
# under its own bound (a hang guard), counted, and run on even when an
# earlier one failed; the last line is "N passed, N failed". STEPS="..."
# runs a subset. A lab of 2 hosts; h2 (lifetime 3600, interval 600) is the
# neighbour h1's programs resolve. The NSS steps are tests/netns/nsslife.sh's
# (read there what they assert), the eviction tests/netns/evict.sh's.
#
#   restarts  h1's daemon SIGKILLed and at once restarted 50 times, under
#             names that alternate, while 4 programs of 8 threads each
#             resolve both names and h2 every 10 ms: every program resolves
#             the new name and has stopped resolving the old one within 1 s
#             of the new daemon answering (and 5 s of the kill); every 10th
#             time the daemon stays dead until the programs distrust its
#             table (its name fails), within 5 s of the kill; none
#             crashes; each maps at most 2 snapshots at the end and its
#             VmRSS grew less than 1 MiB; all resolve h2 again at the end.
#   eviction  the query-socket eviction crash (#10 defect 1), made
#             deterministic against the real daemon: it survives.
#   exit      1,000 programs of 8 threads exit mid-lookup: none crashes.
#   setns     a thread that setns()es into h2's namespace is answered by
#             h2's daemon, the others by h1's.
#   flaps     100 changes of h2's eth0, link flaps and link-local address
#             changes in turn, while a program on h1 resolves h2: after
#             each, once h1's daemon answers with h2's new addresses, the
#             program answers with exactly those (no retired address),
#             from 50 ms on (its threads sample every 10 ms) until the
#             next change 100 ms later; in between it answers or misses
#             cleanly (NOTFOUND); no daemon dies.
#   enobufs   h1's daemon with a 4 KiB netlink buffer (LINKNAMED_NL_RCVBUF)
#             while 500 interfaces are created, flapped, given addresses
#             and deleted by 3 concurrent churners: it overflows, resyncs
#             (netlink-resyncs in linknamectl stats), never exits, keeps
#             answering h2 without a miss, and ends joined to ff02::1:1 on
#             exactly the usable interfaces (/proc/net/igmp6), then on
#             eth0 alone once they are deleted. (#10 defect 8)
#   rename    h1's daemon without a name, in the UTS namespace its host is
#             renamed in, sandboxed as dist/linknamed.service would do it
#             (ProtectHostname=, ProcSubset= are mirrored if set): h2 learns
#             the new name and forgets the old one without a reload, and
#             again after a rename and SIGHUP; a configured name stays.
#             (#10 defect 10)
#   fatal     a daemon that fails after publishing (an unknown user to
#             become) exits 1 and withdraws its snapshot: no file is left,
#             programs answer "no daemon" (UNAVAIL) at once. (#10 defect 8)
# timeout: 420
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/nsslife.sh"
. "$(dirname "$0")/evict.sh"

STEPS=${STEPS:-restarts eviction exit setns flaps enobufs rename fatal}
RESTARTS=${CHAOS_RESTARTS:-50}
FLAPS=${CHAOS_FLAPS:-100}
CHURN_IFACES=${CHAOS_IFACES:-500}

# Step bounds, seconds: hang guards, with room for a loaded 2-core machine.
declare -A BOUND=([restarts]=150 [eviction]=60 [exit]=240 [setns]=30 [flaps]=120 [enobufs]=150
		  [rename]=60 [fatal]=30)

# ---- restarts ----
chaos_restarts() {
	local i p t0 t1 up down worst_up=0 worst_down=0 worst_kill=0 worst_dead=0 name old=cra n=4
	local pids=() outs=() rss0=()
	local maps1 rss1
	h1_running && lab stop-host h1
	h1_up "$old"
	for p in $(seq 1 "$n"); do
		NSSLIFE_THREADS=8 start_prober "restarts$p" cra crb h2
		pids+=("$PROBER")
		outs+=("$PROBE_OUT")
		rss0+=("$(rss_of "$PROBER")")
	done
	for i in $(seq 1 "$RESTARTS"); do
		if [ $((i % 2)) -eq 1 ]; then name=crb; else name=cra; fi
		t0=$(now)
		lab stop-host h1 KILL
		# Every 10th time the daemon stays dead until every program has
		# stopped trusting its table (its own name in it), within 5 s.
		if [ $((i % 10)) -eq 0 ]; then
			for p in "${outs[@]}"; do
				wait_seen "$p" "$old" down "$t0" 5 ||
					fail "restart $i: a program still trusts the dead daemon's table after 5 s:"$'\n'"$(tail -n 12 "$p")"
				down=$(first_after "$p" "$old" down "$t0")
				[ $((down - t0)) -le "$worst_dead" ] || worst_dead=$((down - t0))
			done
		fi
		lab start-host h1 --name "$name" $LONG
		t1=$(now)	# lab.sh saw it answer
		for p in "${outs[@]}"; do
			wait_seen "$p" "$name" up "$t0" 5 && wait_seen "$p" "$old" down "$t0" 5 ||
				fail "restart $i: a program does not follow the new daemon ($old -> $name):"$'\n'"$(tail -n 12 "$p")"
			up=$(first_after "$p" "$name" up "$t0")
			down=$(first_after "$p" "$old" down "$t0")
			[ $((up - t1)) -le 1000 ] && [ $((down - t1)) -le 1000 ] && [ $((down - t0)) -le 5000 ] ||
				fail "restart $i: $name seen $((up - t1)) ms and $old gone $((down - t1)) ms after the new daemon answered (bound 1000 ms)"
			[ $((up - t1)) -le "$worst_up" ] || worst_up=$((up - t1))
			[ $((down - t1)) -le "$worst_down" ] || worst_down=$((down - t1))
			[ $((i % 10)) -eq 0 ] || [ $((up - t0)) -le "$worst_kill" ] || worst_kill=$((up - t0))
		done
		old=$name
	done
	say "$RESTARTS SIGKILLs and restarts under $n programs of 8 threads: new name seen at worst $worst_up ms, old one gone at worst $worst_down ms after the new daemon answered (restarted at once: $worst_kill ms after the kill); left dead, its table distrusted at worst $worst_dead ms after the kill"
	h1_up "$old"
	for p in $(seq 0 $((n - 1))); do
		PROBE_OUT=${outs[$p]}
		poll 5 eval '[ "$(state_of h2)" = up ]' ||
			fail "program $((p + 1)) does not resolve h2 again:"$'\n'"$(tail -n 5 "$PROBE_OUT")"
		alive "${pids[$p]}" || fail "program $((p + 1)) died:"$'\n'"$(tail -n 5 "$PROBE_OUT")"
		maps1=$(maps_of "${pids[$p]}")
		rss1=$(rss_of "${pids[$p]}")
		say "program $((p + 1)): snapshot mappings $maps1, VmRSS ${rss0[$p]} -> $rss1 kB"
		[ "$maps1" -le 2 ] || fail "program $((p + 1)) keeps $maps1 snapshot mappings"
		[ $((rss1 - ${rss0[$p]})) -lt 1024 ] ||
			fail "program $((p + 1)): VmRSS grew by $((rss1 - ${rss0[$p]})) kB over $RESTARTS restarts"
		PROBER=${pids[$p]}
		stop_prober
	done
	lab stop-host h1
}

# ---- eviction, exit, setns ----
chaos_eviction() {
	h1_up
	evict_pending h1 h2
}

chaos_exit() {
	h1_up
	NSSLIFE_EXIT_RUNS=1000 nsslife_exit
}

chaos_setns() { nsslife_setns; }

# ---- flaps ----
# h2's usable link-local addresses on eth0, sorted, one line.
h2_addrs() {
	ip -n "$LAB-h2" -6 -o addr show dev eth0 scope link -tentative |
		awk '{ sub("/.*", "", $4); print $4 }' | LC_ALL=C sort | paste -sd' '
}
# What h1's daemon answers for h2, the same way (linknamectl prints
# ADDR%SCOPE words).
h1_sees() {
	ctl h1 resolve h2 2>/dev/null | grep -o 'fe80:[0-9a-f:]*' | LC_ALL=C sort -u | paste -sd' '
}
# The program's answers as "t ADDR..." lines (addresses sorted, no scope),
# or "t -" for a miss.
answers() {
	awk '$1 == "h2" { t = $3; sub(/^t=/, "", t); line = t; n = 0
		if ($2 == "up") {
			for (i = 4; i <= NF; i++) { a = $i; sub(/%.*/, "", a); v[++n] = a }
			for (i = 2; i <= n; i++)	# insertion sort: mawk has no asort
				for (j = i; j > 1 && v[j - 1] > v[j]; j--) { x = v[j]; v[j] = v[j - 1]; v[j - 1] = x }
			for (i = 1; i <= n; i++) line = line " " v[i]
		} else line = line " -"
		print line }' "$1"
}

chaos_flaps() {
	local k ns=$LAB-h2 want manual="" t_ok t_change marks=$STATE/flaps.marks bad misses
	h1_up
	# Addresses are usable as they come: the test times h1's view, not DAD.
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.eth0.accept_dad=0
	start_prober flaps h2
	: >"$marks"
	for k in $(seq 1 "$FLAPS"); do
		t_change=$(now)
		if [ $((k % 2)) -eq 1 ]; then
			ip -n "$ns" link set eth0 down
			ip -n "$ns" link set eth0 up
		else
			# Above any EUI-64 address, so h2 keeps sending from the same one.
			ip -n "$ns" -6 addr add "fe80::ffff:ffff:ffff:$k/64" dev eth0 nodad
			# (A flap may have taken the last one away already.)
			[ -z "$manual" ] || ip -n "$ns" -6 addr del "$manual/64" dev eth0 2>/dev/null || true
			manual=fe80::ffff:ffff:ffff:$k
		fi
		poll 5 eval '[ -n "$(h2_addrs)" ]' || fail "flap $k: h2's eth0 has no usable address"
		want=$(h2_addrs)
		poll 10 eval '[ "$(h1_sees)" = "$want" ]' ||
			fail "flap $k: h1's daemon answers '$(h1_sees)' for h2, not '$want'"
		t_ok=$(now)
		echo "$t_change $t_ok $want" >>"$marks"
		# Time for the program to answer from the new set before the next.
		sleep 0.1
	done
	alive "$(daemon_pid h1)" && alive "$(daemon_pid h2)" || fail "a daemon died during the flaps"
	sleep 0.2
	stop_prober
	# From 50 ms after h1's daemon answered the new set until the next
	# change began, the program answered exactly that set.
	answers "$PROBE_OUT" >"$STATE/flaps.answers"
	bad=$(awk 'NR == FNR { c[NR] = $1; ok[NR] = $2; w = ""; for (i = 3; i <= NF; i++) w = w " " $i
			set[NR] = w; n = NR; next }
		{ t = $1; a = ""; for (i = 2; i <= NF; i++) a = a " " $i; ans[++m] = t; val[m] = a }
		END {
			for (k = 1; k <= n; k++) {
				from = ok[k] + 50; to = (k < n) ? c[k + 1] : 1e18
				if (from < to) checked++
				cur = ""; for (j = 1; j <= m && ans[j] <= from; j++) cur = val[j]
				if (from < to && cur != set[k]) print "change " k ": at +50 ms the program answered" cur ", not" set[k]
				for (j = 1; j <= m; j++) if (ans[j] > from && ans[j] < to && val[j] != set[k])
					print "change " k ": at " ans[j] " the program answered" val[j] ", not" set[k]
			}
			if (checked < n) print "only " checked " of " n " changes had a window to check"
		}' "$marks" "$STATE/flaps.answers")
	[ -z "$bad" ] || fail "stale answers after a change was announced:"$'\n'"$(echo "$bad" | head -n 10)"
	# Misses are NOTFOUND, nothing else.
	misses=$(awk '$1 == "h2" && $2 == "down"' "$PROBE_OUT")
	if echo "$misses" | grep -v -e '^$' -e 'Name or service not known' | grep -q .; then
		fail "a lookup failed uncleanly:"$'\n'"$(echo "$misses" | grep -v 'Name or service not known' | head -n 5)"
	fi
	say "$FLAPS flaps and address changes of h2: the program never answered a retired address once h1 had the new set ($(grep -c . "$STATE/flaps.answers") answer changes, $(echo "$misses" | grep -c . ) misses)"
	# Leave h2's eth0 as the lab made it.
	[ -z "$manual" ] || ip -n "$ns" -6 addr del "$manual/64" dev eth0 2>/dev/null || true
}

# ---- enobufs ----
# Interfaces h1's daemon should have joined: up, with a usable link-local
# address (all of them are multicast veths, none a bridge port).
usable_ifaces() {
	ip -n "$LAB-h1" -6 -o addr show up scope link -tentative | awk '{ print $2 }' | sort -u
}
joined_ifaces() {
	ip netns exec "$LAB-h1" awk '$3 == "ff020000000000000000000000010001" { print $2 }' \
		/proc/net/igmp6 | sort -u
}
same_sets() { [ "$(usable_ifaces)" = "$(joined_ifaces)" ] && [ -n "$(joined_ifaces)" ]; }
stat_of() { ctl h1 stats | awk -v k="$1" '$1 == k { print $2 }'; }

# churn NAME ROUNDS: ROUNDS rounds over every c interface of h1: up,
# a new address, down, and up again on every other one.
churn() {
	local d=$STATE/churn.$1 r i
	mkdir -p "$d"
	for r in $(seq 1 "$2"); do
		for i in $(seq 1 "$CHURN_IFACES"); do echo "link set c$i up"; done >"$d/up"
		for i in $(seq 1 "$CHURN_IFACES"); do
			echo "address add fe80::$1:$r:$i/64 dev c$i nodad"
		done >"$d/addr"
		for i in $(seq 1 "$CHURN_IFACES"); do echo "link set c$i down"; done >"$d/down"
		for i in $(seq 1 2 "$CHURN_IFACES"); do echo "link set c$i up"; done >"$d/half"
		ip -n "$LAB-h1" -batch "$d/up"
		ip -n "$LAB-h1" -force -batch "$d/addr" 2>/dev/null || true
		ip -n "$LAB-h1" -batch "$d/down"
		ip -n "$LAB-h1" -batch "$d/half"
	done
}

chaos_enobufs() {
	local i d=$STATE/enobufs pids=() overruns resyncs n
	mkdir -p "$d"
	h1_running && lab stop-host h1
	LAB_WRAP="env LINKNAMED_NL_RCVBUF=4096" h1_up
	grep -q 'netlink receive buffer of 4096 octets' "$STATE/h1.log" ||
		fail "h1's daemon did not take LINKNAMED_NL_RCVBUF"
	start_prober enobufs h2
	# New interfaces need no DAD; their peers sit in the bridge
	# namespace, where IPv6 is off.
	ip netns exec "$LAB-h1" sysctl -qw net.ipv6.conf.default.accept_dad=0
	for i in $(seq 1 "$CHURN_IFACES"); do
		echo "link add c$i netns $LAB-h1 type veth peer name p$i netns $LAB-br"
	done >"$d/add"
	for i in $(seq 1 "$CHURN_IFACES"); do echo "link set p$i up"; done >"$d/peers"
	ip -batch "$d/add"
	ip -n "$LAB-br" -batch "$d/peers"
	for i in 1 2 3; do
		churn "$i" 5 &
		pids+=($!)
	done
	for i in "${pids[@]}"; do
		wait "$i" || fail "a churner failed"
	done
	alive "$(daemon_pid h1)" || fail "h1's daemon died during the churn:"$'\n'"$(tail -n 5 "$STATE/h1.log")"
	poll 30 same_sets ||
		fail "h1 joined on $(joined_ifaces | wc -l) interfaces, $(usable_ifaces | wc -l) are usable:"$'\n'"$(diff <(usable_ifaces) <(joined_ifaces) | head -n 10)"
	n=$(usable_ifaces | wc -l)
	poll 5 eval '[ "$(stat_of interfaces)" = "$n" ]' ||
		fail "h1's daemon counts $(stat_of interfaces) interfaces, $n are usable"
	overruns=$(stat_of netlink-overruns)
	resyncs=$(stat_of netlink-resyncs)
	[ "${resyncs:-0}" -ge 1 ] && [ "${overruns:-0}" -ge 1 ] ||
		fail "no netlink overrun and resync counted (netlink-overruns ${overruns:-none}, netlink-resyncs ${resyncs:-none})"
	say "$CHURN_IFACES interfaces churned by 3: $overruns overruns, $resyncs resyncs ($(stat_of netlink-resync-failures) failed, retried), joined on exactly the $n usable ones"
	for i in $(seq 1 "$CHURN_IFACES"); do echo "link del c$i"; done >"$d/del"
	ip -n "$LAB-h1" -batch "$d/del"
	poll 30 eval '[ "$(joined_ifaces)" = eth0 ]' ||
		fail "after deleting them h1 is still joined on: $(joined_ifaces | paste -sd' ')"
	alive "$(daemon_pid h1)" || fail "h1's daemon died"
	[ "$(state_of h2)" = up ] && ! grep -q '^h2 down' "$PROBE_OUT" ||
		fail "the program lost h2 during the churn:"$'\n'"$(grep '^h2' "$PROBE_OUT" | head -n 5)"
	stop_prober
	lab stop-host h1
	say "then all deleted: joined on eth0 alone; h2 resolved throughout"
}

# ---- rename ----
# A holder process keeps h1's UTS namespace, named $1, for the daemon to
# join; renames happen there.
chaos_rename() {
	local holder out=$STATE/uts.out unit=$ROOT/dist/linknamed.service.in wrap sandbox="" t0
	h1_running && lab stop-host h1
	# A fresh h2: after the other steps' names from h1's address, its
	# learning rate limit (4 new names, then one per 10 s) would delay these.
	lab stop-host h2
	lab start-host h2 --lifetime 3600 $LONG
	bg_start "$out" h1 unshare --uts sh -c 'hostname chaosa.lab.example && echo ready && exec sleep 600'
	holder=$BG_PID
	wait_ready "$out"
	wrap="nsenter --uts --target $holder"
	# What the shipped unit's sandbox would do to the host name.
	if grep -qx 'ProtectHostname=yes' "$unit"; then
		wrap="$wrap unshare --uts"
		sandbox="$sandbox ProtectHostname=yes"
	fi
	if grep -qx 'ProcSubset=pid' "$unit"; then
		printf '#!/bin/sh\nmount -t proc -o subset=pid,hidepid=invisible proc /proc && exec "$@"\n' \
			>"$STATE/procsubset.sh"
		chmod 0755 "$STATE/procsubset.sh"
		wrap="$wrap unshare --mount --propagation private $STATE/procsubset.sh"
		sandbox="$sandbox ProcSubset=pid"
	fi
	LAB_NAME='' LAB_WRAP="$wrap" lab start-host h1 $LONG
	wait_learns h2 chaosa
	say "h1's daemon announces its host name chaosa (sandbox as the unit's:${sandbox:- nothing that hides renames})"
	t0=$(now)
	nsenter --uts --target "$holder" hostname chaosb
	poll 5 ctl h2 resolve chaosb ||
		fail "h1 was renamed chaosb, h2 does not learn it without a reload:"$'\n'"$(tail -n 3 "$STATE/h1.log")"
	poll 5 eval '! ctl h2 resolve chaosa' || fail "h2 still resolves h1's old name chaosa"
	grep -q 'the host was renamed: announcing chaosb' "$STATE/h1.log" || fail "h1 did not log the rename"
	say "renamed chaosb: h2 learned it and forgot chaosa within $(($(now) - t0)) ms, no reload"
	nsenter --uts --target "$holder" hostname chaosc
	kill -s HUP "$(daemon_pid h1)"
	poll 5 ctl h2 resolve chaosc || fail "renamed chaosc and reloaded: h2 does not learn it"
	poll 5 eval '! ctl h2 resolve chaosb' || fail "h2 still resolves chaosb"
	lab stop-host h1
	# A configured name is not the host's: it stays.
	LAB_WRAP="$wrap" lab start-host h1 --name fixed $LONG
	wait_learns h2 fixed
	nsenter --uts --target "$holder" hostname chaosd
	sleep 0.5
	expect_rc 0 ctl h2 resolve fixed
	! ctl h2 resolve chaosd 2>/dev/null || fail "a daemon with a configured name took the host name chaosd"
	lab stop-host h1
	kill -s TERM "$holder"
	say "renamed chaosc with a reload: followed; a configured name (--name fixed) stays"
}

# ---- fatal ----
chaos_fatal() {
	local f log=$STATE/h1.log rc=0
	h1_running && lab stop-host h1
	f=$LINKNAME_RUNDIR/$(on h1 readlink /proc/self/ns/net | sed 's/^net:\[\([0-9]*\)\]$/net-\1/')
	id linkname-chaos-nobody >/dev/null 2>&1 && fail "user linkname-chaos-nobody exists"
	lab start-host h1 --user linkname-chaos-nobody >/dev/null 2>&1 || rc=$?
	rm -f "$STATE/h1.pid"	# lab.sh's record of a daemon that died starting
	[ "$rc" -ne 0 ] || fail "a daemon that cannot become its user started"
	grep -q 'linkname-chaos-nobody: no such user' "$log" || fail "no fatal error logged:"$'\n'"$(tail -n 3 "$log")"
	# (The log's tail from this start on: a reused lab appends to it.)
	tail -n +"$(grep -n -e '--user linkname-chaos-nobody' "$log" | tail -n 1 | cut -d: -f1)" "$log" |
		grep -q 'started as' && fail "the daemon said it started"
	[ ! -e "$f" ] || fail "the failed daemon left its snapshot $f"
	expect_rc 2 on h1 "$BUILD/tests/qabuse" nss h2
	say "fatal after publishing (no such user): exit, no snapshot left, programs get ${OUT#nss: }"
}

lab up 2
lab start-host h2 --lifetime 3600 $LONG

PASSED=0 FAILED=0 FAILED_STEPS=""
for s in $STEPS; do
	bound=${BOUND[$s]:-60}
	say "--- $s (bound ${bound}s)"
	t0=$(date +%s)
	( "chaos_$s" ) &
	step=$!
	BG_PIDS="$BG_PIDS $step"
	rc=0
	if poll "$bound" eval "! alive $step"; then
		wait "$step" || rc=$?
	else
		kill -s TERM "$step" 2>/dev/null || true
		wait "$step" 2>/dev/null || true
		rc=124
	fi
	secs=$(($(date +%s) - t0))
	if [ "$rc" -eq 0 ]; then
		PASSED=$((PASSED + 1))
		say "PASS $s (${secs}s)"
	else
		FAILED=$((FAILED + 1))
		FAILED_STEPS="$FAILED_STEPS $s"
		[ "$rc" -eq 124 ] && say "FAIL $s: still running after ${bound}s" || say "FAIL $s (${secs}s)"
		# Whatever the step left: start the next from a known state.
		h1_running && { lab stop-host h1 KILL || true; }
	fi
done
[ -z "$FAILED_STEPS" ] || say "failed:$FAILED_STEPS"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
