#!/bin/bash
# bench.sh: the benchmarks behind `make bench` (docs/BENCHMARKS.md).
#
#   tests/bench/bench.sh [--quick] [--only "SECTION..."] [--out DIR]
#
# Measures, on this machine, whatever code is in build/ now, and prints one
# table; the same figures go to DIR/results.tsv (and results.md, raw/ with
# every program's own output). DIR defaults to build/bench. Each figure is
# the median of repeated runs, with the min and max of those runs;
# comparisons (linkname against /etc/hosts, ...) are measured side by side,
# interleaved in the same run. Sections, in the order they run:
#   packet    in-process receive path on one core: engine_receive over 1 and
#             500 links with a full table
#   table     table_lookup time and memory per entry at 100 .. 100,000
#   simlink   the real scheduler on a simulated link of 10 .. 10,000 hosts
#   lookup    getaddrinfo: linkname against files, (a) "files linkname" and
#             (b) each alone; a miss; the first lookup in a fresh process,
#             beside a module that does nothing (the floor), and its parts,
#             with the first read of /proc that naming the namespace costs
#   flood     a daemon under a flooding neighbour
#   memory    daemon RSS: idle (beside the floor of its libraries alone), and
#             at 10,000 neighbours; where it goes (smaps)
#   converge  N = 2, 10, 50: a new host's address comes up; until all
#             resolve it, until it resolves all; the answers it caused
#   wire      steady-state octets and frames per host per minute (N = 2,
#             10, 50), over a window of more than two default intervals
#   busy      one host with 500 veth interfaces: start to joined on all,
#             wakeups per minute when idle
# The goals in the table are those of the issue "Fast and scalable"; a
# benchmark asserts nothing and its exit status only says whether every
# section ran. --quick runs fewer and shorter repetitions (a smoke run, not
# figures to quote).
#
# Needs root, the build (make all build/tests/forge and the programs in
# build/bench; `make bench` does all of it), tcpdump. Network namespaces are
# named bch*; everything is removed on exit, also on ^C, and only processes
# started here are signalled, by pid.
#
# (Lists of per-run values go to record() word-split, on purpose.)
# shellcheck disable=SC2046
set -eu
export LC_ALL=C

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$ROOT/build
BIN=$BUILD/bench
LABSH=$ROOT/netns-scripts/lab.sh
FORGE=$BUILD/tests/forge
OUT=$BUILD/bench
QUICK=0
ONLY=""
ALL_SECTIONS="packet table simlink lookup flood memory converge wire busy"

usage() { sed -n '2,/^set -eu/p' "$0" | sed '/^# *(Lists/,$d; s/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=1 ;;
	--only) ONLY=${2:?--only needs a list of sections}; shift ;;
	--out) OUT=${2:?--out needs a directory}; shift ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; exit 64 ;;
	esac
	shift
done
SECTIONS=${ONLY:-$ALL_SECTIONS}
for s in $SECTIONS; do
	case " $ALL_SECTIONS " in *" $s "*) ;; *) echo "bench: no section '$s'" >&2; exit 64 ;; esac
done

if [ "$QUICK" -eq 1 ]; then
	RUNS=2; CALLS=2000; FIRST_K=20; PKT_MS=100; TABLE_MS=50; TABLE_FILL_S=3; MEM_SETTLE_S=2
	SIM_SIZES="10 1000"; FLOOD_N=20000; CONV_SIZES="2 10"; CONV_RUNS=2
	WIRE_S=20; BUSY_IFS=50; IDLE_S=10; RSS_NEIGH=1000; CONV_SETTLE_S=2
else
	RUNS=5; CALLS=10000; FIRST_K=100; PKT_MS=500; TABLE_MS=200; TABLE_FILL_S=15; MEM_SETTLE_S=4
	SIM_SIZES="10 1000 10000"; FLOOD_N=100000; CONV_SIZES="2 10 50"; CONV_RUNS=3
	WIRE_S=65; BUSY_IFS=500; IDLE_S=30; RSS_NEIGH=10000; CONV_SETTLE_S=12
fi

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
RAW=$OUT/raw
TSV=$OUT/results.tsv
MD=$OUT/results.md
rm -rf "$RAW"
mkdir -p "$RAW"

LOOKUP_LAB=bchl
BUSY_NS=bchb-h
BUSY_PEER=bchb-p
BG_PIDS=""
T_START=$(date +%s)

say() { echo "bench: $*"; }
warn() { echo "bench: $*" >&2; }
die() { echo "bench: $*" >&2; exit 1; }
now_ns() { date +%s%N; }

# ---------------------------------------------------------------- clean-up

lab_down() {
	lab_is_up "$1" || [ -f "$BUILD/lab/$1/hosts" ] || return 0
	LAB=$1 LAB_QUIET=1 "$LABSH" down >/dev/null 2>&1 || warn "lab $1: down failed"
}

lab_is_up() { ip netns list | awk '{print $1}' | grep -qx -- "$1-br"; }

busy_down() {
	local ns
	for ns in "$BUSY_NS" "$BUSY_PEER"; do
		if ip netns list | awk '{print $1}' | grep -qx -- "$ns"; then
			stop_ns_pids "$ns"
			ip netns del "$ns" 2>/dev/null || warn "cannot delete namespace $ns"
		fi
	done
}

# Our own processes left in a namespace of ours (the busy daemon): TERM, then KILL.
stop_ns_pids() {
	local ns=$1 pids i
	pids=$(ip netns pids "$ns" 2>/dev/null || true)
	[ -n "$pids" ] || return 0
	# shellcheck disable=SC2086
	kill -s TERM $pids 2>/dev/null || true
	for i in $(seq 1 50); do
		[ -n "$(ip netns pids "$ns" 2>/dev/null)" ] || return 0
		sleep 0.1
	done
	pids=$(ip netns pids "$ns" 2>/dev/null || true)
	# shellcheck disable=SC2086
	[ -z "$pids" ] || kill -s KILL $pids 2>/dev/null || true
}

bg_track() { BG_PIDS="$BG_PIDS $1"; }

bg_stop() {
	local pid
	for pid in "$@"; do
		kill -s TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
}

# Every lab this script may make, whether a section got to record it or not.
ALL_LABS="bchl bchm bchc2 bchc10 bchc50"

