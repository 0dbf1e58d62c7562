#!/bin/bash
# nspawn.sh: the installed units under a real systemd (manual check, not part
# of make check: it boots a container and needs systemd-container).
#
# Boots this machine's own root, read-only under a throw-away overlay, in
# systemd-nspawn with a private network. Inside, as a oneshot unit:
# make install, linknamectl nss enable, systemctl enable --now linknamed,
# a neighbour "peer" (build/linknamed) in a network namespace on a veth
# pair, then asserts that the service runs as a dynamic user with no
# capabilities under seccomp, that getent and getaddrinfo resolve the peer
# with its scope id, that announce and reload work, that
# systemd-analyze security rates the unit at most 2.0, and that make
# uninstall removes everything. Nothing of it reaches the machine: the
# overlay, the container's network and its /run go away with it.
#
# Usage (root, after make all build/tests/gai): tests/install/nspawn.sh
# Exit status: 0 passed, 1 failed, 2 cannot run here.
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
NAME=lnk$$

[ "$(id -u)" -eq 0 ] || { echo "nspawn.sh: must be run as root" >&2; exit 2; }
command -v systemd-nspawn >/dev/null ||
	{ echo "nspawn.sh: needs systemd-nspawn (apt-get install systemd-container)" >&2; exit 2; }
for f in linknamed linknamectl libnss_linkname.so.2 tests/gai; do
	[ -e "$ROOT/build/$f" ] || { echo "nspawn.sh: build/$f missing (make all build/tests/gai)" >&2; exit 2; }
done

WORK=$(mktemp -d)
# nspawn leaves /run/systemd/nspawn behind: remove it only if we made it.
NSPAWN_RUN_EXISTED=false
[ ! -e /run/systemd/nspawn ] || NSPAWN_RUN_EXISTED=true
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	rm -rf "$WORK"
	$NSPAWN_RUN_EXISTED || rmdir /run/systemd/nspawn/propagate /run/systemd/nspawn/locks \
		/run/systemd/nspawn 2>/dev/null || true
	exit $rc
}
trap cleanup EXIT
trap 'exit 1' INT TERM
mkdir "$WORK/out" "$WORK/root"

# Runs inside the container as lntest.service; every check ends in PASS or FAIL.
cat >"$WORK/out/run.sh" <<'EOF'
#!/bin/bash
exec >/out/log 2>&1
set -x
fail() { echo "FAIL: $*"; echo "FAIL: $*" >/out/result; systemctl poweroff; exit 1; }
cd /src
hostname box
make --no-print-directory install || fail "make install"
ip netns add peer || fail "ip netns add"
ip link add eth0 type veth peer name p0 netns peer || fail "veth"
ip -n peer link set lo up && ip link set eth0 up && ip -n peer link set p0 up || fail "link up"
for i in $(seq 50); do
	[ -n "$(ip -6 addr show dev eth0 scope link)" ] && [ -z "$(ip -6 addr show dev eth0 tentative)" ] &&
		[ -z "$(ip -n peer -6 addr show dev p0 tentative)" ] && break
	sleep 0.2
done
linknamectl nss enable || fail "nss enable"
systemctl enable --now linknamed || fail "systemctl enable --now linknamed"
systemctl is-active -q linknamed.service linknamed.socket || fail "not active"
ip netns exec peer /src/build/linknamed --foreground --name peer >/out/peer.log 2>&1 &
for i in $(seq 50); do linknamectl resolve peer >/dev/null 2>&1 && break; sleep 0.2; done
linknamectl list || fail "linknamectl list"
pid=$(systemctl show -p MainPID --value linknamed)
grep -q '^Uid:[[:space:]]*0[[:space:]]' /proc/$pid/status && fail "runs as root"
grep -q '^CapEff:[[:space:]]*0*$' /proc/$pid/status || fail "has capabilities"
grep -q '^NoNewPrivs:[[:space:]]*1$' /proc/$pid/status || fail "no NoNewPrivs"
grep -q '^Seccomp:[[:space:]]*2$' /proc/$pid/status || fail "no seccomp filter"
out=$(getent ahosts peer) || fail "getent ahosts peer"
addr=$(ip -n peer -6 -o addr show dev p0 scope link | awk '{ sub("/.*", "", $4); print $4 }')
[ "$(echo "$out" | awk '{ print $1 }' | sort -u)" = "$addr" ] || fail "getent: $out, want $addr"
[ "$(/src/build/tests/gai peer)" = "$addr%eth0 scope=2" ] || fail "gai: $(/src/build/tests/gai peer)"
linknamectl announce || fail "announce"
systemctl reload linknamed || fail "reload"
systemctl is-active -q linknamed.service || fail "not active after reload"
journalctl -u linknamed --no-pager | grep -q 'configuration reloaded' || fail "no reload logged"
systemd-analyze security --threshold=20 linknamed.service | tail -1 || fail "security above 2.0"
systemd-analyze security linknamed.service | tail -1 >/out/score
make --no-print-directory uninstall || fail "make uninstall"
[ -z "$(find /usr/local -type f -newer /out/run.sh)" ] || fail "left: $(find /usr/local -type f -newer /out/run.sh)"
[ ! -e /etc/linkname.conf ] || fail "/etc/linkname.conf left"
[ -z "$(find /etc/systemd/system -name 'linknamed.*')" ] || fail "units still enabled"
systemctl is-active -q linknamed.service linknamed.socket && fail "units still active"
linknamectl nss status 2>/dev/null && fail "linknamectl still there"
grep -q linkname /etc/nsswitch.conf && fail "nsswitch.conf still names linkname"
echo PASS >/out/result
systemctl poweroff
EOF
chmod 0755 "$WORK/out/run.sh"
cat >"$WORK/out/lntest.service" <<'EOF'
[Unit]
Description=linkname check under systemd
After=multi-user.target
[Service]
Type=oneshot
ExecStart=/out/run.sh
EOF

echo "nspawn.sh: booting a throw-away container (up to 120 s)"
rc=0
timeout 150 unshare --mount --propagation private sh -c '
	work=$1 root=$2 name=$3
	mount -t tmpfs tmpfs "$work/root" &&
	mkdir "$work/root/upper" "$work/root/work" "$work/root/m" &&
	mount -t overlay overlay -o "lowerdir=/,upperdir=$work/root/upper,workdir=$work/root/work" \
		"$work/root/m" &&
	exec systemd-nspawn -q -D "$work/root/m" -M "$name" --private-network --register=no \
		--keep-unit --link-journal=no --bind="$work/out:/out" --bind-ro="$root:/src" \
		--bind-ro="$work/out/lntest.service:/etc/systemd/system/lntest.service" \
		-b -- systemd.wants=lntest.service' sh "$WORK" "$ROOT" "$NAME" \
	>"$WORK/console" 2>&1 || rc=$?
if [ "$(cat "$WORK/out/result" 2>/dev/null)" = PASS ]; then
	echo "nspawn.sh: PASS: $(cat "$WORK/out/score")"
	exit 0
fi
echo "nspawn.sh: FAIL (nspawn exit $rc): $(cat "$WORK/out/result" 2>/dev/null || echo "no result")"
tail -n 40 "$WORK/out/log" 2>/dev/null || tail -n 40 "$WORK/console"
exit 1
