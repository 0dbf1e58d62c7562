#!/bin/bash
# The Debian packages, installed for real in a throwaway root.
#
# `make deb` builds linkname and libnss-linkname (or finds them up to date;
# it fails unless lintian --pedantic is clean). Then, in a private mount
# namespace whose /etc, /usr and /var are overlays with tmpfs upper
# directories (so dpkg's database, /etc/nsswitch.conf and every installed
# file are private copies), with /run/systemd a tmpfs and systemctl a
# recorder (no service manager can be reached; offline `systemctl --root`
# calls, which deb-systemd-helper makes to enable units, go to the real
# binary):
#
# 1. dpkg -i both: linkname right after files on the hosts line, the files
#    where they belong with their modes, both units enabled (the symlinks
#    deb-systemd-helper makes) and started, the conffile registered, the
#    module known to ld.so.cache. The installed daemon runs in two lab
#    hosts and getent in one resolves the other through the installed
#    module and the nsswitch.conf dpkg edited.
# 2. An upgrade (the same packages at a higher version) restarts the
#    units, keeps an admin's change to the conffile and does not add
#    linkname twice.
# 3. dpkg -r: units masked at runtime, then stopped, then unmasked;
#    nsswitch.conf is byte for byte what it was, the files are gone but
#    the conffile stays. dpkg -P: the conffile and the enablement state go.
# 4. A new install, then the admin takes linkname off the hosts line by
#    hand: an upgrade does not put it back; purge leaves nsswitch.conf as
#    it was and nothing of either package.
# Outside the namespace, the machine's dpkg database, nsswitch.conf and
# the packages' paths are checked to be untouched.
# timeout: 300
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/privns.sh"

MA=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || ${CC:-cc} -print-multiarch)
ARCH=$(dpkg --print-architecture)
VERSION=$(sed -n 's/^VERSION *:= *//p' "$ROOT/Makefile")
DEB=$BUILD/deb
NEW=$VERSION+up1
ORIG=$ROOT/tests/nsswitch/debian-default.conf
ENABLED=$ROOT/tests/nsswitch/debian-default.enabled

# Every file the two packages install, with its mode (sorted, C locale).
EXPECTED=$(LC_ALL=C sort <<EOF
/etc/linkname.conf 644
/lib/systemd/system/linknamed.service 644
/lib/systemd/system/linknamed.socket 644
/usr/bin/linknamectl 755
/usr/lib/$MA/libnss_linkname.so.2 644
/usr/lib/$MA/wireshark/plugins/linkname.lua 644
/usr/sbin/linknamed 755
/usr/share/doc/libnss-linkname/changelog.gz 644
/usr/share/doc/libnss-linkname/copyright 644
/usr/share/doc/linkname/FAULTS.md.gz 644
/usr/share/doc/linkname/ADMIN.md.gz 644
/usr/share/doc/linkname/PROTOCOL.md.gz 644
/usr/share/doc/linkname/README.md.gz 644
/usr/share/doc/linkname/SECURITY.md.gz 644
/usr/share/doc/linkname/changelog.gz 644
/usr/share/doc/linkname/copyright 644
/usr/share/lintian/overrides/linkname 644
/usr/share/man/man1/linknamectl.1.gz 644
/usr/share/man/man5/linkname.conf.5.gz 644
/usr/share/man/man8/linknamed.8.gz 644
/usr/share/man/man8/nss-linkname.8.gz 644
EOF
)
# The enablement symlinks deb-systemd-helper makes, from the [Install]
# sections.
LINKS="/etc/systemd/system/multi-user.target.wants/linknamed.service
/etc/systemd/system/sockets.target.wants/linknamed.socket"
DSH=/var/lib/systemd/deb-systemd-helper-enabled

# ---- inside the throwaway root ----

# Regular files the packages own, as "PATH MODE".
pkg_files() {
	local p f
	for p in linkname libnss-linkname; do
		dpkg-query -L "$p" 2>/dev/null
	done | while read -r f; do
		[ -f "$f" ] && [ ! -L "$f" ] && printf '%s %s\n' "$f" "$(stat -c %a "$f")"
	done | LC_ALL=C sort -u
}

status_of() { dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null | tr -d ' '; }

# dpkg ACTION... with the recorder's log for just this step in $SYSTEMCTL.
step() {
	local log=$WORK/step.log
	: >"$WORK/systemctl.log"
	dpkg "$@" >"$log" 2>&1 || { cat "$log"; fail "dpkg $*"; }
	SYSTEMCTL=$(cat "$WORK/systemctl.log")
}

