#!/bin/bash
# lab.sh: a throw-away lab of network namespaces for linkname.
#
#   lab.sh up N                    hosts h1..hN, each with eth0 on one bridge
#   lab.sh start [ARGS...]         linknamed in every host (ARGS appended)
#   lab.sh start-host HOST [ARGS]  linknamed in one host
#   lab.sh stop-host HOST [SIG]    signal that daemon (TERM) and wait for it
#   lab.sh exec HOST CMD...        run CMD in HOST with build/ as library path
#   lab.sh addlink HOST [IF] [BR]  a new veth IF (eth1) in HOST on bridge BR (br1)
#   lab.sh hosts                   print the host names
#   lab.sh rundir                  print the lab's snapshot directory
#   lab.sh down                    stop everything, delete everything (idempotent)
#
# Namespaces are "$LAB-hN" and "$LAB-br" (LAB defaults to "ln") so parallel
# labs do not collide; the bridges live in $LAB-br, never in the root
# namespace. State (pids, logs) is kept in build/lab/$LAB/.
# $LAB_WRAP, if set, is a command prefix for the daemon (e.g. valgrind ...);
# $LAB_NAME, if set, the --name it gets instead of the host's (empty: none).
# The lab's daemons publish their snapshots, and its programs look for them,
# in /run/linkname-lab-$LAB (removed by `down`), not in /run/linkname: a
# daemon a test kills leaves its file behind. $LINKNAME_RUNDIR, if set,
# wins (empty: the daemon's and the module's default).
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$ROOT/build
LAB=${LAB:-ln}
STATE=$BUILD/lab/$LAB
BRNS=$LAB-br
DAD_WAIT_S=${LAB_DAD_WAIT_S:-10}
READY_WAIT_S=${LAB_READY_WAIT_S:-10}
STOP_WAIT_S=${LAB_STOP_WAIT_S:-5}
LAB_RUNDIR=/run/linkname-lab-$LAB
export LINKNAME_RUNDIR=${LINKNAME_RUNDIR-$LAB_RUNDIR}

die() { echo "lab.sh: $*" >&2; exit 1; }
note() { [ -n "${LAB_QUIET:-}" ] || echo "lab: $*"; }

