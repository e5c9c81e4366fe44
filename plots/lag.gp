# lag.gp: one broker group's slave lag against the read-redirect threshold, the consumer's backlog, where the
# consumer reads from and when it was sent to the slave and back. `mqsim plot DIR` runs it as
#   gnuplot -e "data='DIR/lag-G.dat'; marks='DIR/lag-G.marks.dat'; title='...'; nslaves=1; bpm=1144; ..." lag.gp
# Variables: data, marks (files written by mqsim plot; their first line names the columns), title, nslaves,
# bpm (bytes a message takes in the commit log; 0 when unknown), thr_mib (redirect threshold, MiB; NaN when
# unknown), ymax_mib (largest lag or backlog, MiB), backlog_max (messages), reads_max (messages/s), tmax (s),
# nts, ntm (redirects to the slave, back to the master), have_trace (1: marks from trace.jsonl; 2: from the
# running counts in timeseries.csv, one mark a sample; 0: none), png, svg (outputs).
# data columns: 1 t_s, 2 backlog_msgs, 3 threshold_mib, 4 reads_master_per_s, 5 reads_slave_per_s,
# 6 redirects_to_slave, 7 redirects_to_master, then per slave k: 6+2k lag_mib, 7+2k lag_msgs.
# marks columns: 1 t_s, 2 to (1: sent to a slave, 0: sent back to the master); one NaN row when empty, as
# gnuplot warns about a data file without a row (even in an empty iteration).

MiB = 1048576.0
thr_known = (thr_mib == thr_mib)
thr_in = thr_known && (ymax_mib <= 0 || thr_mib <= 1.6 * ymax_mib)
ytop = (thr_in && thr_mib > ymax_mib ? thr_mib : ymax_mib)
ytop = (ytop > 0 ? ytop * 1.15 : 1)
rtop = (reads_max > 0 ? reads_max : 1)
# A round tic step giving about n tics up to top.
nice(top, n) = (s0 = 10 ** floor(log10(top / n)), r0 = top / n / s0, (r0 < 1.5 ? 1 : r0 < 3.5 ? 2 : r0 < 7.5 ? 5 : 10) * s0)

c_master = "#0072B2"; c_slave = "#E69F00"; c_backlog = "#6A3D9A"
rgb_to = 0xD55E00; rgb_back = 0x0072B2
array c_lag[4] = ["#D55E00", "#CC79A7", "#009E73", "#56B4E9"]

fmt_mib(x) = (x >= 100 ? sprintf("%.0f MiB", x) : x >= 1 ? sprintf("%.1f MiB", x) : sprintf("%.0f KiB", x * 1024))
thr_title = (!thr_known ? "" : thr_in ? sprintf("read-redirect threshold (%s)", fmt_mib(thr_mib)) : \
             sprintf("read-redirect threshold (%s): far above this scale", fmt_mib(thr_mib)))
behind_title = (bpm > 0 && nslaves > 0 ? "consumer behind slave 1's end (the slave sends it back below the threshold)" : "")
val(c) = (valid(c) ? column(c) : 0)

do for [term in "png svg"] {
    if (term eq "png") {
        set terminal pngcairo size 1000,720 font "Sans,10" noenhanced
        set output png
    } else {
        set terminal svg size 1000,720 font "Sans,10" noenhanced dynamic background rgb "white"
        set output svg
    }
    reset
    set multiplot title title font ",12"
    set lmargin at screen 0.11
    set rmargin at screen 0.88
    set xrange [0:tmax]
    set grid xtics ytics lc rgb "#dddddd" lw 1 dt 1

    # ---- top: lag, threshold, backlog ----
    set tmargin at screen 0.91
    set bmargin at screen 0.42
    set format x ""
    set yrange [0:ytop]
    set ylabel "MiB behind the master's end"
    set ytics nomirror
    if (bpm > 0) {
        set link y2 via y * MiB / bpm inverse y * bpm / MiB
        set y2tics 0, nice(ytop * MiB / bpm, 6)
        set y2label sprintf("messages (%.0f B each in the commit log)", bpm)
    } else {
        set y2range [0:(backlog_max > 0 ? backlog_max * 1.15 : 1)]
        set y2tics 0, nice(backlog_max > 0 ? backlog_max * 1.15 : 1, 6)
        set y2label "consumer backlog (messages)"
    }
    set format y2 (bpm > 0 && ytop * MiB / bpm >= 10000 || bpm <= 0 && backlog_max >= 10000 ? "%.0s%c" : "%g")
    set key top left reverse Left box opaque samplen 2.5 spacing 1.15 font ",9" width 1
    unset label
    plot \
        data using 1:(thr_in ? $3 : NaN) with lines lw 2 dt (8,5) lc rgb "black" title thr_title, \
        data using 1:2 axes x1y2 with lines lw 2 lc rgb c_backlog \
            title (bpm > 0 ? "consumer backlog (behind the master's end)" : "consumer backlog (right axis)"), \
        data using 1:(bpm > 0 && nslaves > 0 ? $2 * bpm / MiB - $8 : NaN) with lines lw 1.5 dt (2,3) \
            lc rgb c_backlog title behind_title, \
        for [k=1:nslaves] data using 1:(column(6 + 2 * k)) with lines lw 2 lc rgb c_lag[(k - 1) % 4 + 1] \
            title sprintf("slave %d lag (at most %s)", k, fmt_mib(word(lagmax, k) + 0))

    # ---- middle: where the consumer reads ----
    set tmargin at screen 0.40
    set bmargin at screen 0.19
    unset label
    unset link y2
    unset y2tics
    unset y2label
    set yrange [0:rtop * 1.3]
    set ytics 0, nice(rtop * 1.3, 4)
    set format y (rtop * 1.3 >= 10000 ? "%.0s%c" : "%g")
    set ylabel "msgs pulled per s"
    set key top right reverse Left box opaque horizontal samplen 2 font ",9" width 1
    plot \
        data using 1:(0):(val(4)) with filledcurves lc rgb c_master fs transparent solid 0.35 \
            title "served by the master", \
        data using 1:(val(4)):(val(4) + val(5)) with filledcurves lc rgb c_slave fs transparent solid 0.6 \
            title "served by the slave"

    # ---- bottom: the redirects, one tick each ----
    set tmargin at screen 0.17
    set bmargin at screen 0.075
    set format x "%g"
    set xlabel "simulated time (s)"
    set yrange [-0.6:1.6]
    set ytics (sprintf("to slave: %d", nts) 1, sprintf("to master: %d", ntm) 0) font ",9"
    unset ylabel
    set format y "%g"
    set grid noytics
    unset key
    if (nts + ntm == 0) {
        set label 1 (have_trace ? "the consumer was never redirected" : "no trace.jsonl: redirects not known") \
            at graph 0.5, graph 0.5 center font ",9"
    }
    if (have_trace == 2 && nts + ntm > 0) {
        set label 1 "no trace.jsonl: one tick a sample with redirects" at graph 0.99, graph 0.5 right font ",8"
    }
    # (-10 is below the range: an empty strip still needs something to plot)
    plot \
        marks using 1:($2 > 0 ? 0.65 : -0.35):(0):(0.7):($2 > 0 ? rgb_to : rgb_back) with vectors nohead lw 1 \
            lc rgb variable, \
        -10 notitle
    unset multiplot
    set output
}
