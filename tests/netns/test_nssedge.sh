#!/bin/bash
# The NSS module when the daemon cannot answer or its snapshot is not to be
# trusted. A frozen daemon (SIGSTOP) still holds its file and its lock:
# lookups go on from its table, in programs old and new, and its
# neighbours' entries lapse as their lifetimes run out. Otherwise getent
# and getaddrinfo fail (exit 2) at once, and the module itself (called
# directly by qabuse nss) says UNAVAIL with the errno that names the cause:
# ENOENT for no daemon (stopped: its file is withdrawn), ESRCH for a killed
# daemon's leftover file that no live daemon holds, EPERM for files a local
# user could plant or spoil (a directory others may write, a file of
# another user, a symbolic link, a file others may write). A daemon run as
# an unprivileged user with no runtime directory of its own cannot publish:
# it still answers linknamectl, and programs do not resolve through it.
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
# under a 5 s hang guard, with ENV (e.g. LINKNAME_RUNDIR=...) set.
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

# Frozen: a program that predates the freeze and new ones keep answering.
frozen_out=$STATE/probe-frozen.out
bg_start "$frozen_out" h1 "$QA" probe --duration 2000 --interval 20 h2
prober=$BG_PID
wait_ready "$frozen_out"
kill -s STOP "$pid"
expect_rc 0 on h1 timeout 5 getent ahosts h2
expect_rc 0 on h1 timeout 5 "$QA" nss h2
say "daemon frozen (SIGSTOP), a new program: ${OUT#nss: }"
bg_wait "$prober" 10
say "daemon frozen, a program that predates it: $(grep '^probe:' "$frozen_out")"
[ "$BG_RC" -eq 0 ] || fail "lookups failed while the daemon was frozen:"$'\n'"$(cat "$frozen_out")"
kill -s CONT "$pid"

# Files a local user could plant or spoil, in directories of the test's
# choosing ($LINKNAME_RUNDIR; setuid programs ignore it).
file=$(on h1 readlink /proc/self/ns/net | sed 's/^net:\[\([0-9]*\)\]$/net-\1/')
real=${LINKNAME_RUNDIR:-/run/linkname}/$file
[ -f "$real" ] || fail "h1's daemon has no snapshot at $real"
fails_promptly "LINKNAME_RUNDIR=/nonexistent" ENOENT LINKNAME_RUNDIR=/nonexistent
ww=$STATE/world-writable
mkdir -p "$ww" && chmod 1777 "$ww"
# As nobody would leave it: its file, in a directory anyone may write.
cp "$real" "$ww/$file" && chown nobody:nogroup "$ww/$file"
fails_promptly "a copy planted by nobody in a directory anyone may write" EPERM "LINKNAME_RUNDIR=$ww"
own=$STATE/root-dir
mkdir -p "$own" && chmod 0755 "$own"
cp "$real" "$own/$file"
chown nobody "$own/$file"
fails_promptly "a file of another user (nobody) in root's directory" EPERM "LINKNAME_RUNDIR=$own"
chown root "$own/$file"
chmod 0666 "$own/$file"
fails_promptly "a file anyone may write" EPERM "LINKNAME_RUNDIR=$own"
rm "$own/$file"
ln -s "$real" "$own/$file"
fails_promptly "a symbolic link to the daemon's file" EPERM "LINKNAME_RUNDIR=$own"

# Stopped: a program that had the snapshot sees it withdrawn.
stop_out=$STATE/probe-stop.out
bg_start "$stop_out" h1 "$QA" probe --duration 60000 --interval 20 h2
prober=$BG_PID
wait_ready "$stop_out"
lab stop-host h1
poll 5 grep -q 'failed after' "$stop_out" ||
	fail "a program kept answering from the snapshot after the daemon exited:"$'\n'"$(cat "$stop_out")"
kill -s TERM "$prober"
bg_wait "$prober" 10
say "daemon stopped, a program that had the snapshot: $(grep '^probe:' "$stop_out")"
[ ! -e "$real" ] || fail "the stopped daemon left $real behind"
fails_promptly "daemon stopped" ENOENT

# Killed: its file stays, nobody holds its lock.
lab start-host h1
lab stop-host h1 KILL
[ -e "$real" ] || fail "the killed daemon's file is gone"
fails_promptly "daemon killed (SIGKILL), its file left behind" ESRCH
lab start-host h1
lab stop-host h1

# An unprivileged daemon with no runtime directory of its own. nobody runs
# copies it can read wherever the clone lives (lib.sh).
nobody_files linknamed linknamectl libnss_linkname.so.2
out=$STATE/nobody-daemon.log
bg_start "$out" h1 "${AS_NOBODY[@]}" "$USER_BUILD/linknamed" --foreground --name h1
impostor=$BG_PID
as_nobody() { on h1 "${AS_NOBODY[@]}" "$@"; }
# It answers its own user: the server works and knows h2.
poll_rc "$LEARN_WAIT_S" 0 as_nobody "$USER_BUILD/linknamectl" resolve h2 ||
	fail "linknamed as nobody does not answer nobody:"$'\n'"$(cat "$out")"
grep -q 'will not resolve through linkname' "$out" ||
	fail "linknamed as nobody did not say it cannot publish:"$'\n'"$(cat "$out")"
say "linknamed as nobody: $(grep -o '[^:]*: Permission denied' "$out" | head -n 1)"
fails_promptly "a daemon run by nobody, asked by root" ENOENT
expect_rc 2 as_nobody timeout 5 getent ahosts h2
kill -s TERM "$impostor"
bg_wait "$impostor" 10
pass
