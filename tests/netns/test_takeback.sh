#!/bin/bash
# A host back with a completely new address takes its name back at once,
# while a live holder keeps its name against an impostor (issue 9, defect 2).
# h2 is killed (no GOODBYE), its interface comes back with a new MAC and so
# a new link-local address, and its daemon starts again: h1 and h3 resolve
# h2 to the new address within 1 s of the start (a bounded poll), not after
# the old entry's lifetime. Then h3 is restarted as a second "h2" while h2
# lives: h1 keeps h2's address, and h2 and h3 both log NAME CONFLICT.
. "$(dirname "$0")/lib.sh"

lab_up 3
for h in h1 h3; do wait_learns "$h" h2; done
OLD=$(ll_addr h2 eth0)

addrs_of() { ctl "$1" resolve "$2" 2>/dev/null | sed 's/%.*//' | sort | tr '\n' ' '; }
both_see_h2() {
	local h
	for h in h1 h3; do [ "$(addrs_of "$h" h2)" = "$1 " ] || return 1; done
}
ll_usable() {
	local a
	a=$(ll_addr h2 eth0)
	[ -n "$a" ] && [ "$a" != "$OLD" ] &&
		[ -z "$(ip -n "$LAB-h2" -6 addr show dev eth0 tentative)" ]
}

say "h2 killed, back with a new MAC"
lab stop-host h2 KILL
ip -n "$LAB-h2" link set eth0 down
ip -n "$LAB-h2" link set eth0 address 02:00:00:00:09:02
ip -n "$LAB-h2" link set eth0 up
poll 10 ll_usable || fail "h2 has no new usable link-local address"
NEW=$(ll_addr h2 eth0)
for h in h1 h3; do
	[ "$(addrs_of "$h" h2)" = "$OLD " ] || fail "$h forgot h2 before it came back: [$(addrs_of "$h" h2)]"
done
lab start-host h2
poll 1 both_see_h2 "$NEW" ||
	fail "h1 and h3 do not resolve h2 to its new address $NEW within 1 s of its start: h1 [$(addrs_of h1 h2)], h3 [$(addrs_of h3 h2)]"
say "h1 and h3 resolve h2 to $NEW (was $OLD)"
for h in h1 h3; do
	grep -F "h2" "$STATE/$h.log" | grep -qF "did not answer" ||
		fail "$h did not log that h2's old holder did not answer:"$'\n'"$(tail -n 10 "$STATE/$h.log")"
done

say "h3 restarted as a second h2 while h2 lives"
H3=$(ll_addr h3 eth0)
lab stop-host h3
lab start-host h3 --name h2
conflict_logged() { grep -qF "NAME CONFLICT" "$STATE/$1.log"; }
for h in h2 h3; do
	poll 5 conflict_logged "$h" || fail "$h did not log the conflict over h2:"$'\n'"$(tail -n 10 "$STATE/$h.log")"
done
# Past any challenge window: h1 still gives h2's address, never h3's.
sleep 1.5
[ "$(addrs_of h1 h2)" = "$NEW " ] ||
	fail "h1 resolves h2 to [$(addrs_of h1 h2)], not h2's $NEW (h3 is $H3)"
expect_rc 0 on h1 timeout 5 getent ahosts h2
echo "$OUT" | grep -qiF "$H3" && fail "getent ahosts h2 on h1 gives the impostor's address:"$'\n'"$OUT"
say "h1 keeps h2 at $NEW; h2 and h3 logged the conflict"
pass
