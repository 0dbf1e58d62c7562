#!/bin/bash
# compare.sh: linkname, mDNS and LLMNR side by side on one virtual link.
#
#   compare.sh [--quick] [--out DIR] [--systems "linkname mdns llmnr"]
#
# Builds a lab of network namespaces (bridge in a namespace of its own, each
# host with its own hostname, nsswitch.conf and private /run; see
# compare-lib.sh), runs each system alone on the link in turn and measures,
# from h1 (A) looking at h2 (B): convergence (N = 3 and 10), cached lookup
# latency against an /etc/hosts baseline, miss latency, the scope id and a
# TCP connection by name, the bytes and packets on the wire, departure after
# SIGTERM and SIGKILL, and what a name conflict does. Prints one table,
# writes DIR/results.{tsv,md}, the raw samples and plots (DIR defaults to
# build/compare). The peers come from Debian's packages, unpacked, never
# installed (peers.sh); a peer that cannot run is named with the reason, and
# no figure is printed for it. --quick is the short form `make check` runs
# (N = 3, two trials, short windows, departures bounded at a few seconds).
#
# Needs root, build/ (make all build/tests/gaitime build/tests/gai), tcpdump
# and gnuplot (installed here with apt-get if missing). Namespaces are
# "$LAB-h1.." and "$LAB-br" (LAB defaults to cmp). Everything is removed on
# exit, also on ^C; only processes this script started are signalled.
set -eu
export LC_ALL=C

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$ROOT/build
HERE=$ROOT/netns-scripts
LAB=${LAB:-cmp}
OUT=$BUILD/compare
QUICK=0
SYSTEMS="linkname mdns llmnr"
PEERS_DIR=${PEERS_DIR:-$BUILD/peers}
GAITIME=$BUILD/tests/gaitime
GAI=$BUILD/tests/gai
COMPARE_PKGS="tcpdump gnuplot-nox"

usage() { sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=1 ;;
	--out) OUT=${2:?--out needs a directory}; shift ;;
	--systems) SYSTEMS=${2:?--systems needs a list}; shift ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; exit 64 ;;
	esac
	shift
done
case $LAB in
''|*[!A-Za-z0-9]*) echo "compare: bad LAB '$LAB' (letters and digits)" >&2; exit 64 ;;
esac
[ ${#LAB} -le 8 ] || { echo "compare: LAB '$LAB' is too long" >&2; exit 64; }
OUT=$(mkdir -p "$OUT" && cd "$OUT" && pwd)
STATE=$OUT/run
RESULTS=$STATE/results

if [ "$QUICK" -eq 1 ]; then
	SIZES="3"; TRIALS=2; CALLS=1000; MISSES=1
	WIRE_S=10; LOAD_S=5; SETTLE_S=2
	TERM_BOUND=8; KILL_BOUND=8; CONV_BOUND=15
else
	SIZES="3 10"; TRIALS=5; CALLS=1000; MISSES=3
	WIRE_S=60; LOAD_S=30; SETTLE_S=8
	TERM_BOUND=60; KILL_BOUND=135; CONV_BOUND=20
fi
NSMALL=${SIZES%% *}
NLARGE=${SIZES##* }
A=h1
B=h2
C=h3
TCP_PORT=7001
LIBPATH=$BUILD

# shellcheck source=netns-scripts/compare-lib.sh
. "$HERE/compare-lib.sh"

START_S=$(date +%s)
say() { echo "compare: [$(($(date +%s) - START_S))s] $*"; }
warn() { echo "compare: $*" >&2; }
die() { echo "compare: $*" >&2; exit 1; }

now_us() { echo "${EPOCHREALTIME/./}"; }

# A long sleep that a signal cuts short (bash runs traps only between
# commands, and `wait` is one it interrupts).
NAP_PID=""
nap() {
	sleep "$1" &
	NAP_PID=$!
	wait "$NAP_PID" || true
	NAP_PID=""
}

# put SYS KEY VALUE: one figure (raw, as measured).
put() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$RESULTS"; }
get() { awk -F'\t' -v s="$1" -v k="$2" '$1 == s && $2 == k { v = $3 } END { print v }' "$RESULTS"; }

# ---------------------------------------------------------------- systems

sys_label() {
	case $1 in
	linkname) echo "linkname" ;;
	mdns) echo "mDNS (avahi + nss-mdns)" ;;
	llmnr) echo "LLMNR (llmnrd + systemd-resolved)" ;;
	esac
}

