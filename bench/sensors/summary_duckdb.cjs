// summary_duckdb.cjs - the sensor benchmark's summary in DuckDB (SQL through
// its Node client): readings outside -40..125 dropped, then per sensor
// count, mean, min and max, sensors in the order they first came. Not the
// alerts: see bench/README.md ("DuckDB").
// Usage: node summary_duckdb.cjs readings.csv summary.csv
'use strict';
const { query, csvSource, shortest, main, writeLines } = require('../duckdb.cjs');

main(async ([data, summary]) => {
    // WITH ORDINALITY numbers the rows in file order (first-seen order); its
    // scan runs in one thread, so avg() adds each sensor's values in input
    // order, as rgp does, and the means agree to the last bit.
    const src = csvSource(data, { sensor_id: 'UINTEGER', site: 'VARCHAR', value: 'DOUBLE', ts: 'BIGINT' });
    const rows = await query(`
        SELECT sensor_id, count(*), avg(value), min(value), max(value)
        FROM ${src} WITH ORDINALITY
        WHERE value >= -40.0 AND value <= 125.0
        GROUP BY sensor_id
        ORDER BY min(ordinality)`);
    const lines = ['sensor_id,readings,mean,lo,hi'];
    for (const [id, n, mean, lo, hi] of rows) {
        lines.push(`${id},${n},${shortest(mean)},${shortest(lo)},${shortest(hi)}`);
    }
    writeLines(summary, lines);
});
