#!/bin/bash
# The NSS module when the daemon is not there to answer: stopped, frozen
# (SIGSTOP), a socket path that does not exist or is a regular file, and a
# server on @linkname run by the wrong user (a real linknamed as nobody,
# which does answer: only the client's SO_PEERCRED check stops it). Each
# time getent and getaddrinfo fail (exit 2) within the hang guard, and the
# module itself (called directly by qabuse nss) says UNAVAIL with the errno
# that names the cause. A process that already mapped the daemon's snapshot
# keeps answering from it while the daemon is frozen, and stops (falls
# back, and fails) once the daemon has exited. Elapsed times are printed.
. "$(dirname "$0")/lib.sh"

need_build tests/qabuse
QA=$BUILD/tests/qabuse

lab_up 2
wait_learns h1 h2
pid=$(awk '{ print $1 }' "$STATE/h1.pid")

# On exit, a frozen daemon must be thawed before the lab stops it.
at_exit kill -s CONT "$pid"

ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

# fails_promptly WHAT ERRNO [ENV...]: getent, gai and the module on h1, each
# under a 5 s hang guard, with ENV (e.g. LINKNAME_SOCKET=...) set.
fails_promptly() {
	local what=$1 errno=$2 t0 times=""
	shift 2
	t0=$(date +%s%N)
	expect_rc 2 on h1 env "$@" timeout 5 getent ahosts h2
	times="getent $(ms_since "$t0") ms"
	t0=$(date +%s%N)
	expect_rc 2 on h1 env "$@" timeout 5 "$BUILD/tests/gai" h2
	times="$times, gai $(ms_since "$t0") ms"
	expect_rc 2 on h1 env "$@" timeout 5 "$QA" nss h2
	case $OUT in
	*"status=UNAVAIL errno=$errno "*) ;;
	*) fail "$what: expected UNAVAIL with $errno from the module, got: $OUT" ;;
	esac
	say "$what: exit 2 ($times); module: ${OUT#nss: }"
}

expect_rc 0 on h1 "$QA" nss h2
say "daemon up: ${OUT#nss: }"
expect_rc 1 on h1 "$QA" nss nosuchname
say "unknown name: ${OUT#nss: }"
case $OUT in *"status=NOTFOUND errno=ENOENT "*) ;; *) fail "unknown name: $OUT" ;; esac

# A long-running process: mapped the snapshot before the freeze.
frozen_out=$STATE/probe-frozen.out
bg_start "$frozen_out" h1 "$QA" probe --duration 2000 --interval 20 h2
prober=$BG_PID
wait_ready "$frozen_out"
kill -s STOP "$pid"
fails_promptly "daemon frozen (SIGSTOP)" ETIMEDOUT
bg_wait "$prober" 10
say "daemon frozen, a process that had the snapshot: $(grep '^probe:' "$frozen_out")"
[ "$BG_RC" -eq 0 ] || fail "lookups from the mapped snapshot failed while the daemon was frozen:"$'\n'"$(cat "$frozen_out")"
kill -s CONT "$pid"
poll_rc 5 0 on h1 "$QA" nss h2 || fail "no answer after SIGCONT"
say "daemon thawed: lookups work again"

fails_promptly "LINKNAME_SOCKET=/nonexistent/linkname" ENOENT LINKNAME_SOCKET=/nonexistent/linkname
plain=$STATE/not-a-socket
echo "just a file" >"$plain"
fails_promptly "LINKNAME_SOCKET=a regular file" ECONNREFUSED "LINKNAME_SOCKET=$plain"
fails_promptly "LINKNAME_SOCKET=@ an abstract name nobody bound" ECONNREFUSED LINKNAME_SOCKET=@linkname-nobody-here

# A long-running process when the daemon exits: its snapshot is withdrawn.
stop_out=$STATE/probe-stop.out
bg_start "$stop_out" h1 "$QA" probe --duration 60000 --interval 20 h2
prober=$BG_PID
wait_ready "$stop_out"
lab stop-host h1
poll 5 grep -q 'failed after' "$stop_out" ||
	fail "a process kept answering from the snapshot after the daemon exited:"$'\n'"$(cat "$stop_out")"
kill -s TERM "$prober"
bg_wait "$prober" 10
say "daemon stopped, a process that had the snapshot: $(grep '^probe:' "$stop_out")"
fails_promptly "daemon stopped" ECONNREFUSED

# The wrong user's server: a working linknamed, as nobody, on @linkname.
# nobody runs copies it can read wherever the clone lives (lib.sh).
nobody_files linknamed linknamectl libnss_linkname.so.2
out=$STATE/nobody-daemon.log
bg_start "$out" h1 "${AS_NOBODY[@]}" "$USER_BUILD/linknamed" --foreground --name h1
impostor=$BG_PID
as_nobody() { on h1 "${AS_NOBODY[@]}" "$@"; }
# It answers its own user: the server works and knows h2.
poll_rc "$LEARN_WAIT_S" 0 as_nobody "$USER_BUILD/linknamectl" resolve h2 ||
	fail "linknamed as nobody does not answer nobody:"$'\n'"$(cat "$out")"
expect_rc 0 as_nobody timeout 5 getent ahosts h2
say "linknamed as nobody answers nobody's getent ahosts h2"
fails_promptly "server on @linkname run by nobody, asked by root" EPERM
kill -s TERM "$impostor"
bg_wait "$impostor" 10
pass
