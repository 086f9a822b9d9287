#!/usr/bin/env bash
# tests/e2e/convert.sh: `buzz convert` progress and several inputs.
# Progress: --progress=json prints one JSON object per line on stderr (both passes in order, bytes
# and rows never decreasing, a last line per pass at 100% of its share with every row), and
# --progress draws a bar (percent, MB/s, rows/s, ETA) even when stderr is not a terminal; -q and a
# non-terminal stderr print none. --profile writes the output's column profiles. A full disk or an unwritable directory: a clear error, nothing left.
# `buzz convert INPUT... -o OUTPUT` with several inputs: each input is
# sniffed on its own (',' and ';', plain, .gz and stdin), columns are matched by name in any
# order, types fit the values of every input (a decimal in the last file widens an integer
# column), rows come in input order, the summary and --json list each input, rejects name the
# file, thread counts give the same output, and inputs whose columns differ are refused with a
# message naming the files and columns, leaving no output.
# Run by tests/run with BUZZ_BIN set; cwd is a fresh temp dir.
set -u
bin=${BUZZ_BIN:?BUZZ_BIN is not set (run through tests/run)}
fails=0
n=0

source "$(dirname "$0")/lib/check_lib.sh"

printf 'id,city,zip,amount,day\n1,Paris,00501,7,2024-01-02\n2,Lyon,75001,8,2024-01-03\n' >a.csv
printf 'zip;day;AMOUNT;id;city\r\n10115;2024-02-01;3,5;3;Berlin\r\n;2024-02-02;;4;"Bonn; Rhein"\r\n' >b.csv
gzip -c b.csv >b.csv.gz
printf 'city,id,zip,amount,day\nRome,5,00184,12,2024-03-01\n' >c.csv

# Three inputs (plain, gzip, stdin) into one CSV output, in the first input's column order.
check three_inputs 0 sh -c "cat c.csv | '$bin' convert a.csv b.csv.gz - -o all.csv"
same three_inputs_rows all.csv 'id,city,zip,amount,day
1,Paris,00501,7.0,2024-01-02
2,Lyon,75001,8.0,2024-01-03
3,Berlin,10115,3.5,2024-02-01
4,Bonn; Rhein,,,2024-02-02
5,Rome,00184,12.0,2024-03-01'
has three_inputs_summary err.txt '5 rows, 5 columns'
has three_inputs_each err.txt 'input b.csv.gz: 2 rows'
has three_inputs_stdin err.txt 'input -: 1 rows'
has three_inputs_zip_text err.txt 'zip  *varchar'

# The same into Parquet, with 1 and 2 threads: identical files' values (read back by buzz query).
check parquet_t1 0 "$bin" convert a.csv b.csv c.csv -o t1.parquet --threads 1 -q
check parquet_t2 0 "$bin" convert a.csv b.csv c.csv -o t2.parquet --threads 2 -q
check read_t1 0 "$bin" query t1.parquet "SELECT * FROM data" --format csv -o t1.csv
check read_t2 0 "$bin" query t2.parquet "SELECT * FROM data" --format csv -o t2.csv
n=$((n + 1))
if ! cmp -s t1.csv t2.csv; then
    echo "FAIL threads: outputs differ"
    diff t1.csv t2.csv | head | sed 's/^/    /'
    fails=$((fails + 1))
fi
check parquet_types 0 "$bin" query t1.parquet \
    "SELECT typeof(id), typeof(zip), typeof(amount), typeof(day), count(*) FROM data GROUP BY ALL" \
    --format csv
has parquet_types out.txt 'INTEGER,VARCHAR,"DECIMAL(3,1)",DATE,5'

# --json lists every input.
check json 0 "$bin" convert a.csv b.csv -o j.parquet --json
node -e '
const s = JSON.parse(require("fs").readFileSync("out.txt", "utf8"));
const ok = s.rows === 4 && s.inputs.length === 2 && s.inputs[0].path === "a.csv" &&
    s.inputs[1].rows === 2 && s.inputs[1].input_bytes > 0 && s.schema.source.name === "a.csv, b.csv";
