#!/bin/bash
# linknamectl: list (plain and --json), resolve (and its --format, what a
# program without NSS uses), and its exit codes.
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
H2=$(ll_addr h2 eth0)
IDX=$(ifindex h1 eth0)
expect_rc 0 ctl h1 resolve --format=addr h2
[ "$OUT" = "$H2" ] || fail "resolve --format=addr h2: '$OUT', not '$H2'"
expect_rc 0 ctl h1 resolve --format addr%index h2
[ "$OUT" = "$H2%$IDX" ] || fail "resolve --format=addr%index h2: '$OUT', not '$H2%$IDX'"
expect_rc 0 ctl h1 resolve --format=uri h2
[ "$OUT" = "[$H2%25eth0]" ] || fail "resolve --format=uri h2: '$OUT', not '[$H2%25eth0]'"
expect_rc 0 ctl h1 resolve --format=addr%if h2
[ "$OUT" = "$H2%eth0" ] || fail "resolve --format=addr%if h2: '$OUT', not '$H2%eth0'"
expect_rc 2 ctl h1 resolve --format=bogus h2
expect_rc 2 ctl h1 resolve --format=addr
# What a program that does not use NSS (static Go, musl) can do: take the
# address from linknamectl and connect to it.
PY=$(command -v python3) || fail "python3 is needed (make check installs it)"
bg_start "$STATE/listen" h2 "$PY" -c 'import socket
s = socket.socket(socket.AF_INET6)
s.bind(("::", 7777)); s.listen(1); print("ready", flush=True)
c, a = s.accept(); c.sendall(b"hello from h2\n"); c.close()'
wait_ready "$STATE/listen"
expect_rc 0 on h1 "$PY" -c 'import socket, sys
c = socket.create_connection((sys.argv[1], 7777), 5)
print(c.recv(100).decode().strip())' "$(ctl h1 resolve --format=addr%if h2)"
[ "$OUT" = "hello from h2" ] || fail "connecting to resolve --format=addr%if's output: $OUT"
say "resolve --format: addr, addr%index, uri, addr%if; a program without NSS connected to its output"
expect_rc 1 ctl h1 resolve nosuchname
expect_rc 2 ctl h1 frobnicate
expect_rc 2 ctl h1

lab stop-host h1
expect_rc 3 ctl h1 list
expect_rc 3 ctl h1 resolve h2
pass
