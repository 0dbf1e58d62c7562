# compare-lib.sh: the hosts of the comparison lab; sourced by compare.sh.
# shellcheck shell=bash
#
# A host is a network namespace "$LAB-hN" plus a long-lived holder process
# (`sleep infinity`) that also owns a mount and a UTS namespace: its own
# hostname, a private tmpfs on /run (avahi and resolved insist on fixed
# paths there), sysfs of its own network namespace, and bind mounts over
# /etc/{nsswitch.conf,passwd,group,hosts,hostname,resolv.conf} from
# $STATE/hosts/hN/. `ip netns exec` cannot do this: it makes a new mount
# namespace on every call. Commands enter a host with nsenter -t HOLDER.
# The bridge lives in "$LAB-br" as in lab.sh, never in the root namespace.
#
# The caller sets ROOT, BUILD, LAB, STATE and LIBPATH (LD_LIBRARY_PATH for
# programs run in a host). Every process started here is recorded in
# $STATE/pids ("PID STARTTIME WHAT") and only those are ever signalled.

CMP_DAD_WAIT_S=${CMP_DAD_WAIT_S:-10}
CMP_STOP_WAIT_S=${CMP_STOP_WAIT_S:-5}

# Runs inside the new mount + UTS namespaces, before becoming the holder.
# $1 = the host's directory (etc/ files), $2 = its host name.
# shellcheck disable=SC2016 # expanded by the holder's shell, not here
CMP_HOLDER_SCRIPT='set -eu
dir=$1 host=$2
mount -t tmpfs -o mode=0755,size=32m cmp-run /run
umount -l /sys
mount -t sysfs sysfs /sys
hostname "$host"
for f in passwd group nsswitch.conf hosts hostname; do
	mount --bind "$dir/etc/$f" "/etc/$f"
done
# resolv.conf may be a symlink into the /run just hidden: recreate its target.
if [ -e /etc/resolv.conf ]; then
	mount --bind "$dir/etc/resolv.conf" /etc/resolv.conf
else
	t=$(readlink -f /etc/resolv.conf)
	mkdir -p "${t%/*}"
	cat "$dir/etc/resolv.conf" >"$t"
fi
echo holder-ready
exec sleep infinity'

cl_die() { echo "compare: $*" >&2; exit 1; }

hostns() { echo "$LAB-$1"; }

cl_hosts() { cat "$STATE/hosts" 2>/dev/null || true; }

. "$(dirname "${BASH_SOURCE[0]}")/pid-lib.sh"

# pids: what is running now; pids.all: everything this run ever started.
track_pid() {
	local rec
	rec="$1 $(proc_starttime "$1" || echo 0) $2"
	echo "$rec" >>"$STATE/pids"
	echo "$rec" >>"$STATE/pids.all"
}

# True while PID is the process we recorded (and not a zombie).
pid_ours() {
	local pid=$1 rec now
	rec=$(awk -v p="$pid" '$1 == p { s = $2 } END { print s }' "$STATE/pids" 2>/dev/null)
	[ -n "$rec" ] || return 1
	now=$(proc_starttime "$pid") || return 1
	[ "$now" = "$rec" ]
}

# stop_pid PID [SIG]: signal our process, wait (bounded) until it is gone,
# KILL it after CMP_STOP_WAIT_S; reap it if it is our child.
stop_pid() {
	local pid=$1 sig=${2:-TERM} i
	if pid_ours "$pid"; then
		kill -s "$sig" "$pid" 2>/dev/null || true
		for i in $(seq 1 $((CMP_STOP_WAIT_S * 20))); do
			pid_ours "$pid" || break
			sleep 0.05
		done
		if pid_ours "$pid"; then
			echo "compare: pid $pid ignored SIG$sig for ${CMP_STOP_WAIT_S}s, killing it" >&2
			kill -s KILL "$pid" 2>/dev/null || true
			sleep 0.1
		fi
	fi
	wait "$pid" 2>/dev/null || true
}

# The holder of HOST, checked to be ours and in namespaces of its own.
holder_pid() {
	local pid
	pid=$(cat "$STATE/hosts.d/$1/holder" 2>/dev/null) || return 1
	pid_ours "$pid" || return 1
	echo "$pid"
}

# Never enter a "host" whose namespaces are the machine's: that would mount
# over the machine's /run and /etc.
holder_isolated() {
	local pid=$1 ns
	[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = sleep ] || return 1
	for ns in net mnt uts; do
		[ "$(readlink "/proc/$pid/ns/$ns")" != "$(readlink "/proc/$$/ns/$ns")" ] || return 1
	done
}