cleanup() {
	local rc=$? pid lab i
	trap - EXIT INT TERM HUP
	for pid in $BG_PIDS $SECTION_PID; do
		kill -s TERM "$pid" 2>/dev/null || true
	done
	# A section acts on TERM once its current command returns; taking the
	# labs down below ends whatever it waits for in them.
	for lab in $ALL_LABS; do
		lab_down "$lab"
	done
	busy_down
	for i in $(seq 1 50); do
		if [ -z "$SECTION_PID" ] || ! kill -0 "$SECTION_PID" 2>/dev/null; then break; fi
		sleep 0.1
	done
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# ---------------------------------------------------------------- results

# One row: SECTION FIGURE UNIT GOAL NOTE VALUE... (one value per run; "-"
# when a run could not measure it, "never" when what is timed never
# happened within the run's bound: larger than any number). Median, min and
# max of the values; the verdict compares the median with GOAL ("<= 2.0",
# ">= 2000000", or "" for none).
record() {
	local section=$1 figure=$2 unit=$3 goal=$4 note=$5
	shift 5
	printf '%s\n' "$@" | awk -v s="$section" -v f="$figure" -v u="$unit" \
		-v g="$goal" -v note="$note" '
	$1 == "never" { v[n++] = 1e300; next }
	$1 != "-" && $1 != "" { v[n++] = $1 + 0 }
	END {
		if (n == 0) {
			printf "%s\t%s\t%s\t-\t-\t-\t0\t%s\tnot measured\t%s\n", s, f, u, g, note
			exit
		}
		for (i = 1; i < n; i++) {	# insertion sort: n is small
			x = v[i]
			for (j = i - 1; j >= 0 && v[j] > x; j--) v[j + 1] = v[j]
			v[j + 1] = x
		}
		med = n % 2 ? v[int(n / 2)] : (v[n / 2 - 1] + v[n / 2]) / 2
		verdict = ""
		if (g != "") {
			split(g, gg, " ")
			if (gg[1] == "<=") verdict = med <= gg[2] + 0 ? "met" : "MISSED"
			else if (gg[1] == ">=") verdict = med >= gg[2] + 0 ? "met" : "MISSED"
		}
		printf "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", s, f, u, fmt(med),
			fmt(v[0]), fmt(v[n - 1]), n, g, verdict, note
	}
	function fmt(x) {
		if (x >= 1e299) return "never"
		if (x == int(x) && (x >= 100 || x <= -100)) return sprintf("%d", x)
		if (x >= 1000 || x <= -1000) return sprintf("%.0f", x)
		if (x >= 10 || x <= -10) return sprintf("%.1f", x)
		return sprintf("%.3g", x)
	}' >>"$TSV"
}

# kv KEY LINE: the value of KEY=VALUE in LINE.
kv() { echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1; }

# calc EXPR: floating-point arithmetic (awk).
calc() { awk "BEGIN { x = $*; printf \"%.6g\n\", x }"; }

# Failures are kept in a file: sections run in subshells.
section_failed() { echo "$1" >>"$OUT/failed"; warn "section $1 FAILED (see above); going on"; }

# Each section in a subshell with errexit on (not masked by an || around
# it), its background processes ended when it ends, however it ends. It
# runs in the background and is waited for, so that a signal to this script
# is acted on at once (bash defers traps while a foreground child runs).
SECTION_PID=""
run_section() {
	local s=$1 rc=0
	say "--- $s ($(($(date +%s) - T_START)) s so far)"
	(
		set -e
		BG_PIDS=""
		SECTION_PID=""
		# The trap must not change the status: a failed kill would.
		# shellcheck disable=SC2154 # p and st are the trap's own
		trap 'st=$?; for p in $BG_PIDS $SECTION_PID; do kill -s TERM "$p" 2>/dev/null || true; done; exit $st' EXIT
		trap 'exit 143' INT TERM HUP
		"sec_$s"
	) &
	SECTION_PID=$!
	wait "$SECTION_PID" || rc=$?
	SECTION_PID=""
	[ "$rc" -eq 0 ] || section_failed "$s"
}

# ---------------------------------------------------------------- helpers

lab() { local l=$1; shift; LAB=$l LAB_QUIET=1 "$LABSH" "$@"; }
on() { local l=$1; shift; LAB=$l LAB_QUIET=1 "$LABSH" exec "$@"; }
ctl() { local l=$1 h=$2; shift 2; on "$l" "$h" "$BUILD/linknamectl" "$@"; }
stat_of() { ctl "$1" "$2" stats 2>/dev/null | awk -v k="$3" '$1 == k { print $2 }'; }
daemon_pid() { awk '{ print $1 }' "$BUILD/lab/$1/$2.pid"; }

lab_up() {
	lab_down "$1"
	lab "$1" up "$2" >/dev/null
}

# poll SECONDS CMD...: until CMD succeeds, at most SECONDS (a hang guard).
poll() {
	local secs=$1 i=0
	shift
	while ! "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -le $((secs * 20)) ] || return 1
		sleep 0.05
	done
}

resolves() { ctl "$1" "$2" resolve "$3" >/dev/null 2>&1; }

# The hosts' nsswitch.conf: only the hosts line changes between set-ups.
set_nss() {
	local ns=$1 line=$2 f=/etc/netns/$1/nsswitch.conf
	[ -f "$f" ] || die "$f missing"
	sed -i "s/^hosts:.*/hosts:          $line/" "$f"
}

# UDP drops of the port-1903 socket(s) in namespace $1 (last column).
udp_drops() {
	ip netns exec "$1" cat /proc/net/udp6 | awk '$2 ~ /:076F$/ { d += $NF } END { print d + 0 }'
}

proc_status() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)

# ip -ts prints local time with microseconds: "[2024-01-02T03:04:05.123456]".
ts_to_ns() { date -d "$1" +%s%N; }

need() {
	local f
	for f in "$@"; do
		[ -x "$f" ] || [ -f "$f" ] || die "$f is missing (run: make bench)"
	done
}

# ---------------------------------------------------------------- packet

sec_packet() {
	local s=1000 l out
	for l in 1 500; do
		out=$RAW/packet-$s-$l.txt
		taskset -c 0 "$BIN/packet" -s "$s" -l "$l" -r "$RUNS" -d "$PKT_MS" >"$out"
		record packet "engine_receive, $s senders refreshing over $l link(s), full table (1 core)" \
			msgs/s ">= 2000000" \
			"the daemon's receive path: link and own-address lookups, wire_decode, the checks, table_update; not the snapshot publication (the flood rows have it)" \
			$(awk '/path=full/ { sub(/.*rate=/, ""); print }' "$out")
		record packet "wire_decode alone, $s senders (1 core)" msgs/s "" "" \
			$(awk '/path=decode/ { sub(/.*rate=/, ""); print }' "$out")
	done
}

# ---------------------------------------------------------------- table

sec_table() {
	local out=$RAW/table.txt size filled fill_s bpe note
	"$BIN/table" -r "$RUNS" -d "$TABLE_MS" -b "$TABLE_FILL_S" 100 10000 100000 >"$out"
	for size in 100 10000 100000; do
		line=$(grep "^table size=$size " "$out")
		filled=$(kv filled "$line")
		fill_s=$(kv fill_s "$line")
		bpe=$(kv bytes_per_entry "$line")
		note="filled $filled in ${fill_s}s"
		case $line in *incomplete*)
			note="fill stopped at $filled of $size after ${fill_s}s (budget ${TABLE_FILL_S}s): lookups timed at $filled" ;;
		esac
		record table "lookup hit, $size entries" ns "" "$note" \
			$(awk -v s="$size" '$0 ~ "^lookup size=" s " " && /kind=hit/ { sub(/.*ns=/, ""); print }' "$out")
		record table "lookup miss, $size entries" ns "" "" \
			$(awk -v s="$size" '$0 ~ "^lookup size=" s " " && /kind=miss/ { sub(/.*ns=/, ""); print }' "$out")
		record table "memory per entry, $size entries" B "<= 128" \
			"allocated by table_new + fill, per entry held" "$bpe"
	done
	# Flat: the lookup at the largest size reached against the smallest.
	record table "lookup hit, 100000 / 100 entries" ratio "<= 2.0" \
		"flat: ~1; a scan of all entries: ~1000; between: cache misses (a 100,000-entry table is far bigger than the caches)" \
		$(paste <(awk '/^lookup size=100000 / && /kind=hit/ { sub(/.*ns=/, ""); print }' "$out") \
			<(awk '/^lookup size=100 / && /kind=hit/ { sub(/.*ns=/, ""); print }' "$out") |
		  awk '{ printf "%.4g\n", $1 / $2 }')
}

