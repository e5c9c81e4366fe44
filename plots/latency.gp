# latency.gp: a run's send latency over time, the median (p50) and the 99th percentile (p99) of the sends
# acknowledged in each sample interval, for the topic and per broker group, with the failovers' moments.
# `mqsim plot DIR` runs it as
#   gnuplot -e "data='DIR/latency.dat'; marks='DIR/latency.marks.dat'; title='...'; groups='broker-a'; ..." \
#           latency.gp
# Variables: data, marks (files written by mqsim plot; their first line names the columns), title, whole (the
# run's topic p50 and p99 from metrics.json; '' when unknown), groups (the group names, space separated),
# ngroups, tmax (s), ymin, ymax (smallest and largest latency drawn, ms), mt0..mt3 (key text of the crash,
# detection, promotion/election and first-write marks; '' when there is none), png, svg (outputs).
# data: a block a series, index 0 the topic, index g group g: 1 t_s, 2 p50_ms, 3 p99_ms (NaN when no send was
#   acknowledged in the interval: a gap in the line).
# marks: 1 t_s, 2 kind (0 crash, 1 detected, 2 promoted/elected, 3 first acknowledged write, 4 end of a run
#   without one), 3 group (0-based), 4 label; one NaN row when there is no mark.
# The latency axis is logarithmic (lines only: a bar has no base on a log axis). With one group the topic's
# sends are the group's, so only the topic is drawn.

array mk_rgb[4] = ["#000000", "#E69F00", "#0072B2", "#009E73"]
array mk_dt[4] = [1, 2, 4, 5]
array mk_title[4] = [mt0, mt1, mt2, mt3]
array gc[6] = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"]
# Room above the highest line for the key: the axis spans a few decades more than the data.
lo = 10 ** floor(log10(ymin) - 0.05)
hi = 10 ** ceil(log10(ymax) + (log10(ymax) - log10(lo)) * 0.45 + 0.05)
ng_drawn = (ngroups > 1 ? ngroups : 0)

do for [term in "png svg"] {
    if (term eq "png") {
        set terminal pngcairo size 1000,500 font "Sans,10" noenhanced
        set output png
    } else {
        set terminal svg size 1000,500 font "Sans,10" noenhanced dynamic background rgb "white"
        set output svg
    }
    reset
    set multiplot title title font ",12"
    set lmargin at screen 0.09
    set rmargin at screen 0.97
    set tmargin at screen 0.90
    set bmargin at screen 0.30
    set xrange [0:tmax]
    set xlabel "simulated time (s)" offset 0, 0.3
    set logscale y 10
    set yrange [lo:hi]
    set format y "%g"
    set ylabel "send latency (ms, log scale)"
    set grid xtics ytics mytics lc rgb "#dddddd" lw 1 dt 1
    set mytics 10
    unset label
    if (strlen(whole) > 0) {
        set label 1 whole at screen 0.97, screen 0.17 right font ",9" textcolor rgb "#333333"
    }
    # The key says which colour is which series and which dash which quantile.
    set key top right reverse Left box opaque vertical maxrows 3 samplen 2.5 font ",9" width 1
    plot \
        data index 0 using 1:2 with fsteps lw 2.5 lc rgb "black" notitle, \
        data index 0 using 1:3 with fsteps lw 1.5 lc rgb "black" dt 2 notitle, \
        for [g=1:ng_drawn] data index g using 1:2 with fsteps lw 2 lc rgb gc[(g - 1) % 6 + 1] notitle, \
        for [g=1:ng_drawn] data index g using 1:3 with fsteps lw 1.2 lc rgb gc[(g - 1) % 6 + 1] dt 2 notitle, \
        for [k=1:4] for [j=1:(strlen(mk_title[k]) > 0 ? 1 : 0)] marks using ($2 == k - 1 ? $1 : NaN):(lo):(0):(hi - lo) \
            with vectors nohead lw 1.5 lc rgb mk_rgb[k] dt mk_dt[k] notitle, \
        keyentry with lines lw 2 lc rgb "#555555" title "p50", \
        keyentry with lines lw 1.5 lc rgb "#555555" dt 2 title "p99", \
        keyentry with lines lw 4 lc rgb "black" title (ngroups == 1 ? "topic (= ".groups.")" : "topic"), \
        for [g=1:ng_drawn] keyentry with lines lw 4 lc rgb gc[(g - 1) % 6 + 1] title word(groups, g)

    # ---- the marks' key under the time axis (a plot of key entries alone) ----
    unset xlabel
    unset ylabel
    unset tics
    unset border
    unset grid
    unset logscale y
    set yrange [0:1]
    set key at screen 0.09, screen 0.17 left top vertical maxrows 4 reverse Left samplen 2.5 spacing 1.1 \
        font ",9" noopaque nobox
    # (-10 is below the range: a plot needs something besides key entries)
    plot -10 notitle, \
        for [k=1:4] for [j=1:(strlen(mk_title[k]) > 0 ? 1 : 0)] keyentry with lines lw 1.5 lc rgb mk_rgb[k] \
            dt mk_dt[k] title mk_title[k]
    unset multiplot
    set output
}