# hx HOST CMD...: run CMD in HOST, with the peers' and linkname's libraries.
hx() {
	local host=$1 pid
	shift
	pid=$(holder_pid "$host") || { echo "compare: host $host has no holder" >&2; return 125; }
	nsenter -t "$pid" -n -m -u -- env LD_LIBRARY_PATH="$LIBPATH" "$@"
}

# hbg OUTFILE HOST WHAT CMD...: CMD in HOST in the background; BGPID is the
# pid of CMD itself (nsenter and env exec), recorded as WHAT.
hbg() {
	local out=$1 host=$2 what=$3 pid
	shift 3
	pid=$(holder_pid "$host") || { echo "compare: host $host has no holder" >&2; return 125; }
	nsenter -t "$pid" -n -m -u -- env LD_LIBRARY_PATH="$LIBPATH" "$@" </dev/null >>"$out" 2>&1 &
	BGPID=$!
	# Out of the job table: no "Killed" notices; bash still reaps it, and
	# we follow it by pid and start time, not with `wait`.
	disown "$BGPID"
	track_pid "$BGPID" "$host:$what"
}

# Bounded poll: true as soon as CMD succeeds, false after SECS.
cl_poll() {
	local secs=$1 end
	shift
	end=$(($(date +%s%N) + secs * 1000000000))
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s%N)" -lt "$end" ] || return 1
		sleep 0.05
	done
}

# A user or group line for NAME, if the machine's file lacks one, with an
# id free in that file.
add_account() {
	local name=$1 passwd=$2 group=$3 id
	grep -q "^$name:" "$passwd" && return 0
	id=$(awk -F: 'FNR == 1 { f++ } { used[$3] = 1 } END { for (i = 990; i > 100; i--) if (!(i in used)) { print i; exit } }' "$passwd" "$group")
	[ -n "$id" ] || return 1
	echo "$name:x:$id:$id:$name (compare lab):/nonexistent:/usr/sbin/nologin" >>"$passwd"
	grep -q "^$name:" "$group" || echo "$name:x:$id:" >>"$group"
}

write_etc() {
	local host=$1 dir=$STATE/hosts.d/$1/etc
	mkdir -p "$dir"
	cp /etc/passwd "$dir/passwd"
	cp /etc/group "$dir/group"
	# avahi-daemon wants its user even with --no-drop-root; resolved drops
	# to systemd-resolve. Only this host's view of the files gets them.
	add_account avahi "$dir/passwd" "$dir/group"
	add_account systemd-resolve "$dir/passwd" "$dir/group"
	cat >"$dir/hosts" <<-EOF
	127.0.0.1	localhost
	::1		localhost ip6-localhost ip6-loopback
	fd00:c0de::1	filespeer
	EOF
	# No DNS server: glibc would try 127.0.0.1, which is this host's own lo.
	cat >"$dir/resolv.conf" <<-EOF
	# compare lab host $host: no DNS server
	nameserver 127.0.0.1
	options timeout:1 attempts:1
	EOF
	echo "$host" >"$dir/hostname"
	set_hosts_line "$host" "files"
}

# set_hosts_line HOST "SOURCES": the hosts: line of HOST's nsswitch.conf.
# The file is bind-mounted: rewrite it in place, never replace it.
set_hosts_line() {
	cat >"$STATE/hosts.d/$1/etc/nsswitch.conf" <<-EOF
	# compare lab host $1
	passwd:         files
	group:          files
	shadow:         files
	gshadow:        files
	hosts:          $2
	networks:       files
	protocols:      files
	services:       files
	ethers:         files
	rpc:            files
	EOF
}

ll_ready() {
	[ -n "$(ip -n "$1" -6 addr show dev eth0 scope link)" ] &&
		[ -z "$(ip -n "$1" -6 addr show dev eth0 tentative)" ]
}

# ll_addr HOST: its link-local address on eth0.
ll_addr() {
	ip -n "$(hostns "$1")" -6 -o addr show dev eth0 scope link |
		awk '{ sub("/.*", "", $4); print $4; exit }'
}

# fresh_addr HOST: replace HOST's link-local address on eth0 by a new random
# one (DAD done), as if a new host had joined: nothing on the link knows it.
fresh_addr() {
	local ns addr
	ns=$(hostns "$1")
	addr=$(printf 'fe80::%x:%x:%x:%x' $((RANDOM | 0x200)) $RANDOM $RANDOM $((RANDOM + 1)))
	ip -n "$ns" -6 addr flush dev eth0 scope link &&
		ip -n "$ns" -6 addr add "$addr/64" dev eth0 &&
		cl_poll "$CMP_DAD_WAIT_S" ll_ready "$ns"
}