# ---------------------------------------------------------------- simlink

# vals FILE KIND KEY: KEY from every KIND line of FILE; "-" for a negative
# value (the program's "never").
vals() {
	grep "^$2 " "$1" | while read -r line; do
		v=$(kv "$3" "$line")
		case $v in '') echo - ;; -*) echo never ;; *) echo "$v" ;; esac
	done
}

# med: the median of the numbers on stdin ("-" if none).
med() { grep -v '^-$' | sed 's/^never$/1e300/' | sort -g | awk '{ v[NR] = $1 } END { print NR ? v[int((NR + 1) / 2)] : "-" }'; }

sec_simlink() {
	local n v f seed runs label budget_pps frame budget_b
	for n in $SIM_SIZES; do
		for v in scaled fixed; do
			f=$RAW/simlink-$n-$v.txt
			: >"$f"
			runs=$RUNS
			[ "$n" -lt 10000 ] || [ "$runs" -le 3 ] || runs=3	# ~3 s each
			for seed in $(seq 1 "$runs"); do
				"$BIN/simlink" -n "$n" -S "$seed" $([ $v = fixed ] && echo -F) >>"$f"
			done
		done
		# A scheduler without population scaling: one variant only.
		if grep -q '^steady .* fed=0' "$RAW/simlink-$n-scaled.txt"; then
			rm -f "$RAW/simlink-$n-scaled.txt"
		fi
	done
	frame=$(vals "$RAW/simlink-${SIM_SIZES%% *}-fixed.txt" steady announce_octets | med)
	budget_pps=$(cat "$RAW"/simlink-*-scaled.txt 2>/dev/null | vals /dev/stdin steady budget_pps | med)
	if [ "$budget_pps" = - ] || [ "$budget_pps" = 0 ]; then
		# No documented budget: N=10's steady traffic is the reference.
		budget_b=$(vals "$RAW/simlink-${SIM_SIZES%% *}-fixed.txt" steady link_octets_per_s | med)
		label="N=${SIM_SIZES%% *}'s steady traffic, $budget_b B/s"
	else
		budget_b=$((budget_pps * frame))
		label="budget $budget_pps announcements/s x $frame B = $budget_b B/s"
	fi
	for n in $SIM_SIZES; do
		for v in scaled fixed; do
			f=$RAW/simlink-$n-$v.txt
			[ -f "$f" ] || continue
			[ "$v" = scaled ] || [ ! -f "$RAW/simlink-$n-scaled.txt" ] || v="unscaled (-F)"
			[ -f "$RAW/simlink-$n-scaled.txt" ] || v="as built"
			record simlink "N=$n $v: steady link traffic" B/s "<= $budget_b" \
				"$label; $(vals "$f" steady link_frames_per_s | med) frames/s; frames incl. UDP/IPv6/Ethernet" \
				$(vals "$f" steady link_octets_per_s)
			case $v in unscaled*) ;; *)
			record simlink "N=$n $v: steady, per host" B/min "" \
				"period $(vals "$f" steady period_s | med) s" $(vals "$f" steady host_octets_per_min)
			record simlink "N=$n $v: lifetime announced, median" s "" \
				"max $(vals "$f" steady lifetime_max_s | med) s; longest gap between a host's ANNOUNCEs $(vals "$f" steady max_gap_s | med) s" \
				$(vals "$f" steady lifetime_median_s)
			record simlink "N=$n $v: entries expired early, steady" entries "<= 0" \
				"not refreshed within the lifetime their host announced" $(vals "$f" steady early_expiries)
			record simlink "N=$n $v: hosts still in start-up after warm-up" hosts "" \
				"start-up burst not finished $(($(vals "$f" steady period_s | med | cut -d. -f1) * 3)) s after the last start" \
				$(vals "$f" steady still_in_startup)
			record simlink "N=$n $v: newcomer resolvable by all" ms "" \
				"one host joins the steady link; its first ANNOUNCE" $(vals "$f" join resolvable_ms)
			record simlink "N=$n $v: newcomer resolves all" ms "" \
				"\"-\": not within $(vals "$f" join window_s | med) s" $(vals "$f" join resolves_all_ms) ;;
			esac
			record simlink "N=$n $v: mass restart, busiest second" B/s "<= $((budget_b * 10))" \
				"10 x the budget; busiest 100 ms x 10: $(vals "$f" restart peak_octets_per_s_100ms | med) B/s" \
				$(vals "$f" restart peak_octets_1s)
			# 5 default lifetimes: 33 s since PROTOCOL.md made it 3 periods plus margin.
			record simlink "N=$n $v: mass restart, every table complete" s "<= $((5 * 33))" \
				"5 default lifetimes of 33 s; hosts heard after the restart: $(vals "$f" restart announced | med) of $n in $(vals "$f" restart after_s | med) s" \
				$(vals "$f" restart complete_s)
		done
	done
}

# ---------------------------------------------------------------- lookup

# gai NSS-LINE ARGS...: build/bench/lookup ARGS in the lookup host, under
# that hosts: line.
gai() {
	local line=$1
	shift
	set_nss "$LOOKUP_LAB-h1" "$line"
	on "$LOOKUP_LAB" h1 "$BIN/lookup" "$@"
}

sec_lookup() {
	local L=$LOOKUP_LAB r t out addr line
	lab_up "$L" 3
	lab "$L" start-host h1 >/dev/null
	lab "$L" start-host h2 >/dev/null
	poll 15 resolves "$L" h1 h2 || die "lookup lab: h1 does not learn h2"
	addr=$(ctl "$L" h1 resolve h2 | awk 'NR == 1 { sub(/%.*/, "", $1); print $1 }')
	case $addr in fe80:*) ;; *) die "lookup lab: no address for h2 ('$addr')" ;; esac
	# The same kind of name in /etc/hosts: one label, h2's link-local address.
	printf '%s\tfh2\n' "$addr" >>"/etc/netns/$L-h1/hosts"
	out=$RAW/lookup.txt
	: >"$out"
	for r in $(seq 1 "$RUNS"); do
		for t in 1 8; do
			# Interleaved: every series of this run one after the other.
			echo "run=$r threads=$t a-linkname $(gai 'files linkname' series -t $t -n "$CALLS" h2)" >>"$out"
			echo "run=$r threads=$t a-files $(gai 'files linkname' series -t $t -n "$CALLS" fh2)" >>"$out"
			echo "run=$r threads=$t b-linkname $(gai 'linkname' series -t $t -n "$CALLS" h2)" >>"$out"
			echo "run=$r threads=$t b-files $(gai 'files' series -t $t -n "$CALLS" fh2)" >>"$out"
			echo "run=$r threads=$t miss-a $(gai 'files linkname' series -m -t $t -n "$CALLS" nosuchhost)" >>"$out"
			echo "run=$r threads=$t miss-files $(gai 'files' series -m -t $t -n "$CALLS" nosuchhost)" >>"$out"
		done
		echo "run=$r first a-linkname $(gai 'files linkname' first -k "$FIRST_K" h2)" >>"$out"
		echo "run=$r first a-files $(gai 'files linkname' first -k "$FIRST_K" fh2)" >>"$out"
		echo "run=$r first b-linkname $(gai 'linkname' first -k "$FIRST_K" h2)" >>"$out"
		echo "run=$r first b-files $(gai 'files' first -k "$FIRST_K" fh2)" >>"$out"
		echo "run=$r first c-floor $(gai 'files lnfloor' first -k "$FIRST_K" h2)" >>"$out"
		echo "run=$r parts linkname $(gai 'files linkname' parts -k "$FIRST_K" h2)" >>"$out"
		echo "run=$r parts floor $(gai 'files linkname' parts -k "$FIRST_K" -l libnss_lnfloor.so.2 h2)" >>"$out"
		echo "run=$r nsfirst $(on "$L" h1 "$BIN/lookup" nsfirst -k "$FIRST_K")" >>"$out"
	done
	set_nss "$L-h1" 'files linkname'
	lookup_records "$out"
	# h1 stays up for the flood section.
}

