#!/bin/bash
# linknamectl monitor (#12 part 2): on h1, in all three styles at once,
# while h2 appears, changes its addresses and says goodbye, h3 is killed
# and expires, h4 claims h1's name, and forged datagrams are refused:
# each event is a line (the text, JSON that parses line by line, -p with
# list's fields); SIGINT ends it with 0, a stopped daemon with 3 and a
# message. Then a subscriber that never reads is dropped, counted in
# STATS, while lookups keep being answered.
# timeout: 150
. "$(dirname "$0")/lib.sh"

need_build tests/forge
PY=$(command -v python3) || fail "python3 is needed (make check installs it)"
FAST=(--interval 1 --lifetime 3)
OUTD=$STATE/monitor
mkdir -p "$OUTD"

lab up 4
lab start-host h1 "${FAST[@]}"
lab start-host h3 "${FAST[@]}"
wait_learns h1 h3

# Three monitors on h1: text, JSON, -p. Each starts with the table (h3
# present), so once that is printed it is subscribed.
bg_start "$OUTD/text" h1 "$BUILD/linknamectl" monitor
MON_TEXT=$BG_PID
bg_start "$OUTD/json" h1 "$BUILD/linknamectl" --json monitor
MON_JSON=$BG_PID
bg_start "$OUTD/parsable" h1 "$BUILD/linknamectl" monitor -p
MON_P=$BG_PID
for f in text json parsable; do
	poll 10 grep -q 'present.*h3' "$OUTD/$f" || fail "monitor ($f) never showed the table: $(cat "$OUTD/$f")"
done
say "three monitors subscribed, each showed h3 as present"

# has STYLE EVENT NAME [MORE]: a line of that monitor's output for the
# event, polled (the daemon sends it within a loop turn; this is a hang guard).
has() {
	local f=$OUTD/$1 ev=$2 name=$3 more=${4:-}
	case $1 in
	text) poll 10 grep -Eq "^[0-9:.]+ +$ev +$name .*$more" "$f" ;;
	json) poll 10 grep -Eq "\"event\":\"$ev\",\"name\":$name.*$more" "$f" ;;
	parsable) poll 10 grep -Eq "^$ev;$name;.*$more" "$f" ;;
	esac || fail "monitor ($1) has no '$ev' line for $name${more:+ with $more}:"$'\n'"$(cat "$f")"
}
every() {
	local name=$2 jname="\"$2\""
	[ "$2" != - ] || { name=""; jname=null; }
	has text "$1" "${2}" "${3:-}"
	has json "$1" "$jname" "${4:-${3:-}}"
	has parsable "$1" "$name" "${5:-${3:-}}"
}

lab start-host h2 "${FAST[@]}"
H2=$(ll_addr h2 eth0)
every new h2 "$H2"
say "h2 appeared: a 'new' line in each"

ip -n "$LAB-h2" addr add fe80::1:2/64 dev eth0 nodad
every changed h2 "fe80::1:2"
say "h2 added fe80::1:2: a 'changed' line in each"

lab stop-host h2
every goodbye h2
say "h2 stopped: a 'goodbye' line in each"

lab stop-host h3 KILL
every expired h3
say "h3 killed: an 'expired' line in each, once its lifetime ran out"

lab start-host h4 --name h1 "${FAST[@]}"
H4=$(ll_addr h4 eth0)
every conflict h1 "announces our own name" '"conflict":"ours"' ";ours$"
say "h4 claims h1's name: a 'conflict' line in each"

on h4 "$BUILD/tests/forge" -i eth0 -t announce -n forged -a src -l 30 --hops 64 >/dev/null
every refused - "hop-limit" '"reason":"hop-limit"' ";hop-limit$"
on h4 "$BUILD/tests/forge" -i eth0 -t announce -n forged -a src -l 30 --magic 0000 >/dev/null
every refused - "bad-magic" '"reason":"bad-magic"' ";bad-magic$"
has text refused - "from $H4"
say "forged datagrams from h4: 'refused' lines with reason and source"

for pid in $MON_TEXT $MON_JSON $MON_P; do
	kill -s INT "$pid"
	bg_wait "$pid" 5
	[ "$BG_RC" -eq 0 ] || fail "monitor pid $pid exited $BG_RC on SIGINT"
done
say "SIGINT: each monitor exited 0"

# JSON: every line an object of its own; -p: list's fields first.
n=0
while IFS= read -r line; do
	echo "$line" | "$PY" -c 'import json, sys
