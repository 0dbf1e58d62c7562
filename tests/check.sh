#!/bin/bash
# check.sh [unit|asan|netns|fuzz|all]: run the unit tests (build/tests/test_*,
# cmocka), the same under ASan+UBSan with the fuzz seeds and crashers
# replayed (build/asan), the namespace tests (tests/netns/test_*.sh), and a
# timed libFuzzer run (build/fuzz); "all" is unit, asan, netns, and fuzz only
# under CI=true. Ends with a line "N passed, N failed[, N skipped]". Exits
# non-zero if anything failed.
#
# Environment: CI=true makes missing root a failure instead of a skip;
# VERBOSE=1 shows namespace test output even when they pass;
# NETNS_TIMEOUT (default 90) bounds each namespace test (a test may ask for
# more with a "# timeout: SECONDS" line); FUZZ_SECONDS (default 30) is the
# time per fuzz target.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$ROOT/build
MODE=${1:-all}
NETNS_TIMEOUT=${NETNS_TIMEOUT:-90}
UNIT_TIMEOUT=${UNIT_TIMEOUT:-60}

PASSED=0
FAILED=0
SKIPPED=0
FAILED_NAMES=""

note_fail() { FAILED=$((FAILED + ${2:-1})); FAILED_NAMES="$FAILED_NAMES $1"; }

# The counts cmocka prints: "[  PASSED  ] N test(s)." and
# "[  FAILED  ] N test(s), listed below:" (one pair per group).
cmocka_count() {
	local what=$1 file=$2
	sed -n "s/^\[  *$what  *\] \([0-9][0-9]*\) test(s).*/\1/p" "$file" |
		awk '{ n += $1 } END { print n + 0 }'
}

# run_unit_one PROGRAM [PREFIX [ARG...]]: PREFIX goes before the shown name.
run_unit_one() {
	local t=$1 name out rc=0 p f why=""
	name=${2:-}$(basename "$t")
	shift $(($# < 2 ? $# : 2))
	out=$(mktemp)
	echo "--- $name"
	timeout -k 5 "$UNIT_TIMEOUT" "$t" "$@" >"$out" 2>&1 || rc=$?
	cat "$out"
	p=$(cmocka_count PASSED "$out")
	f=$(cmocka_count FAILED "$out")
	rm -f "$out"
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		# Crashed, hung or failed before cmocka could count: one failure.
		f=1
		why=", exit $rc"
		[ "$rc" -ne 124 ] || why=", timed out"
	elif [ "$rc" -eq 0 ] && [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		p=1	# not cmocka's output: the program as one test
	fi
	PASSED=$((PASSED + p))
	if [ "$f" -eq 0 ]; then
		echo "PASS $name ($p)"
	else
		note_fail "$name" "$f"
		echo "FAIL $name ($f failed$why)"
	fi
}

run_unit() {
	local t found=0
	echo "=== unit tests"
	for t in "$BUILD"/tests/test_*; do
		# Only the test programs, not their objects or dependency files.
		case $t in *.o|*.d) continue ;; esac
		[ -f "$t" ] && [ -x "$t" ] || continue
		found=1
		run_unit_one "$t"
	done
	if [ $found -eq 0 ]; then
		echo "FAIL unit: no $BUILD/tests/test_* programs (run: make check)"
		note_fail unit
	fi
}

# The unit tests again, built with ASan+UBSan, then every fuzz seed and
# saved crasher (tests/fuzz/{corpus,regress}/TARGET) through its target. Any
# sanitizer report ends the program non-zero, so it fails.
run_asan() {
	local t d found=0 dirs
	local -x ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
	local -x UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
	echo "=== unit tests and fuzz replays under ASan+UBSan"
	for t in "$BUILD"/asan/tests/test_* "$BUILD"/asan/tests/replay_*; do
		case $t in *.o|*.d) continue ;; esac
		[ -f "$t" ] && [ -x "$t" ] || continue
		found=1
		dirs=()
		case $t in */replay_*)
			for d in "$ROOT"/tests/fuzz/{corpus,regress}/"${t##*/replay_}"; do
				[ ! -d "$d" ] || dirs+=("$d")
			done ;;
		esac
		run_unit_one "$t" asan/ "${dirs[@]}"
	done
	if [ $found -eq 0 ]; then
		echo "FAIL asan: no $BUILD/asan/tests programs (run: make check)"
		note_fail asan
	fi
}

