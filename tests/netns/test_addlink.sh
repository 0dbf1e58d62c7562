#!/bin/bash
# An interface added while the daemons run is picked up: once h1 and h2 share
# a second link, h1 resolves h2 on both, each address scoped to its link.
. "$(dirname "$0")/lib.sh"

lab_up 2
wait_learns h1 h2

lab addlink h1 eth1 br1
lab addlink h2 eth1 br1
a0=$(ll_addr h2 eth0)
a1=$(ll_addr h2 eth1)
want=$(printf '%s\n' "$a0%eth0 scope=$(ifindex h1 eth0)" "$a1%eth1 scope=$(ifindex h1 eth1)" | sort)

got_both() {
	[ "$(on h1 "$BUILD/tests/gai" h2 | sort)" = "$want" ]
}
poll "$LEARN_WAIT_S" got_both ||
	fail "h1: gai h2: expected"$'\n'"$want"$'\n'"got:"$'\n'"$(on h1 "$BUILD/tests/gai" h2 2>&1)"
say "h1 resolves h2 on both links: $(echo $want)"

expect_rc 0 ctl h1 list
for a in "$a0" "$a1"; do
	echo "$OUT" | grep -qiF "$a" || fail "h1: linknamectl list lacks $a:"$'\n'"$OUT"
done
pass