# The recorder was called with exactly these arguments in this step; the
# line number of that call.
called() { grep -qxF -- "$1" <<<"$SYSTEMCTL" || fail "no 'systemctl $1' in:"$'\n'"$SYSTEMCTL"; }
line_of() { grep -nxF -- "$1" <<<"$SYSTEMCTL" | head -n 1 | cut -d: -f1; }

check_installed() {
	local what=$1 got l
	got=$(pkg_files)
	[ "$got" = "$EXPECTED" ] ||
		fail "$what: installed files differ:"$'\n'"$(diff <(echo "$EXPECTED") <(echo "$got"))"
	grep -qx 'ExecStart=/usr/sbin/linknamed --foreground' /lib/systemd/system/linknamed.service ||
		fail "ExecStart: $(grep ExecStart /lib/systemd/system/linknamed.service)"
	for l in $LINKS; do
		[ "$(readlink "$l")" = "/lib/systemd/system/${l##*/}" ] || fail "$what: $l is not enabled"
	done
	[ "$("$REAL_SYSTEMCTL" --root=/ is-enabled linknamed.service)" = enabled ] ||
		fail "$what: systemctl is-enabled linknamed.service"
	[ -e "$DSH/linknamed.service.dsh-also" ] || fail "$what: no deb-systemd-helper state"
	dpkg-query -W -f='${Conffiles}\n' linkname | grep -q "^ /etc/linkname.conf [0-9a-f]\{32\}\$" ||
		fail "$what: /etc/linkname.conf is not a registered conffile"
	ldconfig -p | grep -q -E "libnss_linkname.so.2 .*=> (/usr)?/lib/$MA/libnss_linkname.so.2$" ||
		fail "$what: ld.so.cache does not list the module"
}

check_gone() {
	local what=$1 f
	for f in /usr/sbin/linknamed /usr/bin/linknamectl "/usr/lib/$MA/libnss_linkname.so.2" \
		 /lib/systemd/system/linknamed.service /lib/systemd/system/linknamed.socket \
		 "/usr/lib/$MA/wireshark/plugins/linkname.lua" /usr/share/man/man8/linknamed.8.gz \
		 /etc/nsswitch.conf.nss.libnss-linkname-will-install; do
		[ ! -e "$f" ] || fail "$what: $f is still there"
	done
	! ldconfig -p | grep -q libnss_linkname || fail "$what: ld.so.cache still lists the module"
	cmp -s /etc/nsswitch.conf "$ORIG" ||
		fail "$what: nsswitch.conf is not what it was:"$'\n'"$(diff "$ORIG" /etc/nsswitch.conf)"
}

check_purged() {
	local what=$1 l
	check_gone "$what"
	[ ! -e /etc/linkname.conf ] || fail "$what: /etc/linkname.conf left"
	for l in $LINKS /etc/systemd/system/linknamed.service /etc/systemd/system/linknamed.socket; do
		[ ! -L "$l" ] && [ ! -e "$l" ] || fail "$what: $l left"
	done
	[ -z "$(find "$DSH" -name '*linknamed*' 2>/dev/null)" ] ||
		fail "$what: deb-systemd-helper state left: $(find "$DSH" -name '*linknamed*')"
	[ -z "$(find /var/lib/dpkg/info -name 'linkname.*' -o -name 'libnss-linkname*')" ] ||
		fail "$what: dpkg still has control files"
	[ -z "$(status_of linkname)$(status_of libnss-linkname)" ] ||
		[ "$(status_of linkname) $(status_of libnss-linkname)" = "un un" ] ||
		fail "$what: dpkg status $(status_of linkname) $(status_of libnss-linkname)"
}

# The installed daemon in two lab hosts; h2 resolves h1 through the
# installed module and this root's nsswitch.conf (nsenter enters only the
# network namespace, so /etc is this root's, not the lab's /etc/netns).
lab_lookup() {
	local h pid out h1_ll
	for h in h1 h2; do
		ip netns exec "$LAB-$h" /usr/sbin/linknamed --foreground --name "$h" >"$WORK/$h.log" 2>&1 &
		INSIDE_PIDS="$INSIDE_PIDS $!"
	done
	poll "$LEARN_WAIT_S" nsenter --net="/run/netns/$LAB-h2" /usr/bin/linknamectl resolve h1 ||
		fail "h2's installed daemon did not learn h1: $(cat "$WORK/h1.log" "$WORK/h2.log")"
	h1_ll=$(ll_addr h1 eth0)
	expect_rc 0 env -u LD_LIBRARY_PATH nsenter --net="/run/netns/$LAB-h2" getent ahosts h1
	out=$(echo "$OUT" | awk '{ print $1 }' | sort -u)
	[ "$out" = "$h1_ll" ] || fail "getent ahosts h1 in h2: expected $h1_ll, got: $OUT"
	say "h2 resolves h1 through the installed module: $h1_ll"
	# SIGTERM: both leave cleanly (exit 0) before the package goes.
	# shellcheck disable=SC2086
	kill -s TERM $INSIDE_PIDS
	for pid in $INSIDE_PIDS; do
		bg_wait "$pid" 5
		[ "$BG_RC" -eq 0 ] || fail "an installed daemon exited $BG_RC: $(cat "$WORK"/h?.log)"
	done
	INSIDE_PIDS=""
}

