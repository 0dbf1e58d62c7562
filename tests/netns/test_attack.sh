#!/bin/bash
# timeout: 120
# An attacker on the link: h4 (no daemon) forges datagrams with tests/forge.
# None of them is learned by h1, each is counted under exactly its drop
# reason (one drop per datagram, nothing else), a live name is not taken
# over by another host, and the real neighbours still resolve through NSS.
# Without keys, what the protocol does not protect is shown too: a name
# that said GOODBYE can be taken by anyone (docs/SECURITY.md).
. "$(dirname "$0")/lib.sh"

need_build tests/forge
FORGE=$BUILD/tests/forge

lab up 4
# eth1 of h1 and h4 share br1, a link h1's daemon is told not to use.
lab addlink h1
lab addlink h4
lab start-host h1 --interface eth0
lab start-host h2
lab start-host h3
wait_learns h1 h2
wait_learns h1 h3
wait_learns h2 h3

H1=$(ll_addr h1 eth0)
H2=$(ll_addr h2 eth0)
H4=$(ll_addr h4 eth0)


NCASES=0
# drop REASON WHAT [--on IFACE] FORGE-ARGS...: h4 sends one datagram; h1
# must count exactly one drop, under dropped-REASON.
drop() {
	local reason=$1 what=$2 ifc=eth0
	shift 2
	if [ "${1:-}" = --on ]; then ifc=$2; shift 2; fi
	snap
	keep
	[ -n "${S[dropped-$reason]:-}" ] || fail "h1 has no counter dropped-$reason"
	on h4 "$FORGE" -i "$ifc" "$@" >/dev/null || fail "$what: forge $* failed"
	wait_counter "dropped-$reason" $((S0[dropped-$reason] + 1)) ||
		fail "$what: not counted as $reason; counters moved:$(moved)"
	if [ "${S[dropped-$reason]}" -ne $((S0[dropped-$reason] + 1)) ] ||
		[ "${S[dropped]}" -ne $((S0[dropped] + 1)) ]; then
		fail "$what: expected exactly one drop ($reason); counters moved:$(moved)"
	fi
	NCASES=$((NCASES + 1))
	printf '  %-52s %s\n' "$what" "$reason"
}

# A valid ANNOUNCE "xtrunc" is 46 octets: header 0-7, NAME 8-17, ADDRESS
# 18-37, LIFETIME 38-45. Forged names start with "x": none may be learned.
ANN=(-n xtrunc -a src -l 120)
SIXTY_FOUR=$(printf 'x%.0s' $(seq 64))

say "transport checks"
drop hop-limit "hop limit 64" --hops 64 -n xhops -a src -l 120
drop hop-limit "hop limit 254" --hops 254 -n xhops -a src -l 120
drop hop-limit "hop limit 1" --hops 1 -n xhops -a src -l 120
drop not-link-local "global source 2001:db8::4" --src 2001:db8::4 -n xglobal -a src -l 120
drop not-link-local "global source, link-local ADDRESS" --src 2001:db8::4 -n xglobal -a "$H4" -l 120
drop bad-port "source port 5555" --sport 5555 -n xport -a src -l 120
drop bad-port "source port 1904" --sport 1904 -n xport -a src -l 120
drop own "h1's own address as source" --src "$H1" -n xown -a src -l 120
# Something on h1 must have joined the group on eth1, or the kernel drops the
# datagram before any socket sees it; the daemon's socket then hears it.
joiner=$STATE/joiner.out
# (--match-type 0: it waits for a datagram that never comes.)
bg_start "$joiner" h1 "$FORGE" -i eth1 --capture --match-type 0 --timeout 60
joiner_pid=$BG_PID
wait_ready "$joiner"
drop not-joined "a link h1 does not use (eth1)" --on eth1 -n xjoin -a src -l 120
kill -s TERM "$joiner_pid" 2>/dev/null || true
bg_wait "$joiner_pid" 5

