# sensors.awk - the sensor-alerts benchmark for mawk and gawk: drop readings
# outside -40..125; write an alert (ts,sensor_id,site,value,mean) for a
# reading over 3x its sensor's mean so far, once the sensor has 10 readings;
# at the end, write one summary row per sensor, in the order sensors first
# came, to the file SUMMARY names.
# Usage: LC_ALL=C awk -v SUMMARY=summary.csv -f sensors.awk readings.csv > alerts.csv
# Splits on commas like most awk users would: the benchmark's data never
# quotes a field.

# rgp's float text: the shortest of %.15g, %.16g, %.17g that reads back as x.
# Values and means lie in -40..125, so x is never in %g's exponent range here.
function shortest(x,    s) {
    s = sprintf("%.15g", x)
    if (s + 0 == x) return s
    s = sprintf("%.16g", x)
    if (s + 0 == x) return s
    return sprintf("%.17g", x)
}

BEGIN { FS = ","; OFS = ","; print "ts,sensor_id,site,value,mean" }
NR == 1 { next }
{
    v = $3 + 0
    if (v < -40 || v > 125) next
    k = $1
    if (!(k in n)) { order[++nkeys] = k; n[k] = 0; sum[k] = 0; lo[k] = v; hi[k] = v }
    if (n[k] >= 10 && v > 3.0 * sum[k] / n[k]) print $4, $1, $2, shortest(v), shortest(sum[k] / n[k])
    if (v < lo[k]) lo[k] = v
    if (v > hi[k]) hi[k] = v
    n[k]++
    sum[k] += v
}
END {
    print "sensor_id,readings,mean,lo,hi" > SUMMARY
    for (i = 1; i <= nkeys; i++) {
        k = order[i]
        printf "%s,%d,%s,%s,%s\n", k, n[k], shortest(sum[k] / n[k]), shortest(lo[k]), shortest(hi[k]) > SUMMARY
    }
    close(SUMMARY)
}
