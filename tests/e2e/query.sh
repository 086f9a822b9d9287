#!/usr/bin/env bash
# tests/e2e/query.sh: `buzz query` end to end, and the hostile-SQL suite. Datasets are made with
# `buzz convert` from small CSVs. Canary files (a secret.csv beside the dataset, one in the
# working directory, one in a directory outside, and a Parquet file that is not a dataset) hold
# a random marker; every hostile case must exit 1 with a plain-words reason on stderr, print
# nothing on stdout, never show the marker anywhere, and leave the file tree exactly as it was;
# resource-exhaustion cases must end within their --timeout plus 3 s. Legitimate queries
# (aggregates, windows, CTEs, ILIKE, regexp, dates, a join of two datasets) must print what
# DuckDB prints for the same query run directly on the files (tests/tools/duckdb_parquet_dump).
# Then the CLI around it: formats, -o (atomic, by extension), --max-rows, usage errors.
set -u
bin=${BUZZ_BIN:?BUZZ_BIN is not set (run through tests/run)}
build=${BUZZ_BUILD:?BUZZ_BUILD is not set (run through tests/run)}
dump="$build/tools/duckdb_parquet_dump"
fails=0
n=0
root=$(pwd)
mkdir -p ds outside logs
marker="CANARY-$$-$RANDOM$RANDOM"

fail() {
    echo "FAIL $*"
    fails=$((fails + 1))
}

# --- Datasets and canaries. ----------------------------------------------------------------
cat >ds/sales.csv <<'EOF'
id,region,product,units,price,day
1,North,Apple,10,1.50,2024-01-05
2,South,Banana,5,0.25,2024-01-06
3,North,Cherry,7,3.00,2024-02-10
4,East,apple pie,2,12.75,2024-02-11
5,South,Apple,12,1.50,2024-03-01
6,West,Date,,4.10,2024-03-15
EOF
cat >ds/regions.csv <<'EOF'
region,manager
North,Ada
South,Brian
East,Chen
EOF
"$bin" convert ds/sales.csv -o ds/sales.parquet -q || { echo "FAIL setup: convert sales"; exit 1; }
"$bin" convert ds/regions.csv -o ds/regions.parquet -q || { echo "FAIL setup: convert regions"; exit 1; }
printf 'secret,value\n%s,1\n' "$marker" >ds/secret.csv
printf '{"secret": "%s"}\n' "$marker" >ds/secret.json
cp ds/secret.csv secret.csv
printf 'secret,value\n%s,2\n' "$marker" >outside/secret2.csv
"$bin" convert ds/secret.csv -o ds/other.parquet -q || { echo "FAIL setup: convert other"; exit 1; }
rm -f ds/sales.csv ds/regions.csv
ds="$root/ds"
data="$ds/sales.parquet"

tree() { find "$root" -path "$root/logs" -prune -o -printf '%p %s %T@\n' | sort; }
tree >logs/tree.before

# --- Hostile cases: name | fragment expected on stderr | SQL. ---------------------------------
hostile() { # name fragment sql [extra options...]
    local name=$1 frag=$2 sql=$3
    shift 3
    n=$((n + 1))
    "$bin" query "$data" "$sql" --timeout 5 "$@" >logs/out.txt 2>logs/err.txt
    local rc=$?
    if [ "$rc" != 1 ]; then
        fail "hostile $name: exit $rc, want 1 ($(head -c 300 logs/err.txt))"
    elif [ -s logs/out.txt ]; then
        fail "hostile $name: printed rows: $(head -c 200 logs/out.txt)"
    elif ! grep -qi -- "$frag" logs/err.txt; then
        fail "hostile $name: \"$frag\" not in: $(cat logs/err.txt)"
    elif grep -q "$marker" logs/out.txt logs/err.txt; then
        fail "hostile $name: the canary leaked"
    fi
    tree >logs/tree.after
    if ! cmp -s logs/tree.before logs/tree.after; then
        fail "hostile $name: files changed: $(diff logs/tree.before logs/tree.after | head -5)"
        cp logs/tree.after logs/tree.before
    fi
}
# Resource exhaustion: refused by the time or memory limit, within the limit plus slack.
slow() { # name fragment sql timeout_seconds [extra options...]; $slack: seconds allowed past it
    local name=$1 frag=$2 sql=$3 t=$4
    shift 4
    local t0=$(date +%s%N)
    n=$((n + 1))
    "$bin" query "$data" "$sql" --timeout "$t" "$@" >logs/out.txt 2>logs/err.txt
    local rc=$? ms=$((($(date +%s%N) - t0) / 1000000))
    if [ "$rc" != 1 ] || [ -s logs/out.txt ] || ! grep -qi -- "$frag" logs/err.txt; then
        fail "slow $name: exit $rc, stderr: $(head -c 300 logs/err.txt)"
    elif [ "$ms" -gt $((t * 1000 + ${slack:-3} * 1000)) ]; then
        fail "slow $name: took $ms ms with a $t s timeout"
    fi
}