say "sizes and header"
drop short "empty datagram (0 octets)" --hex ""
drop short "4 octets" --hex 4c4e0101
drop short "7 octets" --hex 4c4e01010007ff
drop too-long "1233 octets" "${ANN[@]}" --pad 1233
drop too-long "9000 octets (fragmented)" "${ANN[@]}" --pad 9000
drop too-long "65527 octets (largest UDP payload)" "${ANN[@]}" --pad 65527
drop bad-magic "magic 'LO'" --magic 4c4f "${ANN[@]}"
drop bad-magic "magic 0000" --magic 0000 "${ANN[@]}"
drop bad-version "version 0" --version 0 "${ANN[@]}"
drop bad-version "version 2" --version 2 "${ANN[@]}"
drop bad-version "version 255" --version 255 "${ANN[@]}"
drop bad-type "type 0" -t 0 "${ANN[@]}"
drop bad-type "type 4" -t 4 "${ANN[@]}"
drop bad-type "type 255" -t 255 "${ANN[@]}"
drop bad-length "length field 0" --length 0 "${ANN[@]}"
drop bad-length "length field 65535" --length 65535 "${ANN[@]}"
drop bad-length "length field one more" --length 47 "${ANN[@]}"
drop bad-length "length field one less" --length 45 "${ANN[@]}"
drop bad-length "length field 8, TLVs follow" --length 8 "${ANN[@]}"

say "truncations of a valid 46-octet ANNOUNCE"
drop short "cut to 5, length field 46" "${ANN[@]}" --truncate 5
for n in 8 12 20 37 45; do
	drop bad-length "cut to $n, length field 46" "${ANN[@]}" --truncate $n
done
drop missing-field "cut to 8, length fixed (no TLVs)" "${ANN[@]}" --truncate 8 --fix-length
drop bad-tlv "cut to 10, length fixed (TLV header cut)" "${ANN[@]}" --truncate 10 --fix-length
drop bad-tlv "cut to 15, length fixed (NAME value cut)" "${ANN[@]}" --truncate 15 --fix-length
drop missing-field "cut to 18, length fixed (NAME only)" "${ANN[@]}" --truncate 18 --fix-length
drop bad-tlv "cut to 30, length fixed (ADDRESS cut)" "${ANN[@]}" --truncate 30 --fix-length
drop missing-field "cut to 38, length fixed (no LIFETIME)" "${ANN[@]}" --truncate 38 --fix-length
drop bad-tlv "cut to 44, length fixed (LIFETIME cut)" "${ANN[@]}" --truncate 44 --fix-length

say "TLVs: lengths, duplicates, criticality"
drop bad-tlv "TLV value length 65535 (huge)" "${ANN[@]}" --append 7fffffff41
drop bad-tlv "NAME claiming 65535 octets" "${ANN[@]}" --append 0001ffff78
drop bad-tlv "2 stray octets after the TLVs" "${ANN[@]}" --append 0001
drop bad-tlv "ADDRESS of 0 octets" -n xzero --tlv 2: -l 120
drop bad-tlv "ADDRESS of 15 octets" -n xshort --tlv 2:fe8000000000000000000000000000 -l 120
drop bad-tlv "ADDRESS of 17 octets" -n xlong -a src --tlv 2:fe800000000000000000000000000000ff -l 120
drop bad-tlv "LIFETIME of 0 octets" -n xlife -a src --tlv 3:
drop bad-tlv "LIFETIME of 8 octets" -n xlife -a src --tlv 3:0000000000000078
drop bad-tlv "TIMESTAMP of 4 octets" "${ANN[@]}" --tlv 4:00000001
drop unknown-critical "unknown critical TLV 0x8040" "${ANN[@]}" --tlv 0x8040:abcd
drop unknown-critical "unknown critical TLV 0xffff, 0 octets" "${ANN[@]}" --tlv 0xffff:
drop unknown-critical "reserved type 0 with the critical bit" "${ANN[@]}" --tlv 0x8000:00
drop duplicate-tlv "two NAMEs" -n xdup -n xdup -a src -l 120
drop duplicate-tlv "two LIFETIMEs" -n xdup -a src -l 120 -l 120
drop duplicate-tlv "nine ADDRESSes" -n xdup -a src -a src -a src -a src -a src -a src -a src -a src -a src -l 120
drop duplicate-tlv "two TIMESTAMPs" "${ANN[@]}" --timestamp now --timestamp now
drop bad-mac-tlv "MAC TLV not last" -n xmac --tlv "5:$(printf '00%.0s' $(seq 32))" -a src -l 120
drop bad-mac-tlv "MAC TLV of 31 octets" "${ANN[@]}" --tlv "5:$(printf '00%.0s' $(seq 31))"

