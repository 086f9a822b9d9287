#!/usr/bin/env bash
# tests/e2e/parquet_readers.sh: proves the Parquet reading harness (tests/e2e/lib/parquet_lib.sh,
# compare_readers) on files that DuckDB writes, before any Buzz-written file depends on it.
# DuckDB (duckdb_parquet_dump --write) writes one table holding every type Buzz writes and a few it
# may (boolean, int8, int16, int32, int64, float, double with inf, -inf, NaN and -0, decimal(9,2),
# decimal(18,3), decimal(38,10), dates before 1970 and after 2100 and BC, time up to 24:00:00,
# timestamp, timestamptz, varchar with non-ASCII text, empty strings, TAB, LF, CR, backslash, NUL
# and a literal \N), with NULLs in every column, three all-NULL columns and a non-ASCII column
# name: with every codec Buzz writes (uncompressed, snappy, gzip, zstd, lz4_raw), as Parquet v2
# (delta and byte-stream-split encodings), in several row groups, with zero rows, and a larger
# file. arrow-rs (parquet-wasm) writes one more with REQUIRED columns, the NULL logical type, many
# pages per column chunk and several row groups, which DuckDB does not write. All three readers must
# agree on every file, and the agreed dump must hold the exact canonical text of the edge values,
# so the harness can neither pass vacuously nor agree on a wrong rendering. A truncated file must
# make compare_readers fail, and so must a one-cell difference between two dumps. Run by
# tests/run (BUZZ_ROOT, BUZZ_BUILD set; cwd is a fresh temp dir); the last line is
# "parquet_readers: N of M checks passed".
set -u
. "${BUZZ_ROOT:?BUZZ_ROOT is not set (run through tests/run)}/tests/e2e/lib/parquet_lib.sh"
fails=0
n=0

fail() { echo "FAIL $*"; fails=$((fails + 1)); }
agree() { # name file: the three readers agree on file
    n=$((n + 1))
    compare_readers "$2" || { echo "    (check $1)"; fails=$((fails + 1)); return 1; }
}
write() { # file codec sql [options]
    n=$((n + 1))
    if ! "$pq_duckdb_tool" --write "$@" 2>write.err; then
        fail "DuckDB could not write $1:"
        sed 's/^/    /' write.err | head -5
        return 1
    fi
}
has_line() { # name file line: an exact line of the dump, with NUL bytes read as @
    n=$((n + 1))
    tr '\000' '@' <"$2" | grep -qxF -- "$3" || fail "$1: line not in $2: $3"
}

n=$((n + 1))
if ! pq_check_setup; then
    echo "parquet_readers: 0 of 1 checks passed"
    exit 1
fi

