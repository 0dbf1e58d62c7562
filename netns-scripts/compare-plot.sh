#!/bin/bash
# compare-plot.sh DIR SYSTEM...: the comparison's plots, from the samples
# compare.sh left in DIR:
#   compare-lookup.{svg,png}       CDF of cached lookup latency per system,
#                                  with the /etc/hosts baseline
#   compare-convergence.{svg,png}  every convergence trial, per system and N
# Needs gnuplot (gnuplot-nox).
set -eu
export LC_ALL=C

DIR=${1:?usage: compare-plot.sh DIR SYSTEM...}
shift
command -v gnuplot >/dev/null || { echo "compare-plot: gnuplot not found" >&2; exit 1; }

label() {
	case $1 in
	linkname) echo "linkname" ;;
	mdns) echo "mDNS (avahi + nss-mdns)" ;;
	llmnr) echo "LLMNR (llmnrd + systemd-resolved)" ;;
	files) echo "/etc/hosts (files), baseline" ;;
	esac
}

# Axis labels: short, on two lines (gnuplot reads the \n in the string).
short() {
	case $1 in
	linkname) printf '%s' "linkname" ;;
	mdns) printf '%s' 'mDNS\n(avahi + nss-mdns)' ;;
	llmnr) printf '%s' 'LLMNR\n(llmnrd + resolved)' ;;
	esac
}

color() {
	case $1 in
	linkname) echo "#1b9e77" ;;
	mdns) echo "#d95f02" ;;
	llmnr) echo "#7570b3" ;;
	*) echo "#777777" ;;
	esac
}

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# Sorted samples -> "value fraction" pairs of the empirical CDF, thinned to
# about 250 steps (the plot looks the same, the SVG stays small).
cdf() {
	awk 'NR == FNR { n++; next }
	     FNR == 1 { k = int(n / 250) + 1 }
	     FNR == 1 || FNR == n || FNR % k == 0 { print $1, FNR / n }' "$1" "$1" >"$2"
}

plot_lookup() {
	local term=$1 ext=$2 sys plots="" f
	shift 2
	# One baseline is enough: it is the same file lookup in every run.
	f=$DIR/files-linkname.txt
	[ -s "$f" ] || f=$(find "$DIR" -maxdepth 1 -name 'files-*.txt' | sort | head -n 1)
	if [ -n "$f" ] && [ -s "$f" ]; then
		cdf "$f" "$TMP/files.dat"
		plots="'$TMP/files.dat' using 1:2 with steps lw 2 dt 2 lc rgb '$(color files)' title '$(label files)'"
	fi
	for sys in "$@"; do
		[ -s "$DIR/lookup-$sys.txt" ] || continue
		cdf "$DIR/lookup-$sys.txt" "$TMP/$sys.dat"
		plots="${plots:+$plots, }'$TMP/$sys.dat' using 1:2 with steps lw 2 lc rgb '$(color "$sys")' title '$(label "$sys")'"
	done
	[ -n "$plots" ] || return 0
	gnuplot <<-EOF
	set terminal $term
	set output '$DIR/compare-lookup.$ext'
	set title "getaddrinfo() of a neighbour already resolved (each call timed)"
	set xlabel "latency per call, microseconds (log scale)"
	set ylabel "fraction of calls at most this fast"
	set logscale x
	set xrange [1:*]
	set yrange [0:1]
	set grid
	set key bottom right
	plot $plots
	EOF
}

plot_convergence() {
	local term=$1 ext=$2 sys i=0 n xt="" plots="" off
	shift 2
	rm -f "$TMP"/conv-*.dat
	for sys in "$@"; do
		i=$((i + 1))
		xt="${xt:+$xt, }\"$(short "$sys")\" $i"
		for f in "$DIR"/conv-"$sys"-*.txt; do
			[ -s "$f" ] || continue
			n=${f##*-}; n=${n%.txt}
			# N=3 left of the tick, larger labs right of it.
			off=$([ "$n" -le 3 ] && echo -0.15 || echo 0.15)
			awk -v x="$i" -v o="$off" '{ print x + o + (NR % 5 - 2) * 0.02, $1 }' "$f" >>"$TMP/conv-$n.dat"
		done
	done
	for f in "$TMP"/conv-*.dat; do
		[ -s "$f" ] || continue
		n=${f##*/conv-}; n=${n%.dat}
		plots="${plots:+$plots, }'$f' using 1:2 with points pt $([ "$n" -le 3 ] && echo 7 || echo 5) ps 1.2 title 'N = $n hosts'"
	done
	[ -n "$plots" ] || return 0
	gnuplot <<-EOF
	set terminal $term
	set output '$DIR/compare-convergence.$ext'
	set title "Convergence: from starting B's responder until A first resolves B (every trial)"
	set ylabel "milliseconds (log scale)"
	set logscale y
	set xrange [0.5:$i.5]
	set xtics ($xt)
	set grid ytics
	set bmargin 4
	set key top right box opaque
	plot $plots
	EOF
}

SVG="svg size 900,480 dynamic font 'sans,12' background rgb 'white'"
PNG="pngcairo size 900,480 font 'sans,10' background rgb 'white'"
plot_lookup "$SVG" svg "$@"
plot_lookup "$PNG" png "$@"
plot_convergence "$SVG" svg "$@"
plot_convergence "$PNG" png "$@"
echo "compare-plot: $(find "$DIR" -maxdepth 1 -name 'compare-*.*g' -printf '%f ' | sort)"
