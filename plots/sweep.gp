# sweep.gp: one metric of a `mqsim sweep` against the first swept parameter, mean and 95% confidence interval
# per grid point, one line per value of the other swept parameters. `mqsim plot DIR` runs it as
#   gnuplot -e "data='DIR/sweep-M.dat'; title='...'; subtitle='...'; xlabel='...'; ylabel='...'; keytitle='...'; nblocks=2; \
#               categorical=0; ncat=6; logx=1; xmin=10; xmax=600; ylo=0; yhi=820; png='...'; svg='...'" sweep.gp
# keytitle: the other swept parameters (the lines' titles are their values); keychars: the longest of the key's
# title and entries, in characters (gnuplot does not count the title when it makes room for the key).
# ylo: the lowest mean (when no mean is negative the y axis starts at 0); yhi: the highest end of an interval.
# data: one block a line (index i), its first line "x" "mean" "<key title>", then 1 x (a number, or the
# category's position when categorical), 2 mean, 3 ci95_lo, 4 ci95_hi, 5 n, 6 x as written in summary.csv.

array c[8] = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]
array pts[8] = [7, 5, 9, 11, 13, 15, 4, 6]
# Lines of one point spread a little sideways, so their error bars do not hide each other.
spread = (nblocks > 1 ? 0.012 : 0)
shift(x, i) = (categorical ? x + (i - (nblocks - 1) / 2.0) * 0.06 : \
               logx ? x * 10 ** ((i - (nblocks - 1) / 2.0) * spread * log10(xmax / xmin)) : \
               x + (i - (nblocks - 1) / 2.0) * spread * (xmax - xmin))

do for [term in "png svg"] {
    if (term eq "png") {
        set terminal pngcairo size 1000,600 font "Sans,10" noenhanced
        set output png
    } else {
        set terminal svg size 1000,600 font "Sans,10" noenhanced dynamic background rgb "white"
        set output svg
    }
    reset
    set title title."\n".subtitle font ",12"
    set xlabel xlabel
    set ylabel ylabel
    set grid xtics ytics lc rgb "#dddddd" lw 1 dt 1
    if (categorical) {
        set xrange [-0.5:ncat - 0.5]
        set xtics scale 0
    } else {
        if (logx) {
            set logscale x
            set xrange [xmin / 1.4:xmax * 1.4]
        } else {
            pad = (xmax > xmin ? (xmax - xmin) * 0.05 : (xmin != 0 ? abs(xmin) * 0.1 : 1))
            set xrange [xmin - pad:xmax + pad]
        }
    }
    if (ylo >= 0) {
        set yrange [0:(yhi > 0 ? yhi * 1.08 : 1)]
    } else {
        set offsets 0, 0, graph 0.06, graph 0.06
    }
    if (nblocks > 1) {
        set rmargin (keychars > 60 ? 60 : keychars) + 3
        set key outside right top vertical reverse Left box samplen 3 spacing 1.3 font ",10" width 4 \
            title keytitle font ",10"
    } else {
        unset key
    }
    if (categorical) {
        plot for [i=0:nblocks - 1] data index i using (shift($1, i)):2:3:4:xticlabels(6) with yerrorlines \
            lw 2 pt pts[i % 8 + 1] ps 1.2 lc rgb c[i % 8 + 1] title columnheader(3)
    } else {
        plot for [i=0:nblocks - 1] data index i using (shift($1, i)):2:3:4 with yerrorlines \
            lw 2 pt pts[i % 8 + 1] ps 1.2 lc rgb c[i % 8 + 1] title columnheader(3)
    }
    set output
}