# Edge rows: every value as text, cast to the column type by the select below.
edge="SELECT * FROM (VALUES
 ('true', '-128', '-32768', '-2147483648', '-9223372036854775808', '0.1', '1.5',
  '-9999999.99', '-999999999999999.999', '-9999999999999999999999999999.9999999999',
  '1969-12-31', '00:00:00', '1969-12-31 23:59:59.999999', '1970-01-01 00:00:00+00', '', 'red'),
 ('false', '127', '32767', '2147483647', '9223372036854775807', 'inf', '-inf',
  '9999999.99', '999999999999999.999', '9999999999999999999999999999.9999999999',
  '2100-03-01', '23:59:59.999999', '2262-04-12 00:00:00.000001', '2024-03-01 12:00:00+05:30',
  'tab' || chr(9) || 'lf' || chr(10) || 'cr' || chr(13) || 'bs\N' || chr(92), NULL),
 ('true', '0', '0', '0', '0', '-inf', 'nan', '0.00', '0.000', '0.0000000001',
  '0044-03-15 (BC)', '12:34:56.000001', '0001-01-01 00:00:00', '9999-12-31 23:59:59.999999+00',
  'h' || chr(233) || 'llo w' || chr(246) || 'rld ' || chr(26085) || chr(26412) || ' ' || chr(129414),
  'green'),
 ('false', '-1', '-1', '-1', '-1', 'nan', '-0.0', '-0.01', '-0.001', '-0.0000000001',
  '9999-12-31', '24:00:00', '1900-01-01 00:00:00', '1969-12-31 23:59:59.999999+00',
  'nul' || chr(0) || 'byte', 'blue'),
 ('true', '1', '1', '1', '1', '-0.0', '5e-324', '12.50', '-12.500', '12345678901234567890.1234567890',
  '0001-01-01', '00:00:00.5', '1582-10-15 12:00:00', '2000-02-29 23:00:00-01:00',
  repeat('long ', 2000), 'red'),
 (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 ('false', '2', '3', '4', '5', '1.7976931348623157e308', '3.4028235e38', '1.00', '1.000', '1.0000000000',
  '1970-01-01', '00:00:00.000001', '1970-01-01 00:00:00', '1970-01-01 00:00:00+00', '\\N', 'red'),
 ('true', '3', '4', '5', '6', '0.30000000000000004', '0.1', '-12.50', '-0.500', '-1.0000000000',
  '2262-04-11', '01:02:03', '1677-09-21 00:12:43.145224', '2262-04-11 23:47:16.854775+00',
  ' leading and trailing ', 'blue')
) e(b, i8, i16, i32, i64, d, f, dec9, dec18, dec38, dt, t, ts, tz, s, cat)"
# Generated rows: NULLs at a different stride in every column, repeated strings (dictionary
# pages), dates and timestamps on both sides of 1970.
gen="SELECT CASE WHEN r % 11 = 0 THEN NULL ELSE r % 2 = 0 END::VARCHAR,
 CASE WHEN r % 13 = 0 THEN NULL ELSE r % 256 - 128 END::VARCHAR,
 CASE WHEN r % 17 = 0 THEN NULL ELSE r * 7 % 65536 - 32768 END::VARCHAR,
 CASE WHEN r % 7 = 0 THEN NULL ELSE (r * 7919) % 2000001 - 1000000 END::VARCHAR,
 CASE WHEN r % 5 = 0 THEN NULL ELSE (r - 1500) * 6148914691236517 END::VARCHAR,
 CASE WHEN r % 9 = 0 THEN NULL ELSE ((r - 1500) / 7.0 * pow(10, r % 40 - 20))::DOUBLE END::VARCHAR,
 CASE WHEN r % 19 = 0 THEN NULL ELSE ((r - 1500) / 3.0)::DOUBLE END::VARCHAR,
 CASE WHEN r % 3 = 0 THEN NULL ELSE ((r - 1500) * 4567)::VARCHAR || '.' || lpad((r % 100)::VARCHAR, 2, '0') END,
 CASE WHEN r % 23 = 0 THEN NULL
      ELSE ((r - 1500) * 98765432123)::VARCHAR || '.' || lpad((r % 1000)::VARCHAR, 3, '0') END,
 CASE WHEN r % 29 = 0 THEN NULL
      ELSE ((r - 1500)::HUGEINT * 12345678901234567890123)::VARCHAR || '.'
           || lpad(((r * 7919) % 10000000000)::VARCHAR, 10, '0') END,
 CASE WHEN r % 31 = 0 THEN NULL ELSE DATE '1970-01-01' + (r * 97 - 150000)::INTEGER END::VARCHAR,
 CASE WHEN r % 37 = 0 THEN NULL ELSE make_time(r % 24, r % 60, (r * 1000003 % 60000000) / 1000000.0) END::VARCHAR,
 CASE WHEN r % 41 = 0 THEN NULL ELSE make_timestamp(((r - 1500) * 1234567890123)::BIGINT) END::VARCHAR,
 CASE WHEN r % 43 = 0 THEN NULL ELSE make_timestamp(((r - 1500) * 987654321987)::BIGINT)::VARCHAR || '+00' END,
 CASE WHEN r % 47 = 0 THEN NULL ELSE 'row ' || r || repeat('ü', r % 5) END,
 CASE WHEN r % 53 = 0 THEN NULL ELSE ['red', 'green', 'blue', 'amber'][r % 4 + 1] END
 FROM range(3000) t(r)"