# pick FILE THREADS WHAT KEY: KEY of every run's WHAT series.
pick() {
	grep " threads=$2 $3 series" "$1" | while read -r line; do kv "$4" "$line"; done
}

# ratio FILE THREADS A B KEY: per run, A's KEY / B's KEY.
ratio() {
	paste <(pick "$1" "$2" "$3" "$5") <(pick "$1" "$2" "$4" "$5") | awk '{ printf "%.4g\n", $1 / $2 }'
}

diff_of() {
	paste <(pick "$1" "$2" "$3" "$5") <(pick "$1" "$2" "$4" "$5") | awk '{ printf "%.4g\n", $1 - $2 }'
}

lookup_records() {
	local f=$1 t what label
	for t in 1 8; do
		for what in a-linkname a-files b-linkname b-files miss-a miss-files; do
			case $what in
			a-linkname) label="hit linkname, (a) files linkname" ;;
			a-files) label="hit files, (a) files linkname" ;;
			b-linkname) label="hit linkname, (b) linkname alone" ;;
			b-files) label="hit files, (b) files alone" ;;
			miss-a) label="miss, files linkname" ;;
			miss-files) label="miss, files alone" ;;
			esac
			record lookup "$label, $t thr, median" us "" \
				"min $(pick "$f" $t $what min | sort -g | head -n 1) us over all runs" \
				$(pick "$f" $t $what median)
			record lookup "$label, $t thr, p99" us "" "" $(pick "$f" $t $what p99)
		done
		record lookup "(b) linkname / files hit, $t thr" ratio "<= 1.0" "per-run medians" \
			$(ratio "$f" $t b-linkname b-files median)
		record lookup "(a) linkname / files hit, $t thr" ratio "<= 2.0" "per-run medians" \
			$(ratio "$f" $t a-linkname a-files median)
		record lookup "miss: files linkname - files alone, $t thr" us "<= 5" "what linkname adds before dns" \
			$(diff_of "$f" $t miss-a miss-files median)
	done
	for what in a-linkname a-files b-linkname b-files; do
		record lookup "first lookup in a fresh process, $what" us "" "$FIRST_K processes per run" \
			$(grep " first $what first" "$f" | while read -r line; do kv median "$line"; done)
	done
	record lookup "first lookup: linkname - files hit, (a)" us "<= 50" "fresh process each" \
		$(paste <(first_of "$f" a-linkname) <(first_of "$f" a-files) | awk '{ printf "%.4g\n", $1 - $2 }')
	record lookup "first lookup: linkname / files hit, (a)" ratio "<= 1.6" "fresh process each, per-run medians" \
		$(paste <(first_of "$f" a-linkname) <(first_of "$f" a-files) | awk '{ printf "%.4g\n", $1 / $2 }')
	record lookup "first lookup: floor module / files hit" ratio "" \
		"libnss_lnfloor answers at once, no system call: what loading any NSS module costs" \
		$(paste <(first_of "$f" c-floor) <(first_of "$f" a-files) | awk '{ printf "%.4g\n", $1 / $2 }')
	# Where linkname's first lookup goes (fresh processes calling the
	# module itself, medians): dlopen, then the first call (find this
	# thread's namespace, open and check the daemon's file, map it, look
	# up), then a second call (the lookup alone).
	record lookup "first lookup part: dlopen of the module" us "" \
		"floor module: $(parts_of "$f" floor dlopen | med) us" $(parts_of "$f" linkname dlopen)
	record lookup "first lookup part: first call (namespace, file, map, lookup)" us "" "" \
		$(parts_of "$f" linkname first_call)
	record lookup "first lookup part: first call - a later call (first contact)" us "" \
		"no socket: the daemon is not woken" $(parts_of "$f" linkname contact)
	record lookup "first lookup part: a later call (the lookup alone)" us "" "" \
		$(parts_of "$f" linkname again)
	# Why 1.6 is out of reach: the floor module costs about that much
	# alone, and naming the thread's network namespace (per-thread, so
	# read at every lookup) is a new process's first steps into /proc.
	record lookup "first lookup part: naming the thread's namespace, first time in a process" us "" \
		"readlink /proc/self/ns/net in a fresh process (later ones: ~1 us); no linkname code" \
		$(grep " nsfirst nsfirst" "$f" | while read -r line; do kv median "$line"; done)
	record lookup "first lookup: floor module + that namespace read / files hit" ratio "" \
		"the least any module that keeps per-thread namespaces can cost, per run" \
		$(paste <(first_of "$f" c-floor) <(grep " nsfirst nsfirst" "$f" | while read -r line; do kv median "$line"; done) \
			<(first_of "$f" a-files) | awk '{ printf "%.4g\n", ($1 + $2) / $3 }')
}

# first_of FILE WHAT: each run's median first lookup of WHAT.
first_of() { grep " first $2 first" "$1" | while read -r line; do kv median "$line"; done; }

# parts_of FILE WHICH KEY: each run's KEY of the parts of module WHICH.
parts_of() { grep " parts $2 parts" "$1" | while read -r line; do kv "$3" "$line"; done; }

# ---------------------------------------------------------------- flood

