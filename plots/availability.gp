# availability.gp: a run's write and read availability over time, for the topic and per broker group, with the
# failovers' moments (master crash, detection, promotion or election, first acknowledged write). `mqsim plot DIR`
# runs it as
#   gnuplot -e "data='DIR/availability.dat'; lanes='...'; marks='...'; title='...'; groups='broker-a'; ..." \
#           availability.gp
# Variables: data, lanes, marks (files written by mqsim plot; their first line names the columns), title,
# groups (the group names, space separated), ngroups, tmax (s), ymax (largest topic rate, messages/s), ycap
# (where the rate axis stops when a short burst is far above every other rate; NaN: at ymax), mt0..mt3 (key
# text of the crash, detection, promotion/election and first-write marks; '' when there is none), nunrec (marks
# of kind 4: gnuplot 5.4 crashes drawing labels of which none is defined), png, svg.
# data: a block a series, index 0 the topic (every send: failures without a route to any group are only there),
#   index g group g: 1 t_s, 2 acked_per_s, 3 failed_per_s, 4 reads_per_s, 5 sends_per_s, 6 backlog_msgs (per
#   sample interval). The top panel draws the topic's.
# lanes: 1 t_center_s, 2 lane, 3 half_width_s, 4 state (0 idle, 1 ok, 2 partly failing, 3 down); the topic's
#   writes are lane 2*ngroups+1 and its reads lane 2*ngroups; group g's (1-based) 2*(ngroups-g)+1 and 2*(ngroups-g).
# marks: 1 t_s, 2 kind (0 crash, 1 detected, 2 promoted/elected, 3 first acknowledged write, 4 end of a run
#   without one), 3 group (0-based), 4 label; one NaN row when there is no mark (gnuplot warns about a data file
#   without rows, even in an empty iteration).
# The picture is 1000 x (600 + 72 * (ngroups - 1)) pixels: each group adds a lane pair.

array st_rgb[4] = [0xD9D9D9, 0x009E73, 0xE69F00, 0xD55E00]
array st_name[4] = ["idle: no sends / nothing to read", "up: acknowledged / delivered", \
                    "partly: some sends failed", "down: none acknowledged / messages wait, none delivered"]
array mk_rgb[4] = ["#000000", "#E69F00", "#0072B2", "#009E73"]
array mk_dt[4] = [1, 2, 4, 5]
array mk_title[4] = [mt0, mt1, mt2, mt3]
H = 600 + 72 * (ngroups - 1)
Hf = H * 1.0
sy(px) = 1.0 - px / Hf         # screen y of a pixel row counted from the top
nlanes = 2 * (ngroups + 1)
lanes_bottom = 282 + 36 * nlanes
ytop = (ycap == ycap ? ycap * 1.45 : ymax > 0 ? ymax * 1.45 : 1)
lane_top = nlanes - 0.4
lane_of(g0) = 2 * (ngroups - 1 - g0)   # the reads lane of group g0 (0-based); its writes lane is one above
nice(top, n) = (s0 = 10 ** floor(log10(top / n)), r0 = top / n / s0, (r0 < 1.5 ? 1 : r0 < 3.5 ? 2 : r0 < 7.5 ? 5 : 10) * s0)

do for [term in "png svg"] {
    if (term eq "png") {
        set terminal pngcairo size 1000,H font "Sans,10" noenhanced
        set output png
    } else {
        set terminal svg size 1000,H font "Sans,10" noenhanced dynamic background rgb "white"
        set output svg
    }
    reset
    set multiplot title title font ",12"
    set lmargin at screen 0.15
    set rmargin at screen 0.97
    set xrange [0:tmax]
    set grid xtics ytics lc rgb "#dddddd" lw 1 dt 1

    # ---- top: the topic's messages per second ----
    set tmargin at screen sy(54)
    set bmargin at screen sy(264)
    set format x ""
    set yrange [0:ytop]
    set ytics 0, nice(ytop, 5)
    set format y (ytop >= 10000 ? "%.0s%c" : "%g")
    set ylabel "messages per s (topic)"
    unset label
    if (ycap == ycap) {
        set style textbox opaque noborder
        set label 1 sprintf("peaks up to %.0f/s are cut off", ymax) at graph 0.005, graph 0.95 left font ",8" boxed \
            textcolor rgb "#555555" front
    }
    set key top right reverse Left box opaque horizontal samplen 2.5 font ",9" width 1 maxrows 2
    plot \
        data index 0 using 1:2 with fsteps lw 3 lc rgb "#009E73" title "sends acknowledged", \
        data index 0 using 1:3 with fsteps lw 2 lc rgb "#D55E00" title "sends failed (no route included)", \
        data index 0 using 1:4 with fsteps lw 1.2 lc rgb "#0072B2" dt 3 title "messages delivered to consumers", \
        for [k=1:4] for [j=1:(strlen(mk_title[k]) > 0 ? 1 : 0)] marks using ($2 == k - 1 ? $1 : NaN):(0):(0):(ytop) \
            with vectors nohead lw 1.5 lc rgb mk_rgb[k] dt mk_dt[k] notitle

    # ---- bottom: availability lanes, the topic's above the groups' ----
    unset label
    set tmargin at screen sy(282)
    set bmargin at screen sy(lanes_bottom)
    set format x "%g"
    set xlabel "simulated time (s)" offset 0, 0.3
    set yrange [-0.6:lane_top]
    set ytics () font ",9"
    set ytics add ("topic writes" 2 * ngroups + 1)
    set ytics add ("topic reads" 2 * ngroups)
    do for [g=1:ngroups] {
        set ytics add (word(groups, g)." writes" 2 * (ngroups - g) + 1)
        set ytics add (word(groups, g)." reads" 2 * (ngroups - g))
    }
    set grid noytics
    unset ylabel
    set arrow 1 from graph 0, first (2 * ngroups - 0.5) to graph 1, first (2 * ngroups - 0.5) nohead \
        lc rgb "#888888" lw 1 front
    set style fill solid 0.85 noborder
    set key at screen 0.15, screen sy(lanes_bottom + 84) left top vertical maxrows 4 samplen 2.5 spacing 1.1 \
        font ",9" noopaque nobox
    # A group's marks run from its own lanes up through the topic's.
    plot \
        lanes using 1:2:3:(0.36):(st_rgb[int($4) + 1]) with boxxyerror lc rgb variable notitle, \
        for [k=1:4] for [j=1:(strlen(mk_title[k]) > 0 ? 1 : 0)] marks \
            using ($2 == k - 1 ? $1 : NaN):(lane_of($3) - 0.5):(0):(lane_top - lane_of($3) + 0.5) with vectors \
            nohead lw 1.5 lc rgb mk_rgb[k] dt mk_dt[k] title mk_title[k], \
        for [j=1:(nunrec > 0 ? 1 : 0)] marks using ($2 == 4 ? $1 : NaN):(lane_of($3) + 1):("not recovered ") \
            with labels right font ",8" tc rgb "white" notitle

    # ---- the lane states' legend, two rows under the time axis (a plot of key entries alone) ----
    unset arrow
    unset xlabel
    unset tics
    unset border
    unset grid
    set key at screen 0.15, screen sy(lanes_bottom + 44) left top horizontal maxcols 2 samplen 2 font ",9" \
        noopaque nobox width -14
    set yrange [0:1]
    # (-10 is below the range: a plot needs something besides key entries)
    plot -10 notitle, for [s=1:4] keyentry with boxes fs solid 0.85 noborder lc rgb st_rgb[s] title st_name[s]
    unset multiplot
    set output
}