# DEB PKG VERSION: PKG's package rebuilt at VERSION (same contents and
# scripts), for a real upgrade.
bump() {
	local dir=$WORK/bump/$1
	rm -rf "$dir" && mkdir -p "$dir"
	dpkg-deb -R "$DEB/${1}_${VERSION}_$ARCH.deb" "$dir/root"
	sed -i "s/^Version: .*/Version: $2/" "$dir/root/DEBIAN/control"
	dpkg-deb --root-owner-group -b "$dir/root" "$WORK/${1}_$2.deb" >/dev/null
}

inside() {
	local d
	WORK=$1
	mount -t tmpfs -o mode=0755 tmpfs "$WORK"
	for d in etc usr var; do
		mkdir "$WORK/$d.up" "$WORK/$d.wk"
		mount -t overlay overlay -o "lowerdir=/$d,upperdir=$WORK/$d.up,workdir=$WORK/$d.wk" "/$d" ||
			fail "cannot mount an overlay over /$d"
	done
	# Nothing from a `make install` on this machine may answer for us.
	mount -t tmpfs -o mode=0755 tmpfs /usr/local
	# A private /run/systemd that says "systemd is running", so the
	# maintainer scripts do what they would on a real host, and a
	# systemctl that only records what it is asked.
	mkdir -p /run/systemd
	mount -t tmpfs -o mode=0755 tmpfs /run/systemd
	mkdir /run/systemd/system
	REAL_SYSTEMCTL=$WORK/systemctl.real
	cp /usr/bin/systemctl "$REAL_SYSTEMCTL"
	sed -e "s|@LOG@|$WORK/systemctl.log|" -e "s|@REAL@|$REAL_SYSTEMCTL|" >/usr/bin/systemctl <<-'EOF'
	#!/bin/sh
	# Test recorder: logs the call; only offline (--root) calls are real.
	echo "$*" >>@LOG@
	case " $* " in
	*" --root="*) exec @REAL@ "$@" ;;
	*" is-enabled "*) for u; do :; done; exec @REAL@ --root=/ is-enabled "$u" ;;
	*" is-active "*) exit 3 ;;
	esac
	exit 0
	EOF
	chmod 0755 /usr/bin/systemctl
	# A container image's policy-rc.d forbids starting services; a lab host
	# has none (and the recorder above starts nothing anyway).
	rm -f /usr/sbin/policy-rc.d
	# man-db's trigger would rebuild its whole index at each step.
	rm -f /var/lib/man-db/auto-update
	cp "$ORIG" /etc/nsswitch.conf
	[ "$(status_of linkname)$(status_of libnss-linkname)" = "" ] ||
		[ "$(status_of linkname) $(status_of libnss-linkname)" = "un un" ] ||
		fail "the throwaway root already has the packages"

	say "1. dpkg -i linkname libnss-linkname"
	step -i "$DEB/linkname_${VERSION}_$ARCH.deb" "$DEB/libnss-linkname_${VERSION}_$ARCH.deb"
	cmp -s /etc/nsswitch.conf "$ENABLED" ||
		fail "hosts line after install: $(grep '^hosts:' /etc/nsswitch.conf)"
	cmp -s /etc/linkname.conf "$ROOT/dist/linkname.conf" || fail "/etc/linkname.conf differs from dist/"
	check_installed install
	called "--system daemon-reload"
	called "--quiet --system start linknamed.service linknamed.socket"
	say "installed: $(grep '^hosts:' /etc/nsswitch.conf | tr -s ' '); units enabled and started"
	lab_lookup

	say "2. upgrade to $NEW, with an admin's change to the conffile"
	echo "# changed by the admin" >>/etc/linkname.conf
	cp /etc/linkname.conf "$WORK/conf.admin"
	bump linkname "$NEW"
	bump libnss-linkname "$NEW"
	step -i "$WORK/linkname_$NEW.deb" "$WORK/libnss-linkname_$NEW.deb"
	[ "$(dpkg-query -W -f='${Version}' linkname)" = "$NEW" ] || fail "linkname was not upgraded"
	cmp -s /etc/nsswitch.conf "$ENABLED" ||
		fail "hosts line after upgrade: $(grep '^hosts:' /etc/nsswitch.conf)"
	cmp -s /etc/linkname.conf "$WORK/conf.admin" || fail "the upgrade lost the admin's conffile change"
	[ -z "$(ls /etc/linkname.conf.dpkg-* 2>/dev/null)" ] || fail "the upgrade left $(ls /etc/linkname.conf.dpkg-*)"
	check_installed upgrade
	called "--quiet --system restart linknamed.service linknamed.socket"
	! grep -q ' stop \|mask' <<<"$SYSTEMCTL" || fail "the upgrade stopped or masked a unit:"$'\n'"$SYSTEMCTL"

	say "3. dpkg -r, then dpkg -P"
	step -r linkname libnss-linkname
	local mask stop unmask
	mask=$(line_of "mask --runtime linknamed.service linknamed.socket")
	stop=$(line_of "stop linknamed.service linknamed.socket")
	unmask=$(line_of "unmask --runtime linknamed.service linknamed.socket")
	[ -n "$mask" ] && [ -n "$stop" ] && [ -n "$unmask" ] && [ "$mask" -lt "$stop" ] && [ "$stop" -lt "$unmask" ] ||
		fail "remove: expected mask --runtime, stop, unmask --runtime in that order:"$'\n'"$SYSTEMCTL"
	check_gone remove
	[ "$(status_of linkname)" = rc ] || fail "linkname after remove: $(status_of linkname)"
	cmp -s /etc/linkname.conf "$WORK/conf.admin" || fail "remove did not keep the conffile"
	step -P linkname libnss-linkname
	check_purged purge
	say "removed and purged: nsswitch.conf byte for byte as before, nothing left"

	say "4. install, the admin takes linkname out by hand, upgrade, purge"
	step -i "$DEB/linkname_${VERSION}_$ARCH.deb" "$DEB/libnss-linkname_${VERSION}_$ARCH.deb"
	cmp -s /etc/nsswitch.conf "$ENABLED" || fail "hosts line after the second install"
	cp "$ORIG" /etc/nsswitch.conf
	step -i "$WORK/linkname_$NEW.deb" "$WORK/libnss-linkname_$NEW.deb"
	cmp -s /etc/nsswitch.conf "$ORIG" ||
		fail "the upgrade put linkname back: $(grep '^hosts:' /etc/nsswitch.conf)"
	step -P linkname libnss-linkname
	check_purged "second purge"
	say "an admin's removal survives the upgrade; purge leaves nothing"
}

