# downtime_cdf.gp: the CDF of client-visible downtime (master crash to the first acknowledged send) per
# scenario of a `mqsim compare`, on a log time axis (like the election-time figures of the Raft paper).
# `mqsim plot DIR` runs it as
#   gnuplot -e "data='DIR/downtime-cdf.dat'; title='...'; note='...'; note2='...'; nblocks=3; xmin=5.2; xmax=900; \
#               png='...'; svg='...'" downtime_cdf.gp
# data: one block a scenario (and group, when several groups failed over; index i), its first line
# "downtime_s" "fraction" "<key title>", then 1 downtime_s, 2 fraction of the runs with a failover that
# recovered within it. Runs that did not recover before the end of the run count as not recovered, so such a
# curve ends below 1; it is drawn level up to the earliest end of such a run (beyond it the CDF is unknown).
# note, note2: lines printed in the plot ('' for none): how runs that did not recover are counted, and that a
# downtime under 1 ms is drawn at 1 ms.

if (!exists("note")) { note = "" }
if (!exists("note2")) { note2 = "" }
array c[8] = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]
lo = 10 ** floor(log10(xmin > 0 ? xmin : 0.001))
hi = 10 ** ceil(log10(xmax > lo ? xmax * 1.3 : lo * 10))

do for [term in "png svg"] {
    if (term eq "png") {
        set terminal pngcairo size 1000,600 font "Sans,10" noenhanced
        set output png
    } else {
        set terminal svg size 1000,600 font "Sans,10" noenhanced dynamic background rgb "white"
        set output svg
    }
    reset
    set title title font ",12"
    set logscale x 10
    set xrange [lo:hi]
    set format x "%g"
    set mxtics 10
    set xlabel "downtime: master crash to the first acknowledged send (s, log scale)"
    set yrange [-0.02:1.08]
    set ytics ("0%%" 0, "20%%" 0.2, "40%%" 0.4, "60%%" 0.6, "80%%" 0.8, "100%%" 1)
    set ylabel "runs recovered within that time (cumulative)"
    set grid xtics mxtics ytics lc rgb "#dddddd" lw 1 dt 1, lc rgb "#f0f0f0" lw 1 dt 1
    set bmargin 5 + nblocks    # the key: one line a curve, its titles are long
    if (note ne "") { set label 1 note at graph 0.01, graph 0.97 left font ",9" textcolor rgb "#444444" }
    if (note2 ne "") { set label 2 note2 at graph 0.01, graph (note ne "" ? 0.93 : 0.97) left font ",9" textcolor rgb "#444444" }
    set key at screen 0.5, screen 0.012 center bottom vertical maxrows nblocks reverse Left samplen 3 spacing 1.2 font ",10" width 2
    plot for [i=0:nblocks - 1] data index i using 1:2 with steps lw 2.5 lc rgb c[i % 8 + 1] title columnheader(3)
    set output
}
