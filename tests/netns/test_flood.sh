#!/bin/bash
# timeout: 120
# Flood: h4 sends 100,000 ANNOUNCEs of random names from its own address
# (the per-source learning limit), then 100,000 more each from its own
# random fe80:: address (the table cap and its eviction policy), as fast as
# it can. Asserted: h1's daemon keeps its memory within the documented bound
# (its RSS before the flood + a full table + 2 MiB), its table never exceeds
# its capacity, and h2 and h3, learned and refreshed before the flood,
# resolve on h1 throughout, with no failed lookup: both in a long-running
# process (getaddrinfo in a loop: the NSS module's mapped snapshot) and in a
# new process every 20 ms (each fetches the snapshot over the query socket,
# as every program's first lookup does). Measured and printed, not asserted:
# packets sent and absorbed per second, the daemon's CPU use, peak RSS and
# lookup latency during the flood.
. "$(dirname "$0")/lib.sh"

need_build tests/forge tests/qabuse
FLOOD_N=${FLOOD_N:-100000}
# sizeof(struct table_entry) is 232 octets on x86-64 (name 64, lengths,
# ifindex, 8 addresses of 16, four timestamps and counters): 256 bounds it.
ENTRY_BYTES=256
SLACK_KB=2048

lab up 4
for h in h1 h2 h3; do lab start-host "$h"; done
wait_learns h1 h2
wait_learns h1 h3

pid=$(awk '{ print $1 }' "$STATE/h1.pid")
[ -r "/proc/$pid/status" ] || fail "no h1 daemon process ($pid)"

stat_h1() { ctl h1 stats | awk -v k="$1" '$1 == k { print $2 }'; }
status_kb() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$pid/status"; }
# utime + stime of the daemon, in clock ticks.
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$pid/stat"; }
rcvbuf_errors() { on h1 cat /proc/net/snmp6 | awk '$1 == "Udp6RcvbufErrors" { print $2 }'; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
HZ=$(getconf CLK_TCK)

# Long-lived means refreshed: one more announcement from each, heard by h1.
heard() { [ "$(stat_h1 received)" -ge "$1" ]; }
rx=$(stat_h1 received)
ctl h2 announce >/dev/null
ctl h3 announce >/dev/null
poll 5 heard $((rx + 2)) || fail "h1 did not hear h2 and h3 announce"

capacity=$(stat_h1 table-capacity)
base_rss=$(status_kb VmRSS)
bound_kb=$((base_rss + capacity * ENTRY_BYTES / 1024 + SLACK_KB))
say "h1's daemon: RSS ${base_rss} kB before the flood; table capacity $capacity;" \
	"bound ${bound_kb} kB (RSS + $capacity x $ENTRY_BYTES octets + $SLACK_KB kB)"

probe_out=$STATE/probe.out
bg_start "$probe_out" h1 "$BUILD/tests/qabuse" probe --duration 100000 --interval 10 h2 h3
probe=$BG_PID
# One new process per lookup: "nss: status=... ms=..." lines.
fresh_out=$STATE/fresh.out
# shellcheck disable=SC2016 # expanded by the inner shell
bg_start "$fresh_out" h1 bash -c 'while :; do "$1" nss h2; sleep 0.02; done' fresh "$BUILD/tests/qabuse"
fresh=$BG_PID

# flood NAME FORGE-ARGS...: one flood from h4, then the figures for it.
flood() {
	local what=$1 out t0 t1 rx0 rx1 prev cpu0 cpu1 err0 err1 ms
	shift
	rx0=$(stat_h1 received)
	cpu0=$(cpu_ticks)
	err0=$(rcvbuf_errors)
	t0=$(now_ms)
	out=$(on h4 "$BUILD/tests/forge" -i eth0 --flood "$FLOOD_N" "$@") || fail "forge: $out"
	# Until h1 has read everything its socket still holds.
	prev=-1
	rx1=$(stat_h1 received)
	while [ "$rx1" != "$prev" ]; do
		prev=$rx1
		sleep 0.2
		rx1=$(stat_h1 received)
	done
	t1=$(($(now_ms) - 200))
	cpu1=$(cpu_ticks)
	err1=$(rcvbuf_errors)
	ms=$((t1 - t0))
	say "$what: ${out#flood: }"
	say "  h1 absorbed $((rx1 - rx0)) datagrams in ${ms} ms: $(((rx1 - rx0) * 1000 / ms)) per second;" \
		"$((err1 - err0)) lost to a full socket buffer"
	say "  h1 daemon CPU: $(((cpu1 - cpu0) * 1000 / HZ)) ms in ${ms} ms ($(((cpu1 - cpu0) * 100000 / HZ / ms))% of one core)"
	say "  h1 RSS now $(status_kb VmRSS) kB, peak $(status_kb VmHWM) kB; neighbours $(stat_h1 neighbours)/$capacity;" \
		"rate-limited $(stat_h1 dropped-rate-limited), table-full $(stat_h1 dropped-table-full)"
	[ "$(stat_h1 neighbours)" -le "$capacity" ] || fail "h1's table holds more than its capacity"
	alive "$probe" || fail "the lookup probe died: $(cat "$probe_out")"
}

flood "flood 1, one source"
flood "flood 2, random sources" --random-src

kill -s TERM "$probe" "$fresh"
bg_wait "$probe" 10
probe_rc=$BG_RC
bg_wait "$fresh" 10
say "lookups of h2 and h3 in one process on h1 during both floods: $(grep '^probe:' "$probe_out")"
[ "$probe_rc" -eq 0 ] || fail "lookups failed during the flood:"$'\n'"$(cat "$probe_out")"
n=$(grep -c '^nss: ' "$fresh_out" || true)
bad=$(grep '^nss: ' "$fresh_out" | grep -vc 'status=SUCCESS' || true)
worst=$(sed -n 's/^nss: .* ms=\([0-9.]*\)$/\1/p' "$fresh_out" | sort -n | tail -n 1)
say "lookups of h2 on h1 from a new process each: $n, $bad failed, slowest ${worst:-?} ms"
[ "$n" -gt 0 ] || fail "no lookup from a new process ran:"$'\n'"$(tail -n 5 "$fresh_out")"
[ "$bad" -eq 0 ] || fail "lookups from new processes failed during the flood:"$'\n'"$(grep '^nss: ' "$fresh_out" | grep -v 'status=SUCCESS' | head -n 10)"

peak=$(status_kb VmHWM)
say "h1 peak RSS ${peak} kB (bound ${bound_kb} kB)"
[ "$peak" -le "$bound_kb" ] || fail "h1's daemon peaked at ${peak} kB, over its bound of ${bound_kb} kB"
for h in h2 h3; do
	expect_rc 0 on h1 timeout 5 getent ahosts "$h"
	echo "$OUT" | grep -qiF "$(ll_addr "$h" eth0)" || fail "$h lost its address on h1:"$'\n'"$OUT"
done
pass