cols="b::BOOLEAN AS b, i8::TINYINT AS i8, i16::SMALLINT AS i16, i32::INTEGER AS i32,
 i64::BIGINT AS i64, d::DOUBLE AS d, f::FLOAT AS f, dec9::DECIMAL(9,2) AS dec9,
 dec18::DECIMAL(18,3) AS dec18, dec38::DECIMAL(38,10) AS dec38, dt::DATE AS dt, t::TIME AS t,
 ts::TIMESTAMP AS ts, tz::TIMESTAMPTZ AS tz, s AS s, cat AS \"caf$(printf '\xc3\xa9') name\",
 NULL AS all_null, CAST(NULL AS VARCHAR) AS all_null_str, CAST(NULL AS DECIMAL(38,10)) AS all_null_dec"
table="SELECT $cols FROM ($edge UNION ALL $gen) u"

# The canonical text of the edge rows (see duckdb_parquet_dump.c), identical for every file that
# holds them.
schema_want=$(printf '%s\n' 'b	boolean' 'i8	int8' 'i16	int16' 'i32	int32' 'i64	int64' \
    'd	double' 'f	float' 'dec9	decimal(9,2)' 'dec18	decimal(18,3)' 'dec38	decimal(38,10)' \
    'dt	date' 't	time_us' 'ts	timestamp_us' 'tz	timestamp_us_utc' 's	string' \
    "caf$(printf '\xc3\xa9') name	string" 'all_null	int32' 'all_null_str	string' \
    'all_null_dec	decimal(38,10)')
edge_want=(
    'true	-128	-32768	-2147483648	-9223372036854775808	0.1	1.5	-9999999.99	-999999999999999.999	-9999999999999999999999999999.9999999999	1969-12-31	00:00:00.000000	1969-12-31 23:59:59.999999	1970-01-01 00:00:00.000000Z		red	\N	\N	\N'
    'false	127	32767	2147483647	9223372036854775807	inf	-inf	9999999.99	999999999999999.999	9999999999999999999999999999.9999999999	2100-03-01	23:59:59.999999	2262-04-12 00:00:00.000001	2024-03-01 06:30:00.000000Z	tab\tlf\ncr\rbs\\N\\	\N	\N	\N	\N'
    "true	0	0	0	0	-inf	nan	0.00	0.000	0.0000000001	-0043-03-15	12:34:56.000001	0001-01-01 00:00:00.000000	9999-12-31 23:59:59.999999Z	h$(printf '\xc3\xa9')llo w$(printf '\xc3\xb6')rld $(printf '\xe6\x97\xa5\xe6\x9c\xac') $(printf '\xf0\x9f\xa6\x86')	green	\N	\N	\N"
    'false	-1	-1	-1	-1	nan	-0	-0.01	-0.001	-0.0000000001	9999-12-31	24:00:00.000000	1900-01-01 00:00:00.000000	1969-12-31 23:59:59.999999Z	nul@byte	blue	\N	\N	\N'
    '\N	\N	\N	\N	\N	\N	\N	\N	\N	\N	\N	\N	\N	\N	\N	\N	\N	\N	\N'
    'false	2	3	4	5	1.7976931348623157e+308	3.4028234663852886e+38	1.00	1.000	1.0000000000	1970-01-01	00:00:00.000001	1970-01-01 00:00:00.000000	1970-01-01 00:00:00.000000Z	\\N	red	\N	\N	\N'
    'true	3	4	5	6	0.30000000000000004	0.10000000149011612	-12.50	-0.500	-1.0000000000	2262-04-11	01:02:03.000000	1677-09-21 00:12:43.145224	2262-04-11 23:47:16.854775Z	 leading and trailing 	blue	\N	\N	\N'
)
check_edges() { # name dump
    n=$((n + 1))
    if [ "$(head -n 19 "$2")" != "$schema_want" ]; then
        fail "$1: schema lines differ from the expected ones:"
        diff <(echo "$schema_want") <(head -n 19 "$2") | head -10 | sed 's/^/    /'
    fi
    local line
    for line in "${edge_want[@]}"; do has_line "$1" "$2" "$line"; done
    has_line "$1" "$2" "true	1	1	1	1	-0	0	12.50	-12.500	12345678901234567890.1234567890	0001-01-01	00:00:00.500000	1582-10-15 12:00:00.000000	2000-03-01 00:00:00.000000Z	$(printf 'long %.0s' $(seq 2000))	red	\N	\N	\N"
    n=$((n + 1))
    local rows
    rows=$(($(wc -l <"$2") - 19))
    [ "$rows" -eq 3008 ] || fail "$1: $rows rows, want 3008"
}

