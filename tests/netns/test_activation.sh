#!/bin/bash
# Readiness notification and socket activation of the real daemon, as the
# shipped units use them (dist/linknamed.service.in: Type=notify, reload by
# SIGHUP; dist/linknamed.socket: ListenStream=@linkname), without systemd
# as PID 1. It speaks to linknamed only through the two protocols
# (sd_notify(3), sd_listen_fds(3)), so it holds for libsystemd's calls and
# for src/sdnotify.c that replaces them (issue #11 part 2).
#
# 1. Type=notify: h1's linknamed gets $NOTIFY_SOCKET naming an abstract
#    socket that tests/notifysink holds in h1. Asserted, from the daemon's
#    own pid (what NotifyAccess=main accepts): READY=1 with a STATUS=
#    naming h1 once it is up; on SIGHUP RELOADING=1 then READY=1; on
#    SIGTERM STOPPING=1; in that order.
# 2. Socket activation: systemd-socket-activate listens on @linkname in h1,
#    as PID 1 does for linknamed.socket, and on the first connection execs
#    linknamed with the socket as fd 3, $LISTEN_PID and $LISTEN_FDS, and
#    $NOTIFY_SOCKET a path this time. Asserted: nothing runs before the
#    first lookup; that lookup is answered; linknamectl and getent resolve
#    h2 through it; the daemon serves @linkname on fd 3 (binding it itself
#    would fail, it is taken); READY=1 and STOPPING=1 arrive from it.
# 0. Both are src/sdnotify.c's: ldd build/linknamed lists no libsystemd,
#    nor what it would pull into a root daemon (liblzma, libzstd, liblz4,
#    libgcrypt: the CVE-2024-3094 path), issue #11 part 2.
. "$(dirname "$0")/lib.sh"

need_build tests/notifysink
command -v systemd-socket-activate >/dev/null ||
	fail "systemd-socket-activate is missing (Debian's systemd package; make deps installs it)"
SINK=$BUILD/tests/notifysink

# ---- 0. no libsystemd ----
libs=$(ldd "$BUILD/linknamed") || fail "ldd $BUILD/linknamed failed: $libs"
bad=$(echo "$libs" | grep -E 'lib(systemd|lzma|zstd|lz4|gcrypt)\.' || true)
[ -z "$bad" ] || fail "linknamed links what it must not:"$'\n'"$bad"
echo "$libs" | grep -q 'libnl-route-3\.' || fail "ldd shows no libnl-route-3: the check reads the wrong output:"$'\n'"$libs"
say "ldd linknamed: $(echo "$libs" | awk '$1 ~ /^lib/ { printf "%s ", $1 }')"

lab up 2
lab start-host h2

# What the sink in OUTFILE received, without the "pid=... uid=...: "
# prefix, one datagram per line; the lines that tell the manager a state.
received() { sed -n 's/^pid=[0-9?]* uid=[0-9?]*: //p' "$1"; }
states() { received "$1" | grep -E '(^|\\n)(READY|RELOADING|STOPPING)=1(\\n|$)' || true; }
# wait_states OUTFILE N: N state datagrams have arrived (bounded).
has_states() { [ "$(states "$1" | wc -l)" -ge "$2" ]; }
wait_states() {
	poll 10 has_states "$1" "$2" || fail "expected $2 state notifications, got:"$'\n'"$(cat "$1")"
}
# Every datagram came from PID.
all_from() {
	local bad
	bad=$(grep -v -e '^ready$' -e "^pid=$2 uid=0: " "$1" || true)
	[ -z "$bad" ] || fail "notifications not from the daemon (pid $2):"$'\n'"$bad"
}

# ---- 1. Type=notify ----
n1=@linkname-notify-$LAB
out1=$STATE/notify-abstract.out
bg_start "$out1" h1 "$SINK" "$n1"
wait_ready "$out1"
LAB_WRAP="env NOTIFY_SOCKET=$n1" lab start-host h1
pid=$(daemon_pid h1)
wait_states "$out1" 1
first=$(states "$out1" | head -n 1)
case $first in
READY=1\\n*STATUS=*h1*|*STATUS=*h1*\\nREADY=1*) ;;
*) fail "the first notification is not READY=1 with a STATUS= naming h1: $first" ;;
esac
say "start: $first"
wait_learns h1 h2