say "names"
drop bad-name "NAME of 0 octets" --name-hex "" -a src -l 120
drop bad-name "NAME of 64 octets" -n "$SIXTY_FOUR" -a src -l 120
drop bad-name "invalid UTF-8 (x c3 28)" --name-hex 78c328 -a src -l 120
drop bad-name "valid UTF-8, not LDH (xé)" --name-hex 78c3a9 -a src -l 120
drop bad-name "UTF-8 byte order mark" --name-hex efbbbf78 -a src -l 120
drop bad-name "octet 0xff" --name-hex 78ff -a src -l 120
drop bad-name "NUL inside (x NUL y)" --name-hex 780079 -a src -l 120
drop bad-name "dot (x.y)" -n x.y -a src -l 120
drop bad-name "underscore (x_y)" -n x_y -a src -l 120
drop bad-name "space (x y)" -n "x y" -a src -l 120
drop bad-name "leading hyphen" -n -x -a src -l 120
drop bad-name "trailing hyphen" -n x- -a src -l 120
drop bad-name "a hyphen alone" -n - -a src -l 120
drop bad-name "bad NAME in a GOODBYE" -t goodbye -n x_y -a src
drop bad-name "bad NAME in a SOLICIT" -t solicit -n x.y

say "fields"
drop bad-address "ADDRESS 2001:db8::1 beside the source" -n xaddr -a src -a 2001:db8::1 -l 120
drop bad-address "ADDRESS ::1 beside the source" -n xaddr -a src -a ::1 -l 120
drop bad-address "ADDRESS ff02::1 beside the source" -n xaddr -a src -a ff02::1 -l 120
drop bad-address "ADDRESS fec0::1 (site-local) beside the source" -n xaddr -a src -a fec0::1 -l 120
drop bad-lifetime "LIFETIME 0" -n xlife -a src -l 0
drop bad-lifetime "LIFETIME 86401" -n xlife -a src -l 86401
drop bad-lifetime "LIFETIME 4294967295" -n xlife -a src -l 4294967295
drop missing-field "ANNOUNCE, header only" -t announce
drop missing-field "ANNOUNCE without NAME" -a src -l 120
drop missing-field "ANNOUNCE without ADDRESS" -n xmiss -l 120
drop missing-field "ANNOUNCE without LIFETIME" -n xmiss -a src
drop missing-field "GOODBYE without NAME" -t goodbye -a src

say "lies about addresses"
drop addr-mismatch "ANNOUNCE of h2's address from h4" -n xpoison -a "$H2" -l 120
drop addr-mismatch "ANNOUNCE of fe80::dead from h4" -n xpoison -a fe80::dead -l 120
drop addr-mismatch "GOODBYE for h2 from h4, with h2's address" -t goodbye -n h2 -a "$H2"
drop addr-mismatch "GOODBYE for h2 from h4, no address" -t goodbye -n h2
expect_rc 0 ctl h1 resolve h2
echo "$OUT" | grep -qiF "$H2" || fail "h2 lost its entry on h1 after forged GOODBYEs:"$'\n'"$OUT"

say "a valid ANNOUNCE from h4 is learned (so the datagrams above were well formed but for their fault)"
snap
keep
on h4 "$FORGE" -i eth0 -n intruder -a src -l 120 >/dev/null
poll_rc 3 0 ctl h1 resolve intruder || fail "h1 did not learn h4's valid ANNOUNCE; counters moved:$(snap; moved)"
expect_rc 0 ctl h1 resolve intruder
echo "$OUT" | grep -qiF "$H4" || fail "intruder is not at h4's address:"$'\n'"$OUT"

