#!/bin/bash
# No memory errors and no definite leaks in the daemon, linknamectl, or the
# NSS module (through gai), each run under valgrind.
# timeout: 150
. "$(dirname "$0")/lib.sh"

command -v valgrind >/dev/null || fail "valgrind is not installed"
VG="valgrind --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99"
need_build
lab up 2

# h1's daemon under valgrind, our own child so we get its exit status; it
# runs before h2's starts, so it hears h2's start-up announcements.
bg_start "$STATE/h1.log" h1 $VG "$BUILD/linknamed" --foreground --name h1
vgd=$BG_PID
poll 60 ctl h1 list || fail "linknamed under valgrind does not answer: $(tail -n 30 "$STATE/h1.log")"
lab start-host h2
LEARN_WAIT_S=30 wait_learns h1 h2

expect_rc 0 on h1 $VG "$BUILD/linknamectl" resolve h2
say "linknamectl under valgrind: ok"
expect_rc 0 on h1 $VG "$BUILD/linknamectl" list
expect_rc 0 on h1 $VG "$BUILD/tests/gai" h2
say "gai (NSS module) under valgrind: ok"

kill -s TERM "$vgd"
bg_wait "$vgd" 30
[ "$BG_RC" -eq 0 ] || fail "linknamed under valgrind exited $BG_RC:"$'\n'"$(tail -n 40 "$STATE/h1.log")"
say "linknamed under valgrind: exit 0"
pass
