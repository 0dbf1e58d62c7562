#!/bin/bash
# A daemon killed without a GOODBYE is forgotten once its announced lifetime
# runs out, and not before.
. "$(dirname "$0")/lib.sh"

lab_up 2 --interval 1 --lifetime 3
wait_learns h1 h2

lab stop-host h2 KILL
expect_rc 0 ctl h1 resolve h2
say "right after SIGKILL h1 still resolves h2"
poll_rc 6 1 ctl h1 resolve h2 ||
	fail "h1 still resolves h2 6s after it was killed (lifetime 3): $(ctl h1 resolve h2 2>&1)"
expect_rc 2 on h1 timeout 5 getent ahosts h2
say "h1 forgot h2 after its lifetime"
pass
