#!/bin/bash
# make check must not depend on where the clone lives (issue #14). A
# newcomer clones into /root (mode 0700) or a private home, where other
# users cannot traverse the path; a test that runs something from build/
# as another user then fails there, although it passes in CI's
# world-readable checkout.
#
# Here, in a private mount namespace, this clone is bind-mounted under a
# tmpfs of mode 0700 (nothing leaks to the machine), and every namespace
# test that runs something as another user (through lib.sh's
# nobody_files; running one any other way is refused) runs again from that
# path and must pass. First it is checked that nobody really cannot reach
# the build there, so the check cannot pass by accident.
# timeout: 300
. "$(dirname "$0")/lib.sh"

need_build tests/qabuse

# The tests that run something as another user. test_install.sh is not
# among them on purpose: its other users run the installed copy from
# /usr/local, never build/ (checked below).
user_tests() {
	local t
	for t in "$ROOT"/tests/netns/test_*.sh; do
		[ "$t" != "$ROOT/tests/netns/$TEST_NAME.sh" ] || continue
		[ "$(basename "$t")" != test_install.sh ] || continue
		grep -Eq 'nobody_files|setpriv|runuser|sudo|--reuid|(^|[^[:alnum:]_-])su[[:space:]]' "$t" && basename "$t" .sh
	done
}

# ---- inside the private mount namespace ----
inside() {
	local priv=$1 clone t rc out fails=0 n=0 sub
	mount --make-rprivate /
	mount -t tmpfs -o mode=0700 lnk-private "$priv"
	clone=$priv/clone
	mkdir "$clone"
	mount --bind "$ROOT" "$clone"
	[ -e "$clone/build/libnss_linkname.so.2" ] || fail "the bind mount of the clone is empty"

	# The setting bites: root sees the build, nobody cannot reach it.
	if setpriv --reuid=nobody --regid=nogroup --clear-groups test -r "$clone/build/libnss_linkname.so.2"; then
		fail "nobody can read $clone/build: the private path is not private"
	fi
	say "nobody cannot reach $clone/build (under a 0700 directory), as in /root"

	for t in $(user_tests); do
		n=$((n + 1))
		sub=${LAB}p$n
		out=$STATE/$t.out
		rc=0
		LAB=$sub timeout -k 10 120 bash "$clone/tests/netns/$t.sh" >"$out" 2>&1 || rc=$?
		if [ "$rc" -eq 0 ]; then
			say "$t passes from the private path"
		else
			say "$t FAILS from the private path (exit $rc); last lines:"
			tail -n 15 "$out" | sed 's/^/    | /'
			fails=$((fails + 1))
		fi
	done
	[ "$n" -gt 0 ] || fail "no test runs anything as another user: the selection is broken"
	[ "$fails" -eq 0 ] || fail "$fails of $n tests depend on where the clone lives"
	say "inside: ok ($n tests)"
}

if [ "${1:-}" = --inside ]; then
	trap - EXIT
	inside "$2"
	exit 0
fi

# Every other-user run goes through lib.sh's nobody_files and AS_NOBODY.
# A direct one would slip through the run below: setpriv keeps its
# capabilities until execve, so it starts a program from a private path
# even as nobody, and only what the program opens afterwards fails (the
# NSS module, as in the issue). test_install.sh's other users run what
# make install put in /usr/local, not build/.
direct=$(grep -nE 'setpriv|runuser|sudo|(^|[^[:alnum:]_-])su[[:space:]]' "$ROOT"/tests/netns/test_*.sh |
	grep -v -e "^$ROOT/tests/netns/$TEST_NAME.sh:" -e "^$ROOT/tests/netns/test_install.sh:" || true)
[ -z "$direct" ] || fail "tests run something as another user without lib.sh's nobody_files:"$'\n'"$direct"
if grep -E 'setpriv|runuser' "$ROOT/tests/netns/test_install.sh" | grep -q '\$BUILD'; then
	fail "test_install.sh runs something from build/ as another user: use nobody_files"
fi

n=$(user_tests | wc -l)
# shellcheck disable=SC2046 # one word per lab
in_private_mounts priv $(seq -f "${LAB}p%g" 1 "$n") ||
	fail "tests depend on where the clone lives (see above)"
pass
