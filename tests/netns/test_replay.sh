#!/bin/bash
# timeout: 180
# Replay protection that holds without the attacker knowing the key (issue 9,
# defect 3). h1..h3 share a key; h4 (no daemon, no key) captures signed
# datagrams off the link and re-sends them with tests/forge. h1 and h2 also
# share a second link (br1), where h4 listens too, and h2 has a second
# address on eth0. Asserted on h1, each datagram counted once under its
# reason and no state re-applied:
#   - a captured ANNOUNCE re-sent from 1,024 spoofed sources is refused
#     (the MAC covers the source address), and h2's GOODBYE from its last
#     run, replayed afterwards from h2's own address, is refused too: h2's
#     entry stays;
#   - h2's ANNOUNCE re-sent from h2's second address is refused;
#   - h2's ANNOUNCE captured on br0 and re-sent on br1 is not fresh there;
#   - once h2 has left, its last ANNOUNCE brings it back on neither link.
. "$(dirname "$0")/lib.sh"

need_build tests/forge
FORGE=$BUILD/tests/forge

lab up 4
lab addlink h1
lab addlink h2
lab addlink h4
ip -n "$LAB-h2" address add fe80::2:2/64 dev eth0 nodad
KEY=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
for h in h1 h2 h3; do
	(umask 077 && printf '%s\n' "$KEY" >"$STATE/key-$h")
	lab start-host "$h" --key-file "$STATE/key-$h"
done
for h in h2 h3; do wait_learns h1 "$h"; done

# capture NAME TYPE IFACE FILE CMD...: h4 saves the first TYPE datagram of
# NAME seen on IFACE once CMD ran; CAP_SRC is its source address. (A host
# still in a held-back start-up burst answers `announce` only at its turn,
# up to 1.5 periods after its start: hence the long bound.)
capture() {
	local name=$1 type=$2 ifc=$3 file=$4 out
	shift 4
	out=$STATE/capture-$(basename "$file").out
	bg_start "$out" h4 "$FORGE" -i "$ifc" --capture --match-type "$type" --match-name "$name" \
		--save "$file" --timeout 20
	wait_ready "$out"
	"$@" >/dev/null
	bg_wait "$BG_PID" 25
	[ "$BG_RC" -eq 0 ] && [ -s "$file" ] || fail "no $type of $name captured on $ifc:"$'\n'"$(cat "$out")"
	CAP_SRC=$(sed -n 's/^captured [0-9]* octets from //p' "$out")
}
# refused REASON WHAT FORGE-ARGS...: one datagram from h4; h1 counts exactly
# one drop, under dropped-REASON.
refused() {
	local reason=$1 what=$2
	shift 2
	snap
	keep
	on h4 "$FORGE" "$@" >/dev/null || fail "$what: forge $* failed"
	wait_counter "dropped-$reason" $((S0[dropped-$reason] + 1)) ||
		fail "$what: not counted as $reason; counters moved:$(moved)"
	[ "${S[dropped-$reason]}" -eq $((S0[dropped-$reason] + 1)) ] &&
		[ "${S[dropped]}" -eq $((S0[dropped] + 1)) ] ||
		fail "$what: expected exactly one drop ($reason); counters moved:$(moved)"
	printf '  %-62s %s\n' "$what" "$reason"
}
# h2_on IFACE: the addresses h1 resolves h2 to on IFACE, sorted.
h2_on() { ctl h1 resolve h2 2>/dev/null | sed -n "s/%$1\$//p" | sort | tr '\n' ' '; }
h2_addrs() { ip -n "$LAB-h2" -6 -o addr show dev "$1" scope link | awk '{ sub("/.*", "", $4); print $4 }' | sort | tr '\n' ' '; }
entry_kept() {
	[ "$(h2_on eth0)" = "$(h2_addrs eth0)" ] && [ "$(h2_on eth1)" = "$(h2_addrs eth1)" ] ||
		fail "$1: h1 resolves h2 to [$(h2_on eth0)] on eth0, [$(h2_on eth1)] on eth1;" \
			"h2 has [$(h2_addrs eth0)] and [$(h2_addrs eth1)]"
}
poll 5 eval '[ "$(h2_on eth1)" = "$(h2_addrs eth1)" ]' || fail "h1 did not learn h2 on eth1"

