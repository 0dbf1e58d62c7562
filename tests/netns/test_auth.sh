#!/bin/bash
# timeout: 120
# Authenticated announcements: h1..h3 share a key (key-file, 0600), h4 (no
# daemon) attacks with tests/forge. Unsigned, forged-MAC, wrongly signed,
# stale, tampered and replayed (captured off the link and re-sent) datagrams
# are all refused on h1, each counted once under its reason; a datagram
# signed with the key is learned (so forge signs as linknamed does). Then
# the key is rotated in three SIGHUP steps (docs/SECURITY.md) while every
# member looks the others up every 20 ms. Members announce every second for
# 3 s, so a step that broke acceptance would make names vanish: no lookup
# fails, no signed datagram from a member is refused, and afterwards the old
# key is refused.
. "$(dirname "$0")/lib.sh"

need_build tests/forge tests/qabuse
FORGE=$BUILD/tests/forge
QA=$BUILD/tests/qabuse

newkey() { od -An -tx1 -N32 /dev/urandom | tr -d ' \n'; }
KA=$(newkey)
KB=$(newkey)
KC=$(newkey)	# nobody's

# setkeys HOST KEY...: HOST's key file holds these keys, first one signing.
setkeys() {
	local f=$STATE/key-$1
	shift
	(umask 077 && printf '%s\n' "$@" >"$f.new") && mv -f "$f.new" "$f"
}

lab up 4
for h in h1 h2 h3; do setkeys "$h" "$KA"; done

# A key file others can read is refused at start-up.
(umask 022 && printf '%s\n' "$KA" >"$STATE/key-open")
rc=0
out=$(on h4 timeout 5 "$BUILD/linknamed" --foreground --name h4 --key-file "$STATE/key-open" 2>&1) || rc=$?
if [ "$rc" -eq 0 ] || [ "$rc" -eq 124 ]; then
	fail "linknamed accepted a key file of mode 0644 (exit $rc): $out"
fi
echo "$out" | grep -q "mode" || fail "no word about the key file's mode: $out"
say "a key file of mode 0644 is refused: $(echo "$out" | tail -n 1)"

# Short lifetimes: a member refused for 3 s is forgotten (a gap shows).
TIMING=(--interval 1 --lifetime 3)
for h in h1 h2 h3; do lab start-host "$h" --key-file "$STATE/key-$h" "${TIMING[@]}"; done
wait_learns h1 h2
wait_learns h1 h3
wait_learns h2 h3
H2=$(ll_addr h2 eth0)

# refused REASON WHAT CMD...: CMD sends one datagram on the link; h1 must
# count exactly one drop, under dropped-REASON.
refused() {
	local reason=$1 what=$2
	shift 2
	snap
	keep
	"$@" >/dev/null || fail "$what: $* failed"
	wait_counter "dropped-$reason" $((S0[dropped-$reason] + 1)) ||
		fail "$what: not counted as $reason; counters moved:$(moved)"
	if [ "${S[dropped-$reason]}" -ne $((S0[dropped-$reason] + 1)) ] ||
		[ "${S[dropped]}" -ne $((S0[dropped] + 1)) ]; then
		fail "$what: expected exactly one drop ($reason); counters moved:$(moved)"
	fi
	printf '  %-58s %s\n' "$what" "$reason"
}
forge() { on h4 "$FORGE" -i eth0 "$@"; }
ZERO32=$(printf '00%.0s' $(seq 32))
RAND32=$(newkey)

say "forged datagrams"
refused no-mac "unsigned ANNOUNCE" forge -n xunsigned -a src -l 120
refused no-mac "unsigned ANNOUNCE with a TIMESTAMP" forge -n xunsigned -a src -l 120 --timestamp now
refused no-mac "unsigned GOODBYE for h2, from h2's address" forge --src "$H2" -t goodbye -n h2 -a "$H2"
refused bad-mac "random MAC" forge -n xforged -a src -l 120 --timestamp now --tlv "5:$RAND32"
refused bad-mac "all-zero MAC" forge -n xforged -a src -l 120 --timestamp now --tlv "5:$ZERO32"
refused bad-mac "signed with another key" forge -n xwrongkey -a src -l 120 --timestamp now --sign "$KC"
refused bad-mac "signed GOODBYE for h2 from h2's address, another key" \
	forge --src "$H2" -t goodbye -n h2 -a "$H2" --timestamp now --sign "$KC"
refused bad-mac "signed, then a reserved octet changed" \
	forge -n xtampered -a src -l 120 --timestamp now --sign "$KA" --poke 7:01
refused stale "signed, no TIMESTAMP" forge -n xstale -a src -l 120 --sign "$KA"
refused stale "signed, TIMESTAMP 60 s old" forge -n xstale -a src -l 120 --timestamp now-60000 --sign "$KA"
refused stale "signed, TIMESTAMP 60 s ahead" forge -n xstale -a src -l 120 --timestamp now+60000 --sign "$KA"

say "captured and re-sent"
cap=$STATE/h2-announce.bin
capout=$STATE/capture.out
bg_start "$capout" h4 "$FORGE" -i eth0 --capture --match-type announce --match-name h2 \
	--save "$cap" --timeout 10
capturer=$BG_PID
wait_ready "$capout"
ctl h2 announce >/dev/null
bg_wait "$capturer" 15
[ "$BG_RC" -eq 0 ] || fail "no ANNOUNCE of h2 captured:"$'\n'"$(cat "$capout")"
[ -s "$cap" ] || fail "capture of h2's ANNOUNCE not saved"
# h1 has heard that very datagram (and maybe a later one) from h2.
refused replay "h2's ANNOUNCE re-sent verbatim from h2's address" forge --src "$H2" --file "$cap"
refused replay "... and once more" forge --src "$H2" --file "$cap"
refused bad-mac "h2's ANNOUNCE with its NAME changed to 'h3'" forge --src "$H2" --file "$cap" --poke 13:33
# The MAC covers the source address (docs/PROTOCOL.md section 4).
refused bad-mac "h2's ANNOUNCE re-sent from h4's own address" forge --file "$cap"