# The hosts: line each system is measured with (files first, as on Debian).
sys_hosts_line() {
	case $1 in
	linkname) echo "files linkname" ;;
	# The lab has IPv6 only: mdns_minimal would ask for IPv4 first and
	# double every miss (5 s each); mdns6_minimal is the fair choice.
	mdns) echo "files mdns6_minimal [NOTFOUND=return]" ;;
	llmnr) echo "files resolve [!UNAVAIL=return]" ;;
	esac
}

# The name a host is looked up by.
sys_name() {
	case $1 in
	mdns) echo "$2.local" ;;
	*) echo "$2" ;;
	esac
}

# Its traffic on the link, as a tcpdump filter.
sys_filter() {
	case $1 in
	linkname) echo "udp port 1903" ;;
	mdns) echo "udp port 5353" ;;
	llmnr) echo "port 5355" ;;
	esac
}

# What a daemon logs when it notices another host using its name.
sys_conflict_re() {
	case $1 in
	linkname) echo "CONFLICT" ;;
	*) echo "[Cc]onflict" ;;
	esac
}

daemon_pid() { cat "$STATE/hosts.d/$1/daemon" 2>/dev/null; }
daemon_log() { cat "$STATE/hosts.d/$1/daemon.log" 2>/dev/null; }

# What runs on HOST for SYS: LLMNR needs a client resolver, and resolved
# binds 5355 itself, so h1 runs resolved and the other hosts llmnrd.
sys_daemon() {
	case $1 in
	linkname) echo linknamed ;;
	mdns) echo avahi-daemon ;;
	llmnr) [ "$2" = "$A" ] && echo systemd-resolved || echo llmnrd ;;
	esac
}

# sys_prepare SYS HOST NAME: what has to be in place before SYS's daemon
# starts on HOST claiming NAME (not part of any timing).
sys_prepare() {
	local sys=$1 host=$2 name=$3 k log
	k=$(($(cat "$STATE/hosts.d/$host/starts" 2>/dev/null || echo 0) + 1))
	echo "$k" >"$STATE/hosts.d/$host/starts"
	log=$STATE/logs/$host-$sys-$k.log
	mkdir -p "$STATE/logs"
	echo "$log" >"$STATE/hosts.d/$host/daemon.log"
	echo "=== $(date '+%T.%N') $(sys_daemon "$sys" "$host") as $name" >"$log"
	# avahi and resolved take the host name from the kernel.
	hx "$host" hostname "$name" || return 1
	[ "$(sys_daemon "$sys" "$host")" = systemd-resolved ] || return 0
	# resolved's configuration comes from /run (private to the host); it
	# creates /run/systemd/resolve itself and refuses one it does not own.
	hx "$host" sh -c 'mkdir -p /run/systemd/resolved.conf.d && cat >/run/systemd/resolved.conf.d/compare.conf' <<-EOF
	[Resolve]
	DNS=
	FallbackDNS=
	LLMNR=yes
	MulticastDNS=no
	DNSStubListener=no
	EOF
}

# sys_launch SYS HOST NAME: start the daemon (after sys_prepare).
sys_launch() {
	local sys=$1 host=$2 name=$3 d log
	d=$(sys_daemon "$sys" "$host")
	log=$(daemon_log "$host")
	case $d in
	linknamed)
		hbg "$log" "$host" "$d" "$BUILD/linknamed" --foreground --name "$name" ;;
	avahi-daemon)
		# No D-Bus here; root, no chroot, no rlimits, config from the lab.
		hbg "$log" "$host" "$d" "$PEERS_DIR/root/usr/sbin/avahi-daemon" \
			-f "$STATE/avahi-daemon.conf" --no-drop-root --no-chroot --no-rlimits ;;
	llmnrd)
		hbg "$log" "$host" "$d" "$PEERS_DIR/root/usr/sbin/llmnrd" -6 -i eth0 -H "$name" ;;
	systemd-resolved)
		hbg "$log" "$host" "$d" "$PEERS_DIR/root/lib/systemd/systemd-resolved" ;;
	esac || return 1
	echo "$BGPID" >"$STATE/hosts.d/$host/daemon"
}

# sys_start SYS HOST NAME: start SYS's daemon on HOST, claiming NAME.
sys_start() {
	sys_prepare "$@" && sys_launch "$@"
}

# True once SYS's daemon on HOST is up and serving (through cl_poll).
# shellcheck disable=SC2317
sys_ready() {
	local sys=$1 host=$2 rc=0
	pid_ours "$(daemon_pid "$host")" || return 2
	case $(sys_daemon "$sys" "$host") in
	linknamed)
		hx "$host" "$BUILD/linknamectl" list >/dev/null 2>&1 || rc=$?
		[ "$rc" -le 1 ] ;;
	avahi-daemon) grep -q "Server startup complete" "$(daemon_log "$host")" ;;
	llmnrd) [ -n "$(hx "$host" ss -Hlun 'sport = :5355')" ] ;;
	systemd-resolved) hx "$host" test -S /run/systemd/resolve/io.systemd.Resolve ;;
	esac
}

