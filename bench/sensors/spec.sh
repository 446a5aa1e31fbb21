# spec.sh - the sensor-alerts benchmark, for bench/run_bench.sh: the job of
# examples/sensors.rgp on generated readings: drop readings outside -40..125,
# alert (ts,sensor_id,site,value,mean) on a reading over 3x its sensor's mean
# so far once the sensor has 10 readings, and write a summary row per sensor
# (sensor_id,readings,mean,lo,hi) when the input ends. Two outputs, both
# checked: the alerts ($OUTF) and the summary ($OUTF2).
# shellcheck shell=sh disable=SC2016,SC2034 # commands are eval'd by run_one; run_bench.sh reads the rest

TITLE="Sensor alerts"
RECORDS=rows                 # what a record of the input is called
SMALL=2000000 LARGE=10000000 # records for SIZE=small and SIZE=large
DATA_FILE=readings.csv       # made by gen.c as build/bench/sensors/readings-ROWS.csv
OUTPUT=alerts OUTPUT_HEADER=1
SECOND_OUTPUT=summary
RGP_ARGS='readings="$DATA" alerts="$OUTF" summary="$OUTF2"'

if [ -z "${PYTHON:-}" ]; then
    if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
fi

peers() {
    contender mawk mawk 'mawk -v SUMMARY="$OUTF2" -f bench/sensors/sensors.awk "$DATA" >"$OUTF"' mawk mawk
    contender gawk gawk 'gawk -v SUMMARY="$OUTF2" -f bench/sensors/sensors.awk "$DATA" >"$OUTF"' gawk gawk
    contender python python3 '"$PYTHON" bench/sensors/sensors.py "$DATA" "$OUTF" "$OUTF2"' "$PYTHON" python3
    # sensors.mlr keeps the alerts and writes the summary itself; cut puts
    # the alerts' fields in rgp's order.
    contender mlr mlr 'mlr --icsv --ocsv put -s summary="$OUTF2" -f bench/sensors/sensors.mlr \
        then cut -o -f ts,sensor_id,site,value,mean "$DATA" >"$OUTF"' mlr miller
    # DuckDB does the summary only: its running sums (window frames) are not
    # added in input order, so the alerts' means differ in their last digits.
    duckdb_contender duckdb "DuckDB (summary only)" 'node bench/sensors/summary_duckdb.cjs "$DATA" "$OUTF2"'
    part_of duckdb summary.out "summary only, not the alerts"
}