kill -s HUP "$pid"
wait_states "$out1" 3
lab stop-host h1
wait_states "$out1" 4
got=$(states "$out1" | sed -E 's/.*(READY|RELOADING|STOPPING)=1.*/\1/' | paste -sd' ')
[ "$got" = "READY RELOADING READY STOPPING" ] ||
	fail "states in order: want READY RELOADING READY STOPPING, got $got:"$'\n'"$(cat "$out1")"
all_from "$out1" "$pid"
say "Type=notify over an abstract socket: $got, all from pid $pid"

# ---- 2. socket activation ----
# A short path for the notify socket, wherever the clone lives.
ndir=$(mktemp -d /tmp/linkname-notify.XXXXXX)
at_exit rm -rf "$ndir"
n2=$ndir/notify
out2=$STATE/notify-path.out
bg_start "$out2" h1 "$SINK" "$n2"
wait_ready "$out2"
# It passes the daemon only the variables it is given: the lab's snapshot
# directory too, where the programs look.
bg_start "$STATE/activate.log" h1 systemd-socket-activate -l @linkname -E NOTIFY_SOCKET="$n2" \
	-E LINKNAME_RUNDIR="$LINKNAME_RUNDIR" "$BUILD/linknamed" --foreground --name h1
act=$BG_PID
listening() { on h1 ss -xlnH src @linkname | grep -q .; }
poll 10 listening || fail "systemd-socket-activate does not listen on @linkname:"$'\n'"$(cat "$STATE/activate.log")"
# Listening, and nothing started yet: the daemon comes with the first client.
[ "$(cat "/proc/$act/comm")" != linknamed ] || fail "linknamed started before any connection"
states "$out2" | grep -q . && fail "notifications before activation: $(cat "$out2")"

# The first lookup starts it and is answered (h2 may take a moment to be
# learned: NOTFOUND, exit 1, is an answer too).
rc=0
on h1 timeout 10 "$BUILD/linknamectl" resolve h2 >/dev/null 2>&1 || rc=$?
[ "$rc" -le 1 ] || fail "the first connection was not answered (exit $rc):"$'\n'"$(cat "$STATE/activate.log")"
[ "$(cat "/proc/$act/comm")" = linknamed ] ||
	fail "no linknamed after the first connection (pid $act is $(cat "/proc/$act/comm"))"
wait_learns h1 h2
expect_rc 0 on h1 timeout 5 getent ahosts h2
[ "$(echo "$OUT" | awk '{ print $1 }' | sort -u)" = "$(ll_addr h2 eth0)" ] ||
	fail "getent ahosts h2 through the activated daemon:"$'\n'"$OUT"
say "activated on the first connection; linknamectl and getent resolve h2 through it"
# The passed socket is what it serves: fd 3, the only @linkname listener.
owners=$(on h1 ss -xlnpH src @linkname)
case $owners in
*'"linknamed",pid='"$act"',fd=3)'*) ;;
*) fail "@linkname is not served from the daemon's fd 3: $owners" ;;
esac
[ "$(echo "$owners" | wc -l)" -eq 1 ] || fail "more than one @linkname listener: $owners"
wait_states "$out2" 1
states "$out2" | head -n 1 | grep -q 'READY=1' || fail "no READY=1 first: $(cat "$out2")"

kill -s TERM "$act"
bg_wait "$act" 10
[ "$BG_RC" -eq 0 ] || fail "the activated daemon exited $BG_RC:"$'\n'"$(cat "$STATE/activate.log")"
wait_states "$out2" 2
got=$(states "$out2" | sed -E 's/.*(READY|RELOADING|STOPPING)=1.*/\1/' | paste -sd' ')
[ "$got" = "READY STOPPING" ] || fail "activated daemon's states: want READY STOPPING, got $got"
all_from "$out2" "$act"
say "socket activation, notify over a path socket: $got, all from pid $act"
pass