privns_dispatch "$@"

# ---- outside: build, lab, and what must not change on the machine ----
command -v unshare >/dev/null && command -v nsenter >/dev/null || fail "util-linux is missing"

say "make deb"
mkdir -p "$STATE"
make --no-print-directory -C "$ROOT" deb >"$STATE/deb.log" 2>&1 || { cat "$STATE/deb.log"; fail "make deb failed"; }
for p in linkname libnss-linkname; do
	[ -f "$DEB/${p}_${VERSION}_$ARCH.deb" ] || fail "no $DEB/${p}_${VERSION}_$ARCH.deb"
done
grep -q '^[EW]: ' "$BUILD/deb/lintian.txt" && fail "lintian: $(cat "$BUILD/deb/lintian.txt")"
say "packages built, lintian --pedantic clean"

lab up 2

machine() {
	local p
	privns_state /etc/nsswitch.conf /etc/linkname.conf /etc/nsswitch.conf.nss.libnss-linkname-will-install \
		/usr/sbin/linknamed /usr/bin/linknamectl "/usr/lib/$MA/libnss_linkname.so.2" \
		"/usr/lib/$MA/wireshark/plugins/linkname.lua" /lib/systemd/system/linknamed.service \
		/lib/systemd/system/linknamed.socket $LINKS "$DSH/linknamed.service.dsh-also" \
		/var/lib/dpkg/info/linkname.list "/var/lib/dpkg/info/libnss-linkname:$ARCH.list" \
		/run/systemd/system /usr/bin/systemctl /usr/sbin/policy-rc.d
	for p in linkname libnss-linkname; do
		echo "$p: '$(status_of "$p")'"
	done
	# Other helpers may install packages meanwhile: count only ours.
	echo "stanzas: $(grep -c -E '^Package: (linkname|libnss-linkname)$' /var/lib/dpkg/status)"
}
privns_run "$STATE/root" machine || fail "the package test in the throwaway root failed (exit $?)"
say "the machine's dpkg database, /etc, /usr and /run/systemd are untouched"
pass