only_select="only SELECT queries are allowed"
# Reading other files.
hostile read_csv "read_csv" "SELECT * FROM read_csv('/etc/passwd')"
hostile read_csv_auto "read_csv_auto" "SELECT * FROM read_csv_auto('$ds/secret.csv')"
hostile read_csv_list "read_csv" "SELECT * FROM read_csv(['$ds/secret.csv'])"
hostile read_text "read_text" "SELECT content FROM read_text('/etc/passwd')"
hostile read_blob "read_blob" "SELECT * FROM read_blob('$ds/secret.csv')"
hostile read_json "read_json" "SELECT * FROM read_json('$ds/secret.json')"
hostile read_json_auto "read_json_auto" "SELECT * FROM read_json_auto('$ds/secret.json')"
hostile read_parquet_other "read_parquet" "SELECT * FROM read_parquet('$ds/other.parquet')"
hostile parquet_scan "parquet_scan" "SELECT * FROM parquet_scan('$ds/other.parquet')"
hostile parquet_metadata "parquet_metadata" "SELECT * FROM parquet_metadata('$ds/other.parquet')"
hostile glob "glob" "SELECT * FROM glob('$ds/*')"
hostile sniff_csv "sniff_csv" "SELECT * FROM sniff_csv('$ds/secret.csv')"
hostile scan_etc_passwd "file" "SELECT * FROM '/etc/passwd'"
hostile scan_abs "file" "SELECT * FROM '$ds/secret.csv'"
hostile scan_relative "file" "SELECT * FROM 'secret.csv'"
hostile scan_dotdot "file" "SELECT * FROM '$ds/../outside/secret2.csv'"
hostile read_dotdot "read_csv" "SELECT * FROM read_csv('$data/../secret.csv')"
hostile in_subquery "read_text" "SELECT (SELECT count(*) FROM read_text('/etc/passwd')) AS n"
hostile in_cte "read_csv" "WITH x AS (SELECT * FROM read_csv('$ds/secret.csv')) SELECT * FROM x"
hostile in_union "read_csv" "SELECT region FROM data UNION ALL SELECT secret FROM read_csv('$ds/secret.csv')"
hostile in_join "file" "SELECT * FROM data JOIN '$ds/other.parquet' o ON true"
hostile query_fn "query" "SELECT * FROM query('SELECT * FROM read_csv(''$ds/secret.csv'')')"
hostile query_table "query_table" "SELECT * FROM query_table('data')"
hostile serialized_sql "json_execute_serialized_sql" "SELECT * FROM json_execute_serialized_sql(json_serialize_sql('SELECT 1'))"
# Writing.
hostile copy_to "$only_select" "COPY data TO '$ds/out.csv'"
hostile copy_query "$only_select" "COPY (SELECT 1) TO '$ds/out.csv' (FORMAT csv)"
hostile copy_from "$only_select" "COPY data FROM '$ds/secret.csv'"
hostile export_db "$only_select" "EXPORT DATABASE '$ds/exported'"
hostile create_table "CREATE" "CREATE TABLE t AS SELECT * FROM data"
hostile create_temp "CREATE" "CREATE TEMP TABLE t (a INTEGER)"
hostile create_view "CREATE" "CREATE VIEW v AS SELECT 1"
hostile replace_data "CREATE" "CREATE OR REPLACE VIEW data AS SELECT 42 AS answer"
hostile create_macro "CREATE" "CREATE MACRO m(x) AS x + 1"
hostile create_secret "$only_select" "CREATE SECRET s (TYPE s3, KEY_ID 'a', SECRET 'b')"
hostile insert "$only_select" "INSERT INTO data VALUES (1)"
hostile update "$only_select" "UPDATE data SET units = 0"
hostile delete "$only_select" "DELETE FROM data"
hostile drop_data "DROP" "DROP VIEW data"
hostile alter "$only_select" "ALTER VIEW data RENAME TO d2"
# Databases, extensions, settings.
hostile attach_file "ATTACH" "ATTACH '$ds/new.db' AS x"
hostile attach_memory "ATTACH" "ATTACH ':memory:' AS m"
hostile detach "DETACH" "DETACH memory"
hostile use "SET" "USE system"
hostile install "INSTALL" "INSTALL httpfs"
hostile load "INSTALL" "LOAD httpfs"
hostile set_access "SET" "SET enable_external_access = true"
hostile set_threads "SET" "SET threads = 1"
hostile reset "SET" "RESET memory_limit"
hostile pragma "$only_select" "PRAGMA version"
hostile pragma_set "$only_select" "PRAGMA threads = 1"
hostile call "CALL" "CALL duckdb_settings()"
hostile checkpoint "CALL" "CHECKPOINT"
hostile begin "transaction" "BEGIN TRANSACTION"
hostile explain "EXPLAIN" "EXPLAIN SELECT * FROM data"
hostile explain_analyze "EXPLAIN" "EXPLAIN ANALYZE SELECT * FROM data"
hostile prepare "PREPARE" "PREPARE p AS SELECT 1"
hostile vacuum "VACUUM" "VACUUM"
hostile pivot_stmt "statement" "PIVOT data ON region USING sum(units)"
# Several statements, comments.
hostile two_statements "2 statements" "SELECT 1; DROP VIEW data"
hostile three_statements "3 statements" "SELECT 1; SELECT 2; SELECT 3"
hostile comment_block "2 statements" "SELECT 1 /* harmless */; COPY data TO '$ds/out.csv'"
hostile comment_line "2 statements" "SELECT 1 -- the rest is a comment
; ATTACH ':memory:' AS m"
hostile trailing_stmt "2 statements" "SELECT * FROM data;SET threads=1;"
# Network (loopback only; port 1 is closed).
hostile http_csv "read_csv" "SELECT * FROM read_csv('http://127.0.0.1:1/x.csv')"
hostile http_scan "file" "SELECT * FROM 'http://127.0.0.1:1/x.parquet'"
hostile https_parquet "read_parquet" "SELECT * FROM read_parquet('https://127.0.0.1:1/x.parquet')"
hostile s3 "read_parquet" "SELECT * FROM read_parquet('s3://bucket/x.parquet')"
# Settings, environment, catalog internals.
hostile getenv "getenv" "SELECT getenv('HOME')"
hostile current_setting "current_setting" "SELECT current_setting('home_directory')"
hostile current_setting_qualified "current_setting" "SELECT main.current_setting('temp_directory')"
hostile setting_in_lambda "current_setting" "SELECT list_transform([1], x -> current_setting('allowed_paths'))"
hostile duckdb_settings "duckdb_settings" "SELECT * FROM duckdb_settings()"
hostile duckdb_settings_view "duckdb_settings" "SELECT * FROM duckdb_settings"
hostile pg_settings "pg_settings" "SELECT * FROM pg_catalog.pg_settings"
hostile secrets "duckdb_secrets" "SELECT * FROM duckdb_secrets()"
hostile extensions "duckdb_extensions" "SELECT * FROM duckdb_extensions()"
hostile views "duckdb_views" "SELECT sql FROM duckdb_views()"
hostile info_schema "information_schema" "SELECT view_definition FROM information_schema.views"
hostile sqlite_master "sqlite_master" "SELECT sql FROM sqlite_master"
hostile viewdef "pg_get_viewdef" "SELECT pg_get_viewdef(1)"
hostile cte_shadow "pg_settings" "WITH a AS (SELECT * FROM pg_settings), pg_settings AS (SELECT 1) SELECT * FROM a"
hostile system_catalog "system" "SELECT * FROM system.main.duckdb_tables"
hostile which_secret "which_secret" "SELECT * FROM which_secret('s3://a/b', 's3')"
# The data view is unchanged by all of the above.
n=$((n + 1))
"$bin" query "$data" "SELECT count(*) AS n FROM data" --format csv >logs/out.txt 2>logs/err.txt
[ "$(tr -d '\r' <logs/out.txt)" = "n
6" ] || fail "data view changed: $(cat logs/out.txt logs/err.txt)"

# Resource exhaustion.
slow cross_join "time limit" "SELECT sum(a.range * b.range) FROM range(100000) a, range(100000) b" 2
slow recursive_cte "time limit" "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r) SELECT count(*) FROM r" 2
slow huge_range "time limit" "SELECT sum(range) FROM range(1000000000000)" 2
slow range_sort "time limit\|memory" "SELECT max(x) FROM (SELECT range % 7 AS x FROM range(1000000000000) ORDER BY range DESC)" 2
slow big_repeat "limit" "SELECT repeat('x', 100000000) AS s" 3
slow big_cells "limit" "SELECT repeat('x', 1000000) AS s FROM range(200)" 3
# DuckDB checks for interrupts between vectors, not inside one function call: repeat() building
# a 1 GB string runs about 10 s (constant folding, then execution) before the watchdog's
# interrupt is seen. It still ends with the time-limit error (docs/query.md, limits).
slack=25 slow giant_repeat "limit" "SELECT repeat('x', 1000000000) AS s" 3
slow agg_memory "memory" "SELECT string_agg(repeat('x', 100000), '') FROM range(100000)" 5 --memory-limit 64
slow distinct_memory "memory\|time limit" "SELECT count(*) FROM (SELECT DISTINCT range FROM range(300000000))" 5 --memory-limit 64
tree >logs/tree.after
n=$((n + 1))
cmp -s logs/tree.before logs/tree.after || fail "resource cases changed files"

# --- Legitimate queries equal DuckDB run directly. -------------------------------------------
same_as_duckdb() { # name sql (with data / regions) ; duckdb sees read_parquet(...) instead
    local name=$1 sql=$2
    local direct=${sql//FROM data/FROM read_parquet(\'$data\')}
    direct=${direct//JOIN regions/JOIN read_parquet(\'$ds\/regions.parquet\')}
    n=$((n + 1))
    if ! "$bin" query "$data" "$sql" --table "regions=$ds/regions.parquet" --format csv \
        >logs/out.txt 2>logs/err.txt; then
        fail "legit $name: $(cat logs/err.txt)"
        return
    fi
    if ! "$dump" --query "$direct" >logs/want.txt 2>logs/err.txt; then
        fail "legit $name: duckdb: $(cat logs/err.txt)"
        return
    fi
    tail -n +2 logs/out.txt | tr -d '\r' | tr ',' '\t' >logs/got.txt
    sed 's/\\N//g' logs/want.txt >logs/want2.txt
    if ! cmp -s logs/got.txt logs/want2.txt; then
        fail "legit $name differs from DuckDB:"
        diff logs/got.txt logs/want2.txt | head -10 | sed 's/^/    /'
    fi
}
same_as_duckdb aggregate "SELECT region, count(*) AS n, sum(units) AS u, avg(price) AS p FROM data GROUP BY region ORDER BY region"
same_as_duckdb window "SELECT id, region, sum(units) OVER (PARTITION BY region ORDER BY id) AS running, rank() OVER (ORDER BY price DESC) AS r FROM data ORDER BY id"
same_as_duckdb cte "WITH big AS (SELECT * FROM data WHERE units > 5) SELECT product, units FROM big ORDER BY units"
same_as_duckdb ilike "SELECT id, product FROM data WHERE product ILIKE 'apple%' ORDER BY id"
same_as_duckdb regexp "SELECT id, regexp_replace(product, '[aeiou]', '_', 'g') AS p FROM data WHERE regexp_matches(product, '^[A-C]') ORDER BY id"
same_as_duckdb dates "SELECT date_trunc('month', day) AS m, strftime(day, '%Y/%m/%d') AS s, day + INTERVAL 1 DAY AS next, datediff('day', DATE '2024-01-01', day) AS d FROM data ORDER BY id"
same_as_duckdb join "SELECT d.id, d.region, r.manager FROM data d JOIN regions r ON d.region = r.region ORDER BY d.id"
same_as_duckdb left_join_nulls "SELECT d.id, r.manager, d.units FROM data d LEFT JOIN regions r USING (region) ORDER BY d.id"
same_as_duckdb decimals "SELECT id, price * units AS total, round(price / 3, 4) AS third FROM data ORDER BY id"

# The file-stem view and the table from --table.
n=$((n + 1))
"$bin" query "$data" "SELECT count(*) FROM sales JOIN regions USING (region)" --table "regions=$ds/regions.parquet" --format csv >logs/out.txt 2>logs/err.txt &&
    [ "$(tr -d '\r' <logs/out.txt | tail -1)" = 5 ] || fail "stem view + --table: $(cat logs/out.txt logs/err.txt)"

# --- Formats and outputs. ----------------------------------------------------------------------
n=$((n + 1))
"$bin" query "$data" "SELECT id, product, price, day, units IS NULL AS missing FROM data WHERE id IN (1, 6) ORDER BY id" --format json >logs/out.txt 2>logs/err.txt
want='[
{"id":1,"product":"Apple","price":1.50,"day":"2024-01-05","missing":false},
{"id":6,"product":"Date","price":4.10,"day":"2024-03-15","missing":true}
]'
[ "$(cat logs/out.txt)" = "$want" ] || fail "json: $(cat logs/out.txt logs/err.txt)"
n=$((n + 1))
"$bin" query "$data" "SELECT id, product FROM data ORDER BY id" >logs/out.txt 2>logs/err.txt
grep -q '^ *1 | Apple' logs/out.txt && grep -q '(6 rows)' logs/out.txt || fail "table: $(cat logs/out.txt)"
n=$((n + 1))
"$bin" query "$data" "SELECT * FROM range(50)" --max-rows 10 --format csv >logs/out.txt 2>logs/err.txt
[ "$(wc -l <logs/out.txt)" = 11 ] && grep -q '10 of 50 rows' logs/err.txt || fail "max-rows: $(cat logs/err.txt)"
n=$((n + 1))
COLUMNS=40 "$bin" query "$data" "SELECT repeat('long text ', 20) AS a, 1 AS b" >logs/out.txt 2>logs/err.txt
awk 'length($0) > 44 { bad = 1 } END { exit bad }' logs/out.txt || fail "table wider than COLUMNS=40: $(cat logs/out.txt)"
for ext in csv json parquet; do
    n=$((n + 1))
    if ! "$bin" query "$data" "SELECT * FROM range(5000) r, data" -o "$root/logs/all.$ext" >logs/out.txt 2>logs/err.txt; then
        fail "-o .$ext: $(cat logs/err.txt)"
        continue
    fi
    grep -q '30000 rows' logs/err.txt || fail "-o .$ext summary: $(cat logs/err.txt)"
done
n=$((n + 1))
[ "$(wc -l <logs/all.csv)" = 30001 ] || fail "-o csv has $(wc -l <logs/all.csv) lines"
n=$((n + 1))
"$dump" --query "SELECT count(*), sum(range), count(DISTINCT product) FROM read_parquet('$root/logs/all.parquet')" >logs/want.txt 2>&1
[ "$(cat logs/want.txt)" = "30000	74985000	5" ] || fail "-o parquet read back: $(cat logs/want.txt)"
n=$((n + 1))
node -e "const d=JSON.parse(require('fs').readFileSync('logs/all.json','utf8')); process.exit(d.length===30000 && d[0].range===0 ? 0 : 1)" ||
    fail "-o json does not parse to 30000 objects"
# A failed export leaves nothing behind (not even a temp file).
n=$((n + 1))
"$bin" query "$data" "SELECT sum(a.range * b.range) FROM range(100000) a, range(100000) b" -o "$root/logs/never.csv" --timeout 1 >logs/out.txt 2>logs/err.txt
[ $? = 1 ] && ! ls logs | grep -q never || fail "failed export left a file: $(ls logs)"
n=$((n + 1))
"$bin" query "$data" "SELECT 1 AS a" --format csv -o "$root/logs/forced.txt" >logs/out.txt 2>&1 &&
    [ "$(tr -d '\r' <logs/forced.txt)" = "a
1" ] || fail "--format csv with -o .txt"

# Ctrl-C cancels the running query at once: exit 130, nothing on stdout.
n=$((n + 1))
"$bin" query "$data" "SELECT sum(a.range * b.range) FROM range(1000000) a, range(1000000) b" >logs/out.txt 2>logs/err.txt &
pid=$!
sleep 1
kill -INT $pid
wait $pid
rc=$?
[ $rc = 130 ] && [ ! -s logs/out.txt ] && grep -q "Ctrl-C" logs/err.txt || fail "Ctrl-C: exit $rc, $(cat logs/err.txt)"

# --- Usage errors (exit 2) and bad input (exit 1). ---------------------------------------------
usage() { # name args...
    local name=$1
    shift
    n=$((n + 1))
    "$bin" query "$@" >logs/out.txt 2>logs/err.txt
    [ $? = 2 ] || fail "usage $name: exit $?, $(cat logs/err.txt)"
}
usage no_args
usage no_sql "$data"
usage parquet_stdout "$data" "SELECT 1" --format parquet
usage bad_format "$data" "SELECT 1" --format xml
usage bad_ext "$data" "SELECT 1" -o out.txt
usage bad_timeout "$data" "SELECT 1" --timeout abc
usage zero_rows "$data" "SELECT 1" --max-rows 0
usage bad_table "$data" "SELECT 1" --table nofile
usage extra_arg "$data" "SELECT 1" extra
n=$((n + 1))
"$bin" query "$ds/missing.parquet" "SELECT 1" >logs/out.txt 2>logs/err.txt
[ $? = 1 ] && grep -q "missing.parquet" logs/err.txt || fail "missing file: $(cat logs/err.txt)"
n=$((n + 1))
"$bin" query "$ds/secret.csv" "SELECT 1" >logs/out.txt 2>logs/err.txt
[ $? = 1 ] && grep -qi "parquet" logs/err.txt && ! grep -q "$marker" logs/err.txt ||
    fail "not parquet: $(cat logs/err.txt)"
n=$((n + 1))
"$bin" query "$data" "SELEC nonsense" >logs/out.txt 2>logs/err.txt
[ $? = 1 ] && grep -q "not valid SQL" logs/err.txt || fail "syntax error: $(cat logs/err.txt)"
n=$((n + 1))
"$bin" query --help >logs/out.txt 2>&1 && grep -q -- "--max-rows" logs/out.txt || fail "--help"
n=$((n + 1))
"$bin" --help | grep -q "query" || fail "buzz --help lists query"

echo "query: $((n - fails)) of $n checks passed"
[ $fails -eq 0 ]
