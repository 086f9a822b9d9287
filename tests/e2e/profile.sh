#!/usr/bin/env bash
# tests/e2e/profile.sh: `buzz profile` end to end, on files made by `buzz convert`. The summary's
# facts and table rows; --json parsed by Node.js (scripts/setup installs it) and checked value by
# value (types, null counts, distinct counts, min/max typed, top values and their order, histogram
# counts summing to the non-null values, examples); -o writes the same document atomically
# (JSON by the .json extension, text otherwise; nothing left behind when it fails); the time
# limit; Ctrl-C; usage errors (exit 2) and unreadable files (exit 1).
set -u
bin=${BUZZ_BIN:?BUZZ_BIN is not set (run through tests/run)}
fails=0
n=0
mkdir -p logs out

fail() {
    echo "FAIL $*"
    fails=$((fails + 1))
}

command -v node >/dev/null 2>&1 || { echo "FAIL node is missing (scripts/setup installs it)"; exit 1; }

# --- A small dataset with odd column names. -----------------------------------------------------
cat >sales.csv <<'EOF'
id,region,product name,"units ""sold""",price,day,flag
1,North,Apple,10,1.50,2024-01-05,yes
2,South,Banana,5,0.25,2024-01-06,no
3,North,Cherry,7,3.00,2024-02-10,yes
4,East,apple pie,2,12.75,2024-02-11,
5,South,Apple,12,1.50,2024-03-01,yes
6,West,"Date, dried",,4.10,2024-03-15,no
EOF
"$bin" convert sales.csv -o sales.parquet -q || { echo "FAIL setup: convert"; exit 1; }

# --- The summary. ---------------------------------------------------------------------------------
n=$((n + 1))
"$bin" profile sales.parquet >logs/summary.txt 2>logs/err.txt
rc=$?
[ $rc = 0 ] || fail "summary: exit $rc, $(cat logs/err.txt)"
expect_line() { # name regex
    n=$((n + 1))
    grep -Eq -- "$2" logs/summary.txt || fail "summary $1: no line matching /$2/ in: $(cat logs/summary.txt)"
}
expect_line rows '^rows: +6$'
expect_line columns '^columns: +7$'
expect_line header '^ *# +column +type +nulls +distinct +min +max +mean +stddev$'
expect_line id '^ *1 +id +int32 +0 +6 +1 +6 +3\.5 +1\.87083$'
expect_line region '^ *2 +region +varchar +0 +4 +East +West$'
expect_line units '^ *4 +units "sold" +int32 +1 16\.7% +5 +2 +12 +7\.2 +3\.96232$'
expect_line price '^ *5 +price +decimal\(4,2\) +0 +5 +0\.25 +12\.75 +3\.85 +4\.5607$'
expect_line flag '^ *7 +flag +boolean +1 16\.7% +2 +false +true$'
expect_line top '^ +North +2 +33\.3% +█+$'
expect_line bins '^ +\[1\.00, +2\.00\) +2 +█+$'
expect_line examples '^  examples: North \| South \| East \| West$'
expect_line details '^3\. product name \(varchar; DuckDB VARCHAR\)$'

