#!/bin/bash
# A daemon stopped with SIGTERM says GOODBYE: its neighbours forget it at
# once instead of after its 120 s lifetime.
. "$(dirname "$0")/lib.sh"

lab_up 3
wait_learns h1 h3
wait_learns h2 h3
wait_learns h1 h2

lab stop-host h3 TERM
# The daemon has exited (stop-host waits for it), so GOODBYE is on the wire.
for h in h1 h2; do
	poll_rc 1 1 ctl "$h" resolve h3 ||
		fail "$h still resolves h3 1s after its daemon exited on SIGTERM: $(ctl "$h" resolve h3 2>&1)"
done
expect_rc 2 on h1 timeout 5 getent ahosts h3
# Only h3 is forgotten.
expect_rc 0 ctl h1 resolve h2
pass
