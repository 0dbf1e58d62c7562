#!/bin/bash
# make install / make uninstall, for real.
#
# 1. DESTDIR: `make install DESTDIR=$tmp` lays out exactly the expected
#    files with the expected modes; the unit passes systemd-analyze verify
#    and scores at most 2.0 ("OK") in systemd-analyze security; the config
#    file is never overwritten, and kept by uninstall once changed; `make
#    uninstall DESTDIR=$tmp` leaves only (empty) directories.
# 2. A real install, DESTDIR empty, inside a private mount namespace: an
#    overlay over /etc and a tmpfs over /usr/local, so the machine's own
#    /etc and /usr stay untouched (checked at the end). Two lab hosts run
#    the installed daemon: h1 the way linknamed.service does (socket made
#    by root and handed over, daemon as an unprivileged uid with no
#    capabilities), h2 as root with --user. `linknamectl nss enable` edits
#    h2's nsswitch.conf, a bind mount under `ip netns exec`; getent and
#    getaddrinfo in h2 then resolve h1 through the installed NSS module
#    (found through ld.so.cache, no LD_LIBRARY_PATH), and programs in h1
#    through the table h1's daemon publishes in its runtime directory (a
#    private tmpfs on /run/linkname owned by its uid, as RuntimeDirectory=
#    makes it). Then nss disable
#    restores the file byte for byte, and make uninstall removes it all.
# timeout: 240
# The installed daemon and module as installed: /run/linkname, not the
# lab's directory (empty: their default; lib.sh keeps it so).
export LINKNAME_RUNDIR=
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/privns.sh"

need_cmd() {
	command -v "$1" >/dev/null || fail "$1 is missing (make deps installs it)"
}

# What make install puts under DESTDIR for PREFIX=/usr/local (sorted, C
# locale).
MA=$(${CC:-cc} -print-multiarch)
EXPECTED=$(LC_ALL=C sort <<EOF
/etc/linkname.conf 644
/usr/local/bin/linknamectl 755
/usr/local/lib/$MA/libnss_linkname.so.2 644
/usr/local/lib/$MA/wireshark/plugins/linkname.lua 644
/usr/local/lib/systemd/system/linknamed.service 644
/usr/local/lib/systemd/system/linknamed.socket 644
/usr/local/sbin/linknamed 755
/usr/local/share/man/man1/linknamectl.1 644
/usr/local/share/man/man5/linkname.conf.5 644
/usr/local/share/man/man8/linknamed.8 644
/usr/local/share/man/man8/nss-linkname.8 644
EOF
)

# Files (not directories) under $1, as "PATH MODE", sorted.
files_under() {
	(cd "$1" && find . -not -type d -printf '%P %m\n' | sed 's|^|/|' | LC_ALL=C sort)
}

mk() { make --no-print-directory -C "$ROOT" "$@"; }

