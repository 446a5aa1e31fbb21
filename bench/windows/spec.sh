# spec.sh - the windowed-aggregation benchmark, for bench/run_bench.sh:
# per-key tumbling 1 s windows over an event-time stream (count, mean, max;
# p99 when rgp's quantile sketch lands), late rows dropped.
# shellcheck shell=sh disable=SC2016,SC2034 # commands are eval'd by run_one; run_bench.sh reads the rest

TITLE="Windowed aggregation"
RECORDS=events              # what a record of the input is called
SMALL=500000 LARGE=5000000  # records for SIZE=small and SIZE=large
DATA_FILE=events.csv        # made by gen.c as build/bench/windows/events-EVENTS.csv
OUTPUT=windows OUTPUT_HEADER=1
RGP_ARGS='events="$DATA" out="$OUTF"'

peers() {
    contender mawk mawk 'mawk -f bench/windows/windows.awk "$DATA" >"$OUTF"' mawk mawk
    contender gawk gawk 'gawk -f bench/windows/windows.awk "$DATA" >"$OUTF"' gawk gawk
    # windows.mlr drops late rows and numbers the keys in the order they came
    # in their window; a sort by window and that number gives rgp's order
    # (windows oldest first, keys in the order their window opened).
    # p99: add p99 to -a when rgp has it.
    contender mlr mlr 'mlr --icsv --ocsv put -f bench/windows/windows.mlr \
        then stats1 -a count,mean,max -f x -g window_start,first,key \
        then sort -nf window_start,first then put '\''$window_end = $window_start + 1000'\'' \
        then cut -x -f first then rename x_count,n,x_mean,mean,x_max,hi \
        then reorder -f key,window_start,window_end,n,mean,hi "$DATA" >"$OUTF"' mlr miller
    # DuckDB: the windows as a GROUP BY on the second, the watermark as a
    # running max over the rows before.
    duckdb_contender duckdb DuckDB 'node bench/windows/windows_duckdb.cjs "$DATA" "$OUTF"'
}