say "h2's GOODBYE captured as it restarts"
capture h2 goodbye eth0 "$STATE/h2-goodbye" lab stop-host h2
GB_SRC=$CAP_SRC
lab start-host h2 --key-file "$STATE/key-h2"
poll 5 eval '[ "$(h2_on eth0)" = "$(h2_addrs eth0)" ]' || fail "h1 did not learn h2 again"
entry_kept "h2 back"
# Past h2's start-up burst: what h3 sends next is newer than all h1 heard
# from h2 (what made the old window drop h2's slot first).
sleep 1.6

say "a fresh ANNOUNCE of h3 re-sent from 1,024 spoofed sources, then h2's old GOODBYE"
capture h3 announce eth0 "$STATE/h3-announce" ctl h3 announce
snap
keep
on h4 "$FORGE" -i eth0 --file "$STATE/h3-announce" --spoof 1024 --pace 200 >/dev/null ||
	fail "forge --spoof failed"
# Until h1 has read everything its socket still holds (a few may be lost to
# a full socket buffer: every one that arrived must be refused).
prev=-1
while [ "${S[received]}" != "$prev" ]; do prev=${S[received]}; sleep 0.3; snap; done
n=$((S[dropped-bad-mac] - S0[dropped-bad-mac]))
say "  h1 received $((S[received] - S0[received])), refused $n as bad-mac"
[ "$n" -ge 1000 ] && [ $((S[dropped] - S0[dropped])) -eq "$n" ] ||
	fail "spoofed copies not all refused as bad-mac; counters moved:$(moved)"
refused replay "h2's GOODBYE of its last run, from h2's address" -i eth0 --src "$GB_SRC" \
	--file "$STATE/h2-goodbye"
entry_kept "old GOODBYE replayed"

say "h2's ANNOUNCE re-sent from h2's other address"
capture h2 announce eth0 "$STATE/h2-announce" ctl h2 announce
other=$(h2_addrs eth0 | tr ' ' '\n' | grep -vxF -e "$CAP_SRC" -e '' | head -n 1)
[ -n "$other" ] || fail "h2 has no second address on eth0: [$(h2_addrs eth0)]"
refused bad-mac "h2's ANNOUNCE from $CAP_SRC re-sent from $other" -i eth0 --src "$other" \
	--file "$STATE/h2-announce"
entry_kept "ANNOUNCE from h2's other address"

say "h2's ANNOUNCE captured on br0, re-sent on br1"
capture h2 announce eth0 "$STATE/h2-announce-br0" ctl h2 announce
SRC0=$CAP_SRC
# h2 speaks on br1 again, after that capture.
ctl h2 announce >/dev/null
sleep 0.3
refused replay "h2's br0 ANNOUNCE on br1, h2 being there" -i eth1 --src "$SRC0" \
	--file "$STATE/h2-announce-br0"
entry_kept "br0 ANNOUNCE on br1"

say "h2's last ANNOUNCE after its GOODBYE, on either link"
capture h2 announce eth0 "$STATE/h2-last" ctl h2 announce
SRC0=$CAP_SRC
lab stop-host h2
poll 3 eval '[ -z "$(h2_on eth0)$(h2_on eth1)" ]' || fail "h1 still knows h2 after its GOODBYE"
refused replay "h2's last ANNOUNCE on br0, after its GOODBYE" -i eth0 --src "$SRC0" \
	--file "$STATE/h2-last"
refused replay "h2's last ANNOUNCE on br1, after its GOODBYE" -i eth1 --src "$SRC0" \
	--file "$STATE/h2-last"
sleep 0.3
[ -z "$(h2_on eth0)$(h2_on eth1)" ] ||
	fail "h2 is back on h1 after its GOODBYE: [$(h2_on eth0)] on eth0, [$(h2_on eth1)] on eth1"
expect_rc 0 ctl h1 resolve h3
pass