# wait_ready SYS HOST...: bounded; WHY says which host did not come up.
wait_ready() {
	local sys=$1 host
	shift
	for host in "$@"; do
		if ! cl_poll 15 sys_ready "$sys" "$host"; then
			WHY="$(sys_daemon "$sys" "$host") on $host did not come up: $(tail -n 2 "$(daemon_log "$host")" | tr '\n' ' ')"
			return 1
		fi
	done
}

sys_stop() {
	local pid
	pid=$(daemon_pid "$2") || return 0
	stop_pid "$pid" "${3:-TERM}"
	rm -f "$STATE/hosts.d/$2/daemon"
}

sys_stop_all() {
	local host
	for host in $(cl_hosts); do
		sys_stop "$1" "$host" TERM
		hx "$host" hostname "$host" 2>/dev/null || true
	done
}

# Make h1 forget what it cached, where the system allows it: resolved
# flushes on SIGUSR2; avahi without D-Bus cannot be told to.
sys_flush() {
	[ "$1" = llmnr ] || return 0
	kill -s USR2 "$(daemon_pid "$A")" 2>/dev/null || true
	sleep 0.1
}

# ------------------------------------------------------------ measuring

# wait_gone PID SECS: our background PID has exited (bounded), reaped.
wait_gone() {
	cl_poll "$2" eval "! pid_ours $1" || true
	stop_pid "$1" TERM
}

# up_bounded HOST NAME SECS: NAME resolves from HOST (polling, bounded).
up_bounded() {
	hx "$1" "$GAITIME" -i 50 -t "$3" up "$2" >/dev/null 2>&1
}

# One convergence trial: B, with a fresh address, starts claiming NAME; A
# polls until it resolves it. Prints milliseconds, or fails on timeout.
converge_once() {
	local sys=$1 name=$2 out t0 t poller
	out=$STATE/conv-$sys-$name.out
	: >"$out"
	hbg "$out" "$A" poll "$GAITIME" -i 20 -t "$CONV_BOUND" up "$(sys_name "$sys" "$name")" || return 1
	poller=$BGPID
	if ! cl_poll 5 grep -qx ready "$out"; then
		stop_pid "$poller"
		return 1
	fi
	if ! { fresh_addr "$B" && sys_prepare "$sys" "$B" "$name"; }; then
		stop_pid "$poller"
		return 1
	fi
	t0=$(now_us)
	sys_launch "$sys" "$B" "$name" || { stop_pid "$poller"; return 1; }
	wait_gone "$poller" $((CONV_BOUND + 5))
	t=$(sed -n 's/^up t=//p' "$out")
	sys_stop "$sys" "$B" TERM
	[ -n "$t" ] || return 1
	awk -v t="$t" -v t0="$t0" 'BEGIN { printf "%.1f\n", (t / 1000 - t0) / 1000 }'
}

# convergence SYS N: TRIALS trials, each with a fresh name and address for
# B (nothing about it cached anywhere, and linkname's per-source limit on
# new names not in play); samples to DIR/conv-SYS-N.txt.
convergence() {
	local sys=$1 n=$2 i ms data timeouts=0
	data=$OUT/conv-$sys-$n.txt
	: >"$data"
	for i in $(seq 1 "$TRIALS"); do
		if ms=$(converge_once "$sys" "${B}x$i"); then
			echo "$ms" >>"$data"
		else
			timeouts=$((timeouts + 1))
		fi
	done
	put "$sys" "conv$n" "$(sort -n "$data" | awk -v t="$timeouts" -v n="$TRIALS" '
		{ v[NR] = $1 }
		END {
			if (NR == 0) { printf "not measured: no trial converged within the bound"; exit }
			m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%s|%s|%d|%d", m, v[NR], NR, t
		}')"
}

# neighbours SYS N: how many of the others A resolves.
neighbours() {
	local sys=$1 n=$2 host ok=0 total=0
	for host in $(cl_hosts); do
		[ "$host" != "$A" ] || continue
		total=$((total + 1))
		up_bounded "$A" "$(sys_name "$sys" "$host")" 15 && ok=$((ok + 1))
	done
	put "$sys" "neigh$n" "$ok/$total"
}

