# pid-lib.sh: sourced by lab.sh and compare-lib.sh. Pid records hold
# "PID STARTTIME" so that a recycled pid is never signalled.

# proc_starttime PID: the process's start time (field 22 of /proc/PID/stat),
# or failure if it is gone or a zombie.
proc_starttime() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	# Fields after the ")" of the command name; starttime is field 22.
	stat=${stat##*) }
	# shellcheck disable=SC2086 # split into fields on purpose
	set -- $stat
	[ "$1" != Z ] || return 1
	echo "${20}"
}
