// duckdb.cjs - what the DuckDB contenders share: DuckDB's Node client
// (@duckdb/node-api, installed into build/duckdb by `scripts/deps.sh bench`),
// one in-memory database with two threads, and rgp's float text.
// A job's script requires this, runs its SQL with query() and writes the rows.
'use strict';
const path = require('path');
const fs = require('fs');

const CLIENT = process.env.DUCKDB_CLIENT ||
    path.join(__dirname, '..', 'build', 'duckdb', 'node_modules', '@duckdb', 'node-api');

// query(sql): the rows of sql's result, as arrays of JS values (BIGINT as BigInt).
async function query(sql) {
    const { DuckDBInstance } = require(CLIENT);
    const db = await DuckDBInstance.create(':memory:', { threads: '2' });
    const con = await db.connect();
    const result = await con.runAndReadAll(sql);
    return result.getRows();
}

// csvSource(file, columns): a read_csv() call with the column types given
// (no sniffing), a header line, and no quoting, as every benchmark's data is.
function csvSource(file, columns) {
    const cols = Object.entries(columns).map(([n, t]) => `'${n}': '${t}'`).join(', ');
    return `read_csv('${file.replace(/'/g, "''")}', columns = {${cols}}, header = true, ` +
        `delim = ',', quote = '', escape = '', auto_detect = false)`;
}

// shortest(x): rgp's float text, the shortest of %.15g, %.16g and %.17g that
// reads back as x, written as C's %g writes it (no trailing zeros, the
// exponent form below 1e-4 and from 1e<precision> up). JS's own String(x)
// differs from it in its exponent form (1e+21, 1e-7), so it is built here.
function shortest(x) {
    if (Number.isNaN(x)) return 'nan';
    if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
    if (x === 0) return Object.is(x, -0) ? '-0' : '0';
    let p = 15, e;
    for (; p <= 17; p++) {
        e = x.toExponential(p - 1);
        if (Number(e) === x || p === 17) break;
    }
    const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(e);
    const sign = m[1], exp = Number(m[4]);
    const digits = (m[2] + (m[3] || '')).replace(/0+$/, '');
    if (exp < -4 || exp >= p) {
        const frac = digits.length > 1 ? '.' + digits.slice(1) : '';
        const ae = Math.abs(exp);
        return `${sign}${digits[0]}${frac}e${exp < 0 ? '-' : '+'}${ae < 10 ? '0' : ''}${ae}`;
    }
    if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
    const whole = digits.length > exp + 1 ? digits.slice(0, exp + 1) : digits.padEnd(exp + 1, '0');
    const frac = digits.length > exp + 1 ? '.' + digits.slice(exp + 1) : '';
    return sign + whole + frac;
}

// main(job): runs async job(argv), reports an error on stderr with exit 1.
function main(job) {
    job(process.argv.slice(2)).catch((err) => {
        process.stderr.write(`${path.basename(process.argv[1])}: ${err.message}\n`);
        process.exit(1);
    });
}

function writeLines(file, lines) {
    fs.writeFileSync(file, lines.length ? lines.join('\n') + '\n' : '');
}

module.exports = { query, csvSource, shortest, main, writeLines };
