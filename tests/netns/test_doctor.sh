#!/bin/bash
# linknamectl doctor (#12 part 3): every check provoked in a lab host and
# its line's verdict asserted; a healthy host exits 0 with nothing but ok.
#   h2: healthy (checked first: all ok, exit 0, --json parses).
#   h1: interfaces down, without multicast, with only a tentative address,
#       with none, with a DAD-failed one, excluded by its linkname.conf,
#       with IPv6 disabled, a bridge port; its nsswitch.conf (/etc/netns)
#       in three wrong ways; h3 announcing h1's name; forged datagrams;
#       then an nft ruleset dropping UDP 1903 in h1's namespace; then a
#       stand-in nsncd on nscd's socket in a private mount namespace.
#   h4: IPv6 disabled by sysctl (default, then all), no daemon.
# nft and sysctl run only inside the lab's namespaces.
# timeout: 150
. "$(dirname "$0")/lib.sh"

need_build tests/forge
PY=$(command -v python3) || fail "python3 is needed (make check installs it)"
command -v nft >/dev/null || fail "nft is needed (make check installs nftables)"
NS1=$LAB-h1
ETC1=/etc/netns/$NS1

doctor() { local h=$1; shift; on "$h" "$BUILD/linknamectl" doctor "$@"; }
# line VERDICT TEXT: the last doctor output has that line (fixed text).
line() {
	printf '%s\n' "$OUT" | grep -F -- "$2" | grep -q "^$1 " ||
		fail "doctor has no '$1' line with '$2':"$'\n'"$OUT"
}

lab up 4
lab start-host h2

# --- h2, healthy: every line ok, exit 0.
expect_rc 0 doctor h2
printf '%s\n' "$OUT" | grep -qx '[0-9]* ok, 0 warnings, 0 failures' ||
	fail "a healthy host is not all ok:"$'\n'"$OUT"
line ok "linkname is on the hosts line of /etc/nsswitch.conf"
line ok "eth0: joined (1 link-local address)"
line ok "nftables: no chain filters incoming IPv6 datagrams"
line ok "linknamed $("$BUILD/linknamectl" --version | awk '{ print $2 }') answers as h2"
expect_rc 0 doctor h2 --json
printf '%s' "$OUT" | "$PY" -c 'import json, sys
o = json.load(sys.stdin)
assert o["fail"] == 0 and o["warn"] == 0 and o["ok"] == len(o["checks"]) > 5, o
assert all(c["verdict"] == "ok" and c["check"] and c["what"] for c in o["checks"]), o' ||
	fail "doctor --json on h2:"$'\n'"$OUT"
say "h2 (healthy): $(printf '%s\n' "$OUT" | grep -c '"verdict"') checks, all ok, exit 0, --json parses"

# --- h1's interfaces, each not joined for its own reason.
ip -n "$NS1" link add eth1 type veth peer name eth1p      # down
ip -n "$NS1" link add eth2 type veth peer name eth2p      # no multicast
ip -n "$NS1" link set eth2 multicast off
ip -n "$NS1" link set eth2p up
ip -n "$NS1" link set eth2 up
# eth3: only a tentative address (DAD set to take minutes); eth3p: none.
ip -n "$NS1" link add eth3 type veth peer name eth3p
ip netns exec "$NS1" sysctl -qw net.ipv6.conf.eth3.dad_transmits=100 \
	net.ipv6.neigh.eth3.retrans_time_ms=30000
for i in eth3 eth3p; do
	ip -n "$NS1" link set "$i" addrgenmode none
	ip -n "$NS1" link set "$i" up
done
ip -n "$NS1" addr add fe80::33/64 dev eth3
# eth4, on the lab's link: h2's own link-local address, so DAD fails.
H2=$(ll_addr h2 eth0)
ip -n "$NS1" link add eth4 type veth peer name h1-eth4 netns "$LAB-br"
ip -n "$LAB-br" link set h1-eth4 master br0 up
ip -n "$NS1" link set eth4 addrgenmode none
ip -n "$NS1" link set eth4 up
ip -n "$NS1" addr add "$H2/64" dev eth4
dadfailed() { ip -n "$NS1" -6 addr show dev eth4 | grep -q dadfailed; }
poll 10 dadfailed || fail "eth4's DAD did not fail: $(ip -n "$NS1" -6 addr show dev eth4)"
lab addlink h1 eth5 br1                                   # excluded by config
lab addlink h1 eth6 br1                                   # IPv6 disabled
ip netns exec "$NS1" sysctl -qw net.ipv6.conf.eth6.disable_ipv6=1
ip -n "$NS1" link add brx type bridge                     # eth7: a bridge port
ip -n "$NS1" link add eth7 type veth peer name eth7p
ip -n "$NS1" link set eth7 master brx
for i in eth7p eth7 brx; do ip -n "$NS1" link set "$i" up; done
CONF=$STATE/h1.conf
echo "ignore-interfaces = eth5" >"$CONF"
lab start-host h1 --config "$CONF"
wait_learns h1 h2
# The usable ones finish DAD and are joined: the state doctor sees is fixed.
USABLE="brx eth0 eth2p eth7p"
all_joined() {
	local j
	j=" $(ctl h1 stats | sed -n 's/^joined *//p') "
	for i in $USABLE; do [[ $j == *" $i "* ]] || return 1; done
}
poll 10 all_joined || fail "h1 did not join $USABLE: $(ctl h1 stats | grep joined)"
lab start-host h3 --name h1                              # a name conflict
poll 10 eval 'ctl h1 stats | grep -Eq "^conflicts-now +[1-9]"' ||
	fail "h1 never saw h3 take its name: $(ctl h1 stats | grep conflict)"
