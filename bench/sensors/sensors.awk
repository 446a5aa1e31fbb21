# sensors.awk - the sensor-alerts benchmark for mawk and gawk: drop readings
# outside -40..125, keep those above 80, write ts,sensor_id,site,value,over.
# Usage: LC_ALL=C awk -f sensors.awk readings.csv > alerts.csv
# Splits on commas like most awk users would: the benchmark's data never
# quotes a field.

# rgp's float text: the shortest of %.15g, %.16g, %.17g that reads back as x.
# Input values have 2 decimals, so x is never in %g's exponent range here.
function shortest(x,    s) {
    s = sprintf("%.15g", x)
    if (s + 0 == x) return s
    s = sprintf("%.16g", x)
    if (s + 0 == x) return s
    return sprintf("%.17g", x)
}

BEGIN { FS = ","; OFS = ","; print "ts,sensor_id,site,value,over" }
NR == 1 { next }
{
    v = $3 + 0
    if (v < -40 || v > 125) next
    if (v > 80) print $4, $1, $2, shortest(v), shortest(v - 80)
}