say "a live name is not taken over by another host"
for victim in h2 H2; do
	drop claimed "ANNOUNCE of '$victim' at h4's address, from h4" -n "$victim" -a src -l 120
done
drop claimed "ANNOUNCE of h2 at h2's and h4's addresses, from h4" -n h2 -a src -a "$H2" -l 120
[ "${S[conflicts-seen]}" -gt "${S0[conflicts-seen]}" ] ||
	fail "a claim on h2 was not counted as a conflict:$(moved)"
expect_rc 0 ctl h1 resolve h2
echo "$OUT" | grep -qiF "$H2" || fail "h1 lost h2's address:"$'\n'"$OUT"
echo "$OUT" | grep -qiF "$H4" && fail "h1 gives h4's address for h2:"$'\n'"$OUT"

say "a SOLICIT storm does not make h1 an amplifier"
snap
keep
t0=$(date +%s%N)
on h4 "$FORGE" -i eth0 -t solicit --count 200 >/dev/null
# Some may be lost to h1's socket buffer: enough must arrive to be a storm.
wait_counter received $((S0[received] + 50)) || fail "h1 received few of the 200 SOLICITs:$(moved)"
sleep 2
snap
secs=$(( ($(date +%s%N) - t0 + 999999999) / 1000000000 ))
answers=$((S[sent] - S0[sent]))
say "  $((S[received] - S0[received])) SOLICITs received: h1 sent $answers datagrams in ${secs}s"
# At most one answer per second per link, plus a scheduled announcement.
[ "$answers" -le $((secs + 2)) ] || fail "h1 answered a SOLICIT storm with $answers datagrams in ${secs}s"

say "nothing forged was learned; the real neighbours resolve"
# h2 also heard everything. Without keys it cannot tell "xown" (sent from
# h1's address) from h1's own word, and the claims on its own name are kept
# as an entry flagged CONFLICT (docs/PROTOCOL.md section 5).
for h in h1 h2; do
	expect_rc 0 ctl "$h" list
	list=$OUT
	learned=$(echo "$list" | awk 'NR > 1 { print $1 }' | sort -u | tr '\n' ' ')
	case $h in
	h1) want="h2 h3 intruder " ;;
	h2) want="h1 h2 h3 intruder xown " ;;
	esac
	[ "$learned" = "$want" ] || fail "$h learned [$learned], expected [$want]:"$'\n'"$list"
done
echo "$list" | awk '$1 == "h2"' | grep -vq CONFLICT &&
	fail "h2 lists a claim on its own name without the CONFLICT flag:"$'\n'"$list"
expect_rc 0 on h2 timeout 5 "$BUILD/tests/gai" h2
first=$(echo "$OUT" | head -n 1)
case $first in
"$H2%eth0 "*) ;;
*) fail "getaddrinfo(h2) on h2 does not give h2's own address first:"$'\n'"$OUT" ;;
esac
for h in h2 h3; do
	expect_rc 0 on h1 timeout 5 getent ahosts "$h"
	addr=$(ll_addr "$h" eth0)
	echo "$OUT" | grep -qiF "$addr" || fail "getent ahosts $h on h1 lacks $addr:"$'\n'"$OUT"
	echo "$OUT" | grep -qiF "$H4" && fail "getent ahosts $h on h1 gives h4's address:"$'\n'"$OUT"
done
say "$NCASES forged datagrams, each dropped once under its reason"

say "without keys, a name that said GOODBYE is free for anyone (docs/SECURITY.md)"
lab stop-host h3
poll_rc 2 1 ctl h1 resolve h3 || fail "h1 still knows h3 after its GOODBYE"
on h4 "$FORGE" -i eth0 -n h3 -a src -l 120 >/dev/null
poll_rc 3 0 ctl h1 resolve h3 || fail "h1 refused h3 from h4 after h3's GOODBYE: $(snap; moved)"
expect_rc 0 ctl h1 resolve h3
echo "$OUT" | grep -qiF "$H4" || fail "h3 is not at h4's address:"$'\n'"$OUT"
pass
