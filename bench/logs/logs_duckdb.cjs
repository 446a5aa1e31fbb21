// logs_duckdb.cjs - the log-counting benchmark in DuckDB (SQL through its
// Node client): each line read whole, cut at blanks with split_part(), the
// errors counted per minute and service, one JSON line per (minute, service)
// in the order the pairs first came.
// Usage: node logs_duckdb.cjs app.log counts.jsonl
'use strict';
const { query, main, writeLines } = require('../duckdb.cjs');

main(async ([data, counts]) => {
    // One VARCHAR column per line: the delimiter is a control character that
    // no log line holds. WITH ORDINALITY numbers the lines for first-seen order.
    const src = `read_csv('${data.replace(/'/g, "''")}', columns = {'text': 'VARCHAR'}, header = false, ` +
        `delim = '\x1f', quote = '', escape = '', auto_detect = false)`;
    const rows = await query(`
        WITH entries AS (
            SELECT TRY_CAST(split_part(text, ' ', 1) AS BIGINT) AS ts,
                   split_part(text, ' ', 2) AS service,
                   split_part(text, ' ', 3) AS level,
                   ordinality
            FROM ${src} WITH ORDINALITY)
        SELECT ts - ts % 60000 AS minute, service, count(*)
        FROM entries
        WHERE ts >= 0 AND level = 'ERROR'
        GROUP BY minute, service
        ORDER BY min(ordinality)`);
    writeLines(counts, rows.map(([minute, service, n]) =>
        `{"minute":${minute},"service":${JSON.stringify(service)},"errors":${n}}`));
});