# bench SYS KEY NAME: CALLS cached lookups; samples to DIR/KEY.txt.
bench() {
	local sys=$1 key=$2 name=$3 line
	if line=$(hx "$A" "$GAITIME" bench "$CALLS" "$name" "$OUT/$key.txt" 2>&1); then
		put "$sys" "${key%%-*}" "$(echo "$line" | awk '{
			for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
			printf "%s|%s|%s|%s", f["min"], f["median"], f["p99"], f["n"] }')"
	else
		put "$sys" "${key%%-*}" "not measured: $(echo "$line" | tail -n 1)"
	fi
}

miss() {
	local sys=$1 line
	if line=$(timeout $((MISSES * 15 + 5)) nsenter -t "$(holder_pid "$A")" -n -m -u -- \
		env LD_LIBRARY_PATH="$LIBPATH" "$GAITIME" miss "$MISSES" "$(sys_name "$sys" nosuchhost)" 2>&1); then
		put "$sys" miss "$(echo "$line" | awk '{
			for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
			printf "%s|%s|%s", f["median"], f["max"], f["n"] }')"
	else
		put "$sys" miss "not measured: $(echo "$line" | tail -n 1)"
	fi
}

# scope SYS: the scope id of B's address as A gets it, and a TCP
# connection to B by name.
scope_tcp() {
	local sys=$1 name line idx want out pid rc=0
	name=$(sys_name "$sys" "$B")
	want=$(ifindex_of "$A")
	if line=$(hx "$A" "$GAITIME" scope "$name" 2>&1); then
		idx=$(echo "$line" | sed -n 's/.* ifindex=\([0-9]*\).*/\1/p')
		line=$(echo "$line" | sed -n 's/^scope addr=\([^ ]*\).*/\1/p')
		if [ "$idx" = "$want" ]; then
			put "$sys" scope "yes|$line"
		else
			put "$sys" scope "no|$line (scope $idx, want $want)"
		fi
	else
		put "$sys" scope "no|lookup failed: $line"
	fi
	out=$STATE/tcp-$sys.out
	: >"$out"
	hbg "$out" "$B" listen "$GAI" --listen "$TCP_PORT" || return 1
	pid=$BGPID
	if cl_poll 5 grep -qx ready "$out"; then
		line=$(hx "$A" timeout 15 "$GAI" --connect "$TCP_PORT" "$name" 2>&1) || rc=$?
	else
		line="listener not ready"; rc=1
	fi
	stop_pid "$pid"
	if [ $rc -eq 0 ]; then
		put "$sys" tcp "ok|$line"
	else
		put "$sys" tcp "failed|$(echo "$line" | tail -n 1)"
	fi
}

# wire SYS KEY SECS [NAMES...]: capture on the bridge for SECS (with A
# resolving NAMES once a second, if any); per host per minute.
wire() {
	local sys=$1 key=$2 secs=$3 pcap log pid lpid="" all proto n
	shift 3
	n=$(cl_hosts | wc -l)
	pcap=$STATE/wire-$sys-$key.pcap
	log=$STATE/wire-$sys-$key.log
	: >"$log"
	# -Z root: Debian's tcpdump drops to its own user, which cannot write here.
	ip netns exec "$LAB-br" tcpdump -i br0 -n -s 128 -U -Z root -w "$pcap" >>"$log" 2>&1 &
	pid=$!
	disown "$pid"
	track_pid "$pid" "br:tcpdump"
	if ! cl_poll 5 grep -q "listening on" "$log"; then
		stop_pid "$pid"
		put "$sys" "$key" "not measured: tcpdump did not start: $(tail -n 1 "$log")"
		return 0
	fi
	if [ $# -gt 0 ]; then
		hbg "$STATE/load-$sys.out" "$A" load "$GAITIME" -i 1000 -t "$secs" load "$@" || true
		lpid=$BGPID
	fi
	nap "$secs"
	stop_pid "$pid" TERM
	[ -z "$lpid" ] || wait_gone "$lpid" 10
	# Frame lengths ("length N:" after the ethertype with -e) of everything
	# on the link, and of the system's own port.
	all=$(tcpdump -Z root -r "$pcap" -nn -e 2>/dev/null | frames)
	proto=$(tcpdump -Z root -r "$pcap" -nn -e "$(sys_filter "$sys")" 2>/dev/null | frames)
	put "$sys" "$key" "$(awk -v a="$all" -v p="$proto" -v n="$n" -v s="$secs" 'BEGIN {
		split(a, x, " "); split(p, y, " "); f = 60 / s / n
		printf "%.1f|%.0f|%.1f|%.0f|%d|%d", x[1] * f, x[2] * f, y[1] * f, y[2] * f, n, s }')"
}

