#!/bin/bash
# The Wireshark dissector (dist/linkname.lua), through tshark.
#
# 1. Golden: the datagrams of tests/dissector/datagrams.txt (PROTOCOL.md
#    section 10's examples, other valid ones, one per decoder reason of
#    section 7, the transport checks) are written to a pcap with
#    text2pcap; tshark's decode of each (-V -O linkname, the linkname tree
#    only) must equal tests/dissector/datagrams.golden, and its verdict must
#    be the reason the case is named after. UPDATE_GOLDEN=1 rewrites the
#    golden file instead (read the diff before committing it).
# 2. The same datagrams, sent by forge to a real linknamed in a lab: the
#    daemon's dropped-REASON counter for each grows by exactly one, and is
#    the reason the dissector gave (none for the valid ones).
# 3. A real capture: dumpcap on the lab's bridge while two daemons sharing
#    a key start (SOLICITs, ANNOUNCEs), learn each other and one stops on
#    SIGTERM (GOODBYE). Every frame decodes as linkname, without expert
#    info, signed (TIMESTAMP near now, MAC), with the names and addresses of
#    the lab hosts.
# Throughout, a Lua error fails the test: tshark exits 0 after one, so
# stderr (load errors) and the tree ("Lua Error:" items) are read, and that
# check is itself tested on broken copies of the script.
# timeout: 180
. "$(dirname "$0")/lib.sh"

LUA=$ROOT/dist/linkname.lua
CASES=$ROOT/tests/dissector/datagrams.txt
GOLDEN=$ROOT/tests/dissector/datagrams.golden
DECODE_REASONS="short too-long bad-magic bad-version bad-type bad-length bad-tlv duplicate-tlv
bad-name bad-address bad-lifetime unknown-critical missing-field bad-mac-tlv"
TRANSPORT_REASONS="hop-limit not-link-local bad-port"

for c in tshark text2pcap dumpcap; do
	command -v "$c" >/dev/null || fail "$c is missing (make deps-dissector installs it)"
done
need_build tests/forge
mkdir -p "$STATE"

# ---- tshark with the dissector, and Lua errors ----

# lua_error OUT ERR: true if tshark's stdout OUT or stderr ERR shows a Lua
# error (stderr must hold nothing but the warning about running as root).
lua_error() {
	grep -q 'Lua Error' "$1" || grep -v '^Running as user "root"' "$2" | grep -q .
}

# ts OUT ARGS...: tshark with the dissector into OUT; fails on a Lua error.
ts() {
	local out=$1 err=$STATE/tshark.err
	shift
	tshark -X lua_script:"$TS_LUA" "$@" >"$out" 2>"$err" || fail "tshark $* failed: $(cat "$err")"
	! lua_error "$out" "$err" || fail "Lua error from $TS_LUA:"$'\n'"$(grep -h 'Lua' "$out" "$err" | head -n 5)"
}
TS_LUA=$LUA

# ---- building the pcap ----

