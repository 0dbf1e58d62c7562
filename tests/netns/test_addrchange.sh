#!/bin/bash
# A host's own address change is followed, not taken for an impostor
# (issue 9, defect 1). h2 gains fe80::1 beside its EUI-64 address, then
# loses the EUI-64 one, then swaps fe80::1 for fe80::2 in one step: after
# each change h1 and h3 resolve h2 to exactly its new set within 1 s (a
# bounded poll), and no log says NAME CONFLICT. For the first two steps no
# claim is counted either: h2 announces the new set from an address its
# neighbours already hold. A wholly new set shares no address with the old
# one, so a receiver cannot tell it from a claim: it is counted as one and
# taken once the old holder stays silent (docs/PROTOCOL.md section 7).
. "$(dirname "$0")/lib.sh"

lab_up 3
for h in h1 h3; do wait_learns "$h" h2; done
EUI=$(ll_addr h2 eth0)

# The addresses HOST resolves h2 to, sorted, one line.
addrs_of_h2() { ctl "$1" resolve h2 2>/dev/null | sed 's/%.*//' | sort | tr '\n' ' '; }
stat_of() { ctl "$1" stats | awk -v k="$2" '$1 == k { print $2 }'; }
both_see() {
	local want=$1 h
	for h in h1 h3; do [ "$(addrs_of_h2 "$h")" = "$want" ] || return 1; done
}
no_conflict_logged() {
	local h
	for h in h1 h2 h3; do
		! grep -F "NAME CONFLICT" "$STATE/$h.log" ||
			fail "$1: $h logged a name conflict (log above)"
	done
}
no_claim_counted() {
	local h n
	for h in h1 h3; do
		n=$(stat_of "$h" dropped-claimed)
		[ "$n" = 0 ] || fail "$1: $h counted $n claims on h2's own announcement"
	done
}
# step WHAT WANT IP-BATCH: apply the address commands to h2's eth0 in one
# netlink batch; h1 and h3 must resolve h2 to WANT (sorted, space-ended).
step() {
	local what=$1 want=$2
	ip -n "$LAB-h2" -batch - <<<"$3"
	poll 1 both_see "$want" ||
		fail "$what: h1 and h3 do not resolve h2 to [$want] within 1 s: h1 [$(addrs_of_h2 h1)], h3 [$(addrs_of_h2 h3)]"
	say "$what: h1 and h3 resolve h2 to $want"
	no_conflict_logged "$what"
}

step "fe80::1 added" "$(printf '%s\n' fe80::1 "$EUI" | sort | tr '\n' ' ')" \
	"address add fe80::1/64 dev eth0 nodad"
no_claim_counted "fe80::1 added"
step "$EUI removed" "fe80::1 " "address del $EUI/64 dev eth0"
no_claim_counted "$EUI removed"
step "fe80::1 swapped for fe80::2" "fe80::2 " \
	"address del fe80::1/64 dev eth0
address add fe80::2/64 dev eth0 nodad"
# Still h2's on every host, and h2 itself never saw a conflict.
expect_rc 0 on h1 timeout 5 getent ahosts h2
echo "$OUT" | grep -qF fe80::2 || fail "getent ahosts h2 on h1:"$'\n'"$OUT"
n=$(stat_of h2 conflicts-seen)
[ "$n" = 0 ] || fail "h2 counted $n conflicts over its own address changes"
pass
