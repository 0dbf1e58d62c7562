#!/bin/bash
# Three hosts: each resolves each other by name through getaddrinfo (getent
# and gai), getting the other's real link-local address scoped to its own
# eth0.
. "$(dirname "$0")/lib.sh"

lab_up 3

for src in h1 h2 h3; do
	idx=$(ifindex "$src" eth0)
	for dst in h1 h2 h3; do
		[ "$src" != "$dst" ] || continue
		addr=$(ll_addr "$dst" eth0)
		wait_learns "$src" "$dst"

		expect_rc 0 on "$src" getent ahosts "$dst"
		got=$(echo "$OUT" | awk '{ print $1 }' | sort -u)
		[ "$got" = "$addr" ] ||
			fail "$src: getent ahosts $dst: expected $addr only, got: $OUT"

		# AF_UNSPEC: sin6_scope_id must be the resolving host's eth0.
		expect_rc 0 on "$src" "$BUILD/tests/gai" "$dst"
		[ "$OUT" = "$addr%eth0 scope=$idx" ] ||
			fail "$src: gai $dst: expected '$addr%eth0 scope=$idx', got: $OUT"
		say "$src resolves $dst: $OUT"

		# AF_INET6 goes through gethostbyname3_r, whose hostent has no
		# scope (glibc limitation, see src/nss.c): the address must
		# still be right, and a scope, if any, eth0's.
		expect_rc 0 on "$src" "$BUILD/tests/gai" -6 "$dst"
		case $OUT in
		"$addr"|"$addr%eth0 scope=$idx") ;;
		*) fail "$src: gai -6 $dst: expected '$addr', got: $OUT" ;;
		esac
	done
done
pass
