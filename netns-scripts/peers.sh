#!/bin/bash
# peers.sh: the comparison's peers, from Debian's packages, never installed.
#
#   peers.sh fetch [DIR]    download and unpack the peers into DIR
#   peers.sh status [DIR]   print what fetch found, one line per system
#   peers.sh libpath [DIR]  the LD_LIBRARY_PATH that finds their libraries
#
# DIR defaults to build/peers. The packages are fetched with `apt-get
# download` and unpacked with `dpkg -x` into DIR/root: nothing is installed,
# so the machine's nsswitch.conf, resolv.conf, users and services stay as
# they are. systemd-resolved and libnss-resolve are pinned to the installed
# libsystemd-shared (resolved links against that private library).
#
# DIR/status gets one line per system, tab-separated:
#   SYSTEM  ok  PACKAGE VERSION, ...      or      SYSTEM  no  WHY
# for SYSTEM in mdns (avahi-daemon + libnss-mdns) and llmnr (llmnrd +
# systemd-resolved + libnss-resolve). fetch exits 0 even when a peer cannot
# be had: the comparison then runs without it and says why.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CMD=${1:-}
DIR=${2:-$ROOT/build/peers}

die() { echo "peers.sh: $*" >&2; exit 1; }
note() { echo "peers: $*" >&2; }

installed_version() {
	dpkg-query -W -f='${db:Status-Status} ${Version}' "$1" 2>/dev/null |
		awk '$1 == "installed" { print $2 }'
}

# The lib* packages PKG depends on that this machine lacks: they are
# unpacked beside PKG (one level is enough here; `ldd` checks the rest).
missing_libs() {
	local dep
	for dep in $(apt-cache depends --no-recommends --no-suggests --no-pre-depends "$1" 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^lib/ { print $2 }'); do
		[ -n "$(installed_version "$dep")" ] || echo "$dep"
	done
}

UPDATED=0
DL_ERR=""

# download PKG[=VERSION]...: into DIR/debs; apt-get update once if the lists
# do not know a package (a fresh machine may never have run it). On failure
# DL_ERR holds apt's last error line (no network, no such version, ...).
download() {
	local out
	DL_ERR=""
	out=$(cd "$DIR/debs" && apt-get download -q -o APT::Sandbox::User=root "$@" 2>&1) && return 0
	if [ "$UPDATED" -eq 0 ]; then
		UPDATED=1
		note "apt-get download failed, running apt-get update once"
		apt-get update -qq >/dev/null 2>&1 || true
		out=$(cd "$DIR/debs" && apt-get download -q -o APT::Sandbox::User=root "$@" 2>&1) && return 0
	fi
	DL_ERR=$(echo "$out" | grep -E '^(E|W|Err):' | tail -n 1 | sed 's/^E: //')
	[ -n "$DL_ERR" ] || DL_ERR=$(echo "$out" | tail -n 1)
	return 1
}

# deb_file PKG: the downloaded .deb of PKG (DIR/debs starts empty).
deb_file() { find "$DIR/debs" -maxdepth 1 -name "$1_*.deb" | head -n 1; }

unpack() {
	local pkg f
	for pkg in "$@"; do
		pkg=${pkg%%=*}
		f=$(deb_file "$pkg")
		[ -n "$f" ] || { echo "no .deb for $pkg"; return 1; }
		dpkg -x "$f" "$DIR/root" || { echo "dpkg -x $f failed"; return 1; }
	done
}

libpath() {
	local d out=""
	[ -d "$DIR/root" ] || return 0
	# Every directory of the tree that holds a shared object.
	for d in $(find "$DIR/root" -regex '.*\.so\(\.[0-9.]+\)?' \( -type f -o -type l \) -printf '%h\n' | sort -u); do
		out=${out:+$out:}$d
	done
	echo "$out"
}

# check_files FILE...: each program (a path in the tree) or NSS module (a
# bare libnss_*.so.2 name, looked for on the library path) is there and
# finds all its libraries.
check_files() {
	local f path lp miss d
	lp=$(libpath)
	for f in "$@"; do
		path=""
		case $f in
		*/*) [ -x "$DIR/root/$f" ] && path=$DIR/root/$f ;;
		*)
			for d in ${lp//:/ }; do
				[ -e "$d/$f" ] && { path=$d/$f; break; }
			done
			;;
		esac
		[ -n "$path" ] || { echo "${f##*/} is missing from the packages"; return 1; }
		miss=$(LD_LIBRARY_PATH=$lp ldd "$path" 2>&1 | awk '/not found/ { print $1 }' | tr '\n' ' ')
		[ -z "$miss" ] || { echo "${f##*/} lacks ${miss% }"; return 1; }
	done
}