process.exit(ok ? 0 : 1);' || { echo "FAIL json: unexpected summary"; head -c 600 out.txt; fails=$((fails + 1)); }
n=$((n + 1))

# Rejects under a user type name the file and its own line.
printf '{"columns":[{"name":"zip","type":"int32"}]}' >zip.json
check rejects 0 "$bin" convert a.csv b.csv -o r.parquet --schema zip.json --rejects r.csv -q
same rejects_file r.csv 'file,line,column,value,reason'
check rejects_city 0 "$bin" convert a.csv b.csv -o r.parquet \
    --schema <(printf '{"columns":[{"name":"city","type":"int32"}]}') --rejects r.csv -q
same rejects_city_file r.csv 'file,line,column,value,reason
a.csv,2,city,Paris,not a whole number (int32)
a.csv,3,city,Lyon,not a whole number (int32)
b.csv,2,city,Berlin,not a whole number (int32)
b.csv,3,city,Bonn; Rhein,not a whole number (int32)'

# Columns that differ: exit 1, both files and the columns named, nothing written.
printf 'id,town,zip,amount,day\n9,Nice,06000,1,2024-04-01\n' >d.csv
check mismatch 1 "$bin" convert a.csv d.csv -o bad.parquet
has mismatch_msg err.txt 'input 2 (d.csv) does not have the columns of input 1 (a.csv)'
has mismatch_cols err.txt 'missing "city"'
has mismatch_extra err.txt 'not in the first input "town"'
absent mismatch_out bad.parquet
printf '9,Nice,06000,1,2024-04-01\n' >e.csv
check no_header 1 "$bin" convert a.csv e.csv -o bad.parquet
has no_header_hint err.txt 'no-header'
absent no_header_out bad.parquet
check stdin_twice 2 sh -c "'$bin' convert - - -o bad.parquet </dev/null"
has stdin_twice_msg err.txt 'only once'
check missing_file 1 "$bin" convert a.csv nothere.csv -o bad.parquet
absent missing_out bad.parquet

# Progress output.
awk 'BEGIN { srand(7); print "id,name,amount,day" }
     { } END { for (i = 0; i < 300000; i++) printf "%d,name %d,%d.%02d,2024-%02d-%02d\n", i, i % 977, i % 5000, i % 100, i % 12 + 1, i % 28 + 1 }' </dev/null >big.csv
check progress_json 0 "$bin" convert big.csv -o big.parquet --progress=json -q
n=$((n + 1))
node -e '
const lines = require("fs").readFileSync("err.txt", "utf8").trim().split("\n");
let bad = [], last = {}, seenWrite = false, ends = {};
for (const l of lines) {
    let p;
    try { p = JSON.parse(l); } catch (e) { bad.push("not JSON: " + l); continue; }
    for (const k of ["phase", "bytes_done", "bytes_total", "rows_done", "input", "inputs",
                     "percent", "mb_per_s", "rows_per_s", "eta_seconds", "seconds"])
        if (!(k in p)) bad.push("no " + k + ": " + l);
    if (p.phase === "write") seenWrite = true;
    if (p.phase === "types" && seenWrite) bad.push("types after write");
    const q = last[p.phase];
    if (q && (p.bytes_done < q.bytes_done || p.rows_done < q.rows_done || p.percent < q.percent))
        bad.push("went back: " + l);
    last[p.phase] = p;
    if (p.bytes_done === p.bytes_total) ends[p.phase] = p;
}
if (!ends.types || ends.types.rows_done !== 300000 || ends.types.percent !== 30) bad.push("types end");
if (!ends.write || ends.write.rows_done !== 300000 || ends.write.percent !== 100) bad.push("write end");
if (bad.length) { console.log(bad.slice(0, 5).join("\n")); process.exit(1); }' >node.txt 2>&1 ||
    { echo "FAIL progress_json_lines:"; sed 's/^/    /' node.txt; head -3 err.txt; fails=$((fails + 1)); }
check progress_bar 0 "$bin" convert big.csv -o big.parquet --progress
n=$((n + 1))
if ! tr '\r' '\n' <err.txt | grep -Eq '\[#*\.*\] +[0-9]+% (types|write), [0-9]+ MB/s, [0-9.]+[kM] rows/s, ETA [0-9]+ s'; then
    echo "FAIL progress_bar: no bar line"; tr '\r' '\n' <err.txt | head -5 | sed 's/^/    /'; fails=$((fails + 1))