# A GOODBYE captured as h2 leaves, replayed once h2 is back.
gb=$STATE/h2-goodbye.bin
# A new output file: bg_start truncates it only once the child runs.
capout=$STATE/capture-goodbye.out
bg_start "$capout" h4 "$FORGE" -i eth0 --capture --match-type goodbye --match-name h2 \
	--save "$gb" --timeout 10
capturer=$BG_PID
wait_ready "$capout"
lab stop-host h2
bg_wait "$capturer" 15
[ "$BG_RC" -eq 0 ] || fail "no GOODBYE of h2 captured:"$'\n'"$(cat "$capout")"
[ -s "$gb" ] || fail "capture of h2's GOODBYE not saved"
poll_rc 3 1 ctl h1 resolve h2 || fail "h1 still knows h2 after its signed GOODBYE"
lab start-host h2 --key-file "$STATE/key-h2" "${TIMING[@]}"
wait_learns h1 h2
wait_learns h2 h1
wait_learns h2 h3
refused replay "h2's old GOODBYE replayed after h2 came back" forge --src "$H2" --file "$gb"
expect_rc 0 ctl h1 resolve h2
echo "$OUT" | grep -qiF "$H2" || fail "h2 lost its entry to a replayed GOODBYE:"$'\n'"$OUT"

say "signed with the key, the same datagram is learned"
forge -n keyholder -a src -l 120 --timestamp now --sign "$KA" >/dev/null
poll_rc 3 0 ctl h1 resolve keyholder || fail "a datagram signed with the key was not learned:$(snap; moved)"
expect_rc 0 ctl h1 list
learned=$(echo "$OUT" | awk 'NR > 1 { print $1 }' | sort -u | tr '\n' ' ')
[ "$learned" = "h2 h3 keyholder " ] || fail "h1 learned [$learned]:"$'\n'"$OUT"

say "key rotation while every member resolves the others every 20 ms"
declare -A PROBE
for h in h1 h2 h3; do
	others=()
	for n in h1 h2 h3; do [ "$n" = "$h" ] || others+=("$n"); done
	bg_start "$STATE/probe-$h.out" "$h" "$QA" probe --duration 60000 --interval 20 "${others[@]}"
	PROBE[$h]=$BG_PID
done
# Refusals of a member's datagrams: these counters must not move from here.
refusals() {
	ctl "$1" stats | awk '$1 ~ /^dropped-(no-mac|bad-mac|stale|replay|claimed|addr-mismatch)$/ { n += $2 } END { print n + 0 }'
}
received() { ctl "$1" stats | awk '$1 == "received" { print $2 }'; }
reloads() { grep -c "configuration reloaded" "$STATE/$1.log" || true; }
heard() { [ "$(received "$1")" -ge "$2" ]; }
declare -A R0
for h in h1 h2 h3; do R0[$h]=$(refusals "$h"); done
# A step: one host at a time, its key file rewritten and reloaded (SIGHUP),
# then 2 s and more of traffic (4 datagrams heard by every host, at least one
# from each other member) before the next, so every mixture of old and new
# configurations is on the link for a while.
step() {
	local what=$1 h g n
	shift
	for h in h1 h2 h3; do
		n=$(reloads "$h")
		setkeys "$h" "$@"
		kill -s HUP "$(awk '{ print $1 }' "$STATE/$h.pid")"
		poll 5 eval "[ \$(reloads $h) -gt $n ]" || fail "$what: $h did not reload"
		declare -A want
		for g in h1 h2 h3; do want[$g]=$(($(received "$g") + 4)); done
		for g in h1 h2 h3; do
			poll 10 heard "$g" "${want[$g]}" || fail "$what: $g did not hear the others announce"
		done
		for g in h1 h2 h3; do
			[ "$(refusals "$g")" -eq "${R0[$g]}" ] ||
				fail "$what, $h reloaded: $g refused a member's datagram: $(ctl "$g" stats | grep -E 'dropped-(no-mac|bad-mac|stale|replay)' | tr '\n' ' ')"
		done
	done
	say "  $what: reloaded one by one; every host kept hearing the others, none refused"
}
step "1: accept the new key too (A, B)" "$KA" "$KB"
step "2: sign with the new key (B, A)" "$KB" "$KA"
step "3: drop the old key (B)" "$KB"
for h in h1 h2 h3; do
	kill -s TERM "${PROBE[$h]}"
	bg_wait "${PROBE[$h]}" 10
	say "  lookups on $h: $(grep '^probe:' "$STATE/probe-$h.out")"
	[ "$BG_RC" -eq 0 ] || fail "lookups on $h failed during the rotation:"$'\n'"$(cat "$STATE/probe-$h.out")"
done
refused bad-mac "signed with the retired key" forge -n xretired -a src -l 120 --timestamp now --sign "$KA"
forge -n newkeyholder -a src -l 120 --timestamp now --sign "$KB" >/dev/null
poll_rc 3 0 ctl h1 resolve newkeyholder || fail "a datagram signed with the new key was not learned:$(snap; moved)"
for h in h2 h3; do
	expect_rc 0 on h1 timeout 5 getent ahosts "$h"
	echo "$OUT" | grep -qiF "$(ll_addr "$h" eth0)" || fail "getent ahosts $h on h1:"$'\n'"$OUT"
done
pass
