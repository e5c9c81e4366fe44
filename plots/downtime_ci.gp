# downtime_ci.gp: per scenario of a `mqsim compare`, the mean client-visible downtime and the mean promotion
# time (crash to a new master on the server side) with 95% confidence intervals (Student t, from mqsim's
# stats_summarize). `mqsim plot DIR` runs it as
#   gnuplot -e "data='DIR/downtime-ci.dat'; title='...'; nscen=3; vmin=2.1; vmax=580; png='...'; svg='...'" \
#           downtime_ci.gp
# vmin, vmax: the smallest positive mean or interval end, the largest interval end; when they are more than
# 20 times apart the y axis is logarithmic, so that a 5 s bar beside a 500 s one can still be read.
# data: one row a scenario: 1 i, 2 scenario, 3 downtime_mean_s, 4 lo, 5 hi, 6 n, 7 promotion_mean_s, 8 lo,
# 9 hi, 10 n (a mean over one run has lo = hi = mean; no value at all is NaN). n counts the runs that have the
# value (a run that never recovered has no downtime); 11 runs (all the scenario's runs).

c_down = "#D55E00"; c_prom = "#0072B2"
bw = 0.34
nruns(nd, nall) = (nd == nall ? sprintf("%d runs", nall) : sprintf("%d runs, %d with a downtime", nall, nd))
lbl(m, n) = (m != m ? "" : (m >= 100 ? sprintf("%.0f s", m) : m >= 10 ? sprintf("%.1f s", m) : sprintf("%.2f s", m)))

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
    if (vmin == vmin && vmax > 20 * vmin) {
        set logscale y
        set yrange [10 ** floor(log10(vmin)):vmax * 3]
        set format y "%g"
        set ylabel "seconds after the master's crash (log scale)"
    } else {
        set yrange [0:(vmax > 0 ? vmax * 1.15 : 1)]
        set ylabel "seconds after the master's crash"
    }
    set grid ytics lc rgb "#dddddd" lw 1 dt 1
    set style fill solid 0.75 noborder
    set boxwidth bw absolute
    set bmargin 6
    set key at screen 0.5, screen 0.012 center bottom horizontal reverse Left samplen 2 spacing 1.2 font ",10" width 2
    plot \
        data using ($1 - bw / 2):3:(bw):xticlabels(strcol(2)."\n".nruns($6, $11)) with boxes lc rgb c_down \
            title "downtime: crash to the first acknowledged send (mean, 95% CI)", \
        data using ($1 - bw / 2):3:4:5 with yerrorbars pt 7 ps 0.6 lw 1.5 lc rgb "black" notitle, \
        data using ($1 + bw / 2):7:(bw) with boxes lc rgb c_prom \
            title "promotion: crash to a new master (mean, 95% CI)", \
        data using ($1 + bw / 2):7:8:9 with yerrorbars pt 7 ps 0.6 lw 1.5 lc rgb "black" notitle, \
        data using ($1 - bw / 2):5:(lbl($3, $6)) with labels offset 0, 0.8 font ",9" notitle, \
        data using ($1 + bw / 2):9:(lbl($7, $10)) with labels offset 0, 0.8 font ",9" notitle
    set output
}
