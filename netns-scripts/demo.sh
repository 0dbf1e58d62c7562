#!/bin/bash
# demo.sh: three hosts on one link find each other by name.
# Builds a lab (netns-scripts/lab.sh), starts linknamed everywhere, has every
# host resolve the others through getaddrinfo (getent ahosts and
# build/tests/gai, which shows the scope), prints who resolved whom, and
# tears everything down again. Run as root (make demo).
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$ROOT/build
LABSH=$ROOT/netns-scripts/lab.sh
export LAB=${LAB:-lndemo-$$}
HOSTS="h1 h2 h3"
WAIT_S=15

die() { echo "demo: $*" >&2; exit 1; }

teardown() {
	trap - EXIT INT TERM HUP
	if LAB_QUIET=1 "$LABSH" down >/dev/null 2>&1; then
		rm -rf "$BUILD/lab/$LAB"
	else
		echo "demo: lab teardown failed (LAB=$LAB lab.sh down)" >&2
	fi
	echo "demo: lab removed"
}

prepare() {
	[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces)"
	# The gai tool shows each address with its scope; build it if needed.
	if [ ! -x "$BUILD/tests/gai" ]; then
		mkdir -p "$BUILD/tests"
		make -s -C "$ROOT" build/tests/gai >/dev/null || die "cannot build build/tests/gai"
	fi
	for f in linknamed linknamectl libnss_linkname.so.2; do
		[ -e "$BUILD/$f" ] || die "$BUILD/$f is missing: run make first"
	done
}

# Wait (bounded) until every daemon knows every other host.
wait_learned() {
	local src dst
	for src in $HOSTS; do
		for dst in $HOSTS; do
			[ "$src" != "$dst" ] || continue
			for _ in $(seq 1 $((WAIT_S * 10))); do
				"$LABSH" exec "$src" "$BUILD/linknamectl" resolve "$dst" >/dev/null 2>&1 && break
				sleep 0.1
			done
		done
	done
}

# One table row: FROM NAME getent-result ADDRESS%IFACE.
row() {
	local src=$1 dst=$2 ge res
	if ge=$("$LABSH" exec "$src" getent ahosts "$dst" 2>/dev/null); then
		ge="ok ($(echo "$ge" | awk '{ print $1 }' | sort -u | wc -l) addr)"
		# "fe80::...%eth0 scope=11" -> "fe80::...%eth0 (scope id 11)"
		res=$("$LABSH" exec "$src" "$BUILD/tests/gai" "$dst" 2>&1 |
			sed 's/ scope=\(.*\)/ (scope id \1)/' | paste -sd' ')
	else
		ge="NOT FOUND"
		res="-"
	fi
	printf '%-6s %-8s %-14s %s\n' "$src" "$dst" "$ge" "$res"
	[ "$res" != - ]
}

main() {
	local src dst bad=0
	prepare
	trap teardown EXIT
	trap 'exit 1' INT TERM HUP

	echo "demo: building a lab of 3 hosts (namespaces $LAB-h1..h3, bridge in $LAB-br)"
	"$LABSH" up 3
	"$LABSH" start
	echo
	for src in $HOSTS; do
		echo "  $src eth0: $("$LABSH" exec "$src" ip -6 -o addr show dev eth0 scope link | awk '{ print $4 }')"
	done
	echo
	echo "demo: waiting for the daemons to hear each other..."
	wait_learned
	echo
	printf '%-6s %-8s %-14s %s\n' FROM NAME "getent ahosts" "getaddrinfo -> ADDRESS%IFACE"
	printf '%-6s %-8s %-14s %s\n' ---- ---- ------------- -----------------------------
	for src in $HOSTS; do
		for dst in $HOSTS; do
			[ "$src" = "$dst" ] || row "$src" "$dst" || bad=$((bad + 1))
		done
	done
	echo
	echo "demo: what h1's daemon knows (linknamectl list):"
	"$LABSH" exec h1 "$BUILD/linknamectl" list | sed 's/^/  /'
	echo
	[ $bad -eq 0 ] || die "$bad of 6 lookups failed"
	echo "demo: every host resolved both others, scoped to its own eth0"
}

main "$@"
