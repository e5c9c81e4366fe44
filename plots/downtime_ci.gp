# downtime_ci.gp: per scenario (and group, when the failovers of several groups are compared) of a
# `mqsim compare`, the mean client-visible downtime of the runs that recovered and the mean promotion time
# (crash to a new master on the server side), with 95% confidence intervals (Student t, from mqsim's
# stats_summarize). Runs that did not recover before the end of the run (censored) have no downtime: a
# triangle at the downtime bar's left edge marks the smallest of their censored times, a lower bound of their
# downtime, labelled on its left (clear of the bar's own label). `mqsim plot DIR` runs
# it as
#   gnuplot -e "data='DIR/downtime-ci.dat'; title='...'; nscen=3; ncensored=2; vmax=580; png='...'; svg='...'" \
#           downtime_ci.gp
# vmax: the largest interval end or censored time. The y axis is linear from 0: a bar starts at 0, which a log
# axis cannot show (and a downtime can be 0).
# data: one row a series: 1 i, 2 scenario, 3 downtime_mean_s, 4 lo, 5 hi, 6 n (recovered runs), 7
# promotion_mean_s, 8 lo, 9 hi, 10 n, 11 runs with a failover, 12 censored runs, 13 smallest censored time_s,
# 14 group, 15 y and 16 text of the downtime label, 17 y and 18 text of the promotion label, 19 y and 20 text
# of the censored label, 21 the x label's second line. A mean over one run has lo = hi = mean; no value is NaN. Label
# positions are always numbers (0 with an empty text): gnuplot 5.4 crashes on a "with labels" plot that has no
# defined point, and any expression of a NaN column is undefined.

c_down = "#D55E00"; c_prom = "#0072B2"; c_cens = "#000000"
bw = 0.34

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
    set xrange [-0.6:nscen - 0.4]
    set xtics nomirror scale 0 font ",10"
    if (nscen > 4) { set xtics rotate by -20 left }
    set yrange [0:(vmax > 0 ? vmax * 1.15 : 1)]
    set ylabel "seconds after the master's crash (downtime: to the first acknowledged send)"
    set grid ytics lc rgb "#dddddd" lw 1 dt 1
    set style fill solid 0.75 noborder
    set boxwidth bw absolute
    set bmargin 7
    set key at screen 0.5, screen 0.012 center bottom horizontal reverse Left samplen 2 spacing 1.2 font ",10" width 2
    plot \
        data using ($1 - bw / 2):3:(bw) with boxes lc rgb c_down \
            title "downtime of the runs that recovered (mean, 95% CI)", \
        data using ($1 - bw / 2):3:4:5 with yerrorbars pt 7 ps 0.6 lw 1.5 lc rgb "black" notitle, \
        data using ($1 + bw / 2):7:(bw) with boxes lc rgb c_prom \
            title "promotion: a new master (mean, 95% CI)", \
        data using ($1 + bw / 2):7:8:9 with yerrorbars pt 7 ps 0.6 lw 1.5 lc rgb "black" notitle, \
        data using ($1 - bw):13 with points pt 9 ps 1.6 lc rgb c_cens \
            title (ncensored > 0 ? "did not recover in the run: downtime above this" : ""), \
        data using ($1 - bw / 2):15:16:xticlabels(strcol(2)."\n".strcol(21)) with labels offset 0, 0.8 font ",9" notitle, \
        data using ($1 + bw / 2):17:18 with labels offset 0, 0.8 font ",9" notitle, \
        data using ($1 - bw):19:20 with labels right offset -1.5, 0 font ",9" notitle
    set output
}
