#!/usr/bin/env bash
# tests/e2e/convert_memory.sh: the conversion's memory bound (ARCHITECTURE.md, "Memory bounds").
# Converts generated files with `buzz convert` and checks the peak RSS of the process (ru_maxrss,
# measured from outside by bench/rss_run) against the budget:
#   - a multi-GB file (BUZZ_MEMORY_TEST_MB, default 2048; 192 under the sanitizers, whose own
#     memory is no measure of ours) at the default budget: peak <= 256 MiB;
#   - the same file at --memory-limit 128M: peak <= 128 MiB;
#   - a 1000-column file at the default budget: peak <= 256 MiB, and at --memory-limit 128M:
#     peak <= 128 MiB (small pages and dictionaries, smaller row groups);
#   - the row counts of the outputs, read back by DuckDB, equal the inputs'.
# The budget is a plan (buzz_convert_plan_memory), so the bound holds for any row count: the
# large file only proves it does not creep with the input's size.
set -u
bin=$BUZZ_BIN
build=$BUZZ_BUILD
rss=$build/bench/rss_run
dump=$build/tools/duckdb_parquet_dump
fails=0
n=0
sanitized=false
case "$build" in *asan*) sanitized=true ;; esac
mb=${BUZZ_MEMORY_TEST_MB:-2048}
$sanitized && mb=192

fail() { echo "FAIL $*"; fails=$((fails + 1)); }

# peak NAME LIMIT_MIB CMD...: run CMD, check exit 0 and peak RSS <= LIMIT_MIB (skipped when
# sanitized).
peak() {
    local name=$1 limit=$2; shift 2
    n=$((n + 1))
    local out
    if ! out=$("$rss" "$name.log" "$@"); then
        fail "$name: the command failed:"; tail -5 "$name.log"; return
    fi
    local mib=${out#* }
    echo "$name: $out (seconds, peak MiB)"
    if ! $sanitized && awk -v a="$mib" -v b="$limit" 'BEGIN{exit !(a>b)}'; then
        fail "$name: peak RSS $mib MiB is over $limit MiB"
    fi
}

# check_rows NAME FILE EXPECTED: the output holds the expected row count (read by DuckDB).
check_rows() {
    n=$((n + 1))
    local got
    got=$("$dump" --query "SELECT count(*) FROM read_parquet('$2')" 2>/dev/null | tail -1)
    [ "$got" = "$3" ] || fail "$1: $got rows in the output, $3 expected"
}


# A block of 20,000 EV-like rows (mixed types, quoted text with commas, empty cells), repeated.
awk 'BEGIN {
    srand(7);
    split("KING,PIERCE,SNOHOMISH,SPOKANE,CLARK,THURSTON", county, ",");
    split("TESLA,NISSAN,CHEVROLET,FORD,KIA,BMW,TOYOTA", make, ",");
    for (i = 0; i < 20000; i++) {
        printf "%s%06d,%s,%05d,%d,%s,\"Model %d, trim %c\",%d,%d.%02d,%04d-%02d-%02d,%s,%s\n",
            "5YJ3E1EA", i, county[i % 6 + 1], (i * 37) % 99999, 2010 + i % 14, make[i % 7 + 1],
            i % 9, 65 + i % 26, i * 13 % 400, i % 90000, i % 100, 2015 + i % 9, i % 12 + 1,
            i % 28 + 1, (i % 3 ? "Y" : "N"), (i % 11 ? "note " i : "");
    }
}' > block.csv
echo "vin,county,zip,year,make,model,range,price,registered,eligible,notes" > big.csv
block_bytes=$(stat -c %s block.csv)
reps=$(( (mb * 1024 * 1024 + block_bytes - 1) / block_bytes ))
for ((i = 0; i < reps; i++)); do cat block.csv; done >> big.csv
big_rows=$((reps * 20000))
echo "big.csv: $(stat -c %s big.csv) bytes, $big_rows rows"
peak big-default 256 "$bin" convert big.csv -o big.parquet -q
check_rows big-default big.parquet "$big_rows"
rm -f big.parquet
peak big-128m 128 "$bin" convert big.csv -o big.parquet -q --memory-limit 128M
check_rows big-128m big.parquet "$big_rows"
rm -f big.csv big.parquet

# 1000 columns, 6,000 rows: ints, decimals, text ids and dates in turn.
awk 'BEGIN {
    for (c = 0; c < 1000; c++) printf "%sc%d", (c ? "," : ""), c; printf "\n";
    for (r = 0; r < 6000; r++) {
        for (c = 0; c < 1000; c++) {
            k = c % 4;
            if (k == 0) v = r * c % 100000;
            else if (k == 1) v = sprintf("%d.%02d", r % 1000, c % 100);
            else if (k == 2) v = sprintf("id-%d-%d", r, c);
            else v = sprintf("2024-%02d-%02d", r % 12 + 1, c % 28 + 1);
            printf "%s%s", (c ? "," : ""), v;
        }
        printf "\n";
    }
}' > wide.csv
peak wide-default 256 "$bin" convert wide.csv -o wide.parquet -q
check_rows wide-default wide.parquet 6000
rm -f wide.parquet
peak wide-128m 128 "$bin" convert wide.csv -o wide.parquet -q --memory-limit 128M
check_rows wide-128m wide.parquet 6000
n=$((n + 1))
if "$bin" convert wide.csv -o x.parquet -q --memory-limit 10M 2>err.txt; then
    fail "memory-limit-too-small: accepted"
elif ! grep -q "at least 96M" err.txt; then
    fail "memory-limit-too-small: unclear message: $(cat err.txt)"
fi

echo "convert_memory: $((n - fails)) of $n checks passed"
[ $fails -eq 0 ]
