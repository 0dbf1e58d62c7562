#!/bin/bash
# The documentation says what the programs say (issue #12 part 6): README's
# "linknamectl --help" and "linknamed --help" blocks are the programs' own
# output, byte for byte, and each manual page names every long option and
# every command the program's --help lists. Needs no namespace: it only runs
# the two programs with --help.
. "$(dirname "$0")/lib.sh"

need_build linknamectl linknamed

# readme_block TITLE: the fenced block after the README line that opens
# with TITLE in backquotes.
readme_block() {
	awk -v t="\`$1\`" '
		index($0, t) == 1 { want = 1; next }
		want && /^```/ { if (inblk) exit; inblk = 1; next }
		inblk { print }' "$ROOT/README.md"
}

for prog in linknamectl linknamed; do
	got=$(readme_block "$prog --help")
	[ -n "$got" ] || fail "README.md has no \`$prog --help\` block"
	want=$("$BUILD/$prog" --help)
	if [ "$got" != "$want" ]; then
		diff <(echo "$want") <(echo "$got") | sed 's/^/    /' >&2
		fail "README.md's \`$prog --help\` block differs from $prog --help (< program, > README)"
	fi
	say "README's $prog --help block is the program's"
done

# man_text PAGE: PAGE as mandoc renders it (roff escapes such as \-
# resolved, no hyphenation, overstrikes removed).
man_text() {
	local text
	text=$(mandoc -T ascii -O width=250 "$ROOT/docs/man/$1" | sed 's/.\x08//g')
	[ -n "$text" ] || fail "mandoc rendered nothing of docs/man/$1"
	printf '%s\n' "$text"
}

# man_names PAGE WORD...: each WORD appears somewhere in PAGE's text; with
# --entries, each starts an indented line, as a tagged list entry does
# (a command named in passing in the prose does not count). Else fail,
# naming the missing ones.
man_names() {
	local entries=0 page text w missing="" n
	[ "$1" != --entries ] || { entries=1; shift; }
	page=$1
	shift
	text=$(man_text "$page")
	for w in "$@"; do
		if [ $entries -eq 1 ]; then
			grep -qE -- "^ +$w( |\$)" <<<"$text" || missing="$missing $w"
		else
			grep -qF -- "$w" <<<"$text" || missing="$missing $w"
		fi
	done
	[ -z "$missing" ] || fail "docs/man/$page does not describe:$missing"
	say "docs/man/$page has all $# of them$([ $entries -eq 0 ] || echo ', each as an entry')"
}

# Long options (--name) and, for linknamectl, commands (lines of its
# Commands: list that start with two spaces and a word).
long_opts() { grep -oE -- '--[a-z][a-z-]+' | sort -u; }

mapfile -t d_opts < <("$BUILD/linknamed" --help | long_opts)
[ ${#d_opts[@]} -ge 10 ] || fail "linknamed --help lists only ${#d_opts[@]} long options"
man_names linknamed.8 "${d_opts[@]}"

mapfile -t c_opts < <("$BUILD/linknamectl" --help | long_opts)
mapfile -t c_cmds < <("$BUILD/linknamectl" --help |
	sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z]*\).*/\1/p')
[ ${#c_cmds[@]} -ge 8 ] || fail "linknamectl --help lists only ${#c_cmds[@]} commands"
man_names linknamectl.1 "${c_opts[@]}"
man_names --entries linknamectl.1 "${c_cmds[@]}"

# Every key linkname.conf(5) must describe: those the shipped file lists.
mapfile -t keys < <(sed -n 's/^#* *\([a-z][a-z-]*\) *=.*/\1/p' "$ROOT/dist/linkname.conf" | sort -u)
[ ${#keys[@]} -ge 5 ] || fail "dist/linkname.conf lists only ${#keys[@]} keys"
man_names --entries linkname.conf.5 "${keys[@]}"

pass