frames() {
	awk '{ for (i = 1; i < NF; i++) if ($i == "length") { sub(":", "", $(i + 1)); b += $(i + 1); p++; break } }
	     END { printf "%d %d", p, b }'
}

# depart SYS SIG BOUND: B's daemon gets SIG; how long A still resolves B.
# B is started again afterwards and A has it back.
depart() {
	local sys=$1 sig=$2 bound=$3 name out t0 t poller key
	key=dep_${sig,,}
	name=$(sys_name "$sys" "$B")
	if ! up_bounded "$A" "$name" 20; then
		put "$sys" "$key" "not measured: $A does not resolve $name to begin with"
		return 0
	fi
	out=$STATE/dep-$sys-$sig.out
	: >"$out"
	hbg "$out" "$A" down "$GAITIME" -i 10 -t "$bound" down "$name" || return 1
	poller=$BGPID
	cl_poll 5 grep -qx ready "$out" || { stop_pid "$poller"; put "$sys" "$key" "not measured: poller"; return 0; }
	t0=$(now_us)
	sys_stop "$sys" "$B" "$sig"
	# A failing lookup may itself take a miss time (up to 10 s) to return.
	wait_gone "$poller" $((bound + 15))
	t=$(sed -n 's/^down t=//p' "$out")
	if [ -n "$t" ]; then
		put "$sys" "$key" "$(awk -v t="$t" -v t0="$t0" 'BEGIN { v = (t / 1000 - t0) / 1e6; if (v < 0) v = 0; printf "%.3f", v }')"
	elif grep -qx timeout "$out"; then
		put "$sys" "$key" "bound|$bound"
	else
		put "$sys" "$key" "not measured: poller ended without an answer"
	fi
	if ! { sys_start "$sys" "$B" "$B" && wait_ready "$sys" "$B" && up_bounded "$A" "$name" 20; }; then
		WHY="$B did not come back after SIG$sig"
		return 1
	fi
}

# whose ADDR: B, C or ? for an address A was given.
whose() {
	case $1 in
	"$(ll_addr "$B")") echo B ;;
	"$(ll_addr "$C")") echo C ;;
	*) echo "?" ;;
	esac
}

# conflict SYS: C stops being itself and claims B's name; what does A get,
# who notices, does anyone give way.
conflict() {
	local sys=$1 name re i addr got="" nb=0 nc=0 nbc=0 nx=0 det="" renamed settle
	name=$(sys_name "$sys" "$B")
	re=$(sys_conflict_re "$sys")
	settle=$((QUICK ? 3 : 5))
	sys_stop "$sys" "$C" TERM
	sys_start "$sys" "$C" "$B" || { WHY="cannot start $C as $B"; return 1; }
	nap "$settle"
	# Five lookups (resolved's cache flushed before each): whose
	# addresses come back, B's, C's, both, or none.
	for i in 1 2 3 4 5; do
		sys_flush "$sys"
		addr=$(hx "$A" "$GAI" "$name" 2>/dev/null | while read -r addr _; do
			whose "${addr%%%*}"; done | sort -u | tr -d '\n')
		case $addr in
		B) nb=$((nb + 1)) ;;
		C) nc=$((nc + 1)) ;;
		BC) nbc=$((nbc + 1)) ;;
		*) nx=$((nx + 1)) ;;
		esac
		sleep 0.3
	done
	[ $nb -eq 0 ] || got="$B's address $nb/5"
	[ $nc -eq 0 ] || got="${got:+$got, }$C's address $nc/5"
	[ $nbc -eq 0 ] || got="${got:+$got, }both $nbc/5"
	[ $nx -eq 0 ] || got="${got:+$got, }nothing $nx/5"
	grep -q "$re" "$(daemon_log "$B")" && det=$B
	grep -q "$re" "$(daemon_log "$C")" && det="${det:+$det+}$C"
	renamed=$(sed -n 's/.*retrying with \([^ ]*\).*/\1/p' "$(daemon_log "$C")" | tail -n 1)
	put "$sys" conflict "$got|${det:-nobody}|${renamed:-}"
	sys_stop "$sys" "$C" TERM
	if ! { sys_start "$sys" "$C" "$C" && wait_ready "$sys" "$C"; }; then
		WHY="$C did not come back as itself"
		return 1
	fi
}

