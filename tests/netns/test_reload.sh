#!/bin/bash
# Reloads of a daemon that dropped root (issue #10 defect 7): h1 runs with
# user = nobody and a key file owned by root with mode 0600 (which
# SECURITY.md allows), read once as root at start-up; h2 runs as root with
# the same key. Its configuration file names it (no --name).
#
# 1. Key rotation in place, with a new name: h2 takes the new key as its
#    signing one and keeps the old (two lines); h1's key file is rewritten
#    in place with the new key only and its name changed; SIGHUP. Asserted:
#    h1 announces its new name, signed with the new key (h2 learns it and
#    forgets the old one), and accepts h2 signing with the new key. Before
#    the fix, reading the key as nobody failed (EACCES) and the whole
#    reload was dropped: h1 kept its old name.
# 2. Key file replaced by a new file (mv, as editors save), and the name
#    changed again: nobody may not open the new file. Asserted: the reload
#    applies the new name, keeps the keys in force (h2 still learns h1,
#    signed), and logs that the key file was not applied and why.
. "$(dirname "$0")/lib.sh"

K1=1111111111111111111111111111111111111111111111111111111111111111
K2=2222222222222222222222222222222222222222222222222222222222222222
K3=3333333333333333333333333333333333333333333333333333333333333333

# Files nobody must be able to reach but not read: under /tmp, 0755.
dir=$(mktemp -d /tmp/linkname-"$LAB".XXXXXX)
at_exit rm -rf "$dir"
chmod 0755 "$dir"
key1=$dir/h1.key key2=$dir/h2.key conf=$dir/h1.conf
echo "$K1" >"$key1" && chmod 0600 "$key1"
echo "$K1" >"$key2" && chmod 0600 "$key2"
# (AS_NOBODY, from lib.sh: how tests run something as nobody.)
nobody_files linknamectl
"${AS_NOBODY[@]}" cat "$key1" >/dev/null 2>&1 && fail "nobody can read $key1: the test proves nothing"
write_conf() {
	printf 'name = %s\nkey-file = %s\nuser = nobody\n' "$1" "$key1" >"$conf.new"
	mv "$conf.new" "$conf"
}
write_conf h1a

need_build
lab up 2
lab start-host h2 --key-file "$key2"
LAB_NAME='' lab start-host h1 --config "$conf"
pid=$(daemon_pid h1)
[ "$(awk '/^Uid:/ { print $3 }' "/proc/$pid/status")" = "$(id -u nobody)" ] ||
	fail "h1's daemon does not run as nobody"
wait_learns h2 h1a
wait_learns h1 h2
say "h1 (as nobody, root's 0600 key) and h2 know each other, signed with K1"

# reloaded N: h1 logged its Nth "configuration reloaded" (bounded).
reloaded() { [ "$(grep -c 'configuration reloaded' "$STATE/h1.log")" -ge "$1" ]; }
forgets() { ! ctl "$1" resolve "$2"; }

# ---- 1. rotation in place ----
printf '%s\n%s\n' "$K2" "$K1" >"$key2"
kill -s HUP "$(daemon_pid h2)"
ino=$(stat -c %i "$key1")
cat >"$key1" <<<"$K2"
[ "$(stat -c %i "$key1")" = "$ino" ] || fail "the key was not rewritten in place"
write_conf h1b
kill -s HUP "$pid"
poll 5 reloaded 1 || fail "h1 did not reload:"$'\n'"$(tail -n 5 "$STATE/h1.log")"
wait_learns h2 h1b
poll 5 forgets h2 h1a || fail "h2 still knows h1a after h1's rename"
snap
keep
ctl h2 announce >/dev/null
poll 5 eval 'snap; [ "${S[received]}" -gt "${S0[received]}" ]' || fail "h1 received nothing from h2"
wait_learns h1 h2
[ "${S[dropped-bad-mac]:-0}" = "${S0[dropped-bad-mac]:-0}" ] ||
	fail "h1 refused h2's datagrams signed with the new key: $(moved)"
grep -q 'authentication on: 1 key from .*descriptor opened at start-up' "$STATE/h1.log" ||
	fail "h1 does not say it read the key through the descriptor it kept:"$'\n'"$(tail -n 8 "$STATE/h1.log")"
say "rotation in place: h1 renamed h1b, signs and checks with K2 (read as nobody through the kept descriptor)"

# ---- 2. replaced by a new file ----
echo "$K3" >"$dir/new.key" && chmod 0600 "$dir/new.key" && mv "$dir/new.key" "$key1"
write_conf h1c
kill -s HUP "$pid"
poll 5 reloaded 2 || fail "h1 did not reload a second time:"$'\n'"$(tail -n 5 "$STATE/h1.log")"
wait_learns h2 h1c
alive "$pid" || fail "h1's daemon died"
grep -q "was replaced by a new file.*keeping the 1 key in force" "$STATE/h1.log" ||
	fail "h1 does not say its key file was not applied:"$'\n'"$(tail -n 8 "$STATE/h1.log")"
grep -q 'configuration reloaded from .*, all but the key file' "$STATE/h1.log" ||
	fail "h1 does not say what it applied:"$'\n'"$(tail -n 8 "$STATE/h1.log")"
say "key file replaced: name h1c applied, K2 kept: $(grep 'was replaced' "$STATE/h1.log" | tail -n 1)"
pass