fi
has progress_bar_summary err.txt '300000 rows, 4 columns'
check progress_quiet 0 "$bin" convert big.csv -o big.parquet -q --progress
n=$((n + 1))
[ -s err.txt ] && { echo "FAIL progress_quiet: stderr not empty"; fails=$((fails + 1)); }
check progress_pipe 0 "$bin" convert big.csv -o big.parquet
n=$((n + 1))
grep -q '%' err.txt && { echo "FAIL progress_pipe: a bar on a non-terminal"; fails=$((fails + 1)); }
head -1000 big.csv >small.csv
check progress_inputs 0 "$bin" convert big.csv small.csv -o both.parquet --progress=json -q
n=$((n + 1))
grep -q '"input":2,"inputs":2' err.txt || { echo "FAIL progress_inputs: no second input"; fails=$((fails + 1)); }

# --profile FILE: the column profiles of the output as JSON (docs/profile.md), named in --json.
check profile 0 "$bin" convert big.csv -o prof.parquet --profile prof.json --json
n=$((n + 1))
node -e '
const fs = require("fs");
const p = JSON.parse(fs.readFileSync("prof.json", "utf8"));
const s = JSON.parse(fs.readFileSync("out.txt", "utf8"));
const col = n => p.columns.find(c => c.name === n);
const ok = p.version === 1 && p.rows === 300000 && p.columns.length === 4 &&
    col("id").min === 0 && col("id").max === 299999 && col("id").null_count === 0 &&
    col("amount").type.startsWith("decimal") && col("day").type === "date" &&
    col("name").distinct_count === 977 && col("name").top.length === 20 &&
    s.profile.path === "prof.json" && s.profile.ms >= 0;
if (!ok) { console.log(JSON.stringify(p).slice(0, 800)); process.exit(1); }' >node.txt 2>&1 ||
    { echo "FAIL profile_json:"; sed 's/^/    /' node.txt; fails=$((fails + 1)); }
check profile_summary 0 "$bin" convert small.csv -o prof2.parquet --profile prof2.json
has profile_summary_line err.txt 'profile: 4 columns in'
check profile_csv_output 2 "$bin" convert small.csv -o prof.csv --profile prof3.json
has profile_csv_msg err.txt 'needs a .parquet output'
absent profile_csv_none prof3.json
absent profile_csv_out prof.csv

# Inline comments forced either way (the sniffer's choice is tested in test_csv_sniff), and the
# choice in the sniff document.
printf 'a;b\n1;3#x\n6;7\n' >ic.csv
check inline_on 0 "$bin" convert ic.csv -o ic1.csv --comment '#' --inline-comments -q
same inline_on_rows ic1.csv 'a,b
1,3
6,7'
check inline_off 0 "$bin" convert ic.csv -o ic2.csv --comment '#' --no-inline-comments -q
same inline_off_rows ic2.csv 'a,b
1,3#x
6,7'
check inline_sniff 0 "$bin" sniff ic.csv --comment '#' --inline-comments --json
has inline_sniff_json out.txt '"inline_comments": true'

# A full disk (here a file size limit: writes past it fail with EFBIG, as ENOSPC would): exit 1,
# a plain message, no output and no temp file left; the same for CSV output and for rejects.
mkdir full && cp big.csv full/
for out in full/out.parquet full/out.csv; do
    check "disk_full_$out" 1 bash -c "ulimit -f 200; trap '' XFSZ; exec '$bin' convert full/big.csv -o $out"
    has "disk_full_msg_$out" err.txt 'cannot write the output file'
    n=$((n + 1))
    if [ "$(ls full)" != big.csv ]; then
        echo "FAIL disk_full_left_$out: $(ls full)"; fails=$((fails + 1))
    fi
done
check unwritable_dir 1 "$bin" convert big.csv -o /proc/buzz-no/out.parquet
has unwritable_dir_msg err.txt 'out.parquet'

echo "$((n - fails)) of $n checks passed"
[ $fails -eq 0 ]