ifindex_of() {
	ip -n "$(hostns "$1")" -o link show dev "${2:-eth0}" | awk -F: '{ print $1; exit }'
}

make_host() {
	local i=$1 host=h$1 ns pid
	ns=$(hostns "$host")
	ip netns add "$ns"
	echo "$host" >>"$STATE/hosts"
	mkdir -p "$STATE/hosts.d/$host"
	ip -n "$ns" link set lo up
	# No router here: without this the kernel solicits one forever and the
	# wire figures count it. Fast DAD so the lab is ready at once.
	ip netns exec "$ns" sysctl -qw \
		net.ipv6.conf.all.disable_ipv6=0 \
		net.ipv6.conf.default.disable_ipv6=0 \
		net.ipv6.conf.all.router_solicitations=0 \
		net.ipv6.conf.default.router_solicitations=0 \
		net.ipv6.conf.default.router_solicitation_delay=0 \
		net.ipv6.conf.default.dad_transmits=1 >/dev/null
	write_etc "$host"
	# eth0 of hN has ifindex 10+N, so a scope id taken from the wrong host shows.
	ip -n "$ns" link add eth0 index $((10 + i)) type veth peer name "$host-eth0" netns "$LAB-br"
	ip -n "$LAB-br" link set "$host-eth0" master br0 up
	ip netns exec "$ns" sysctl -qw net.ipv6.neigh.eth0.retrans_time_ms=100 >/dev/null
	ip -n "$ns" link set eth0 up
	nsenter --net="/run/netns/$ns" unshare --mount --uts --propagation private \
		bash -c "$CMP_HOLDER_SCRIPT" holder "$STATE/hosts.d/$host" "$host" \
		</dev/null >>"$STATE/hosts.d/$host/holder.log" 2>&1 &
	pid=$!
	disown "$pid"
	track_pid "$pid" "$host:holder"
	echo "$pid" >"$STATE/hosts.d/$host/holder"
}

# lab_up N: hosts h1..hN on br0, each with its holder.
lab_up() {
	local n=$1 i host pid
	ip netns list | awk '{ print $1 }' | grep -q -x -- "$LAB-br" &&
		cl_die "lab '$LAB' is already up (a previous run still going, or not cleaned up?)"
	mkdir -p "$STATE"
	: >"$STATE/hosts"
	rm -rf "$STATE/hosts.d"
	ip netns add "$LAB-br"
	ip -n "$LAB-br" link set lo up
	ip netns exec "$LAB-br" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 >/dev/null
	# No STP delay, no multicast snooping: every group is flooded.
	ip -n "$LAB-br" link add br0 type bridge forward_delay 0 stp_state 0 mcast_snooping 0
	ip -n "$LAB-br" link set br0 up
	for i in $(seq 1 "$n"); do
		make_host "$i"
	done
	for host in $(cl_hosts); do
		cl_poll "$CMP_DAD_WAIT_S" ll_ready "$(hostns "$host")" ||
			cl_die "$host: no usable link-local address after ${CMP_DAD_WAIT_S}s"
		pid=$(cat "$STATE/hosts.d/$host/holder")
		cl_poll 5 eval "pid_ours $pid && holder_isolated $pid && grep -q holder-ready '$STATE/hosts.d/$host/holder.log'" ||
			cl_die "$host: holder did not come up: $(tail -n 3 "$STATE/hosts.d/$host/holder.log" 2>/dev/null)"
	done
}

# Our namespaces, by name (also those of a run that was killed).
lab_namespaces() {
	ip netns list | awk '{ print $1 }' | grep -E -- "^$LAB-(h[0-9]+|br)\$" || true
}

# lab_down: stop everything we started (recorded pids, TERM then KILL),
# anything else left in our namespaces (started there by us), delete them.
lab_down() {
	local pid what ns pids rc=0
	if [ -f "$STATE/pids" ]; then
		# Daemons and tools first, holders last.
		while read -r pid _ what; do
			case $what in *:holder) continue ;; esac
			pid_ours "$pid" && stop_pid "$pid" TERM
		done <"$STATE/pids"
		while read -r pid _ _; do
			pid_ours "$pid" && stop_pid "$pid" KILL
		done <"$STATE/pids"
	fi
	for ns in $(lab_namespaces); do
		pids=$(ip netns pids "$ns" 2>/dev/null || true)
		if [ -n "$pids" ]; then
			# shellcheck disable=SC2086
			kill -s KILL $pids 2>/dev/null || true
			sleep 0.2
		fi
		ip netns del "$ns" 2>/dev/null || { echo "compare: cannot delete namespace $ns" >&2; rc=1; }
	done
	: >"$STATE/pids"
	rm -f "$STATE/hosts"
	return $rc
}
