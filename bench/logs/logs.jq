# logs.jq - the log-counting benchmark for jq: errors per minute and service, one
# JSON line per (minute, service) in the order they first came (jq keeps an
# object's keys in insertion order). Fields are cut at every space, like
# rgp's part(); a line whose first field is not all digits is not an entry.
# Usage: jq -R -n -c -f logs.jq app.log > counts.jsonl
reduce (inputs | split(" ") | select(.[2] == "ERROR" and (.[0] | test("^[0-9]+$")))) as $f
    ({}; .[(($f[0] | tonumber / 60000 | floor) * 60000 | tostring) + " " + $f[1]] += 1)
| to_entries[]
| (.key | split(" ")) as $k
| {minute: ($k[0] | tonumber), service: $k[1], errors: .value}