# ---- inside the private mount namespace (part 2) ----
inside() {
	local work=$1 h1_ll h2_ll idx out pid1 pid2 uid h2conf
	mount -t tmpfs -o mode=0755 tmpfs "$work"
	mkdir "$work/upper" "$work/work"
	mount -t overlay overlay -o "lowerdir=/etc,upperdir=$work/upper,workdir=$work/work" /etc ||
		fail "cannot mount an overlay over /etc"
	mount -t tmpfs -o mode=0755 tmpfs /usr/local
	# Keep make uninstall away from the machine's systemd, if any.
	[ ! -d /run/systemd ] || mount -t tmpfs tmpfs /run/systemd

	say "make install (DESTDIR empty, in the private namespace)"
	mk install >"$work/install.log" 2>&1 || { cat "$work/install.log"; fail "make install failed"; }
	[ "$(files_under /usr/local)" = "$(echo "$EXPECTED" | grep '^/usr/local/' | sed 's|^/usr/local||')" ] ||
		fail "/usr/local after make install:"$'\n'"$(files_under /usr/local)"
	cmp -s "$ROOT/dist/linkname.conf" /etc/linkname.conf || fail "/etc/linkname.conf not installed"
	ldconfig -p | grep -q "libnss_linkname.so.2 .*=> /usr/local/lib/$MA/libnss_linkname.so.2\$" ||
		fail "ldconfig does not know the NSS module: $(ldconfig -p | grep linkname)"
	# With the daemon in place, verify finds ExecStart= too.
	systemd-analyze verify --man=no /usr/local/lib/systemd/system/linknamed.service \
		/usr/local/lib/systemd/system/linknamed.socket ||
		fail "systemd-analyze verify failed on the installed units"

	# The unit's command line, as installed.
	read -r -a EXEC <<<"$(sed -n 's/^ExecStart=//p' /usr/local/lib/systemd/system/linknamed.service)"
	[ "${EXEC[*]}" = "/usr/local/sbin/linknamed --foreground" ] || fail "ExecStart=${EXEC[*]}"

	# h1 as linknamed.socket + linknamed.service would run it: the
	# listening socket made by root (so clients trust it), the daemon as
	# an unprivileged uid without capabilities or a way to get any, and
	# /run/linkname its own (RuntimeDirectory=, here a private tmpfs).
	say "h1: socket by root, daemon as uid 61999 (DynamicUser-style)"
	mount -t tmpfs -o mode=0755,uid=61999,gid=61999 tmpfs /run/linkname ||
		fail "cannot mount a runtime directory on /run/linkname"
	ip netns exec "$LAB-h1" unshare --uts sh -c 'hostname h1 && exec "$@"' sh \
		systemd-socket-activate -l @linkname \
		setpriv --reuid=61999 --regid=61999 --clear-groups --no-new-privs \
			--inh-caps=-all --bounding-set=-all "${EXEC[@]}" \
		</dev/null >"$work/h1.log" 2>&1 &
	pid1=$!
	INSIDE_PIDS="$pid1"
	# Activation starts the daemon on the first connection.
	poll 10 ip netns exec "$LAB-h1" /usr/local/bin/linknamectl stats ||
		fail "h1's daemon did not come up: $(cat "$work/h1.log")"
	uid=$(awk '/^Uid:/ { print $3 }' "/proc/$pid1/status")
	[ "$uid" = 61999 ] || fail "h1's daemon runs as uid $uid, not 61999"
	grep -q '^CapEff:[[:space:]]*0*$' "/proc/$pid1/status" || fail "h1's daemon has capabilities"

	# h2 started by root with --user, as outside systemd.
	say "h2: started as root with --user linkname"
	id linkname >/dev/null 2>&1 ||
		useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
			linkname || fail "useradd linkname failed (in the private /etc)"
	ip netns exec "$LAB-h2" unshare --uts sh -c 'hostname h2 && exec "$@"' sh \
		"${EXEC[@]}" --user linkname </dev/null >"$work/h2.log" 2>&1 &
	pid2=$!
	INSIDE_PIDS="$pid1 $pid2"
	poll 10 ip netns exec "$LAB-h2" /usr/local/bin/linknamectl stats ||
		fail "h2's daemon did not come up: $(cat "$work/h2.log")"
	uid=$(awk '/^Uid:/ { print $3 }' "/proc/$pid2/status")
	[ "$uid" = "$(id -u linkname)" ] || fail "h2's daemon runs as uid $uid, not linkname's"

	poll "$LEARN_WAIT_S" ip netns exec "$LAB-h2" /usr/local/bin/linknamectl resolve h1 ||
		fail "h2 did not learn h1: $(ip netns exec "$LAB-h2" /usr/local/bin/linknamectl list 2>&1)"

	# Before: h2's nsswitch.conf is Debian's default, without linkname.
	h2conf=/etc/netns/$LAB-h2/nsswitch.conf
	cmp -s "$h2conf" "$ROOT/tests/nsswitch/debian-default.conf" || fail "$h2conf is not the default"
	expect_rc 2 ip netns exec "$LAB-h2" getent ahosts h1

	say "h2: linknamectl nss enable (the file is a bind mount there)"
	expect_rc 0 ip netns exec "$LAB-h2" /usr/local/bin/linknamectl nss enable
	echo "$OUT" | grep -q 'rewritten in place' || fail "expected an in-place rewrite: $OUT"
	cmp -s "$h2conf" "$ROOT/tests/nsswitch/debian-default.enabled" ||
		fail "nss enable wrote:"$'\n'"$(cat "$h2conf")"
	cmp -s /etc/nsswitch.conf.linkname-bak "$ROOT/tests/nsswitch/debian-default.conf" ||
		fail "no backup of the original"
	expect_rc 0 ip netns exec "$LAB-h2" /usr/local/bin/linknamectl nss status

	h1_ll=$(ll_addr h1 eth0)
	h2_ll=$(ll_addr h2 eth0)
	idx=$(ifindex h2 eth0)
	expect_rc 0 ip netns exec "$LAB-h2" getent ahosts h1
	out=$(echo "$OUT" | awk '{ print $1 }' | sort -u)
	[ "$out" = "$h1_ll" ] || fail "getent ahosts h1 in h2: expected $h1_ll, got: $OUT"
	expect_rc 0 ip netns exec "$LAB-h2" "$BUILD/tests/gai" h1
	[ "$OUT" = "$h1_ll%eth0 scope=$idx" ] || fail "gai h1 in h2: got '$OUT'"
	expect_rc 0 ip netns exec "$LAB-h2" getent hosts "$h1_ll"
	echo "$OUT" | grep -qw h1 || fail "reverse lookup of $h1_ll: $OUT"
	say "h2 resolves h1 through the installed module: $OUT"
	# And h1 (socket-activated, unprivileged) knows h2, and programs in
	# h1 resolve it through the table it publishes in its own directory.
	poll "$LEARN_WAIT_S" ip netns exec "$LAB-h1" /usr/local/bin/linknamectl resolve h2 ||
		fail "h1 did not learn h2"
	expect_rc 0 ip netns exec "$LAB-h1" /usr/local/bin/linknamectl resolve h2
	[ "$OUT" = "$h2_ll%eth0" ] || fail "h1: resolve h2: $OUT"
	sed -i 's/^hosts:.*/hosts: files linkname/' "/etc/netns/$LAB-h1/nsswitch.conf"
	expect_rc 0 ip netns exec "$LAB-h1" "$BUILD/tests/gai" h2
	[ "$OUT" = "$h2_ll%eth0 scope=$(ifindex h1 eth0)" ] || fail "gai h2 in h1: got '$OUT'"
	out=$(stat -c '%u %a' /run/linkname/net-*)
	echo "$out" | grep -qx '61999 644' ||
		fail "h1's snapshot in /run/linkname should be uid 61999's, mode 644: $out"
	say "h1 (uid 61999) publishes /run/linkname/net-*: gai h2 in h1: $OUT"

	say "h2: linknamectl nss disable"
	expect_rc 0 ip netns exec "$LAB-h2" /usr/local/bin/linknamectl nss disable
	cmp -s "$h2conf" "$ROOT/tests/nsswitch/debian-default.conf" ||
		fail "nss disable did not restore the file byte for byte"
	expect_rc 2 ip netns exec "$LAB-h2" getent ahosts h1

	# Stop the daemons (TERM: goodbye) before removing their binary.
	kill -s TERM "$pid1" "$pid2"
	bg_wait "$pid1" 5
	[ "$BG_RC" -eq 0 ] || fail "h1's daemon exited $BG_RC: $(cat "$work/h1.log")"
	bg_wait "$pid2" 5
	[ "$BG_RC" -eq 0 ] || fail "h2's daemon exited $BG_RC: $(cat "$work/h2.log")"
	INSIDE_PIDS=""

	# make uninstall takes linkname out of /etc/nsswitch.conf, as removing
	# libnss-mdns does: enable it on this (overlay) file first.
	cp /etc/nsswitch.conf "$work/nsswitch.orig"
	/usr/local/bin/linknamectl nss enable >/dev/null || fail "nss enable on /etc/nsswitch.conf"
	say "make uninstall"
	mk uninstall >"$work/uninstall.log" 2>&1 || { cat "$work/uninstall.log"; fail "make uninstall failed"; }
	grep -q 'linknamectl nss disable' "$work/uninstall.log" || fail "uninstall did not disable NSS"
	cmp -s /etc/nsswitch.conf "$work/nsswitch.orig" || fail "uninstall left /etc/nsswitch.conf changed"
	[ -z "$(find /usr/local -not -type d)" ] || fail "left in /usr/local: $(find /usr/local -not -type d)"
	[ ! -e /etc/linkname.conf ] || fail "/etc/linkname.conf left behind"
	! ldconfig -p | grep -q libnss_linkname || fail "ld.so.cache still lists the module"
	say "inside: ok"
}