o = json.loads(sys.stdin.read())
assert isinstance(o, dict) and o["event"] and "addresses" in o and "time" in o, o' ||
		fail "monitor --json line is not a JSON event: $line"
	n=$((n + 1))
done <"$OUTD/json"
[ "$n" -ge 8 ] || fail "only $n JSON lines: $(cat "$OUTD/json")"
awk -F';' 'NF != 7 { print "fields: " NF ": " $0; bad = 1 } END { exit bad }' "$OUTD/parsable" ||
	fail "monitor -p lines must have 7 fields"
grep -Eq "^new;h2;eth0;$H2;[0-9]+;$H2;\$" "$OUTD/parsable" ||
	fail "monitor -p: no 'new;NAME;INTERFACE;ADDRESS;TTL;SOURCE;' line for h2: $(cat "$OUTD/parsable")"
say "$n JSON lines parse one by one; -p lines are EVENT;NAME;INTERFACE;ADDRESSES;TTL;SOURCE;DETAIL"

# -t: the table, then exit 0.
expect_rc 0 ctl h1 monitor -t -p
echo "$OUT" | grep -q "^present;h1;eth0;$H4;" || fail "monitor -t lacks h4 (as h1):"$'\n'"$OUT"
say "monitor -t printed the table and exited"

# SIGTERM: 0 too.
bg_start "$OUTD/term" h1 "$BUILD/linknamectl" monitor
pid=$BG_PID
poll 10 grep -q '^TIME' "$OUTD/term" || fail "monitor printed nothing: $(cat "$OUTD/term")"
kill -s TERM "$pid"
bg_wait "$pid" 5
[ "$BG_RC" -eq 0 ] || fail "monitor exited $BG_RC on SIGTERM"

# A subscriber that never reads: the daemon drops it once it falls 64 KiB
# behind, counts it, and lookups are answered all along.
bg_start "$OUTD/stuck" h1 "$PY" -c 'import socket, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect("\0linkname")
s.sendall(bytes([1, 7, 0, 1, 1]))   # SUBSCRIBE, event version 1
print("ready", flush=True)
time.sleep(120)'
STUCK=$BG_PID
wait_ready "$OUTD/stuck"
poll 5 eval 'ctl h1 stats | grep -Eq "^monitor-subscribers +1$"' ||
	fail "the stuck subscriber is not counted: $(ctl h1 stats | grep monitor)"
dropped() { ctl h1 stats | grep -Eq '^monitor-dropped +[1-9]'; }
for round in $(seq 1 20); do
	# Refused datagrams, an event each, as fast as the kernel takes them.
	on h4 "$BUILD/tests/forge" -i eth0 -t announce -n flood -a src -l 30 --hops 64 \
		-c 5000 >/dev/null &
	flood=$!
	for _ in 1 2 3 4 5; do
		expect_rc 0 ctl h1 resolve h1		# over the query socket
		expect_rc 0 on h1 "$BUILD/tests/gai" h1	# through NSS
	done
	wait "$flood"
	dropped && break
done
poll 5 dropped || fail "the subscriber that never reads was not dropped: $(ctl h1 stats | grep -E 'monitor|hop-limit')"
poll 5 eval 'ctl h1 stats | grep -Eq "^monitor-subscribers +0$"' ||
	fail "the dropped subscriber is still counted: $(ctl h1 stats | grep monitor)"
expect_rc 0 ctl h1 resolve h1
say "a subscriber that never read was dropped after $round flood(s) ($(ctl h1 stats | grep -E '^(monitor-dropped|dropped-hop-limit)' | tr -s ' ' | tr '\n' ' ')); lookups answered throughout"
kill "$STUCK" 2>/dev/null || true

# The daemon goes away: a message and exit 3.
bg_start "$OUTD/gone" h1 "$BUILD/linknamectl" monitor
pid=$BG_PID
poll 10 grep -q '^TIME' "$OUTD/gone" || fail "monitor printed nothing: $(cat "$OUTD/gone")"
lab stop-host h1
bg_wait "$pid" 5
[ "$BG_RC" -eq 3 ] || fail "monitor exited $BG_RC when linknamed stopped, not 3: $(cat "$OUTD/gone")"
grep -q "linknamed closed the connection" "$OUTD/gone" || fail "no message when linknamed stopped: $(cat "$OUTD/gone")"
expect_rc 3 ctl h1 monitor
say "daemon stopped: monitor said so and exited 3; with no daemon it exits 3"
pass
