# windows.awk - the windowed-aggregation benchmark for mawk and gawk: per-key
# tumbling 1 s windows of event time with count, mean and max, closed by the
# watermark (the latest time seen) as rgp closes them: when the watermark
# enters a new second, every open window is written, keys in the order their
# window opened; a row older than that second is late and dropped.
# Usage: LC_ALL=C awk -f windows.awk events.csv > out.csv

# rgp's float text: the shortest of %.15g, %.16g, %.17g that reads back as x.
# Means and maxima here lie in 1..2000, where %g never picks its exponent form.
function shortest(x,    s) {
    s = sprintf("%.15g", x)
    if (s + 0 == x) return s
    s = sprintf("%.16g", x)
    if (s + 0 == x) return s
    return sprintf("%.17g", x)
}

# Writes every open window (they all start at `start`) and closes it.
function close_windows(    i, k) {
    for (i = 1; i <= nopen; i++) {
        k = opened[i]
        # p99: add the key's 99th percentile here when rgp's quantile sketch lands
        printf "%s,%.0f,%.0f,%d,%s,%s\n", k, start, start + 1000, n[k], shortest(sum[k] / n[k]), shortest(hi[k])
        open[k] = 0
    }
    nopen = 0
}

BEGIN { FS = ","; print "key,window_start,window_end,n,mean,hi"; edge = -1 }
NR == 1 { next }
{
    ts = $1 + 0
    if (ts > watermark) {
        watermark = ts
        if (ts - ts % 1000 > edge) { close_windows(); edge = ts - ts % 1000; start = edge }
    }
    if (ts < edge) next                         # late: its window has closed
    k = $2; x = $3 + 0
    if (!open[k]) { open[k] = 1; opened[++nopen] = k; n[k] = 0; sum[k] = 0; hi[k] = x }
    n[k]++; sum[k] += x
    if (x > hi[k]) hi[k] = x
}
END { close_windows() }