# Bring SYS up on every host but B, then run the trials, then B.
sys_up_without_b() {
	local sys=$1 host
	for host in $(cl_hosts); do
		set_hosts_line "$host" "$(sys_hosts_line "$sys")"
	done
	for host in $(cl_hosts); do
		[ "$host" = "$B" ] || sys_start "$sys" "$host" "$host" || { WHY="cannot start on $host"; return 1; }
	done
	# shellcheck disable=SC2046
	wait_ready "$sys" $(cl_hosts | grep -vx "$B") || return 1
}

start_b() {
	fresh_addr "$B" || { WHY="no new address for $B"; return 1; }
	sys_start "$1" "$B" "$B" && wait_ready "$1" "$B" || return 1
	up_bounded "$A" "$(sys_name "$1" "$B")" 20 || { WHY="$A never resolved $B"; return 1; }
}

run_small() {
	local sys=$1 n
	n=$(cl_hosts | wc -l)
	say "$(sys_label "$sys"): N=$n"
	sys_up_without_b "$sys" || return 1
	convergence "$sys" "$n"
	start_b "$sys" || return 1
	neighbours "$sys" "$n"
	bench "$sys" "lookup-$sys" "$(sys_name "$sys" "$B")"
	bench "$sys" "files-$sys" filespeer
	miss "$sys"
	scope_tcp "$sys" || return 1
	if [ "$QUICK" -eq 1 ]; then
		nap "$SETTLE_S"
		wire "$sys" wire_idle "$WIRE_S"
		wire_load "$sys"
	fi
	conflict "$sys" || return 1
	depart "$sys" TERM "$TERM_BOUND" || return 1
	depart "$sys" KILL "$KILL_BOUND" || return 1
}

# The load window spans a whole refresh period of the system's cache, so
# the lookups that go to the wire when an entry runs out are counted at
# their steady rate: resolved keeps llmnrd's answers 30 s, avahi host
# records live 120 s; linkname's lookups never touch the wire.
load_window() {
	if [ "$QUICK" -eq 1 ]; then
		echo "$LOAD_S"
		return
	fi
	case $1 in
	mdns) echo 120 ;;
	*) echo 30 ;;
	esac
}

wire_load() {
	local sys=$1 host names=""
	for host in $(cl_hosts); do
		[ "$host" = "$A" ] || names="$names $(sys_name "$sys" "$host")"
	done
	# shellcheck disable=SC2086
	wire "$sys" wire_load "$(load_window "$sys")" $names
}

run_large() {
	local sys=$1 n
	n=$(cl_hosts | wc -l)
	say "$(sys_label "$sys"): N=$n"
	sys_up_without_b "$sys" || return 1
	convergence "$sys" "$n"
	start_b "$sys" || return 1
	neighbours "$sys" "$n"
	nap "$SETTLE_S"
	wire "$sys" wire_idle "$WIRE_S"
	wire_load "$sys"
}

# ------------------------------------------------------------ reporting

# The rows of the table: KEY and label.
rows() {
	local n
	echo "version	version"
	echo "hosts	hosts: line in nsswitch.conf"
	for n in $SIZES; do
		echo "neigh$n	neighbours $A resolves, N=$n"
	done
	for n in $SIZES; do
		echo "conv$n	convergence, N=$n: median / max of $TRIALS"
	done
	echo "lookup	cached lookup, $CALLS calls: min / median / p99"
	echo "files	/etc/hosts lookup (baseline): same"
	echo "miss	miss (unknown name): median of $MISSES"
	echo "scope	scope id of the answer"
	echo "tcp	TCP connection by name"
	echo "wire_idle	wire, idle: per host per minute (N=$NLARGE)"
	echo "wire_load	wire, $A resolving all 1/s: per host per minute"
	echo "dep_term	$B gone after SIGTERM: $A resolves it for"
	echo "dep_kill	$B gone after SIGKILL: $A resolves it for"
	echo "conflict	$C also claims $B's name: $A gets"
	echo "conflict_det	conflict noticed by / outcome"
}

# Microseconds, in the unit that reads best.
fmt_us() {
	awk -v v="$1" 'BEGIN {
		if (v < 1000) printf "%.0f µs", v; else if (v < 10000) printf "%.1f ms", v / 1000;
		else if (v < 1000000) printf "%.0f ms", v / 1000; else if (v < 10000000) printf "%.2f s", v / 1e6;
		else printf "%.1f s", v / 1e6 }'
}

fmt_ms() {
	awk -v v="$1" 'BEGIN {
		if (v < 10) printf "%.1f ms", v; else if (v < 1000) printf "%.0f ms", v;
		else if (v < 10000) printf "%.2f s", v / 1000; else printf "%.1f s", v / 1000 }'
}

