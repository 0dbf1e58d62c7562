#!/bin/bash
# The labs on a machine without /etc/hosts (a minimal root file system,
# issue #14), and the machine's /etc left as the lab found it.
#
# In a private mount namespace /etc becomes an overlay: the machine's /etc
# below, a tmpfs above holding a whiteout for hosts. So /etc/hosts is
# absent, and whatever a lab writes into /etc lands in the tmpfs, where it
# is checked after teardown: nothing but the whiteout may be left (the
# lab's own /etc/netns/LAB-* entries removed, nothing else created or
# changed; /etc/netns is whited out too, so the lab makes it and must
# remove it). There: lab.sh must say what is missing, programs run in a host
# must print no bind-mount errors, test_resolve.sh (exact getent and
# getaddrinfo output) and make demo's script must pass. Last, without
# /etc/nsswitch.conf, lab up must refuse, saying why, and make nothing.
# timeout: 180
. "$(dirname "$0")/lib.sh"

ns_exists_any() { ip netns list 2>/dev/null | grep -q "^$LAB-"; }

inside() {
	local d=$1 upper out rc left dev
	mount --make-rprivate /
	mount -t tmpfs -o mode=0700 lnk-etc "$d"
	upper=$d/upper
	mkdir "$upper" "$d/work"
	# overlayfs whiteouts: hosts is gone, and so is /etc/netns, which the
	# lab must then make itself and remove again.
	mknod "$upper/hosts" c 0 0
	mknod "$upper/netns" c 0 0
	mount -t overlay overlay -o "lowerdir=/etc,upperdir=$upper,workdir=$d/work" /etc ||
		fail "cannot mount an overlay over /etc"
	[ ! -e /etc/hosts ] && [ ! -e /etc/netns ] || fail "/etc/hosts or /etc/netns still there under the overlay"
	dev=$(stat -c %d /etc)
	[ -e /etc/nsswitch.conf ] || fail "the overlay lost /etc/nsswitch.conf"

	# A lab: it says what is missing, and works without it.
	out=$(lab up 2 2>&1) || fail "lab up failed without /etc/hosts:"$'\n'"$out"
	case $out in
	*"no /etc/hosts"*) say "lab up says: $(echo "$out" | grep "no /etc/hosts")" ;;
	*) fail "lab up did not say that /etc/hosts is missing:"$'\n'"$out" ;;
	esac
	lab start
	wait_learns h1 h2
	out=$(on h1 true 2>&1) || fail "lab exec h1 true failed: $out"
	[ -z "$out" ] || fail "a program run in a lab host printed:"$'\n'"$out"
	expect_rc 0 on h1 getent ahosts h2
	[ "$(echo "$OUT" | awk '{ print $1 }' | sort -u)" = "$(ll_addr h2 eth0)" ] ||
		fail "getent ahosts h2 in h1 without /etc/hosts:"$'\n'"$OUT"
	say "getent ahosts h2 works in a lab host without /etc/hosts"
	lab down

	rc=0
	LAB=${LAB}r bash "$ROOT/tests/netns/test_resolve.sh" >"$STATE/resolve.out" 2>&1 || rc=$?
	[ "$rc" -eq 0 ] || fail "test_resolve.sh fails without /etc/hosts:"$'\n'"$(tail -n 15 "$STATE/resolve.out")"
	say "test_resolve.sh passes without /etc/hosts"

	rc=0
	LAB=${LAB}d "$ROOT/netns-scripts/demo.sh" >"$STATE/demo.out" 2>&1 || rc=$?
	[ "$rc" -eq 0 ] || fail "demo.sh fails without /etc/hosts:"$'\n'"$(tail -n 15 "$STATE/demo.out")"
	! grep -Ei 'failed|error' "$STATE/demo.out" ||
		fail "demo.sh printed errors without /etc/hosts:"$'\n'"$(cat "$STATE/demo.out")"
	grep -q 'no /etc/hosts' "$STATE/demo.out" || fail "demo.sh did not say that /etc/hosts is missing"
	say "demo.sh passes without /etc/hosts"

	# Everything the labs wrote into /etc is gone again, /etc/netns too
	# (they made it), and nobody created /etc/hosts: both are absent as
	# at the start, and the upper layer holds nothing but whiteouts. (The
	# netns whiteout itself may go: if other labs on the machine remove
	# the real /etc/netns meanwhile, overlayfs needs none any more.)
	[ ! -e /etc/hosts ] || fail "/etc/hosts was created"
	[ ! -e /etc/netns ] || fail "/etc/netns is left: $(ls -A /etc/netns | tr '\n' ' ')"
	left=$(cd "$upper" && find . -mindepth 1 \( ! -type c -o ! -name hosts ! -name netns \) -printf '%P %y\n')
	[ -z "$left" ] || fail "the labs left in /etc:"$'\n'"$left"
	for f in "$upper"/*; do
		[ "$(stat -c %t:%T "$f")" = 0:0 ] || fail "/etc/${f##*/} was created or changed"
	done
	! ls /run/linkname-lab-made-etc-netns."$dev".* 2>/dev/null || fail "the /etc/netns marker is left in /run"
	say "nothing left in /etc (/etc/netns made and removed again, /etc/hosts never created)"

	# Without nsswitch.conf a lab cannot work: it says so and makes nothing.
	rm /etc/nsswitch.conf
	rc=0
	out=$(lab up 1 2>&1) || rc=$?
	[ "$rc" -ne 0 ] || fail "lab up worked without /etc/nsswitch.conf"
	case $out in
	*"no /etc/nsswitch.conf"*) say "without /etc/nsswitch.conf: $out" ;;
	*) fail "lab up without /etc/nsswitch.conf said:"$'\n'"$out" ;;
	esac
	! ns_exists_any || fail "lab up without /etc/nsswitch.conf left namespaces: $(ip netns list | grep "^$LAB-")"
}

if [ "${1:-}" = --inside ]; then
	trap - EXIT
	trap 'rc=$?; trap - EXIT; "$LABSH" down >/dev/null 2>&1 || true; exit $rc' EXIT
	inside "$2"
	exit 0
fi

need_build
in_private_mounts etc "${LAB}r" "${LAB}d" || fail "the labs do not work without /etc/hosts (see above)"
pass
