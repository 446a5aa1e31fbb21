# spec.sh - the log-counting benchmark, for bench/run_bench.sh: raw log lines
# cut into fields, errors counted per minute and service, JSON lines out, in
# the order the (minute, service) pairs first came.
# shellcheck shell=sh disable=SC2016,SC2034 # commands are eval'd by run_one; run_bench.sh reads the rest

TITLE="Log counting"
RECORDS=lines               # what a record of the input is called
SMALL=500000 LARGE=5000000  # records for SIZE=small and SIZE=large
DATA_FILE=app.log           # made by gen.c as build/bench/logs/app-LINES.log
OUTPUT="(minute, service) counts" OUTPUT_HEADER=0
RGP_ARGS='log="$DATA" counts="$OUTF"'

peers() {
    contender mawk mawk 'mawk -f bench/logs/logs.awk "$DATA" >"$OUTF"' mawk mawk
    contender gawk gawk 'gawk -f bench/logs/logs.awk "$DATA" >"$OUTF"' gawk gawk
    contender jq jq 'jq -R -n -c -f bench/logs/logs.jq "$DATA" >"$OUTF"' jq jq
    # Fields split at blanks (NIDX); count -g keeps first-seen order; the JSON
    # is printed by hand, because Miller's own JSON puts a space after colons.
    contender mlr mlr 'mlr --inidx --ifs " " --onidx filter '\''$1 =~ "^[0-9]+$" && $3 == "ERROR"'\'' \
        then put '\''$minute = $1 - $1 % 60000'\'' then count -g minute,2 \
        then put -q '\''print "{\"minute\":" . $minute . ",\"service\":\"" . $2 . "\",\"errors\":" . $count . "}"'\'' \
        "$DATA" >"$OUTF"' mlr miller
    duckdb_contender duckdb DuckDB 'node bench/logs/logs_duckdb.cjs "$DATA" "$OUTF"'
}