# cell SYS KEY: the formatted figure, or why there is none.
cell() {
	local sys=$1 key=$2 v why
	why=$(get "$sys" status)
	case $why in
	ran|"") ;;
	*) echo "not run: ${why#no: }"; return ;;
	esac
	v=$(get "$sys" "$key")
	case $key in
	version)
		# Package names shortened; nss-resolve is resolved's version.
		echo "${v:-?}" | sed 's/avahi-daemon/avahi/; s/libnss-mdns/nss-mdns/;
			s/systemd-resolved/resolved/; s/, libnss-resolve [^,]*//'
		return ;;
	hosts) sys_hosts_line "$sys"; return ;;
	conflict_det) v=$(get "$sys" conflict) ;;
	esac
	if [ -z "$v" ]; then
		why=$(get "$sys" failed)
		echo "not measured: run stopped early (${why:-see the log})"
		return
	fi
	case $v in "not measured"*) echo "$v"; return ;; esac
	case $key in
	neigh*) echo "$v" ;;
	conv*)
		IFS='|' read -r med max got tmo <<<"$v"
		printf '%s / %s' "$(fmt_ms "$med")" "$(fmt_ms "$max")"
		[ "$tmo" = 0 ] || printf ' (%s of %s timed out)' "$tmo" "$((got + tmo))"
		echo ;;
	lookup|files)
		IFS='|' read -r mn med p99 _ <<<"$v"
		awk -v a="$mn" -v b="$med" -v c="$p99" 'BEGIN {
			if (c < 10000) printf "%.0f / %.0f / %.0f µs\n", a, b, c;
			else printf "%.1f / %.1f / %.1f ms\n", a / 1000, b / 1000, c / 1000 }' ;;
	miss)
		IFS='|' read -r med _ <<<"$v"
		fmt_us "$med"; echo ;;
	scope)
		IFS='|' read -r ok addr <<<"$v"
		echo "$ok: $addr" ;;
	tcp)
		IFS='|' read -r ok _ <<<"$v"
		echo "$ok" ;;
	wire*)
		# The system's own frames (everything on the link is in
		# results-raw.tsv: the same but for neighbour discovery).
		IFS='|' read -r _ _ pp pb _ <<<"$v"
		echo "$pp pkts, $pb B" ;;
	dep_*)
		case $v in
		bound*) echo "still resolving after ${v#bound|} s (bound)" ;;
		*) fmt_ms "$(awk -v s="$v" 'BEGIN { print s * 1000 }')"; echo ;;
		esac ;;
	conflict)
		IFS='|' read -r got _ _ <<<"$v"
		echo "$got" ;;
	conflict_det)
		IFS='|' read -r _ det ren <<<"$v"
		if [ -n "$ren" ]; then
			echo "$det; $C renamed itself $ren"
		elif [ "$det" = nobody ]; then
			echo "nobody; both keep the name"
		else
			echo "$det (logged); both keep the name"
		fi ;;
	*) echo "$v" ;;
	esac
}

machine() {
	local cpu
	cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
	echo "$(nproc) CPUs (${cpu:-unknown model}), Linux $(uname -r), Debian $(cat /etc/debian_version 2>/dev/null || echo '?')"
}

report() {
	local sys key label tsv=$OUT/results.tsv md=$OUT/results.md line
	{
		printf 'figure'
		for sys in $SYSTEMS; do printf '\t%s' "$(sys_label "$sys")"; done
		echo
		while IFS=$'\t' read -r key label; do
			printf '%s' "$label"
			for sys in $SYSTEMS; do printf '\t%s' "$(cell "$sys" "$key")"; done
			echo
		done < <(rows)
	} >"$tsv"
	{
		echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') on $(machine)."
		echo
		line=$(head -n 1 "$tsv" | sed 's/\t/ | /g')
		echo "| $line |"
		echo "|$(head -n 1 "$tsv" | awk -F'\t' '{ for (i = 1; i <= NF; i++) printf "---|" }')"
		tail -n +2 "$tsv" | sed 's/|/\\|/g; s/\t/ | /g; s/^/| /; s/$/ |/'
		echo
		echo "Lab: N hosts on one bridge (network namespaces), IPv6 link-local only," \
			"each system alone on the link; figures from $A looking at $B." \
			"$(if [ "$QUICK" -eq 1 ]; then echo "Quick form (make check): short windows, departures bounded at ${KILL_BOUND} s."; fi)"
	} >"$md"
	echo
	LC_ALL=C.UTF-8 column -t -s $'\t' -o '  |  ' "$tsv"
	echo
	cp "$RESULTS" "$OUT/results-raw.tsv"
	say "table: $tsv, $md"
}