sec_flood() {
	local L=$LOOKUP_LAB r mode out line pid rx0 rx1 d0 d1 c0 c1 secs rates=() abs=() drops=() percpu=()
	need "$FORGE"
	lab_is_up "$L" || {
		lab_up "$L" 3
		lab "$L" start-host h1 >/dev/null
		lab "$L" start-host h2 >/dev/null
		poll 15 resolves "$L" h1 h2 || die "flood lab: h1 does not learn h2"
	}
	pid=$(daemon_pid "$L" h1)
	out=$RAW/flood.txt
	: >"$out"
	for mode in own random; do
		rates=(); abs=(); drops=(); percpu=()
		for r in $(seq 1 "$RUNS"); do
			[ "$r" -le 3 ] || continue
			rx0=$(stat_of "$L" h1 received)
			d0=$(udp_drops "$L-h1")
			c0=$(cpu_ticks "$pid")
			line=$(on "$L" h3 "$FORGE" -i eth0 --flood "$FLOOD_N" \
				$([ $mode = random ] && echo --random-src) --lifetime 600)
			# Let the daemon empty its socket buffer before counting.
			sleep 0.3
			rx1=$(stat_of "$L" h1 received)
			d1=$(udp_drops "$L-h1")
			c1=$(cpu_ticks "$pid")
			secs=$(kv seconds "$line")
			echo "mode=$mode run=$r $line received=$((rx1 - rx0)) drops=$((d1 - d0)) cpu_ticks=$((c1 - c0))" >>"$out"
			rates+=("$(kv rate "$line")")
			abs+=("$(calc "($rx1 - $rx0) / $secs")")
			drops+=("$(calc "($d1 - $d0) * 100 / $(kv sent "$line")")")
			percpu+=("$([ $((c1 - c0)) -gt 0 ] && calc "($rx1 - $rx0) * $HZ / ($c1 - $c0)" || echo -)")
		done
		case $mode in
		own) line="flood from one neighbour's address (learning limit)" ;;
		random) line="flood, each from its own address (table path)" ;;
		esac
		record flood "$line: offered" msgs/s "" "$FLOOD_N ANNOUNCEs per run" "${rates[@]}"
		record flood "$line: absorbed" msgs/s "" "daemon's received counter / flood time" "${abs[@]}"
		record flood "$line: socket drops" "% of sent" "" "/proc/net/udp6 drops, port 1903" "${drops[@]}"
		record flood "$line: per daemon CPU second" msgs/s "" "received / (utime+stime)" "${percpu[@]}"
	done

	lab_down "$L"
}

# ---------------------------------------------------------------- memory

