# logs.awk - the log-counting benchmark for mawk and gawk: errors per minute
# and service, one JSON line per (minute, service) in the order they first
# came, as rgp's group writes them.
# Usage: LC_ALL=C awk -f logs.awk app.log > counts.jsonl
# Fields split at runs of blanks, as awk does by default; an entry's first
# field is its timestamp, and a line without one (a stack trace, a marker)
# is not an entry.

$1 ~ /^[0-9]+$/ && $3 == "ERROR" {
    key = sprintf("%.0f %s", $1 - $1 % 60000, $2)   # %.0f: mawk would print 1.76723e+12
    if (!(key in errors)) order[++keys] = key
    errors[key]++
}
END {
    for (i = 1; i <= keys; i++) {
        split(order[i], k, " ")
        printf "{\"minute\":%s,\"service\":\"%s\",\"errors\":%d}\n", k[1], k[2], errors[order[i]]
    }
}