# 1. Every codec Buzz writes. DuckDB spells LZ4_RAW 'lz4_raw' (its 'lz4' writes LZ4_RAW too).
for codec in uncompressed snappy gzip zstd lz4_raw; do
    write "types_$codec.parquet" "$codec" "$table" || continue
    agree "codec $codec" "types_$codec.parquet" && check_edges "codec $codec" "types_$codec.parquet.dump"
done
if [ -f types_snappy.parquet.dump ] && [ -f types_zstd.parquet.dump ]; then
    n=$((n + 1))
    cmp -s types_snappy.parquet.dump types_zstd.parquet.dump || fail "the codec changed the dump"
fi

# 2. Data page v2 with DuckDB's v2 encodings (DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY,
#    BYTE_STREAM_SPLIT), and many small row groups. DuckDB's v2 writer computes INT32 deltas in 64
#    bits, so a column holding both -2^31 and 2^31-1 gets 33-bit miniblocks, which arrow-rs rejects
#    ("Invalid delta bit width 33 which is larger than expected 32"; PARQUET-2435 calls such output
#    an encoder bug) while DuckDB and hyparquet read them. That is a DuckDB writer bug, not a
#    reader disagreement, so the v2 file halves the two extreme INT32 values.
write types_v2.parquet zstd "SELECT * REPLACE (CASE WHEN i32 IN (-2147483648, 2147483647)
    THEN i32 // 2 ELSE i32 END AS i32) FROM ($table) v" "PARQUET_VERSION v2" &&
    agree "parquet v2" types_v2.parquet && {
        has_line "parquet v2" types_v2.parquet.dump 'i32	int32'
        for i in 2 3 4 5 6; do has_line "parquet v2" types_v2.parquet.dump "${edge_want[$i]}"; done
        has_line "parquet v2" types_v2.parquet.dump "$(echo "${edge_want[1]}" |
            sed 's/^false	127	32767	2147483647	/false	127	32767	1073741823	/')"
    }
write types_groups.parquet snappy "$table" "ROW_GROUP_SIZE 100" &&
    agree "row groups" types_groups.parquet && check_edges "row groups" types_groups.parquet.dump

# 3. Zero rows: the schema lines only.
write empty.parquet snappy "$table LIMIT 0" && agree "zero rows" empty.parquet && {
    n=$((n + 1))
    [ "$(cat empty.parquet.dump)" = "$schema_want" ] || fail "zero rows: dump is not the schema only"
}

# 4. A larger file: 60000 rows, dictionary pages (DuckDB writes one data page per column chunk
#    here; the arrow-rs file below has many).
write big.parquet snappy "SELECT r AS id, (r * 0.25 - 1000)::DOUBLE AS d,
    ((r % 1000)::DECIMAL(18,3) / 7)::DECIMAL(18,3) AS dec,
    'value ' || (r % 5000) AS s, DATE '2000-01-01' + (r % 20000)::INTEGER AS dt,
    CASE WHEN r % 3 = 0 THEN NULL ELSE r END AS maybe FROM range(60000) t(r)" &&
    agree "larger file" big.parquet && {
        has_line "larger file" big.parquet.dump "59999	13999.75	142.714	value 4999	2054-10-03	59999"
        has_line "larger file" big.parquet.dump "3	-999.25	0.429	value 3	2000-01-04	\N"
    }

