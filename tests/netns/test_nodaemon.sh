#!/bin/bash
# The NSS module never hangs a program and never waits on the query socket
# (issue 10, defect 9): with no daemon; with the socket listening but no
# daemon behind it (systemd holds linknamed.socket so while the service
# restarts); and with a hung server that accepts and never answers. Each
# time getent and getaddrinfo fail (exit 2) within the hang guard, the
# module itself (called directly by qabuse nss) says UNAVAIL with ENOENT
# (no daemon has published a table in this namespace), and not one
# connection reaches the socket. Elapsed times are printed.
. "$(dirname "$0")/lib.sh"

need_build tests/hangd tests/qabuse
QA=$BUILD/tests/qabuse
lab_up 2
wait_learns h1 h2

ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

# no_daemon WHAT: getent, gai and the module in h1 all fail at once.
no_daemon() {
	local what=$1 t0 times
	t0=$(date +%s%N)
	expect_rc 2 on h1 timeout 5 getent ahosts h2
	times="getent $(ms_since "$t0") ms"
	t0=$(date +%s%N)
	expect_rc 2 on h1 timeout 5 "$BUILD/tests/gai" h2
	times="$times, gai $(ms_since "$t0") ms"
	expect_rc 2 on h1 timeout 5 "$QA" nss h2
	case $OUT in
	*"status=UNAVAIL errno=ENOENT "*) ;;
	*) fail "$what: expected UNAVAIL with ENOENT from the module, got: $OUT" ;;
	esac
	say "$what: exit 2 ($times); module: ${OUT#nss: }"
}

# with_listener WHAT [--no-accept]: a hangd on @linkname in h1 while the
# lookups run; it must count no connection at all.
with_listener() {
	local what=$1 out n
	shift
	out=$STATE/hangd.$#.out
	bg_start "$out" h1 "$BUILD/tests/hangd" "$@" @linkname
	local hangd=$BG_PID
	wait_ready "$out"
	no_daemon "$what"
	kill -s TERM "$hangd"
	bg_wait "$hangd" 5
	n=$(sed -n 's/^connections=//p' "$out")
	[ -n "$n" ] || fail "$what: hangd said nothing: $(cat "$out")"
	[ "$n" -eq 0 ] || fail "$what: the lookups made $n connections to the query socket"
	say "$what: no connection reached the socket"
}

lab stop-host h1
no_daemon "no daemon"
with_listener "socket held by systemd, no daemon behind it" --no-accept
with_listener "a hung server on the query socket"
pass