# --- JSON. ------------------------------------------------------------------------------------------
n=$((n + 1))
"$bin" profile sales.parquet --json >out/sales.json 2>logs/err.txt || fail "--json: $(cat logs/err.txt)"
check_json() { # file: the checks of the document, by Node.js
    node - "$1" <<'EOF'
const fs = require('fs');
const doc = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const bad = [];
const eq = (what, got, want) => {
    if (JSON.stringify(got) !== JSON.stringify(want))
        bad.push(`${what}: ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
};
eq('version', doc.version, 1);
eq('rows', doc.rows, 6);
eq('names', doc.columns.map(c => c.name),
   ['id', 'region', 'product name', 'units "sold"', 'price', 'day', 'flag']);
eq('types', doc.columns.map(c => c.type),
   ['int32', 'varchar', 'varchar', 'int32', 'decimal(4,2)', 'date', 'boolean']);
eq('kinds', doc.columns.map(c => c.kind),
   ['number', 'text', 'text', 'number', 'number', 'date', 'boolean']);
eq('nulls', doc.columns.map(c => c.null_count), [0, 0, 0, 1, 0, 0, 1]);
eq('distinct', doc.columns.map(c => c.distinct_count), [6, 4, 5, 5, 5, 6, 2]);
const col = name => doc.columns.find(c => c.name === name);
eq('price min', col('price').min, 0.25);
eq('price max', col('price').max, 12.75);
eq('day min', col('day').min, '2024-01-05');
eq('flag max', col('flag').max, true);
eq('region top', col('region').top, [
    {value: 'North', count: 2}, {value: 'South', count: 2},
    {value: 'East', count: 1}, {value: 'West', count: 1}]);
eq('flag top', col('flag').top, [{value: true, count: 3}, {value: false, count: 2}]);
eq('region length', col('region').length, {min: 4, max: 5, avg: 28 / 6});
eq('region histogram', col('region').histogram, null);
eq('units mean', col('units "sold"').mean, 7.2);
eq('examples', col('product name').examples, ['Apple', 'Banana', 'Cherry', 'apple pie', 'Date, dried']);
for (const c of doc.columns) {
    if (!c.histogram) continue;
    const sum = c.histogram.reduce((s, b) => s + b.count, 0);
    eq(`${c.name} histogram sum`, sum, doc.rows - c.null_count - c.nonfinite_count);
    for (const b of c.histogram)
        if (!(b.lower < b.upper)) bad.push(`${c.name}: bin ${JSON.stringify(b)}`);
}
eq('price bins', col('price').histogram.slice(0, 2),
   [{lower: 0, upper: 1, count: 1}, {lower: 1, upper: 2, count: 2}]);
if (bad.length) {
    console.log(bad.join('\n'));
    process.exit(1);
}
EOF
}
n=$((n + 1))
check_json out/sales.json >logs/node.txt 2>&1 || fail "JSON checks: $(cat logs/node.txt)"

# -o: JSON by the extension, atomically, the same document; text otherwise.
n=$((n + 1))
"$bin" profile sales.parquet -o out/by-ext.json >logs/out.txt 2>logs/err.txt
rc=$?
[ $rc = 0 ] && [ ! -s logs/out.txt ] && grep -q -- "-> out/by-ext.json" logs/err.txt ||
    fail "-o .json: exit $rc, $(cat logs/err.txt)"
n=$((n + 1))
check_json out/by-ext.json >logs/node.txt 2>&1 || fail "-o .json checks: $(cat logs/node.txt)"
n=$((n + 1))
diff <(grep -v elapsed_ms out/sales.json) <(grep -v elapsed_ms out/by-ext.json) >/dev/null ||
    fail "-o .json differs from --json"
n=$((n + 1))
"$bin" profile sales.parquet -o out/summary.txt 2>logs/err.txt &&
    grep -q '^rows: *6$' out/summary.txt || fail "-o text: $(cat logs/err.txt)"
n=$((n + 1))
"$bin" profile sales.parquet --json -o out/forced.txt 2>logs/err.txt &&
    node -e 'JSON.parse(require("fs").readFileSync("out/forced.txt", "utf8"))' ||
    fail "--json -o .txt is not JSON"
n=$((n + 1))
ls out | grep -q '\.tmp\.' && fail "temp files left: $(ls out)"
n=$((n + 1))
"$bin" profile sales.parquet -o no/such/dir/p.json >logs/out.txt 2>logs/err.txt
rc=$?
[ $rc = 1 ] && [ ! -e no ] || fail "-o into a missing directory: exit $rc, $(cat logs/err.txt)"

# --- A larger file: the time limit and Ctrl-C. ----------------------------------------------------
awk 'BEGIN {
    print "id,code,label,amount,seen,note,ref";
    for (i = 0; i < 3000000; i++)
        printf "%d,C%07d,label %d of many,%d.%02d,2024-%02d-%02d,n%dx%d,R%d\n", i,
               (i * 7919) % 10000000, (i * 104729) % 1000003, i % 99991, i % 100, i % 12 + 1,
               i % 28 + 1, i % 7777, i % 3331, i * 13
}' >big.csv
"$bin" convert big.csv -o big.parquet -q || { echo "FAIL setup: convert big"; exit 1; }
rm -f big.csv
n=$((n + 1))
t0=$(date +%s%N)
"$bin" profile big.parquet --timeout 0.05 >logs/out.txt 2>logs/err.txt
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
[ $rc = 1 ] && [ ! -s logs/out.txt ] && grep -q "0.05 s time limit" logs/err.txt && [ $ms -lt 5000 ] ||
    fail "--timeout: exit $rc after $ms ms, $(cat logs/err.txt)"
n=$((n + 1))
"$bin" profile big.parquet --threads 1 >logs/out.txt 2>logs/err.txt &
pid=$!
sleep 0.3
kill -INT $pid
wait $pid
rc=$?
[ $rc = 130 ] && [ ! -s logs/out.txt ] && grep -q "Ctrl-C" logs/err.txt ||
    fail "Ctrl-C: exit $rc, $(cat logs/err.txt)"
n=$((n + 1))
"$bin" profile big.parquet --json --top 3 --bins 5 >out/big.json 2>logs/err.txt &&
    node -e '
        const d = JSON.parse(require("fs").readFileSync("out/big.json", "utf8"));
        const id = d.columns[0], seen = d.columns[4];
        const ok = d.rows === 3000000 && id.distinct_exact === false && id.top === null &&
            id.histogram.length <= 5 && id.histogram.reduce((s, b) => s + b.count, 0) === 3000000 &&
            seen.top.length === 3 && seen.distinct_count === 84;
        if (!ok) { console.log(JSON.stringify(d.columns[0]).slice(0, 400)); process.exit(1); }' \
        >logs/node.txt 2>&1 || fail "big --json: $(cat logs/err.txt logs/node.txt)"

# --- Usage errors (exit 2) and unreadable files (exit 1). ----------------------------------------
usage() { # name args...
    local name=$1
    shift
    n=$((n + 1))
    "$bin" profile "$@" >logs/out.txt 2>logs/err.txt
    local rc=$?
    [ $rc = 2 ] && [ ! -s logs/out.txt ] || fail "usage $name: exit $rc, $(cat logs/err.txt)"
}
usage no_args
usage two_files sales.parquet sales.parquet
usage unknown_option sales.parquet --bogus
usage bad_timeout sales.parquet --timeout soon
usage zero_top sales.parquet --top 0
usage one_bin sales.parquet --bins 1
usage no_output_value sales.parquet -o
n=$((n + 1))
"$bin" profile missing.parquet >logs/out.txt 2>logs/err.txt
rc=$?
[ $rc = 1 ] && grep -q "missing.parquet" logs/err.txt || fail "missing file: exit $rc, $(cat logs/err.txt)"
n=$((n + 1))
"$bin" profile sales.csv >logs/out.txt 2>logs/err.txt
rc=$?
[ $rc = 1 ] && grep -qi "parquet" logs/err.txt || fail "not Parquet: exit $rc, $(cat logs/err.txt)"
n=$((n + 1))
"$bin" profile --help >logs/out.txt 2>&1 && grep -q -- "--json" logs/out.txt || fail "--help"
n=$((n + 1))
"$bin" --help | grep -q "profile" || fail "buzz --help lists profile"

echo "profile: $((n - fails)) of $n checks passed"
[ $fails -eq 0 ]