# v6hex ADDR: the 16 octets of an IPv6 address, as 32 hex digits.
v6hex() {
	local a=$1 head tail out="" i n
	local -a h=() t=()
	if [[ $a == *::* ]]; then head=${a%%::*} tail=${a#*::}; else head=$a tail=""; fi
	[ -z "$head" ] || IFS=: read -r -a h <<<"$head"
	[ -z "$tail" ] || IFS=: read -r -a t <<<"$tail"
	n=$((8 - ${#h[@]} - ${#t[@]}))
	for i in "${h[@]}"; do out+=$(printf %04x $((16#$i))); done
	for ((i = 0; i < n; i++)); do out+=0000; done
	for i in "${t[@]}"; do out+=$(printf %04x $((16#$i))); done
	echo "$out"
}

# payload "4c 4e 00*3 ...": the octets as one hex string ("XX*N" repeats).
payload() {
	local tok out="" i
	local -a toks
	read -r -a toks <<<"$1"
	for tok in "${toks[@]}"; do
		if [[ $tok == *'*'* ]]; then
			for ((i = 0; i < ${tok#*\*}; i++)); do out+=${tok%\**}; done
		else
			out+=$tok
		fi
	done
	echo "$out"
}

# sport_of NAME: the UDP source port of a case (bad-port's is not 1903).
sport_of() { if [ "$1" = bad-port ]; then echo 5555; else echo 1903; fi; }

# ipv6_udp HOPS SRC PAYLOADHEX [SPORT]: an IPv6 packet to ff02::1:1, UDP
# SPORT (default 1903) -> 1903, with the UDP checksum over the pseudo-header.
ipv6_udp() {
	local hops=$1 src dst data=$3 sp ulen sum=0 i sumdata
	sp=$(printf %04x "${4:-1903}")
	src=$(v6hex "$2")
	dst=$(v6hex ff02::1:1)
	ulen=$((${#data} / 2 + 8))
	sumdata=$src$dst$(printf '%08x' "$ulen")00000011$(printf '%s076f%04x0000' "$sp" "$ulen")$data
	[ $((${#sumdata} % 4)) -eq 0 ] || sumdata+=00
	for ((i = 0; i < ${#sumdata}; i += 4)); do sum=$((sum + 16#${sumdata:i:4})); done
	while ((sum >> 16)); do sum=$(((sum & 0xffff) + (sum >> 16))); done
	sum=$((~sum & 0xffff))
	[ "$sum" -ne 0 ] || sum=0xffff
	printf '60000000%04x11%02x%s%s%s076f%04x%04x%s\n' "$ulen" "$hops" "$src" "$dst" "$sp" "$ulen" "$sum" "$data"
}

# The cases, in order: NAME HOPS SRC HEX per line.
grep -v '^#' "$CASES" | while IFS=$'\t' read -r name hops src hex; do
	[ -n "$name" ] || continue
	echo "$name $hops $src $(payload "$hex")"
done >"$STATE/cases"
NCASES=$(wc -l <"$STATE/cases")
[ "$NCASES" -ge 20 ] || fail "only $NCASES cases read from $CASES"

while read -r name hops src hex; do
	ipv6_udp "$hops" "$src" "$hex" "$(sport_of "$name")" | fold -w 32 |
		awk '{ printf "%06x", (NR - 1) * 16; for (i = 1; i < length($0); i += 2) printf " %s", substr($0, i, 2); print "" }'
done <"$STATE/cases" >"$STATE/cases.hex"
# Link type 101: raw IP, so the IPv6 header above is the whole frame.
text2pcap -q -l 101 "$STATE/cases.hex" "$STATE/cases.pcap" >"$STATE/text2pcap.log" 2>&1 ||
	fail "text2pcap failed: $(cat "$STATE/text2pcap.log")"

# ---- 1. golden ----

# The linkname tree of each frame (-V -O linkname: the other layers are one
# line each), preceded by "=== N NAME: INFO".
golden_of() {
	local pcap=$1
	ts "$STATE/info" -r "$pcap" -T fields -E separator=/t -e frame.number -e _ws.col.Info
	ts "$STATE/tree" -r "$pcap" -V -O linkname
	awk -v names="$STATE/cases" -v info="$STATE/info" '
		BEGIN {
			while ((getline l < names) > 0) { split(l, a, " "); name[++n] = a[1] }
			while ((getline l < info) > 0) { i = index(l, "\t"); inf[substr(l, 1, i - 1)] = substr(l, i + 1) }
		}
		/^Frame [0-9]+:/ { f = $2; sub(":", "", f); keep = 0; next }
		/^linkname protocol/ { keep = 1; print "=== " f " " name[f] ": " inf[f] }
		/^$/ { keep = 0 }
		keep { print }' "$STATE/tree"
}

golden_of "$STATE/cases.pcap" >"$STATE/golden"
[ "$(grep -c '^=== ' "$STATE/golden")" -eq "$NCASES" ] ||
	fail "tshark decoded $(grep -c '^=== ' "$STATE/golden") of $NCASES frames as linkname"
if [ -n "${UPDATE_GOLDEN:-}" ]; then
	cp "$STATE/golden" "$GOLDEN"
	say "wrote $GOLDEN: review it (git diff) before committing"
fi
diff -u "$GOLDEN" "$STATE/golden" >"$STATE/golden.diff" ||
	fail "the decode differs from $GOLDEN:"$'\n'"$(head -n 60 "$STATE/golden.diff")"
say "golden: $NCASES datagrams decode exactly as tests/dissector/datagrams.golden"

# reason_of NAME: the decoder reason a case is named after, or "ok".
reason_of() {
	local r
	for r in $DECODE_REASONS; do
		case $1 in "$r" | "$r"-*) echo "$r"; return ;; esac
	done
	echo ok
}

# Every verdict is the one the case is named after; the transport cases
# decode but carry their warning; only the malformed ones carry an error.
ts "$STATE/verdicts" -r "$STATE/cases.pcap" -T fields -E separator=/t -E occurrence=a -E aggregator=';' \
	-e frame.number -e linkname.decode -e _ws.expert.message
n=0
while read -r name hops src hex; do
	n=$((n + 1))
	IFS=$'\t' read -r fno verdict experts < <(sed -n "${n}p" "$STATE/verdicts")
	want=$(reason_of "$name")
	[ "$verdict" = "$want" ] || fail "frame $fno ($name): decoder verdict '$verdict', expected '$want'"
	case $name in
	hop-limit | not-link-local | bad-port)
		[[ $experts == "$name: "* ]] || fail "frame $fno ($name): expert info '$experts'" ;;
	*)
		if [ "$want" = ok ]; then
			[ -z "$experts" ] || fail "frame $fno ($name): unexpected expert info '$experts'"
		else
			[ "${experts%%:*}" = "$want" ] && [[ $experts != *';'* ]] ||
				fail "frame $fno ($name): expert info '$experts', expected one '$want: ...'"
		fi ;;
	esac
done <"$STATE/cases"
say "verdicts: every malformed datagram flagged once, under its section 7 reason"

# The Lua error check can fail: a runtime error (shown in the tree) and a
# load error (on stderr) in broken copies of the script are both caught.
sed 's/local ms = v:uint64()/local ms = v:no_such_method()/' "$LUA" >"$STATE/broken-run.lua"
sed 's/^function proto.dissector(tvb, pinfo, root)$/function proto.dissector(tvb, pinfo, root/' "$LUA" >"$STATE/broken-load.lua"
for b in run load; do
	! cmp -s "$LUA" "$STATE/broken-$b.lua" || fail "could not break the script ($b)"
	tshark -X lua_script:"$STATE/broken-$b.lua" -r "$STATE/cases.pcap" -V >"$STATE/broken.out" 2>"$STATE/broken.err" ||
		fail "tshark exited non-zero on a broken script ($b): the check below would not be needed"
	lua_error "$STATE/broken.out" "$STATE/broken.err" || fail "a Lua $b error went unnoticed"
done
say "a Lua error, at load or at run time, is caught although tshark exits 0"

# ---- 2. the daemon agrees ----

lab up 3
newkey() { od -An -tx1 -N32 /dev/urandom | tr -d ' \n'; }
(umask 077 && newkey >"$STATE/key")

stat_of() {	# HOST KEY: one counter of linknamectl stats
	ctl "$1" stats | awk -v k="$2" '$1 == k { print $2 }'
}
drops() {	# HOST: "REASON COUNT" for every dropped-REASON counter
	ctl "$1" stats | awk '$1 ~ /^dropped-/ { sub("dropped-", "", $1); print $1, $2 }'
}
count_in() { awk -v r="$2" '$1 == r { print $2 }' <<<"$1"; }

# h3 runs without a key (a signed-only daemon would drop these as no-mac
# before decoding mattered); forge sends each case from h2. The daemon
# counts a datagram as received before any check, and stats is answered by
# the same loop, so once "received" grew the verdict is in the counters.
lab start-host h3
while read -r name hops src hex; do
	want=$(reason_of "$name")
	case $name in hop-limit | not-link-local | bad-port) want=$name ;; esac
	rx=$(stat_of h3 received)
	before=$(drops h3)
	[ -n "$(count_in "$before" bad-mac-tlv)" ] || fail "h3's stats have no dropped-bad-mac-tlv: $before"
	on h2 "$BUILD/tests/forge" -i eth0 --hex "$hex" --src "$src" --hops "$hops" --sport "$(sport_of "$name")" >/dev/null ||
		fail "forge could not send $name"
	poll 5 eval '[ "$(stat_of h3 received)" -gt "$rx" ]' || fail "$name: h3 did not receive it"
	after=$(drops h3)
	for r in $DECODE_REASONS $TRANSPORT_REASONS; do
		b=$(count_in "$before" "$r")
		a=$(count_in "$after" "$r")
		[ -n "$b" ] && [ -n "$a" ] || fail "h3's stats have no dropped-$r"
		if [ "$r" = "$want" ]; then
			[ "$a" -eq $((b + 1)) ] || fail "$name: h3's dropped-$r went from $b to $a, not up by one"
		else
			[ "$a" -eq "$b" ] || fail "$name: h3 counted dropped-$r, the dissector says $want"
		fi
	done
done <"$STATE/cases"
lab stop-host h3
say "linknamed drops each malformed datagram under the reason the dissector shows"

# ---- 3. a real capture ----

start_ms=$(($(date +%s%N) / 1000000))
CAP=$STATE/lab.pcapng
# On h1's bridge port: what h1 sends, and what the bridge floods to it.
ip netns exec "$LAB-br" dumpcap -i h1-eth0 -f 'udp port 1903' -w "$CAP" >"$STATE/dumpcap.log" 2>&1 &
DUMPCAP=$!
BG_PIDS="$BG_PIDS $DUMPCAP"
poll 10 grep -q 'Capturing on' "$STATE/dumpcap.log" || fail "dumpcap did not start: $(cat "$STATE/dumpcap.log")"
lab start-host h1 --key-file "$STATE/key"
lab start-host h2 --key-file "$STATE/key"
wait_learns h1 h2
wait_learns h2 h1
# The start-up bursts: two SOLICITs and three ANNOUNCEs, 500 ms apart.
poll 5 eval '[ "$(stat_of h1 sent)" -ge 5 ] && [ "$(stat_of h2 sent)" -ge 5 ]' ||
	fail "the start-up bursts did not finish"
lab stop-host h1
# h1's GOODBYE reaches h2; then dumpcap must have read every datagram both
# sent before it stops (it drops what it has not read yet).
poll 5 eval '! ctl h2 resolve h1' || fail "h2 did not take h1's GOODBYE"
sent=$(($(sed -n 's/.*stopped: .* received, \([0-9]*\) sent.*/\1/p' "$STATE/h1.log" | tail -n 1) +
	$(stat_of h2 sent)))
captured() { sed 's/Packets/\n&/g' "$STATE/dumpcap.log" | sed -n 's/^Packets: \([0-9]*\).*/\1/p' | tail -n 1; }
poll 5 eval '[ "$(captured)" -ge "$sent" ]' ||
	fail "dumpcap saw $(captured) of the $sent datagrams the daemons sent"
kill -s TERM "$DUMPCAP"
bg_wait "$DUMPCAP" 10
end_ms=$(($(date +%s%N) / 1000000))

H1=$(ll_addr h1 eth0)
H2=$(ll_addr h2 eth0)
ts "$STATE/cap.fields" -r "$CAP" -T fields -E separator='|' -E occurrence=a -E aggregator=',' \
	-e frame.number -e _ws.col.Protocol -e ipv6.src -e ipv6.hlim -e linkname.type -e linkname.name \
	-e linkname.address -e linkname.decode -e linkname.timestamp_ms -e linkname.mac -e _ws.expert.message
ts "$STATE/cap.tree" -r "$CAP" -V -O linkname
frames=$(wc -l <"$STATE/cap.fields")
[ "$frames" -ge 6 ] || fail "only $frames frames captured: $(cat "$STATE/cap.fields")"
types=""
while IFS='|' read -r fno prot src hlim type name addrs verdict ts_ms mac experts; do
	where="frame $fno ($(sed -n "${fno}p" "$STATE/cap.fields"))"
	[ "$prot" = linkname ] || fail "$where: not decoded as linkname"
	[ "$verdict" = ok ] || fail "$where: decoder verdict $verdict"
	[ -z "$experts" ] || fail "$where: expert info $experts"
	[ "$hlim" = 255 ] || fail "$where: hop limit $hlim"
	case $src in "$H1") host=h1 ;; "$H2") host=h2 ;; *) fail "$where: source is neither h1 nor h2" ;; esac
	case $type in
	1 | 2)
		[ "$name" = "$host" ] || fail "$where: from $host but names '$name'"
		[ "$addrs" = "$src" ] || fail "$where: addresses '$addrs', expected $src" ;;
	3)
		[ -z "$name" ] || fail "$where: the start-up SOLICIT names '$name'" ;;
	*)
		fail "$where: type '$type'" ;;
	esac
	[ "${#mac}" -ge 64 ] || fail "$where: no MAC"
	[ -n "$ts_ms" ] && [ "$ts_ms" -ge $((start_ms - 5000)) ] && [ "$ts_ms" -le $((end_ms + 5000)) ] ||
		fail "$where: TIMESTAMP $ts_ms is not between $start_ms and $end_ms"
	types="$types $type:$host"
done <"$STATE/cap.fields"
for t in 3:h1 1:h1 3:h2 1:h2 2:h1; do
	[[ " $types " == *" $t "* ]] || fail "no type ${t%%:*} from ${t#*:} in the capture:$types"
done
grep -q "^    TIMESTAMP: $(date -u +%Y-)" "$STATE/cap.tree" || fail "no TIMESTAMP shown as a date of this year"
say "capture: $frames frames, all linkname, signed, none malformed; SOLICIT, ANNOUNCE and GOODBYE from the lab hosts"
pass