privns_dispatch "$@"

need_build
need_cmd systemd-analyze
need_cmd systemd-socket-activate
need_cmd mandoc
[ -n "$MA" ] || fail "${CC:-cc} -print-multiarch printed nothing"

# ---- 1. DESTDIR ----
mkdir -p "$STATE"
DEST=$(mktemp -d)
# lib.sh's cleanup takes the exit status from $?: hand it on.
trap 'rc=$?; rm -rf "$DEST"; set +e; (exit $rc); cleanup' EXIT

say "make install DESTDIR=$DEST"
mk install DESTDIR="$DEST" >"$STATE/install.log" 2>&1 ||
	{ cat "$STATE/install.log"; fail "make install DESTDIR failed"; }
got=$(files_under "$DEST")
[ "$got" = "$EXPECTED" ] || fail "installed files differ:"$'\n'"$(diff <(echo "$EXPECTED") <(echo "$got"))"
unit=$DEST/usr/local/lib/systemd/system/linknamed.service
grep -qx 'ExecStart=/usr/local/sbin/linknamed --foreground' "$unit" || fail "ExecStart: $(grep ExecStart "$unit")"
! grep -q '@[A-Z_]*@' "$unit" || fail "unsubstituted @VAR@ left in the unit"
cmp -s "$ROOT/dist/linkname.conf" "$DEST/etc/linkname.conf" || fail "linkname.conf differs"

