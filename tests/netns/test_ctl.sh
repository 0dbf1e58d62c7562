#!/bin/bash
# linknamectl: list (plain and --json), resolve, and its exit codes.
. "$(dirname "$0")/lib.sh"

lab_up 3
wait_learns h1 h2
wait_learns h1 h3

expect_rc 0 ctl h1 list
for h in h2 h3; do
	echo "$OUT" | grep -qw "$h" || fail "list lacks $h:"$'\n'"$OUT"
	echo "$OUT" | grep -qiF "$(ll_addr "$h" eth0)" || fail "list lacks $h's address:"$'\n'"$OUT"
done

expect_rc 0 ctl h1 --json list
json=$OUT
for h in h2 h3; do
	echo "$json" | grep -q "\"$h\"" || fail "list --json lacks \"$h\":"$'\n'"$json"
	echo "$json" | grep -qiF "$(ll_addr "$h" eth0)" || fail "list --json lacks $h's address:"$'\n'"$json"
done
if command -v python3 >/dev/null; then
	echo "$json" | python3 -m json.tool >/dev/null || fail "list --json is not JSON:"$'\n'"$json"
fi
say "list --json: $(echo $json | head -c 300)"

expect_rc 0 ctl h1 resolve h2
echo "$OUT" | grep -qiF "$(ll_addr h2 eth0)" || fail "resolve h2 lacks the address:"$'\n'"$OUT"
expect_rc 1 ctl h1 resolve nosuchname
expect_rc 2 ctl h1 frobnicate
expect_rc 2 ctl h1

lab stop-host h1
expect_rc 3 ctl h1 list
expect_rc 3 ctl h1 resolve h2
pass
