# spec.sh - the sensor-alerts benchmark, for bench/run_bench.sh: the alerts
# output of examples/sensors.rgp (drop readings outside -40..125, keep those
# above 80, write ts,sensor_id,site,value,over as CSV) on generated readings.
# shellcheck shell=sh disable=SC2016,SC2034 # commands are eval'd by run_one; run_bench.sh reads the rest

TITLE="Sensor alerts"
RECORDS=rows                 # what a record of the input is called
SMALL=2000000 LARGE=10000000 # records for SIZE=small and SIZE=large
DATA_FILE=readings.csv       # made by gen.c as build/bench/sensors/readings-ROWS.csv
OUTPUT=alerts OUTPUT_HEADER=1
RGP_ARGS='readings="$DATA" alerts="$OUTF"'

if [ -z "${PYTHON:-}" ]; then
    if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
fi

peers() {
    contender mawk mawk 'mawk -f bench/sensors/sensors.awk "$DATA" >"$OUTF"' mawk mawk
    contender gawk gawk 'gawk -f bench/sensors/sensors.awk "$DATA" >"$OUTF"' gawk gawk
    contender python python3 '"$PYTHON" bench/sensors/sensors.py "$DATA" "$OUTF"' "$PYTHON" python3
    # Miller keeps a field's input text until it is assigned, so value + 0.0
    # makes it print 101.9 for 101.90 (its floats print as the shortest round trip).
    contender mlr mlr 'mlr --icsv --ocsv filter '\''$value >= -40.0 && $value <= 125.0'\'' \
        then filter '\''$value > 80.0'\'' \
        then put '\''$over = $value - 80.0; $value = $value + 0.0'\'' \
        then cut -o -f ts,sensor_id,site,value,over "$DATA" >"$OUTF"' mlr miller
}
