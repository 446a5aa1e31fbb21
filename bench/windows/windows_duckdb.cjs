// windows_duckdb.cjs - the windowed-aggregation benchmark in DuckDB (SQL
// through its Node client): tumbling 1 s windows as a GROUP BY on the
// second, rgp's watermark as a running max over the rows before, late rows
// (older than the watermark's second) dropped. Windows oldest first, keys
// in the order their window opened.
// Usage: node windows_duckdb.cjs events.csv out.csv
'use strict';
const { query, csvSource, shortest, main, writeLines } = require('../duckdb.cjs');

main(async ([data, out]) => {
    const src = csvSource(data, { ts: 'BIGINT', key: 'VARCHAR', x: 'DOUBLE' });
    // The running max is exact in any order; each window's mean is a sum in
    // input order (ORDER BY in the aggregate), as rgp adds them up.
    const rows = await query(`
        WITH events AS (
            SELECT ts, key, x, ordinality,
                   max(ts) OVER (ORDER BY ordinality ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before
            FROM ${src} WITH ORDINALITY)
        SELECT key, ts - ts % 1000 AS window_start, count(*), sum(x ORDER BY ordinality), max(x)
        FROM events
        WHERE before IS NULL OR ts - ts % 1000 >= before - before % 1000
        GROUP BY window_start, key
        ORDER BY window_start, min(ordinality)`);
    const lines = ['key,window_start,window_end,n,mean,hi'];
    for (const [key, start, n, sum, hi] of rows) {
        lines.push(`${key},${start},${start + 1000n},${n},${shortest(sum / Number(n))},${shortest(hi)}`);
    }
    writeLines(out, lines);
});