# The unit's exposure, from the file (no systemd needed as PID 1); verify
# needs the daemon at its installed path, so it runs in part 2.
out=$(systemd-analyze security --offline=yes --threshold=20 "$unit" 2>&1) ||
	fail "systemd-analyze security above 2.0:"$'\n'"$out"
say "$(echo "$out" | grep 'Overall exposure')"

# The man pages render without warnings.
for m in "$DEST"/usr/local/share/man/man*/*; do
	out=$(mandoc -T lint -W warning "$m" 2>&1) || fail "mandoc: $out"
	[ -z "$out" ] || fail "mandoc: $out"
done

# An existing config file is never overwritten; a changed one survives
# uninstall; an unchanged one does not.
echo "name = changed" >>"$DEST/etc/linkname.conf"
cp "$DEST/etc/linkname.conf" "$STATE/changed.conf"
mk install DESTDIR="$DEST" >"$STATE/install2.log" 2>&1 || fail "second make install failed"
cmp -s "$DEST/etc/linkname.conf" "$STATE/changed.conf" || fail "install overwrote linkname.conf"
grep -q 'keeping the existing' "$STATE/install2.log" || fail "install did not say it kept the config"
mk uninstall DESTDIR="$DEST" >"$STATE/uninstall.log" 2>&1 || fail "make uninstall failed"
[ "$(files_under "$DEST")" = "/etc/linkname.conf 644" ] ||
	fail "after uninstall with a changed config:"$'\n'"$(files_under "$DEST")"
rm "$DEST/etc/linkname.conf"
mk install DESTDIR="$DEST" >/dev/null 2>&1 || fail "third make install failed"
mk uninstall DESTDIR="$DEST" >/dev/null 2>&1 || fail "second make uninstall failed"
[ -z "$(files_under "$DEST")" ] || fail "uninstall left:"$'\n'"$(files_under "$DEST")"
say "DESTDIR install and uninstall: exact file list, nothing left but directories"

# Other prefixes: PREFIX=/usr puts the module where Debian's own are; a
# SYSCONFDIR other than /etc is passed to the daemon.
rm -rf "$DEST" && mkdir "$DEST"
mk install DESTDIR="$DEST" PREFIX=/usr SYSCONFDIR=/etc/lab >/dev/null 2>&1 || fail "PREFIX=/usr install"
[ -f "$DEST/usr/lib/$MA/libnss_linkname.so.2" ] || fail "PREFIX=/usr: module not in /usr/lib/$MA"
[ -f "$DEST/etc/lab/linkname.conf" ] || fail "SYSCONFDIR: no /etc/lab/linkname.conf"
grep -qx 'ExecStart=/usr/sbin/linknamed --foreground --config /etc/lab/linkname.conf' \
	"$DEST/usr/lib/systemd/system/linknamed.service" || fail "PREFIX=/usr: ExecStart wrong"
mk uninstall DESTDIR="$DEST" PREFIX=/usr SYSCONFDIR=/etc/lab >/dev/null 2>&1 || fail "PREFIX=/usr uninstall"
[ -z "$(files_under "$DEST")" ] || fail "PREFIX=/usr uninstall left:"$'\n'"$(files_under "$DEST")"

# ---- 2. the real install, in private mount namespace ----
lab up 2
for h in h1 h2; do
	cp "$ROOT/tests/nsswitch/debian-default.conf" "/etc/netns/$LAB-$h/nsswitch.conf"
	# DNS, which the default line asks after files, goes nowhere.
	echo "nameserver 127.0.0.1" >"/etc/netns/$LAB-$h/resolv.conf"
done

# What must not change on the machine itself.
snapshot() {
	privns_state /etc/nsswitch.conf /etc/ld.so.cache /etc/passwd /etc/group /etc/linkname.conf \
		/etc/nsswitch.conf.linkname-bak /usr/local/sbin/linknamed /usr/local/bin/linknamectl \
		"/usr/local/lib/$MA/libnss_linkname.so.2" /usr/local/lib/systemd/system/linknamed.service
}
# The private runtime directory is mounted on /run/linkname, which must
# exist; if this test makes it, it removes it (if nobody else used it).
made_rundir=""
[ -d /run/linkname ] || { mkdir -m 0755 /run/linkname && made_rundir=1; }
rc=0
privns_run "$STATE/mnt" snapshot || rc=$?
[ -z "$made_rundir" ] || rmdir /run/linkname 2>/dev/null || true
[ "$rc" -eq 0 ] || fail "the install in the private namespace failed (exit $rc)"
say "the machine's /etc and /usr/local are untouched"
pass