# Each libFuzzer target for FUZZ_SECONDS over its seeds and crashers; new
# inputs collect in build/fuzz/corpus. A crash, leak, hang or sanitizer
# report fails, and its input is left in build/fuzz/crash/TARGET/.
run_fuzz() {
	local bin t d out rc secs=${FUZZ_SECONDS:-30} found=0 dirs runs
	echo "=== fuzzing (${secs}s per target)"
	for bin in "$BUILD"/fuzz/fuzz_*; do
		[ -f "$bin" ] && [ -x "$bin" ] || continue
		found=1
		t=${bin##*/fuzz_}
		rm -rf "$BUILD/fuzz/crash/$t"
		mkdir -p "$BUILD/fuzz/corpus/$t" "$BUILD/fuzz/crash/$t"
		dirs=("$BUILD/fuzz/corpus/$t")
		for d in "$ROOT"/tests/fuzz/{corpus,regress}/"$t"; do
			[ ! -d "$d" ] || dirs+=("$d")
		done
		out=$BUILD/fuzz/$t.log
		rc=0
		echo "--- fuzz_$t"
		timeout -k 10 $((secs + 120)) "$bin" -max_total_time="$secs" -timeout=10 \
			-rss_limit_mb=2048 -max_len=4096 -print_final_stats=1 \
			-artifact_prefix="$BUILD/fuzz/crash/$t/" "${dirs[@]}" >"$out" 2>&1 || rc=$?
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out")
		if [ "$rc" -eq 0 ]; then
			PASSED=$((PASSED + 1))
			echo "PASS fuzz_$t (${runs:-?} inputs in ${secs}s)"
		else
			note_fail "fuzz_$t"
			echo "FAIL fuzz_$t (exit $rc; log $out)"
			grep -v '^#[0-9]' "$out" | tail -n 60 | sed 's/^/    | /'
			for d in "$BUILD/fuzz/crash/$t"/*; do
				[ -f "$d" ] || continue
				echo "    input: $d (keep it: tests/fuzz/regress/$t/)"
			done
		fi
	done
	if [ $found -eq 0 ]; then
		echo "FAIL fuzz: no $BUILD/fuzz/fuzz_* programs (run: make fuzz)"
		note_fail fuzz
	fi
}

# "# timeout: N" in a test overrides the default bound.
test_timeout() {
	local t
	t=$(sed -n 's/^# timeout: *\([0-9][0-9]*\).*/\1/p' "$1" | head -n 1)
	echo "${t:-$NETNS_TIMEOUT}"
}

CURRENT_LAB=""
CURRENT_PID=""

# On ^C or TERM, stop the running test (it tears its lab down) and quit.
on_signal() {
	trap - INT TERM
	if [ -n "$CURRENT_PID" ]; then
		kill -s TERM "$CURRENT_PID" 2>/dev/null
		wait "$CURRENT_PID" 2>/dev/null
	fi
	[ -z "$CURRENT_LAB" ] || LAB=$CURRENT_LAB LAB_QUIET=1 "$ROOT/netns-scripts/lab.sh" down >/dev/null 2>&1
	echo "check.sh: interrupted"
	exit 130
}

show_failure() {
	local out=$1 lab=$2 f
	echo "    --- test output (last 40 lines):"
	tail -n 40 "$out" | sed 's/^/    | /'
	for f in "$BUILD/lab/$lab"/*.log; do
		[ -e "$f" ] || continue
		echo "    --- $(basename "$f") (last 15 lines):"
		tail -n 15 "$f" | sed 's/^/    | /'
	done
}

run_netns_one() {
	local t=$1 idx=$2 name lab out rc=0 secs
	name=$(basename "$t" .sh)
	# Short, unique per run and per test, so parallel runs never collide.
	lab=c$$-$idx
	secs=$(test_timeout "$t")
	rm -rf "$BUILD/lab/$lab"
	mkdir -p "$BUILD/lab/$lab"
	out=$BUILD/lab/$lab/test.out
	CURRENT_LAB=$lab
	LAB=$lab timeout -k 10 "$secs" bash "$t" >"$out" 2>&1 &
	CURRENT_PID=$!
	wait "$CURRENT_PID" || rc=$?
	CURRENT_PID=""
	# Safety net: whatever the test left behind (e.g. killed by timeout).
	LAB=$lab LAB_QUIET=1 "$ROOT/netns-scripts/lab.sh" down >/dev/null 2>&1
	CURRENT_LAB=""
	if [ "$rc" -eq 0 ]; then
		PASSED=$((PASSED + 1))
		echo "PASS $name"
		[ -z "${VERBOSE:-}" ] || sed 's/^/    | /' "$out"
		rm -rf "$BUILD/lab/$lab"
	else
		note_fail "$name"
		[ "$rc" -eq 124 ] && echo "FAIL $name (hung: killed after ${secs}s)" || echo "FAIL $name (exit $rc)"
		show_failure "$out" "$lab"
		echo "    (logs kept in $BUILD/lab/$lab)"
	fi
}

run_netns() {
	local t idx=0
	echo "=== namespace tests"
	if [ "$(id -u)" -ne 0 ]; then
		if [ "${CI:-}" = true ]; then
			echo "FAIL netns: namespace tests need root, and CI=true: not skipping" >&2
			note_fail netns
		else
			echo "SKIPPED: namespace tests need root"
			SKIPPED=$((SKIPPED + $(ls "$ROOT"/tests/netns/test_*.sh 2>/dev/null | wc -l)))
		fi
		return
	fi
	trap on_signal INT TERM
	for t in "$ROOT"/tests/netns/test_*.sh; do
		[ -f "$t" ] || continue
		idx=$((idx + 1))
		run_netns_one "$t" "$idx"
	done
	trap - INT TERM
}

case $MODE in
unit) run_unit ;;
asan) run_asan ;;
netns) run_netns ;;
fuzz) run_fuzz ;;
all)
	run_unit
	run_asan
	run_netns
	[ "${CI:-}" != true ] || run_fuzz
	;;
*) echo "usage: tests/check.sh [unit|asan|netns|fuzz|all]" >&2; exit 2 ;;
esac

[ -z "$FAILED_NAMES" ] || echo "failed:$FAILED_NAMES"
if [ "$SKIPPED" -gt 0 ]; then
	echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
else
	echo "$PASSED passed, $FAILED failed"
fi
[ "$FAILED" -eq 0 ]