# smaps_split PID: the process's RSS by kind, kB: "lib=" file-backed
# mappings (libraries and the program), "heap=", "anon=" other private
# anonymous memory, "stack=", "snap=" its mapping of the snapshot file.
smaps_split() {
	awk '
	/^[0-9a-f]+-[0-9a-f]+ / { path = $6; kind = "anon"
		if (path ~ /^\/run\/linkname\// || path ~ /\/net-[0-9]+$/) kind = "snap"
		else if (path ~ /^\//) kind = "lib"
		else if (path == "[heap]") kind = "heap"
		else if (path == "[stack]") kind = "stack"
		else if (path ~ /^\[/) kind = "lib" }
	/^Rss:/ { k[kind] += $2 }
	END { printf "lib=%d heap=%d anon=%d stack=%d snap=%d\n", k["lib"], k["heap"], k["anon"], k["stack"], k["snap"] }
	' "/proc/$1/smaps"
}

# kvs FILE KEY: KEY of every line of FILE (one per run).
kvs() { while read -r line; do kv "$2" "$line"; done <"$1"; }

# The snapshot file of the daemon PID: octets its file system holds for it.
snap_alloc_kb() {
	local ino
	ino=$(readlink "/proc/$1/ns/net" | sed 's/^net:\[\([0-9]*\)\]$/\1/')
	stat -c '%b %B' "/run/linkname/net-$ino" 2>/dev/null | awk '{ print int($1 * $2 / 1024) }'
}

sec_memory() {
	local L=bchm r pid line out=$RAW/memory.txt idle=$RAW/memory-idle.txt floor=$RAW/memory-floor.txt
	local fpid wpid base n i rss hwm snapkb
	need "$BIN/rssfloor" "$FORGE"
	: >"$out"
	: >"$idle"
	: >"$floor"
	lab_up "$L" 3
	lab "$L" start-host h2 >/dev/null
	# Idle: a daemon as installed (default table) on a link with one
	# neighbour, once its start-up bursts are over; restarted every run.
	for r in $(seq 1 "$RUNS"); do
		lab "$L" start-host h1 >/dev/null
		poll 15 resolves "$L" h1 h2 || die "memory lab: h1 does not learn h2"
		sleep "$MEM_SETTLE_S"
		pid=$(daemon_pid "$L" h1)
		echo "run=$r rss=$(proc_status "$pid" VmRSS) $(smaps_split "$pid")" >>"$idle"
		lab "$L" stop-host h1 >/dev/null
	done
	# The floor: the daemon's libraries alone, in the same namespace.
	for r in $(seq 1 "$RUNS"); do
		on "$L" h1 "$BIN/rssfloor" >"$RAW/rssfloor.out" 2>&1 &
		wpid=$!
		bg_track "$wpid"
		poll 10 grep -q '^ready' "$RAW/rssfloor.out" || die "rssfloor did not start"
		fpid=$(sed -n 's/^ready pid=//p' "$RAW/rssfloor.out")
		echo "run=$r rss=$(proc_status "$fpid" VmRSS) $(smaps_split "$fpid")" >>"$floor"
		kill -s TERM "$fpid"
		wait "$wpid" || true
	done
	record memory "idle daemon RSS" MiB "<= 2.5" \
		"one neighbour, default table; medians, kB: libraries and program $(kvs "$idle" lib | med), heap $(kvs "$idle" heap | med), other private $(kvs "$idle" anon | med), stack $(kvs "$idle" stack | med), snapshot $(kvs "$idle" snap | med)" \
		$(kvs "$idle" rss | awk '{ printf "%.3f\n", $1 / 1024 }')
	record memory "floor: the daemon's libraries doing nothing" MiB "" \
		"build/bench/rssfloor, linked as linknamed, libnl's cache manager only; libraries $(kvs "$floor" lib | med) kB" \
		$(kvs "$floor" rss | awk '{ printf "%.3f\n", $1 / 1024 }')
	record memory "idle daemon RSS above the floor" kB "" \
		"the daemon's own: its code, heap, stack, and the library code it uses beyond the floor's" \
		$(paste <(kvs "$idle" rss) <(kvs "$floor" rss) | awk '{ print $1 - $2 }')

	# At RSS_NEIGH neighbours: a daemon sized for them, fed neighbours
	# each from its own address until its table holds them all.
	lab "$L" start-host h1 --table-size "$RSS_NEIGH" >/dev/null
	pid=$(daemon_pid "$L" h1)
	poll 15 resolves "$L" h1 h2 || die "memory lab: restarted h1 does not learn h2"
	base=$(proc_status "$pid" VmRSS)
	i=0
	n=$(stat_of "$L" h1 neighbours)
	while [ "$n" -lt "$RSS_NEIGH" ] && [ $i -lt 400 ]; do
		# Small bursts, so the socket buffer does not overflow.
		on "$L" h3 "$FORGE" -i eth0 --flood 200 --random-src --lifetime 3600 >/dev/null
		n=$(stat_of "$L" h1 neighbours)
		i=$((i + 1))
	done
	# Past the last rebuild of the snapshot (throttled), at rest.
	sleep 1
	rss=$(proc_status "$pid" VmRSS)
	hwm=$(proc_status "$pid" VmHWM)
	snapkb=$(snap_alloc_kb "$pid")
	line=$(smaps_split "$pid")
	echo "rss neighbours=$n base_kb=$base rss_kb=$rss hwm_kb=$hwm $line snap_file_kb=$snapkb bursts=$i" >>"$out"
	if [ "$n" -ge "$RSS_NEIGH" ]; then
		record memory "daemon RSS at $n neighbours" MiB "<= 4" \
			"--table-size $RSS_NEIGH; kB: $base before the neighbours, peak $hwm; libraries and program $(kv lib "$line"), heap $(kv heap "$line"), other private (the table) $(kv anon "$line"), snapshot mapping $(kv snap "$line") (its file holds ${snapkb:-?})" \
			"$(calc "$rss / 1024")"
	else
		record memory "daemon RSS at $RSS_NEIGH neighbours" MiB "<= 4" \
			"only $n neighbours after $i bursts: not measured" -
	fi
	lab_down "$L"
}

# ---------------------------------------------------------------- converge

# The link-local address and the moment it became usable, from `ip -ts
# monitor` in the new host: the first eth0 fe80:: line (the kernel reports
# a link-local address once DAD has finished).
usable_at() {
	awk '/ eth0 +inet6 fe80:/ && !/tentative|Deleted/ { print; exit }' "$1"
}

# The start-up is captured for this long after the link comes up: past any
# burst (3 ANNOUNCEs 500 ms apart, held back on a busy link), short of the
# first periodic ANNOUNCE at the default 10 s interval (-10 % jitter).
STARTUP_CAPTURE_S=8

# One arrival: hN's interface comes up with its daemon running under a new
# name; pollers everywhere; prints the figures as KEY=VALUE.
converge_run() {
	local L=$1 n=$2 r=$3 new=h$2 name=n$2r$3 dir=$RAW/converge-$1-r$3 i h others=""
	local mon_pid tcp_pid pids="" line t0 t_up addr tmax=0 t tall frames octets answers
	local responders first left sol
	mkdir -p "$dir"
	ip -n "$L-$new" link set eth0 down
	# A new MAC, so a new link-local address: a host that really is new,
	# not a known source with a new name (which the per-source learning
	# limit would rightly slow down).
	ip -n "$L-$new" link set eth0 address "$(printf '02:%02x:%02x:%02x:%02x:%02x' \
		$((RANDOM % 256)) $((RANDOM % 256)) $((RANDOM % 256)) $((RANDOM % 256)) $((RANDOM % 256)))"
	lab "$L" stop-host "$new" >/dev/null 2>&1 || true
	lab "$L" start-host "$new" --name "$name" >/dev/null
	for i in $(seq 1 $((n - 1))); do others="$others h$i"; done
	# Pollers: each other host waits for the newcomer, the newcomer for all.
	for h in $others; do
		on "$L" "$h" "$BIN/lookup" wait -i "$POLL_US" -T 20 "$name" >"$dir/$h.out" 2>&1 &
		pids="$pids $!"
	done
	# shellcheck disable=SC2086
	on "$L" "$new" "$BIN/lookup" wait -i "$POLL_US" -T 20 $others >"$dir/$new.out" 2>&1 &
	pids="$pids $!"
	BG_PIDS="$BG_PIDS $pids"
	ip -n "$L-$new" -ts -6 monitor address >"$dir/monitor.txt" 2>&1 &
	mon_pid=$!
	bg_track "$mon_pid"
	ip netns exec "$L-br" tcpdump -i "$new-eth0" -U -w "$dir/link.pcap" 'udp port 1903' \
		>/dev/null 2>"$dir/tcpdump.err" &
	tcp_pid=$!
	bg_track "$tcp_pid"
	poll 10 grep -q 'listening on' "$dir/tcpdump.err" || die "$L: tcpdump did not start"
	for h in $others $new; do
		poll 10 grep -q '^ready' "$dir/$h.out" || die "$L: poller in $h not ready"
	done
	t_up=$(now_ns)
	ip -n "$L-$new" link set eth0 up
	# shellcheck disable=SC2086
	for i in $pids; do wait "$i" || true; done
	left=$(calc "$STARTUP_CAPTURE_S - ($(now_ns) - $t_up) / 1e9")
	[ "$(calc "$left > 0")" = 0 ] || sleep "$left"
	bg_stop "$tcp_pid" "$mon_pid"
	ctl "$L" "$new" stats >"$dir/$new.stats" 2>&1 || true
	line=$(usable_at "$dir/monitor.txt")
	[ -n "$line" ] || die "$L: no usable address seen for $new"
	t0=$(ts_to_ns "$(echo "$line" | sed 's/^\[\([^]]*\)\].*/\1/')")
	addr=$(echo "$line" | sed 's/.* inet6 \(fe80:[^/]*\)\/.*/\1/')
	for h in $others; do
		t=$(sed -n "s/^$name t=//p" "$dir/$h.out")
		[ -n "$t" ] || { tmax=never; break; }
		[ $((t - t0)) -le "$tmax" ] || tmax=$((t - t0))
	done
	[ "$tmax" = never ] || tmax=$(calc "$tmax / 1e6")
	tall=$(sed -n 's/^all t=\([0-9]*\).*/\1/p' "$dir/$new.out")
	if [ -n "$tall" ]; then tall=$(calc "($tall - $t0) / 1e6"); else tall=never; fi
	# On the wire: the newcomer's first ANNOUNCE (the earliest anyone can
	# know it), what it sent in all, and the ANNOUNCEs of the others.
	first=$(tcpdump -r "$dir/link.pcap" -nn -tt "src host $addr and ip6[51] = 1" 2>/dev/null |
		awk 'NR == 1 { split($1, t, "."); printf "%s%s000\n", t[1], t[2] }')
	if [ -n "$first" ]; then first=$(calc "($first - $t0) / 1e6"); else first=never; fi
	read -r frames octets < <(tcpdump -r "$dir/link.pcap" -nn -e "src host $addr" 2>/dev/null |
		awk '{ for (i = 1; i < NF; i++) if ($i == "length") { o += $(i + 1) + 0; break } n++ }
		     END { print n + 0, o + 0 }')
	# Answers: the others' ANNOUNCEs within 1 s of its first SOLICIT (a
	# periodic one or two among them), and from how many hosts.
	sol=$(tcpdump -r "$dir/link.pcap" -nn -tt "src host $addr and ip6[51] = 3" 2>/dev/null |
		awk 'NR == 1 { print $1 }')
	if [ -n "$sol" ]; then
		read -r answers responders < <(tcpdump -r "$dir/link.pcap" -nn -tt \
			"not src host $addr and ip6[51] = 1" 2>/dev/null |
			awk -v t="$sol" '$1 >= t && $1 < t + 1 { n++; if (!($3 in s)) { s[$3] = 1; k++ } }
			     END { print n + 0, k + 0 }')
	else
		answers=-; responders=-
	fi
	echo "others_ms=$tmax new_ms=$tall first_announce_ms=$first startup_frames=$frames" \
		"startup_octets=$octets answers=$answers responders=$responders"
}

# True once every host of lab $1 (N = $2) knows all the others.
lab_converged() {
	local L=$1 n=$2 i k
	for i in $(seq 1 "$n"); do
		k=$(stat_of "$L" "h$i" neighbours)
		[ "${k:-0}" -ge $((n - 1)) ] || return 1
	done
}

sec_converge() {
	local n L r line o=() nw=() fa=() fr=() oc=() an=() rs=()
	for n in $CONV_SIZES; do
		L=bchc$n
		lab_up "$L" "$n"
		lab "$L" start >/dev/null
		# An established link: everyone knows everyone, and the start-up
		# bursts of the lab's own start are over.
		poll 60 lab_converged "$L" "$n" || die "$L: the lab does not converge in 60 s"
		sleep "$CONV_SETTLE_S"
		# Fine polls on small labs; on 50 hosts 50 pollers at 1 ms would
		# take the CPU from the daemons they measure.
		POLL_US=1000
		[ "$n" -le 10 ] || POLL_US=2000
		o=(); nw=(); fa=(); fr=(); oc=(); an=(); rs=()
		for r in $(seq 1 "$CONV_RUNS"); do
			line=$(converge_run "$L" "$n" "$r")
			echo "N=$n run=$r $line" >>"$RAW/converge.txt"
			o+=("$(kv others_ms "$line")")
			nw+=("$(kv new_ms "$line")")
			fa+=("$(kv first_announce_ms "$line")")
			fr+=("$(kv startup_frames "$line")")
			oc+=("$(kv startup_octets "$line")")
			an+=("$(kv answers "$line")")
			rs+=("$(kv responders "$line")")
		done
		record converge "N=$n: every other host resolves the new one" ms \
			"$([ "$n" -eq 50 ] && echo '<= 20')" \
			"from its address usable (DAD done); getaddrinfo polled every $((POLL_US / 1000)) ms in every host" "${o[@]}"
		record converge "N=$n: the new host's first ANNOUNCE on the wire" ms "" \
			"from its address usable; the earliest anyone can know it" "${fa[@]}"
		record converge "N=$n: the new host resolves every other" ms \
			"$([ "$n" -eq 50 ] && echo '<= 250')" "" "${nw[@]}"
		record converge "N=$n: answers, 1 s after its first SOLICIT" frames "" \
			"the others' ANNOUNCEs (a periodic one may be among them), from a median of $(printf '%s\n' "${rs[@]}" | med) of $((n - 1)) hosts" \
			"${an[@]}"
		record wire "N=$n: a host's whole start-up" frames "<= 5" \
			"linkname datagrams it sent in the first ${STARTUP_CAPTURE_S} s (tcpdump, its bridge port)" "${fr[@]}"
		record wire "N=$n: a host's whole start-up" B "<= 600" "Ethernet frame octets" "${oc[@]}"
	done
}

# ---------------------------------------------------------------- wire + busy

# Octets and frames received by the bridge from every host port of lab $1.
port_counters() {
	local L=$1
	ip netns exec "$L-br" sh -c 'for p in /sys/class/net/h*-eth0; do
		echo "$(cat "$p/statistics/rx_bytes") $(cat "$p/statistics/rx_packets")"; done' |
		awk '{ o += $1; f += $2 } END { print o + 0, f + 0 }'
}

ctxt() { echo $(($(proc_status "$1" voluntary_ctxt_switches) + $(proc_status "$1" nonvoluntary_ctxt_switches))); }

sec_wire() {
	local n L t0 t1 secs o1 f1 idle_pid w0 w1 s0 s1
	local -A O0 F0
	for n in $CONV_SIZES; do
		L=bchc$n
		lab_is_up "$L" || {
			lab_up "$L" "$n"
			lab "$L" start >/dev/null
			poll 60 lab_converged "$L" "$n" || die "$L: the lab does not converge in 60 s"
		}
	done
	# No start-up burst may fall in the window.
	sleep "$CONV_SETTLE_S"
	idle_pid=$(daemon_pid "bchc${CONV_SIZES%% *}" h1)
	s0=$(stat_of "bchc${CONV_SIZES%% *}" h1 sent)
	w0=$(ctxt "$idle_pid")
	t0=$(now_ns)
	for n in $CONV_SIZES; do
		read -r "O0[$n]" "F0[$n]" < <(port_counters "bchc$n")
	done
	# The window is long: the busy host is measured meanwhile, in
	# namespaces of its own (no traffic on these links).
	case " $SECTIONS " in *" busy "*) run_section busy ;; esac
	secs=$(calc "($(now_ns) - $t0) / 1e9")
	if [ "$(calc "$secs < $WIRE_S")" = 1 ]; then
		sleep "$(calc "$WIRE_S - $secs")"
	fi
	t1=$(now_ns)
	secs=$(calc "($t1 - $t0) / 1e9")
	w1=$(ctxt "$idle_pid")
	for n in $CONV_SIZES; do
		read -r o1 f1 < <(port_counters "bchc$n")
		echo "N=$n window_s=$secs octets=$((o1 - O0[$n])) frames=$((f1 - F0[$n]))" >>"$RAW/wire.txt"
		record wire "N=$n steady state, per host" B/min "$([ "$n" -eq 10 ] && echo '<= 1024')" \
			"all frames a host sent (RS off), ${secs%.*} s window, default interval" \
			"$(calc "($o1 - ${O0[$n]}) / $n * 60 / $secs")"
		record wire "N=$n steady state, per host" frames/min "" "" \
			"$(calc "($f1 - ${F0[$n]}) / $n * 60 / $secs")"
	done
	s1=$(stat_of "bchc${CONV_SIZES%% *}" h1 sent)
	echo "idle one-interface daemon: window_s=$secs wakeups=$((w1 - w0)) sent=$((s1 - s0))" >>"$RAW/wire.txt"
	record busy "idle daemon, 1 interface: wakeups" /min "" \
		"context switches; it sent $(calc "($s1 - $s0) * 60 / $secs") datagrams/min" \
		"$(calc "($w1 - $w0) * 60 / $secs")"
	for n in $CONV_SIZES; do lab_down "bchc$n"; done
}

busy_make() {
	local i f=$RAW/busy-batch
	ip netns add "$BUSY_NS"
	ip netns add "$BUSY_PEER"
	ip -n "$BUSY_NS" link set lo up
	ip netns exec "$BUSY_NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 \
		net.ipv6.conf.default.disable_ipv6=0 net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.default.router_solicitations=0 >/dev/null
	# The far ends only need to be up: silent, no IPv6.
	ip netns exec "$BUSY_PEER" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 >/dev/null
	: >"$f"
	for i in $(seq 0 $((BUSY_IFS - 1))); do
		echo "link add v$i type veth peer name p$i netns $BUSY_PEER" >>"$f"
	done
	ip -n "$BUSY_NS" -batch "$f"
	seq 0 $((BUSY_IFS - 1)) | sed 's/.*/link set p& up/' >"$f"
	ip -n "$BUSY_PEER" -batch "$f"
	seq 0 $((BUSY_IFS - 1)) | sed 's/.*/link set v& up/' >"$f"
	ip -n "$BUSY_NS" -batch "$f"
	rm -f "$f"
}

busy_lls() { ip -n "$BUSY_NS" -6 -o addr show scope link | grep -vc tentative || true; }
busy_ctl() { ip netns exec "$BUSY_NS" "$BUILD/linknamectl" "$@"; }
busy_stat() { busy_ctl stats 2>/dev/null | awk -v k="$1" '$1 == k { print $2 }'; }

sec_busy() {
	local out=$RAW/busy.txt log=$RAW/busy-daemon.log pid t0 t1 best=0 best_t=0 n i
	local w0 w1 s0 s1 secs
	busy_down
	busy_make
	poll 30 eval '[ "$(busy_lls)" -ge '"$BUSY_IFS"' ]' ||
		die "busy: only $(busy_lls) of $BUSY_IFS interfaces have a link-local address"
	t0=$(now_ns)
	ip netns exec "$BUSY_NS" env LD_LIBRARY_PATH="$BUILD" "$BUILD/linknamed" --foreground \
		--name busy </dev/null >"$log" 2>&1 &
	pid=$!
	bg_track "$pid"
	# Poll the daemon's own count until every interface is joined (15 s bound).
	for i in $(seq 1 1500); do
		n=$(busy_stat interfaces)
		t1=$(now_ns)
		if [ -n "$n" ] && [ "$n" -gt "$best" ]; then best=$n; best_t=$t1; fi
		[ "${n:-0}" -lt "$BUSY_IFS" ] || break
		kill -0 "$pid" 2>/dev/null || break
		# No progress for 3 s: it will not join the rest.
		[ "$best" -eq 0 ] || [ $((t1 - best_t)) -lt 3000000000 ] || break
		sleep 0.01
	done
	echo "interfaces=$best of $BUSY_IFS after_ms=$(calc "($best_t - $t0) / 1e6")" >"$out"
	if [ "$best" -ge "$BUSY_IFS" ]; then
		record busy "$BUSY_IFS interfaces: start to joined on all" ms "<= 1000" \
			"from exec to linknamectl stats interfaces = $BUSY_IFS" "$(calc "($best_t - $t0) / 1e6")"
	else
		record busy "$BUSY_IFS interfaces: start to joined on all" ms "<= 1000" \
			"never: at most $best joined (reached after $(calc "($best_t - $t0) / 1e6") ms)" -
	fi
	kill -0 "$pid" 2>/dev/null || die "busy: linknamed exited (log: $log)"
	# Idle: after the start-up bursts (3 x 500 ms) and their answers.
	sleep 3
	s0=$(busy_stat sent)
	w0=$(ctxt "$pid")
	t0=$(now_ns)
	sleep "$IDLE_S"
	w1=$(ctxt "$pid")
	t1=$(now_ns)
	s1=$(busy_stat sent)
	secs=$(calc "($t1 - $t0) / 1e9")
	echo "idle window_s=$secs wakeups=$((w1 - w0)) sent=$((s1 - s0))" >>"$out"
	record busy "$best interfaces, idle: wakeups" /min "" \
		"context switches over ${IDLE_S} s; timers due: $(calc "($s1 - $s0) * 60 / $secs") datagrams/min sent" \
		"$(calc "($w1 - $w0) * 60 / $secs")"
	record busy "$best interfaces, idle: wakeups per datagram sent" ratio "<= 1.0" \
		"more than 1: wakeups beyond the announcement timers" \
		"$([ $((s1 - s0)) -gt 0 ] && calc "($w1 - $w0) / ($s1 - $s0)" || echo -)"
	bg_stop "$pid"
	busy_down
}

# ---------------------------------------------------------------- main

[ "$(id -u)" -eq 0 ] || die "must be run as root (network namespaces)"
need "$BUILD/linknamed" "$BUILD/linknamectl" "$BUILD/libnss_linkname.so.2" "$BUILD/libnss_lnfloor.so.2" \
	"$BIN/lookup" "$BIN/packet" "$BIN/table" "$BIN/simlink" "$BIN/rssfloor"
command -v tcpdump >/dev/null || die "tcpdump is missing (make bench installs it)"
ip netns list | awk '{print $1}' | grep -q '^bch' &&
	warn "namespaces named bch* exist already; removing ours first"
for l in $ALL_LABS; do lab_down "$l"; done
busy_down
rm -f "$OUT/failed"

CPU=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
MACHINE="$(nproc) x ${CPU:-unknown CPU}, $(uname -sr), $(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
{
	echo "date: $DATE"
	echo "machine: $MACHINE"
	echo "sections: $SECTIONS"
	echo "quick: $QUICK"
} >"$OUT/machine.txt"
printf 'section\tfigure\tunit\tmedian\tmin\tmax\truns\tgoal\tverdict\tnote\n' >"$TSV"
say "$DATE on $MACHINE"

for s in $SECTIONS; do
	# busy runs inside wire's window when both are asked for.
	if [ "$s" = busy ]; then
		case " $SECTIONS " in *" wire "*) continue ;; esac
	fi
	run_section "$s"
done

ELAPSED=$(($(date +%s) - T_START))
{
	echo "Measured $DATE on $MACHINE by \`make bench\` (${ELAPSED} s)."
	echo
	echo "| section | figure | unit | median | min | max | runs | goal | verdict | note |"
	echo "|---|---|---|---:|---:|---:|---:|---|---|---|"
	tail -n +2 "$TSV" | awk -F'\t' '{ printf "|"; for (i = 1; i <= NF; i++) printf " %s |", $i; printf "\n" }'
} >"$MD"
echo
echo "linkname benchmarks: $DATE, $MACHINE"
# Aligned columns (awk: column(1) is not in a minimal Debian).
cut -f1-9 "$TSV" | awk -F'\t' '
	{ row[NR] = $0; for (i = 1; i <= NF; i++) if (length($i) > w[i]) w[i] = length($i) }
	END {
		for (r = 1; r <= NR; r++) {
			n = split(row[r], f, "\t"); line = ""
			for (i = 1; i <= n; i++)
				line = line sprintf(i < n ? "%-" w[i] "s  " : "%s", f[i])
			sub(/ +$/, "", line); print line
		}
	}'
echo
# The goals of issue #11 (a first lookup close to loading a module; a lean
# daemon), gathered: figure, median, goal, verdict.
goals_11() {
	awk -F'\t' 'NR > 1 && ($2 ~ /^first lookup: linkname \/ files hit/ ||
		$2 ~ /^first lookup: floor module/ || $2 ~ /^\(a\) linkname \/ files hit, 1 thr/ ||
		$2 ~ /^idle daemon RSS$/ || $2 ~ /^floor: the daemon/ || $2 ~ /^daemon RSS at / ||
		$2 ~ /^memory per entry, 10000 /) {
		printf "%s\t%s %s\t%s\t%s\n", $2, $4, $3, $8 == "" ? "-" : $8, $9 == "" ? "(floor)" : $9 }' "$TSV"
}
if [ -n "$(goals_11)" ]; then
	echo "Issue #11 goals:"
	goals_11 | awk -F'\t' '{ printf "  %-64s %-12s %-8s %s\n", $1, $2, $3, $4 }'
	{
		echo
		echo "Issue #11 goals:"
		echo
		echo "| figure | median | goal | verdict |"
		echo "|---|---:|---|---|"
		goals_11 | awk -F'\t' '{ printf "| %s | %s | %s | %s |\n", $1, $2, $3, $4 }'
	} >>"$MD"
	echo
fi
say "done in ${ELAPSED} s; $TSV, $MD, raw output in $RAW"
if [ -s "$OUT/failed" ]; then
	warn "sections that failed: $(tr '\n' ' ' <"$OUT/failed")"
	exit 1
fi
