#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Summarise a `make bench` log: usage: bench/report.sh LOG CSV SVG
#
# Reads the "BENCH base=.. case=.. param=.. fs=.. rep=.. value=.. unit=.."
# lines, writes CSV (one row per base/case/param/fs: runs, median, min, max,
# first and third quartile), prints the table of medians with the ratios
# layerfs/overlayfs, layerfs/overlayfs-metacopy (copy-up cases) and
# layerfs/native, and plots those ratios to SVG with gnuplot.
# Every value is a cost (time per operation or per pass): a ratio below 1
# means layerfs is faster.
set -euo pipefail
log=${1:?usage: report.sh LOG CSV SVG}
csv=${2:?}
svg=${3:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 1. idx base case param fs unit value (idx: order of first appearance)
tr -d '\r' < "$log" | awk -v OFS='\t' '
/^BENCH / {
	delete v
	for (i = 2; i <= NF; i++) {
		j = index($i, "=")
		if (j) v[substr($i, 1, j - 1)] = substr($i, j + 1)
	}
	k = v["base"] " " v["case"] " " v["param"]
	if (!(k in idx)) idx[k] = ++n
	print idx[k], v["base"], v["case"], v["param"], v["fs"], v["unit"], v["value"]
}' | sort -t "$(printf '\t')" -k1,1n -k5,5 -k7,7g > "$tmp/raw"

# 2. statistics per idx+fs
awk -F '\t' -v OFS='\t' '
function flush(   m, q1, q3) {
	if (cnt == 0) return
	if (cnt % 2) m = a[(cnt + 1) / 2]; else m = (a[cnt / 2] + a[cnt / 2 + 1]) / 2
	q1 = a[int((cnt + 3) / 4)]
	q3 = a[int((3 * cnt + 3) / 4)]
	print id, b, c, p, f, u, cnt, m, a[1], a[cnt], q1, q3
	cnt = 0
}
{
	if ($1 != id || $5 != f) { flush(); id = $1; b = $2; c = $3; p = $4; f = $5; u = $6 }
	a[++cnt] = $7
}
END { flush() }' "$tmp/raw" > "$tmp/stats"

{
	echo "base,case,param,fs,unit,runs,median,min,max,q1,q3"
	cut -f2- "$tmp/stats" | tr '\t' ','
} > "$csv"

# 3. the table, and the ratios for the plot
awk -F '\t' -v ratios="$tmp/ratios" '
function fmt(x) { return x == "" ? "-" : sprintf(x >= 100 ? "%.0f" : (x >= 10 ? "%.1f" : "%.3g"), x) }
function spread(fs) { return md[fs] == "" ? "" : fmt(lo[fs]) ".." fmt(hi[fs]) }
function rat(x, y) { return (x == "" || y == "" || y == 0) ? "" : x / y }
function row(   rl, ro, rm, rn, pn) {
	if (id == "") return
	ro = rat(md["layerfs"], md["overlay"])
	rm = rat(md["layerfs"], md["overlay-meta"])
	rn = rat(md["layerfs"], md["native"])
	printf "%-5s %-19s %-10s %-8s %10s %10s %10s %10s  %6s %6s %7s   %s\n", b, c, p, u,
		fmt(md["native"]), fmt(md["overlay"]), fmt(md["overlay-meta"]), fmt(md["layerfs"]),
		ro == "" ? "-" : sprintf("%.2f", ro), rm == "" ? "-" : sprintf("%.2f", rm),
		rn == "" ? "-" : sprintf("%.2f", rn), spread("layerfs") " / " spread("overlay")
	if (ro != "" && ro > 1.05) slow[++nslow] = sprintf("%s %s %s: layerfs/overlay %.2f", b, c, p, ro)
	if (rm != "" && rm > 1.05) slow[++nslow] = sprintf("%s %s %s: layerfs/overlay-meta %.2f", b, c, p, rm)
	pn = c " " p
	printf "%s\t\"%s\"\t%s\t%s\t%s\n", b, pn, ro == "" ? "NaN" : ro, rm == "" ? "NaN" : rm,
		rn == "" ? "NaN" : rn > ratios
	delete md; delete lo; delete hi
}
BEGIN {
	printf "%-5s %-19s %-10s %-8s %10s %10s %10s %10s  %6s %6s %7s   %s\n", "base", "case", "param", "unit",
		"native", "overlay", "ovl-meta", "layerfs", "L/ovl", "L/ovlm", "L/nat", "spread: layerfs / overlay (min..max)"
}
{
	if ($1 != id) { row(); id = $1; b = $2; c = $3; p = $4; u = $6 }
	md[$5] = $8; lo[$5] = $9; hi[$5] = $10
}
END {
	row()
	print ""
	if (nslow) {
		print "cases where layerfs is more than 5% slower than overlayfs:"
		for (i = 1; i <= nslow; i++) print "  " slow[i]
	} else {
		print "no case is more than 5% slower on layerfs than on overlayfs"
	}
}' "$tmp/stats"

# 4. the plot: one panel per base
if command -v gnuplot >/dev/null && [ -s "$tmp/ratios" ]; then
	bases=$(cut -f1 "$tmp/ratios" | awk '!s[$0]++')
	nb=$(echo "$bases" | wc -l)
	maxrows=0
	for b in $bases; do
		awk -F '\t' -v b="$b" -v OFS='\t' '$1 == b { $1 = ""; sub(/^\t/, ""); print }' "$tmp/ratios" > "$tmp/r-$b"
		r=$(wc -l < "$tmp/r-$b")
		[ "$r" -gt "$maxrows" ] && maxrows=$r
	done
	width=$(( maxrows * 22 + 200 ))
	{
		echo "set terminal svg size $width,$(( nb * 520 )) dynamic font 'sans,10'"
		echo "set output '$svg'"
		echo "set multiplot layout $nb,1"
		echo "set style data histogram"
		echo "set style histogram clustered gap 1"
		echo "set style fill solid 0.8 border -1"
		echo "set logscale y"
		echo "set yrange [0.0001:100000]"
		echo "set grid ytics"
		echo "set xtics rotate by -60 font 'sans,8' nomirror"
		echo "set datafile missing 'NaN'"
		echo "set key outside top center horizontal"
		echo "set ylabel 'cost ratio (below 1: layerfs faster)'"
		for b in $bases; do
			echo "set title 'layerfs cost ratios on $b (median of runs)'"
			echo "plot '$tmp/r-$b' using 2:xtic(1) title 'layerfs / overlayfs', '' using 3 title 'layerfs / overlayfs metacopy', '' using 4 title 'layerfs / native', 1 with lines lt -1 notitle"
		done
		echo "unset multiplot"
	} > "$tmp/plot.gp"
	gnuplot "$tmp/plot.gp" || echo "report: gnuplot failed"
fi

# 5. cold lookup cost against the number of layers (the flatness goal)
lsvg=${svg%.svg}-lookup.svg
awk -F '\t' -v d="$tmp" '$3 ~ /^lookup-cold-/ && $4 ~ /^L[0-9]+$/ {
	f = d "/lk-" $2 "-" $3 "-" $5; sub(/^L/, "", $4); print $4, $8 > f }' "$tmp/stats"
if command -v gnuplot >/dev/null && ls "$tmp"/lk-* >/dev/null 2>&1; then
	{
		echo "set terminal svg size 1100,800 dynamic font 'sans,10'"
		echo "set output '$lsvg'"
		echo "set multiplot layout 2,2"
		echo "set logscale xy"
		echo "set grid"
		echo "set xlabel 'lower layers'"
		echo "set ylabel 'us per lstat (median)'"
		echo "set key top left"
		for f in "$tmp"/lk-*-native; do
			b=${f#"$tmp"/lk-}; b=${b%-native}
			echo "set title 'cold lookup, names ${b##*-}, on ${b%%-*}'"
			plot="plot"
			for fs in native overlay layerfs; do
				[ -f "$tmp/lk-$b-$fs" ] && plot="$plot '$tmp/lk-$b-$fs' using 1:2 with linespoints title '$fs',"
			done
			echo "${plot%,}"
		done
		echo "unset multiplot"
	} > "$tmp/lookup.gp"
	gnuplot "$tmp/lookup.gp" || echo "report: gnuplot failed (lookup plot)"
fi
