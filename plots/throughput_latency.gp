# throughput_latency: achieved throughput against send latency, one line per broker setting, from a sweep's
# summary.csv whose vary keys are groups[0].role, groups[0].async_send, producers.threads and whose metrics
# include tps, latency_p50_ms and latency_p99_ms (scenarios/sync_vs_async_sweep.json).
#   gnuplot -e "dir='out/sync_vs_async_sweep'" plots/throughput_latency.gp
if (!exists("dir")) dir = "out/sync_vs_async_sweep"
f = dir . "/summary.csv"
set datafile separator ","
set terminal pngcairo size 900,560 font ",10"
set output dir . "/throughput_latency.png"
set key top left
set logscale xy
set xlabel "achieved throughput (sends acknowledged per second)"
set ylabel "send latency (ms)"
set grid
set title "Closed-loop producers, 1 to 256 threads (solid p50, dashed p99)"
sel(role, as) = (strcol(1) eq role && strcol(2) eq as)
plot \
  f using (sel("ASYNC_MASTER","false") ? column("tps_mean") : NaN):(column("latency_p50_ms_mean")) with linespoints lc rgb "#1b9e77" pt 7 title "ASYNC\\_MASTER p50", \
  f using (sel("ASYNC_MASTER","false") ? column("tps_mean") : NaN):(column("latency_p99_ms_mean")) with linespoints lc rgb "#1b9e77" dt 2 pt 6 title "ASYNC\\_MASTER p99", \
  f using (sel("SYNC_MASTER","false") ? column("tps_mean") : NaN):(column("latency_p50_ms_mean")) with linespoints lc rgb "#d95f02" pt 7 title "SYNC\\_MASTER 4.4 p50", \
  f using (sel("SYNC_MASTER","false") ? column("tps_mean") : NaN):(column("latency_p99_ms_mean")) with linespoints lc rgb "#d95f02" dt 2 pt 6 title "SYNC\\_MASTER 4.4 p99", \
  f using (sel("SYNC_MASTER","true") ? column("tps_mean") : NaN):(column("latency_p50_ms_mean")) with linespoints lc rgb "#7570b3" pt 7 title "SYNC\\_MASTER async\\_send p50", \
  f using (sel("SYNC_MASTER","true") ? column("tps_mean") : NaN):(column("latency_p99_ms_mean")) with linespoints lc rgb "#7570b3" dt 2 pt 6 title "SYNC\\_MASTER async\\_send p99"
