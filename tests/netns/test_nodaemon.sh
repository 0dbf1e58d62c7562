#!/bin/bash
# The NSS module never hangs a program: with no daemon, or a daemon that
# accepts and never answers, lookups fail (not found) promptly.
. "$(dirname "$0")/lib.sh"

need_build tests/hangd
lab_up 2
wait_learns h1 h2

lab stop-host h1
expect_rc 2 on h1 timeout 5 getent ahosts h2
expect_rc 2 on h1 timeout 5 "$BUILD/tests/gai" h2
say "no daemon: lookups fail"

out=$STATE/hangd.out
bg_start "$out" h1 "$BUILD/tests/hangd" @linkname
hangd=$BG_PID
wait_ready "$out"
expect_rc 2 on h1 timeout 5 getent ahosts h2
expect_rc 2 on h1 timeout 5 "$BUILD/tests/gai" h2
say "hung daemon: lookups give up"
kill -s TERM "$hangd"
bg_wait "$hangd" 5
pass
