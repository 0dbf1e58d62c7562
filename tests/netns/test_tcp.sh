#!/bin/bash
# A real TCP connection by name: h1 connects to "h2" and gets its echo.
. "$(dirname "$0")/lib.sh"

lab_up 2
wait_learns h1 h2

out=$STATE/listen.out
bg_start "$out" h2 "$BUILD/tests/gai" --listen 7000
listener=$BG_PID
wait_ready "$out"

expect_rc 0 on h1 timeout 10 "$BUILD/tests/gai" --connect 7000 h2
say "$OUT"
bg_wait "$listener" 5
[ "$BG_RC" -eq 0 ] || fail "listener on h2 exited $BG_RC: $(cat "$out")"
say "h2: $(tail -n 1 "$out")"
pass
