// The same join in DuckDB (bench/duckdb.cjs's client, two threads), written by
// DuckDB's own COPY in input order. Usage: node duckdb.cjs DIR
'use strict';
const path = require('path');
const { query, csvSource, main } = require(path.join(__dirname, '..', 'duckdb.cjs'));

main(async ([dir]) => {
    const orders = csvSource(path.join(dir, 'orders.csv'), { order_id: 'BIGINT', user_id: 'BIGINT', amount: 'DOUBLE' });
    const users = csvSource(path.join(dir, 'users.csv'), { id: 'BIGINT', name: 'VARCHAR', tier: 'VARCHAR' });
    await query(`COPY (SELECT o.order_id, u.name, o.amount FROM ${orders} o JOIN ${users} u ON o.user_id = u.id
                 ORDER BY o.order_id) TO '${path.join(dir, 'duckdb.csv')}' (HEADER, DELIMITER ',')`);
});