# fetch_system SYSTEM "PKG[=VER]..." "FILE..." : one status line.
fetch_system() {
	local sys=$1 pkgs=$2 files=$3 p all="" why versions=""
	for p in $pkgs; do
		all="$all $p $(missing_libs "${p%%=*}")"
	done
	# shellcheck disable=SC2086 # word lists on purpose
	if ! download $all; then
		why="apt-get download failed: ${DL_ERR:-unknown error}"
	elif ! why=$(unpack $all); then
		:
	elif ! why=$(check_files $files); then
		:
	else
		for p in $pkgs; do
			versions="${versions:+$versions, }${p%%=*} $(dpkg-deb -f "$(deb_file "${p%%=*}")" Version)"
		done
		printf '%s\tok\t%s\n' "$sys" "$versions" >>"$DIR/status.new"
		return 0
	fi
	printf '%s\tno\t%s\n' "$sys" "$why" >>"$DIR/status.new"
}

# A previous fetch can be reused if both peers were had, resolved still
# matches the installed libsystemd-shared, and it is less than a week old.
reusable() {
	local v=$1
	[ -f "$DIR/status" ] && [ -n "$(find "$DIR/status" -mtime -7)" ] || return 1
	! grep -q $'\tno\t' "$DIR/status" || return 1
	[ -z "$v" ] || grep -q "systemd-resolved $v," "$DIR/status"
}

cmd_fetch() {
	local v
	command -v apt-get >/dev/null || die "apt-get not found (Debian only)"
	mkdir -p "$DIR"
	# One fetch at a time per directory (two labs may start together).
	exec 9>"$DIR/.lock"
	flock -w 300 9 || die "$DIR is locked by another fetch"
	v=$(installed_version libsystemd-shared)
	if reusable "$v"; then
		cmd_status
		return 0
	fi
	# Start clean, so exactly the versions asked for are unpacked.
	rm -rf "$DIR/debs" "$DIR/root"
	mkdir -p "$DIR/debs" "$DIR/root"
	: >"$DIR/status.new"
	fetch_system mdns "avahi-daemon libnss-mdns" \
		"usr/sbin/avahi-daemon libnss_mdns6_minimal.so.2"
	if [ -z "$v" ]; then
		# No systemd here: take resolved with its own private library.
		fetch_system llmnr "llmnrd systemd-resolved libnss-resolve libsystemd-shared" \
			"usr/sbin/llmnrd lib/systemd/systemd-resolved libnss_resolve.so.2"
	else
		fetch_system llmnr "llmnrd systemd-resolved=$v libnss-resolve=$v" \
			"usr/sbin/llmnrd lib/systemd/systemd-resolved libnss_resolve.so.2"
	fi
	mv "$DIR/status.new" "$DIR/status"
	cmd_status
}

cmd_status() {
	[ -f "$DIR/status" ] || die "no $DIR/status (run: peers.sh fetch)"
	awk -F'\t' '{ printf "peers: %-6s %s: %s\n", $1, $2 == "ok" ? "ready" : "cannot run", $3 }' "$DIR/status"
}

case $CMD in
fetch) cmd_fetch ;;
status) cmd_status ;;
libpath) libpath ;;
*) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; [ "$CMD" = help ] ;;
esac