# 5. REQUIRED columns, the NULL logical type, many pages per column chunk and several row groups,
#    written by arrow-rs (parquet-wasm): DuckDB writes every column OPTIONAL, in one data page per
#    chunk at these sizes, and has no way to write the NULL logical type.
n=$((n + 1))
if BUZZ_ROOT="$BUZZ_ROOT" node --input-type=module - required.parquet <<'EOF' 2>write.err; then
import fs from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
const require = createRequire(path.join(process.env.BUZZ_ROOT, '.deps', 'npm', 'package.json'))
const pw = require('parquet-wasm')
const arrow = require('apache-arrow')
const rows = 2500
const field = (name, type, nullable) => new arrow.Field(name, type, nullable)
const i32 = Int32Array.from({ length: rows }, (_, i) => i * 7 - 9000)
const i64 = BigInt64Array.from({ length: rows }, (_, i) => BigInt(i) * -3689348814741910n)
const dbl = Float64Array.from({ length: rows }, (_, i) => (i - 1250) / 3)
const strs = Array.from({ length: rows }, (_, i) => `r${i % 100}\t${'é'.repeat(i % 3)}`)
const schema = new arrow.Schema([
    field('i32', new arrow.Int32(), false), field('i64', new arrow.Int64(), false),
    field('d', new arrow.Float64(), false), field('s', new arrow.Utf8(), false),
    field('nothing', new arrow.Null(), true)])
const data = arrow.makeData({
    type: new arrow.Struct(schema.fields), length: rows, nullCount: 0,
    children: [
        arrow.makeData({ type: new arrow.Int32(), data: i32 }),
        arrow.makeData({ type: new arrow.Int64(), data: i64 }),
        arrow.makeData({ type: new arrow.Float64(), data: dbl }),
        arrow.vectorFromArray(strs, new arrow.Utf8()).data[0],
        arrow.makeData({ type: new arrow.Null(), length: rows }),
    ]})
const table = new arrow.Table(schema, new arrow.RecordBatch(schema, data))
// Small pages, write batches and row groups: many pages per column chunk, several row groups,
// and dictionaries that overflow their page size limit and fall back to PLAIN.
const props = new pw.WriterPropertiesBuilder().setCompression(pw.Compression.ZSTD)
    .setDataPageSizeLimit(2048).setDictionaryPageSizeLimit(512).setWriteBatchSize(128)
    .setMaxRowGroupSize(1000).build()
fs.writeFileSync(process.argv[2], pw.writeParquet(pw.Table.fromIPCStream(arrow.tableToIPC(table, 'stream')), props))
EOF
    agree "required columns" required.parquet && {
        has_line "required columns" required.parquet.dump "nothing	null"
        has_line "required columns" required.parquet.dump "i64	int64"
        has_line "required columns" required.parquet.dump "-8993	-3689348814741910	-416.3333333333333	r1\\té	\N"
        n=$((n + 1))
        [ "$(wc -l <required.parquet.dump)" -eq 2505 ] || fail "required columns: wrong line count"
    }
else
    fail "parquet-wasm could not write required.parquet:"
    sed 's/^/    /' write.err | head -10
fi

# 6. compare_readers must fail on a file no reader can read, and say so.
n=$((n + 1))
if [ -f types_snappy.parquet ]; then
    head -c 2000 types_snappy.parquet >truncated.parquet
    if compare_readers truncated.parquet >truncated.out; then
        fail "compare_readers accepted a truncated file"
    elif ! grep -q "FAIL compare_readers truncated.parquet" truncated.out; then
        fail "compare_readers failed on a truncated file without saying so"
    fi
else
    fail "types_snappy.parquet was not written"
fi

# 7. ...and on a one-cell difference between the dumps (a reader rigged to drop a decimal digit).
write tiny.parquet snappy "SELECT 1 AS id, '-12.50'::DECIMAL(9,2) AS amount" && {
    n=$((n + 1))
    if (eval "real_$(declare -f pq_dump)"
        pq_dump() { real_pq_dump "$@" || return; [ "$1" != hyparquet ] || sed -i 's/\.50$/.5/' "$3"; }
        compare_readers tiny.parquet) >tiny.out; then
        fail "compare_readers accepted dumps that differ in one cell"
    elif ! grep -q "hyparquet's dump differs from duckdb's" tiny.out; then
        fail "compare_readers failed on differing dumps without saying which:"
        sed 's/^/    /' tiny.out | head -5
    fi
}

echo "parquet_readers: $((n - fails)) of $n checks passed"
[ $fails -eq 0 ]