check_lab_name() {
	case $LAB in
	''|*[!A-Za-z0-9_.-]*) die "bad LAB name '$LAB' (letters, digits, . _ - only)" ;;
	esac
	# Interface names are at most 15 octets; namespace names just need to be sane.
	[ ${#LAB} -le 20 ] || die "LAB name '$LAB' is too long"
}

need_root() { [ "$(id -u)" -eq 0 ] || die "must be run as root"; }

hostns() { echo "$LAB-$1"; }

# ip netns list also asks each namespace's id, and complains on stderr
# ("Peer netns reference is invalid") about one that another lab is
# deleting at that moment: only the names matter here.
netns_names() { ip netns list 2>/dev/null | awk '{print $1}'; }

ns_exists() { netns_names | grep -qx -- "$1"; }

# The hosts recorded by `up`, one per line.
hosts() {
	[ -f "$STATE/hosts" ] || die "lab '$LAB' is not up (run: lab.sh up N)"
	cat "$STATE/hosts"
}

# Fails (in the calling shell) unless the lab is up.
require_up() { hosts >/dev/null; }

check_host() {
	require_up
	hosts | grep -qx -- "$1" || die "no host '$1' in lab '$LAB' (hosts: $(hosts | tr '\n' ' '))"
}

# Poll a command until it succeeds, at most $1 seconds (a hang guard).
wait_for() {
	local secs=$1 i=0
	shift
	while ! "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -le $((secs * 10)) ] || return 1
		sleep 0.1
	done
}

# True once IFACE in NS has a link-local address and none is tentative.
ll_ready() {
	local ns=$1 ifc=$2
	[ -n "$(ip -n "$ns" -6 addr show dev "$ifc" scope link)" ] &&
		[ -z "$(ip -n "$ns" -6 addr show dev "$ifc" tentative)" ]
}

wait_ll() {
	wait_for "$DAD_WAIT_S" ll_ready "$1" "$2" ||
		die "$1: $2 still has no usable link-local address after ${DAD_WAIT_S}s"
}

# /etc/netns/NS/FILE is bind-mounted over /etc/FILE by `ip netns exec`,
# which needs /etc/FILE to exist, and the lab never creates or changes a
# file of the machine's own /etc. So a host gets its own FILE only where
# the machine has one: without nsswitch.conf the lab cannot work at all,
# without hosts or hostname it does, and says what it lacks.
check_etc() {
	local f missing=""
	[ -e /etc/nsswitch.conf ] ||
		die "this machine has no /etc/nsswitch.conf: a lab host's own (hosts: files linkname) can only be bind-mounted over an existing one, so glibc would never ask linkname (Debian's default is /usr/share/libc-bin/nsswitch.conf)"
	for f in hosts hostname; do
		[ -e "/etc/$f" ] || missing="$missing /etc/$f"
	done
	[ -z "$missing" ] ||
		echo "lab.sh: this machine has no$missing, so lab hosts have none either: names from /etc/hosts (localhost) do not resolve in the lab, linkname's do" >&2
}

# /etc/netns itself: made by the lab that needs it first, removed by the
# last one out, and never if the lab did not make it. The marker in /run
# is keyed by the directory's device and inode, so it names only the
# /etc/netns it was made for (not one in another mount namespace).
ETC_NETNS_MARK=/run/linkname-lab-made-etc-netns
etc_netns_mark() { echo "$ETC_NETNS_MARK.$(stat -c %d.%i /etc/netns)"; }

make_etc_netns() {
	if mkdir -m 0755 /etc/netns 2>/dev/null; then
		: >"$(etc_netns_mark)"
	fi
}

remove_etc_netns() {
	local mark
	[ -d /etc/netns ] || return 0
	mark=$(etc_netns_mark)
	[ -e "$mark" ] || return 0
	# rmdir fails while other labs still have entries there.
	if rmdir /etc/netns 2>/dev/null; then
		rm -f "$mark"
	fi
}

write_etc() {
	local ns=$1 host=$2 dir=/etc/netns/$1
	make_etc_netns
	mkdir -p "$dir"
	cat >"$dir/nsswitch.conf" <<-EOF
	# linkname lab host $host
	passwd:         files
	group:          files
	shadow:         files
	gshadow:        files
	hosts:          files linkname
	networks:       files
	protocols:      files
	services:       files
	ethers:         files
	rpc:            files
	EOF
	if [ -e /etc/hosts ]; then
		cat >"$dir/hosts" <<-EOF
		127.0.0.1	localhost
		::1		localhost ip6-localhost ip6-loopback
		EOF
	fi
	[ ! -e /etc/hostname ] || echo "$host" >"$dir/hostname"
}

# Fast DAD so the lab is ready in well under a second, but DAD still runs.
tune_ipv6() {
	local ns=$1
	ip netns exec "$ns" sysctl -qw \
		net.ipv6.conf.all.disable_ipv6=0 \
		net.ipv6.conf.default.disable_ipv6=0 \
		net.ipv6.conf.default.dad_transmits=1 \
		net.ipv6.conf.default.router_solicitation_delay=0 \
		net.ipv6.conf.default.router_solicitations=0 >/dev/null
}

make_bridge_ns() {
	ip netns add "$BRNS"
	ip -n "$BRNS" link set lo up
	# The bridge namespace only switches frames: keep it silent on IPv6.
	ip netns exec "$BRNS" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 >/dev/null
	make_bridge br0
}

# A bridge without STP delay or multicast snooping, so ff02::1:1 is flooded.
make_bridge() {
	ip -n "$BRNS" link show "$1" >/dev/null 2>&1 && return 0
	ip -n "$BRNS" link add "$1" type bridge forward_delay 0 stp_state 0 mcast_snooping 0
	ip -n "$BRNS" link set "$1" up
}

# veth pair created straight into the two namespaces: IFACE in the host,
# HOST-IFACE as a port of BRIDGE. An optional IFINDEX pins IFACE's index.
plug() {
	local host=$1 ifc=$2 br=$3 index=${4:-} ns
	ns=$(hostns "$host")
	ip -n "$ns" link add "$ifc" ${index:+index "$index"} type veth \
		peer name "$host-$ifc" netns "$BRNS"
	ip -n "$BRNS" link set "$host-$ifc" master "$br" up
	# DAD's probe interval is per device: shorten it before the link is up.
	ip netns exec "$ns" sysctl -qw "net.ipv6.neigh.$ifc.retrans_time_ms=100" >/dev/null
	ip -n "$ns" link set "$ifc" up
}

up_failed() {
	echo "lab.sh: up failed, tearing down lab '$LAB'" >&2
	LAB_QUIET=1 cmd_down || true
}

cmd_up() {
	local n=${1:-} i host ns
	case $n in
	''|*[!0-9]*) die "usage: lab.sh up N (N hosts, 1..99)" ;;
	esac
	[ "$n" -ge 1 ] && [ "$n" -le 99 ] || die "N must be 1..99"
	ns_exists "$BRNS" && die "lab '$LAB' is already up (run: LAB=$LAB lab.sh down)"
	check_etc
	mkdir -p "$STATE"
	: >"$STATE/hosts"
	# Undo a half-built lab if anything below fails or we are interrupted.
	trap 'up_failed' EXIT
	trap 'exit 1' INT TERM HUP
	make_bridge_ns
	for i in $(seq 1 "$n"); do
		host=h$i
		ns=$(hostns "$host")
		ip netns add "$ns"
		echo "$host" >>"$STATE/hosts"
		ip -n "$ns" link set lo up
		tune_ipv6 "$ns"
		write_etc "$ns" "$host"
		# eth0 of hN has ifindex 10+N: scope ids differ between hosts,
		# so one host's index passed off as another's shows in tests.
		plug "$host" eth0 br0 $((10 + i))
	done
	for host in $(hosts); do
		wait_ll "$(hostns "$host")" eth0
	done
	trap - EXIT INT TERM HUP
	note "lab '$LAB' up: $(hosts | tr '\n' ' ')(bridge namespace $BRNS)"
}

