#!/bin/bash
# test_compare: the short form of the comparison lab (netns-scripts/compare.sh
# --quick: N = 3, two trials, short windows). Asserts that linkname and
# every peer that could be had resolved their neighbours, that every figure
# of a system that ran was measured, that a peer that cannot be fetched is
# reported with the reason and without a single figure, and that nothing
# (namespace, bridge, mount, process) is left behind.
# timeout: 480
# shellcheck source=tests/netns/lib.sh
. "$(dirname "$0")/lib.sh"

COMPARE=$ROOT/netns-scripts/compare.sh
# cmpt plus a number: two `make check` runs on one machine do not collide.
CMP_LAB=cmpt$(($$ % 10000))
WORK=$(mktemp -d "$BUILD/compare-test.XXXXXX")

need_build tests/gaitime
! ip netns list | awk '{ print $1 }' | grep -q "^$CMP_LAB-" ||
	fail "namespaces $CMP_LAB-* exist already (a killed run?): $(ip netns list | grep "^$CMP_LAB-" | tr '\n' ' ')"

# column N of the table row whose label starts with LABEL
row_cell() {
	awk -F'\t' -v l="$2" -v c="$3" 'index($1, l) == 1 { print $c; exit }' "$1"
}

# Nothing of a run in OUT may outlive it.
assert_clean() {
	local out=$1 pid start what now
	! ip netns list | awk '{ print $1 }' | grep -q "^$CMP_LAB-" ||
		fail "namespaces left behind: $(ip netns list | grep "^$CMP_LAB-" | tr '\n' ' ')"
	! grep -q ' cmp-run ' /proc/self/mountinfo || fail "a host's /run is mounted in the root namespace"
	# The bridge and the veth ends lived in $CMP_LAB-br, gone with it; none
	# may have leaked into the root namespace.
	! ip -o link show | grep -E -q ': h[0-9]+-eth0[@:]' ||
		fail "lab interfaces in the root namespace: $(ip -o link show | grep -E ': h[0-9]+-eth0[@:]')"
	[ -s "$out/run/pids.all" ] || fail "$out/run/pids.all: no record of what was started"
	# Recorded pid with the same start time, not a zombie: still running.
	while read -r pid start what; do
		now=$(awk '{ sub(/.*\) /, ""); split($0, f, " "); if (f[1] != "Z") print f[20] }' \
			"/proc/$pid/stat" 2>/dev/null) || continue
		[ "$now" != "$start" ] || fail "process left running: pid $pid ($what)"
	done <"$out/run/pids.all"
}

# The column of every system in OUT/results.tsv: a system that ran has a
# figure in every cell; one that did not says "not run: WHY" everywhere.
assert_table() {
	local out=$1 tsv=$1/results.tsv col label ncols cell status
	[ -s "$tsv" ] || fail "no $tsv"
	ncols=$(head -n 1 "$tsv" | awk -F'\t' '{ print NF }')
	[ "$ncols" -eq 4 ] || fail "expected 3 system columns, got $((ncols - 1)): $(head -n 1 "$tsv")"
	for col in 2 3 4; do
		label=$(head -n 1 "$tsv" | cut -f "$col")
		status=$(row_cell "$tsv" version "$col")
		if [[ $status == "not run: "* ]]; then
			[ ${#status} -gt 10 ] || fail "$label: not run, but no reason given"
			# Never a figure for a system that did not run.
			cell=$(tail -n +2 "$tsv" | cut -f "$col" | grep -v '^not run: ' | head -n 1)
			[ -z "$cell" ] || fail "$label did not run but shows '$cell'"
			say "$label: not run (${status#not run: })"
			continue
		fi
		while IFS= read -r cell; do
			case $cell in
			''|"not measured"*|"not run"*) fail "$label: a figure is missing: '$cell'$(echo; cat "$tsv")" ;;
			esac
		done < <(tail -n +2 "$tsv" | cut -f "$col")
		cell=$(row_cell "$tsv" "neighbours h1 resolves, N=3" "$col")
		[ "$cell" = 2/2 ] || fail "$label: h1 resolved $cell of its neighbours"
		say "$label: ran, every figure measured, neighbours 2/2"
	done
	for f in compare-lookup.svg compare-convergence.svg compare-lookup.png; do
		[ -s "$out/$f" ] || fail "no plot $out/$f"
	done
}

# run_compare LOG [VAR=VALUE...] -- ARGS...: compare.sh in the background,
# so that if this test is stopped, lib.sh's cleanup TERMs it (its trap then
# tears its lab down); sets RC.
run_compare() {
	local log=$1 pid
	shift
	env "$@" >"$log" 2>&1 &
	pid=$!
	BG_PIDS="$BG_PIDS $pid"
	RC=0
	wait "$pid" || RC=$?
}

# 1. The real thing, with whichever peers Debian's archive gives us.
say "compare.sh --quick (peers from $BUILD/peers)"
run_compare "$WORK/out.log" LAB="$CMP_LAB" "$COMPARE" --quick --out "$WORK/out"
[ $RC -eq 0 ] || fail "compare.sh exited $RC:$(echo; tail -n 30 "$WORK/out.log")"
assert_clean "$WORK/out"
assert_table "$WORK/out"
cell=$(row_cell "$WORK/out/results.tsv" "scope id" 2)
[[ $cell == yes:*%eth0 ]] || fail "linkname: no scope id: $cell"
[ "$(row_cell "$WORK/out/results.tsv" "TCP connection" 2)" = ok ] || fail "linkname: TCP by name failed"
grep -q "^figure	linkname	mDNS (avahi + nss-mdns)	LLMNR (llmnrd + systemd-resolved)\$" "$WORK/out/results.tsv" ||
	fail "unexpected columns: $(head -n 1 "$WORK/out/results.tsv")"

# 2. No network: apt-get cannot fetch the peers. linkname still runs, the
# peers are named with the reason, and no number is printed for them.
mkdir -p "$WORK/fakebin"
cat >"$WORK/fakebin/apt-get" <<'EOF'
#!/bin/sh
echo "E: Failed to fetch http://deb.debian.org/debian/pool/x.deb  Temporary failure resolving 'deb.debian.org' (simulated by test_compare)" >&2
exit 100
EOF
chmod +x "$WORK/fakebin/apt-get"
say "compare.sh --quick with no way to fetch the peers"
run_compare "$WORK/offline.log" PATH="$WORK/fakebin:$PATH" PEERS_DIR="$WORK/peers" LAB="$CMP_LAB" \
	"$COMPARE" --quick --out "$WORK/offline"
[ $RC -eq 0 ] || fail "compare.sh without peers exited $RC:$(echo; tail -n 30 "$WORK/offline.log")"
assert_clean "$WORK/offline"
assert_table "$WORK/offline"
for sys in "mDNS (avahi + nss-mdns)" "LLMNR (llmnrd + systemd-resolved)"; do
	grep -qF "$sys cannot run: apt-get download failed: " "$WORK/offline.log" ||
		fail "no reason printed for $sys:$(echo; cat "$WORK/offline.log")"
done
[ "$(cut -f 3 "$WORK/offline/results.tsv" | tail -n +2 | grep -c '^not run: apt-get download failed')" -gt 5 ] ||
	fail "the mDNS column does not say why it did not run"

rm -rf "$WORK"
pass