# ------------------------------------------------------------ main

# shellcheck disable=SC2317 # the EXIT trap
cleanup() {
	local rc=$?
	trap - EXIT INT TERM HUP
	[ -z "$NAP_PID" ] || kill "$NAP_PID" 2>/dev/null || true
	lab_down >/dev/null 2>&1 || warn "lab teardown failed: see 'ip netns list | grep ^$LAB-'"
	exit "$rc"
}

ensure_packages() {
	local p missing=""
	for p in $COMPARE_PKGS; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
	done
	[ -n "$missing" ] || return 0
	say "installing$missing (needed to count the wire and draw the plots)"
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
		{ apt-get update -qq >/dev/null 2>&1; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null; } ||
		die "cannot install$missing"
}

prepare() {
	local f sys st why
	[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces)"
	[ "${BASH_VERSINFO[0]}" -ge 5 ] || die "needs bash 5 (EPOCHREALTIME)"
	for f in linknamed linknamectl libnss_linkname.so.2 tests/gaitime tests/gai; do
		[ -e "$BUILD/$f" ] || die "$BUILD/$f is missing (run: make all build/tests/gaitime build/tests/gai)"
	done
	ensure_packages
	lab_namespaces | grep -q . && die "namespaces of lab '$LAB' exist already (another run?): $(lab_namespaces | tr '\n' ' ')"
	rm -rf "$STATE"
	mkdir -p "$STATE"
	: >"$RESULTS"
	rm -f "$OUT"/conv-*.txt "$OUT"/lookup-*.txt "$OUT"/files-*.txt "$OUT"/results* \
		"$OUT"/compare-*.svg "$OUT"/compare-*.png
	put linkname status ran
	put linkname version "$("$BUILD/linknamed" --version 2>&1 | head -n 1)"
	case " $SYSTEMS " in
	*" mdns "*|*" llmnr "*)
		"$HERE/peers.sh" fetch "$PEERS_DIR" || warn "peers.sh failed"
		LIBPATH=$BUILD:$("$HERE/peers.sh" libpath "$PEERS_DIR") ;;
	esac
	for sys in $SYSTEMS; do
		[ "$sys" != linkname ] || continue
		st=$(awk -F'\t' -v s="$sys" '$1 == s { print $2 }' "$PEERS_DIR/status" 2>/dev/null)
		why=$(awk -F'\t' -v s="$sys" '$1 == s { print $3 }' "$PEERS_DIR/status" 2>/dev/null)
		if [ "$st" = ok ]; then
			put "$sys" status ran
			put "$sys" version "$why"
		else
			put "$sys" status "no: ${why:-peers.sh found nothing}"
			say "$(sys_label "$sys") cannot run: ${why:-peers.sh found nothing}"
		fi
	done
	# Debian's avahi-daemon.conf, with the one change running without
	# D-Bus needs.
	if [ -f "$PEERS_DIR/root/etc/avahi/avahi-daemon.conf" ]; then
		sed 's/^#\{0,1\}enable-dbus=.*/enable-dbus=no/' \
			"$PEERS_DIR/root/etc/avahi/avahi-daemon.conf" >"$STATE/avahi-daemon.conf"
	fi
}

running() { [ "$(get "$1" status)" = ran ]; }

# A system whose run broke: what was measured stays, the rest says why.
sys_failed() {
	local sys=$1
	warn "$(sys_label "$sys"): stopped early: ${WHY:-unknown reason}"
	put "$sys" failed "${WHY:-unknown reason}"
	sys_stop_all "$sys"
}

main() {
	local sys n start
	start=$(date +%s)
	prepare
	trap cleanup EXIT
	trap 'exit 130' INT TERM HUP
	for n in $SIZES; do
		lab_up "$n"
		say "lab '$LAB' up: $n hosts"
		for sys in $SYSTEMS; do
			running "$sys" || continue
			[ -z "$(get "$sys" failed)" ] || continue
			WHY=""
			if [ "$n" = "$NSMALL" ]; then
				run_small "$sys" || sys_failed "$sys"
			else
				run_large "$sys" || sys_failed "$sys"
			fi
			sys_stop_all "$sys"
		done
		lab_down || die "lab teardown failed"
	done
	report
	# shellcheck disable=SC2086 # the list of systems, one argument each
	"$HERE/compare-plot.sh" "$OUT" $SYSTEMS || warn "plots failed"
	say "done in $(( $(date +%s) - start )) s"
}

# One line, read whole before it runs: editing this file during a run is safe.
main; exit $?
