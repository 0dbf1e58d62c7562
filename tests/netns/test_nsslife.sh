#!/bin/bash
# The NSS module over a program's lifetime (issue 10, defects 2 to 5): what
# long-running, multithreaded programs see while the daemon is killed,
# restarted, said goodbye to, and while their threads switch network
# namespace. Each step is a function nsslife_STEP (tests/netns/nsslife.sh)
# that test_chaos.sh can call again in a loop; STEPS="exit dead ..." runs a
# subset.
#
#   exit     8 threads mid-lookup while the main thread calls exit(0), 100
#            times: no child dies of a signal (the module has no destructor
#            that could pull its mapping from under them).
#   dead     a daemon with interval = 600 is SIGKILLed: 4 threads resolving
#            its own name and a neighbour's (lifetime 3600) see both fail
#            within 5 s (the module stops trusting a dead daemon whatever
#            the interval), with UNAVAIL, so the next source is asked.
#   restart  the daemon is SIGKILLed and at once restarted under a new
#            name: a program that predates it resolves the new name (the
#            new daemon's table), keeps resolving the neighbour once the
#            new daemon has learnt it, and sees it gone once it leaves
#            with a GOODBYE.
#   release  10 restarts (TERM and KILL in turn, each under a new name,
#            each seen by every program) under 4 programs of 4 threads:
#            each maps at most 2 snapshots at the end (replaced ones are
#            released) and its VmRSS stays flat.
#   setns    one thread setns()es into another host's namespace: it gets
#            that namespace's daemon's answer (scope ids differ: eth0 of hN
#            has ifindex 10+N), the other threads keep their own.
# Bounds here are hang guards (poll), the times measured are printed.
# timeout: 150
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/nsslife.sh"

STEPS=${STEPS:-exit dead restart release setns}
# The lab's own snapshot directory: killed daemons leave their file behind.
export LINKNAME_RUNDIR=$STATE/run

lab up 2
lab start-host h2 --lifetime 3600 $LONG
for s in $STEPS; do
	"nsslife_$s"
done
pass
