# availability.gp: a run's write and read availability per broker group over time, with the failover's
# moments (master crash, detection, promotion, first acknowledged write). `mqsim plot DIR` runs it as
#   gnuplot -e "data='DIR/availability.dat'; lanes='...'; marks='...'; title='...'; groups='broker-a'; ..." \
#           availability.gp
# Variables: data, lanes, marks (files written by mqsim plot; their first line names the columns), title,
# groups (the group names, space separated), ngroups, tmax (s), ymax (largest rate, messages/s), ycap (where the
# rate axis stops when a short burst is far above every other rate; NaN: at ymax), mt0..mt3 (key
# text of the crash, detection, promotion and first-write marks; '' when there is none), png, svg (outputs).
# data: per group g (index g-1): 1 t_s, 2 acked_per_s, 3 send_failed_per_s, 4 reads_per_s (per sample interval).
# lanes: 1 t_center_s, 2 lane, 3 half_width_s, 4 state (0 no traffic, 1 ok, 2 partly failing, 3 down);
#   group g's writes are lane 2*(ngroups-g)+1, its reads lane 2*(ngroups-g).
# marks: 1 t_s, 2 kind (0 crash, 1 detected, 2 promoted, 3 first acknowledged write), 3 group (0-based); one
# NaN row when there is no mark (gnuplot warns about a data file without rows, even in an empty iteration).

array st_rgb[4] = [0xD9D9D9, 0x009E73, 0xE69F00, 0xD55E00]
array st_name[4] = ["idle: no sends / nothing to read", "up: sends acknowledged / messages delivered", \
                    "partly: some sends failed", "down: nothing acknowledged / delivered"]
array mk_rgb[4] = ["#000000", "#E69F00", "#0072B2", "#009E73"]
array mk_dt[4] = [1, 2, 4, 5]
array mk_title[4] = [mt0, mt1, mt2, mt3]
array gc[6] = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"]
ytop = (ycap == ycap ? ycap * 1.45 : ymax > 0 ? ymax * 1.45 : 1)
lane_top = 2 * ngroups - 0.4
nice(top, n) = (s0 = 10 ** floor(log10(top / n)), r0 = top / n / s0, (r0 < 1.5 ? 1 : r0 < 3.5 ? 2 : r0 < 7.5 ? 5 : 10) * s0)

do for [term in "png svg"] {
    if (term eq "png") {
        set terminal pngcairo size 1000,600 font "Sans,10" noenhanced
        set output png
    } else {
        set terminal svg size 1000,600 font "Sans,10" noenhanced dynamic background rgb "white"
        set output svg
    }
    reset
    set multiplot title title font ",12"
    set lmargin at screen 0.13
    set rmargin at screen 0.97
    set xrange [0:tmax]
    set grid xtics ytics lc rgb "#dddddd" lw 1 dt 1

    # ---- top: messages per second ----
    set tmargin at screen 0.90
    set bmargin at screen 0.53
    set format x ""
    set yrange [0:ytop]
    set ytics 0, nice(ytop, 5)
    set format y (ytop >= 10000 ? "%.0s%c" : "%g")
    set ylabel "messages per s"
    unset label
    if (ycap == ycap) {
        set style textbox opaque noborder
        set label 1 sprintf("peaks up to %.0f/s are cut off", ymax) at graph 0.005, graph 0.95 left font ",8" boxed \
            textcolor rgb "#555555" front
    }
    set key top right reverse Left box opaque horizontal samplen 2.5 font ",9" width 1 maxrows 3
    if (ngroups == 1) {
        plot \
            data index 0 using 1:2 with fsteps lw 3 lc rgb "#009E73" title "sends acknowledged", \
            data index 0 using 1:3 with fsteps lw 2 lc rgb "#D55E00" title "sends failed", \
            data index 0 using 1:4 with fsteps lw 1.2 lc rgb "#0072B2" dt 3 title "messages delivered to consumers", \
            for [k=1:4] for [j=1:(strlen(mk_title[k]) > 0 ? 1 : 0)] marks using ($2 == k - 1 ? $1 : NaN):(0):(0):(ytop) \
                with vectors nohead lw 1.5 lc rgb mk_rgb[k] dt mk_dt[k] notitle
    } else {
        # Several groups: a colour a group, a dash pattern a kind of count.
        plot \
            for [g=1:ngroups] data index (g - 1) using 1:2 with fsteps lw 2 lc rgb gc[(g - 1) % 6 + 1] notitle, \
            for [g=1:ngroups] data index (g - 1) using 1:3 with fsteps lw 2 lc rgb gc[(g - 1) % 6 + 1] dt 2 notitle, \
            for [g=1:ngroups] data index (g - 1) using 1:4 with fsteps lw 1.2 lc rgb gc[(g - 1) % 6 + 1] dt 3 notitle, \
            keyentry with lines lw 2 lc rgb "black" title "sends acknowledged", \
            keyentry with lines lw 2 lc rgb "black" dt 2 title "sends failed", \
            keyentry with lines lw 1.2 lc rgb "black" dt 3 title "messages delivered", \
            for [g=1:ngroups] keyentry with lines lw 4 lc rgb gc[(g - 1) % 6 + 1] title word(groups, g), \
            for [k=1:4] for [j=1:(strlen(mk_title[k]) > 0 ? 1 : 0)] marks using ($2 == k - 1 ? $1 : NaN):(0):(0):(ytop) \
                with vectors nohead lw 1.5 lc rgb mk_rgb[k] dt mk_dt[k] notitle
    }

    # ---- bottom: availability lanes ----
    unset label
    set tmargin at screen 0.50
    set bmargin at screen 0.25
    set format x "%g"
    set xlabel "simulated time (s)" offset 0, 0.3
    set yrange [-0.6:lane_top]
    set ytics () font ",9"
    do for [g=1:ngroups] {
        set ytics add ((ngroups > 1 ? word(groups, g)." " : "")."writes" 2 * (ngroups - g) + 1)
        set ytics add ((ngroups > 1 ? word(groups, g)." " : "")."reads" 2 * (ngroups - g))
    }
    set grid noytics
    unset ylabel
    set style fill solid 0.85 noborder
    set key at screen 0.13, screen 0.165 left top vertical maxrows 4 samplen 2.5 spacing 1.1 font ",9" \
        noopaque nobox width -2
    plot \
        lanes using 1:2:3:(0.36):(st_rgb[int($4) + 1]) with boxxyerror lc rgb variable notitle, \
        for [k=1:4] for [j=1:(strlen(mk_title[k]) > 0 ? 1 : 0)] marks \
            using ($2 == k - 1 ? $1 : NaN):(-0.6):(0):(lane_top + 0.6) with vectors nohead lw 1.5 \
            lc rgb mk_rgb[k] dt mk_dt[k] title mk_title[k], \
        for [s=1:4] keyentry with boxes fs solid 0.85 noborder lc rgb st_rgb[s] title st_name[s]
    unset multiplot
    set output
}