H3=$(ll_addr h3 eth0)
on h2 "$BUILD/tests/forge" -i eth0 -t announce -n forged -a src -l 30 --hops 64 -c 3 >/dev/null
wait_counter dropped-hop-limit 3 || fail "h1 did not count the forged datagrams"

expect_rc 1 doctor h1 --config "$CONF"
for i in $USABLE; do line ok "$i: joined"; done
line warn "eth1: not joined: it is down  (ip link set eth1 up)"
line warn "eth2: not joined: no MULTICAST flag  (ip link set eth2 multicast on)"
line warn "eth3: not joined yet: its link-local address is tentative"
line warn "eth3p: not joined: it has no fe80:: address"
line fail "eth4: not joined: duplicate address detection failed"
line ok "eth5: not used: excluded by interfaces/ignore-interfaces in $CONF"
line warn "eth6: not joined: IPv6 is disabled on it (net.ipv6.conf.eth6.disable_ipv6 = 1)"
line ok "eth7: not used: a port of brx"
line ok "lo: not used: loopback"
line fail "1 neighbour announces this host's name h1 now"
line fail "$H3 on eth0 announces our name h1"
line warn "datagrams refused as hop-limit: a hop limit other than 255"
line ok "nftables: no chain filters incoming IPv6 datagrams"
say "h1: every interface's reason, the conflict and the forged datagrams have their verdicts; exit 1"

# --- h1's hosts line, wrong three ways (ip netns exec mounts /etc/netns/NS/nsswitch.conf).
cp "$ETC1/nsswitch.conf" "$STATE/nsswitch.orig"
at_exit cp "$STATE/nsswitch.orig" "$ETC1/nsswitch.conf"
hosts_line() { sed -i "s/^hosts:.*/hosts: $1/" "$ETC1/nsswitch.conf"; }
hosts_line "files dns"
expect_rc 1 doctor h1 --config "$CONF"
line fail "linkname is not on the hosts line of /etc/nsswitch.conf"
hosts_line "files resolve [!UNAVAIL=return] linkname dns"
expect_rc 1 doctor h1 --config "$CONF"
line fail "'resolve [!UNAVAIL=return]' comes before linkname and ends the lookup"
hosts_line "files linkname [NOTFOUND=return] dns"
expect_rc 1 doctor h1 --config "$CONF"
line warn "'linkname [NOTFOUND=return]': a single label no neighbour has is answered 'not found' at once and never reaches dns"
cp "$STATE/nsswitch.orig" "$ETC1/nsswitch.conf"
say "h1's nsswitch.conf: linkname missing (fail), behind resolve [!UNAVAIL=return] (fail), [NOTFOUND=return] before dns (warn)"

# --- A firewall in h1's own namespace dropping UDP 1903.
ip netns exec "$NS1" nft -f - <<-'EOF'
	table inet lab {
		chain input {
			type filter hook input priority 0; policy drop;
			ct state established,related accept
			tcp dport 22 accept
		}
	}
	EOF
expect_rc 1 doctor h1 --config "$CONF"
line fail "nftables: table inet lab, chain input drops linkname's datagrams (UDP 1903 to ff02::1:1) arriving on brx, eth0, eth2p, eth7p: the policy of chain input is drop"
line fail "(nft insert rule inet lab input ip6 saddr fe80::/10 ip6 daddr ff02::1:1 udp dport 1903 accept"
# What doctor says to do, done: the datagrams get through and it says ok.
ip netns exec "$NS1" nft insert rule inet lab input ip6 saddr fe80::/10 ip6 daddr ff02::1:1 udp dport 1903 accept
expect_rc 1 doctor h1 --config "$CONF"
line ok "nftables lets UDP 1903 to ff02::1:1 in (1 base chain"
ip netns exec "$NS1" nft delete table inet lab
say "h1's nft ruleset: the drop found (fail) and the suggested rule accepted (ok)"

# --- A stand-in nsncd answering on nscd's socket, in a private mount
# namespace (a tmpfs on /run: nothing outside sees the socket); its
# process name set to nsncd with prctl(PR_SET_NAME).
expect_rc 1 on h1 unshare --mount --propagation private -- bash -c '
	set -e
	mount -t tmpfs lnk-run /run
	mkdir /run/nscd
	"$1" -c "import ctypes, socket, time
ctypes.CDLL(None).prctl(15, b\"nsncd\", 0, 0, 0)
s = socket.socket(socket.AF_UNIX); s.bind(\"/run/nscd/socket\"); s.listen(8)
open(\"/run/nscd/ready\", \"w\").close(); time.sleep(30)" &
	for i in $(seq 50); do [ -e /run/nscd/ready ] && break; sleep 0.1; done
	rc=0
	"$2" doctor --config "$3" || rc=$?
	kill $!
	exit $rc' nscd-test "$PY" "$BUILD/linknamectl" "$CONF"
line fail "nsncd answers host lookups: glibc asks it before NSS, and its answers carry no scope id"
say "a cache (nsncd) on /var/run/nscd/socket: fail, with why"

# --- h4: IPv6 disabled by sysctl, no daemon.
ip netns exec "$LAB-h4" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
expect_rc 1 doctor h4
line warn "interfaces made from now on get no IPv6 (net.ipv6.conf.default.disable_ipv6 = 1)"
line fail "linknamed does not answer at @linkname"
ip netns exec "$LAB-h4" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
expect_rc 1 doctor h4
line fail "IPv6 is disabled (net.ipv6.conf.all.disable_ipv6 = 1)"
say "h4: IPv6 disabled by default (warn) and for all (fail); no daemon (fail)"
pass