cmd_addlink() {
	local host=${1:-} ifc=${2:-eth1} br=${3:-br1} ns
	[ -n "$host" ] || die "usage: lab.sh addlink HOST [IFNAME] [BRIDGE]"
	check_host "$host"
	ns=$(hostns "$host")
	[ ${#host} -le $((14 - ${#ifc})) ] || die "interface name '$ifc' is too long"
	ip -n "$ns" link show "$ifc" >/dev/null 2>&1 && die "$host already has $ifc"
	make_bridge "$br"
	plug "$host" "$ifc" "$br"
	wait_ll "$ns" "$ifc"
	note "$host: $ifc on $br"
}

. "$(dirname "${BASH_SOURCE[0]}")/pid-lib.sh"

# Prints the live pid recorded in pid file $1, or fails.
live_pid() {
	local pid start now
	[ -f "$1" ] || return 1
	read -r pid start <"$1" || return 1
	now=$(proc_starttime "$pid") || return 1
	[ "$now" = "$start" ] || return 1
	echo "$pid"
}

record_pid() { echo "$1 $(proc_starttime "$1" || echo 0)" >"$2"; }

# Reachable: list answers (0), even if it were to report "nothing" (1).
daemon_answers() {
	local rc=0
	ip netns exec "$(hostns "$1")" "$BUILD/linknamectl" list >/dev/null 2>&1 || rc=$?
	[ $rc -le 1 ]
}

start_one() {
	local host=$1 ns log pidf pid
	shift
	ns=$(hostns "$host")
	log=$STATE/$host.log
	pidf=$STATE/$host.pid
	live_pid "$pidf" >/dev/null && die "$host: linknamed already running"
	[ -x "$BUILD/linknamed" ] || die "$BUILD/linknamed not built (run make)"
	# The host's name, or $LAB_NAME if set (empty: none, the daemon takes
	# it from the host name or its configuration file).
	local name=(--name "$host")
	[ -z "${LAB_NAME+set}" ] || name=(${LAB_NAME:+--name "$LAB_NAME"})
	echo "=== $(date '+%T') start: ${LAB_WRAP:-} linknamed --foreground ${name[*]} $*" >>"$log"
	# `ip netns exec` and env exec the daemon, so $! is the daemon's pid.
	# shellcheck disable=SC2086
	ip netns exec "$ns" env LD_LIBRARY_PATH="$BUILD" ${LAB_WRAP:-} \
		"$BUILD/linknamed" --foreground "${name[@]}" "$@" </dev/null >>"$log" 2>&1 &
	pid=$!
	record_pid "$pid" "$pidf"
}

wait_ready() {
	local host=$1 pidf=$STATE/$1.pid i=0
	while ! daemon_answers "$host" >/dev/null 2>&1; do
		if ! live_pid "$pidf" >/dev/null; then
			tail -n 20 "$STATE/$host.log" >&2
			die "$host: linknamed exited during start-up (log: $STATE/$host.log)"
		fi
		i=$((i + 1))
		if [ $i -gt $((READY_WAIT_S * 10)) ]; then
			tail -n 20 "$STATE/$host.log" >&2
			die "$host: linknamed does not answer after ${READY_WAIT_S}s"
		fi
		sleep 0.1
	done
}

cmd_start_host() {
	local host=${1:-}
	[ -n "$host" ] || die "usage: lab.sh start-host HOST [ARGS...]"
	shift
	check_host "$host"
	start_one "$host" "$@"
	wait_ready "$host"
	note "$host: linknamed running (pid $(live_pid "$STATE/$host.pid"))"
}

cmd_start() {
	local host
	require_up
	# Start them all first, then wait: they come up in parallel.
	for host in $(hosts); do
		start_one "$host" "$@"
	done
	for host in $(hosts); do
		wait_ready "$host"
	done
	note "linknamed running on $(hosts | tr '\n' ' ')"
}

# Signal the process in pid file $1 and wait until it is gone (bounded);
# KILL it if it outlives the bound. Returns 1 if it needed KILL.
stop_pidfile() {
	local pidf=$1 sig=${2:-TERM} pid
	pid=$(live_pid "$pidf") || { rm -f "$pidf"; return 0; }
	kill -s "$sig" "$pid" 2>/dev/null || true
	if ! wait_for "$STOP_WAIT_S" eval '! live_pid "$pidf"'; then
		kill -s KILL "$pid" 2>/dev/null || true
		wait_for 2 eval '! live_pid "$pidf"' || true
		rm -f "$pidf"
		return 1
	fi
	rm -f "$pidf"
}

cmd_stop_host() {
	local host=${1:-} sig=${2:-TERM}
	[ -n "$host" ] || die "usage: lab.sh stop-host HOST [SIGNAL]"
	check_host "$host"
	live_pid "$STATE/$host.pid" >/dev/null || die "$host: linknamed is not running"
	echo "=== $(date '+%T') stop: SIG$sig" >>"$STATE/$host.log"
	stop_pidfile "$STATE/$host.pid" "$sig" ||
		die "$host: linknamed ignored SIG$sig for ${STOP_WAIT_S}s, killed it"
	note "$host: linknamed stopped (SIG$sig)"
}

cmd_exec() {
	local host=${1:-}
	[ $# -ge 2 ] || die "usage: lab.sh exec HOST CMD..."
	shift
	check_host "$host"
	exec ip netns exec "$(hostns "$host")" \
		env LD_LIBRARY_PATH="$BUILD${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$@"
}

# Our namespaces: from the state file, and by name in case it was lost.
lab_namespaces() {
	netns_names | grep -E -- "^$LAB-(h[0-9]+|br)\$" || true
}

# Anything still running inside one of our namespaces was started by the lab
# (tests, exec in the background): end it by pid, TERM then KILL.
stop_ns_pids() {
	local ns=$1 pids i
	pids=$(ip netns pids "$ns" 2>/dev/null || true)
	[ -n "$pids" ] || return 0
	# shellcheck disable=SC2086
	kill -s TERM $pids 2>/dev/null || true
	for i in $(seq 1 $((STOP_WAIT_S * 10))); do
		[ -n "$(ip netns pids "$ns" 2>/dev/null)" ] || return 0
		sleep 0.1
	done
	pids=$(ip netns pids "$ns" 2>/dev/null || true)
	# shellcheck disable=SC2086
	[ -z "$pids" ] || kill -s KILL $pids 2>/dev/null || true
}

cmd_down() {
	local f ns rc=0
	for f in "$STATE"/*.pid; do
		[ -e "$f" ] || continue
		stop_pidfile "$f" TERM || echo "lab.sh: $(basename "$f" .pid): killed after ${STOP_WAIT_S}s" >&2
	done
	for ns in $(lab_namespaces); do
		stop_ns_pids "$ns"
		ip netns del "$ns" || { echo "lab.sh: cannot delete namespace $ns" >&2; rc=1; }
		rm -rf "/etc/netns/$ns"
	done
	# /etc/netns entries whose namespace already vanished.
	for f in /etc/netns/"$LAB"-h[0-9]* /etc/netns/"$LAB"-br; do
		[ -e "$f" ] || continue
		[[ $(basename "$f") =~ ^$LAB-(h[0-9]+|br)$ ]] && rm -rf "$f"
	done
	remove_etc_netns
	# What the lab's daemons published (a killed one leaves its file).
	rm -rf -- "$LAB_RUNDIR"
	rm -f "$STATE/hosts"
	[ $rc -eq 0 ] || die "lab '$LAB' not fully removed"
	note "lab '$LAB' down (logs kept in $STATE)"
}

main() {
	local cmd=${1:-}
	[ $# -gt 0 ] && shift
	check_lab_name
	case $cmd in
	up) need_root; cmd_up "$@" ;;
	down) need_root; cmd_down ;;
	start) need_root; cmd_start "$@" ;;
	start-host) need_root; cmd_start_host "$@" ;;
	stop-host) need_root; cmd_stop_host "$@" ;;
	exec) need_root; cmd_exec "$@" ;;
	addlink) need_root; cmd_addlink "$@" ;;
	hosts) hosts ;;
	rundir) echo "$LINKNAME_RUNDIR" ;;
	-h|--help|help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//' ;;
	*) die "unknown command '$cmd' (try: lab.sh help)" ;;
	esac
}

main "$@"
