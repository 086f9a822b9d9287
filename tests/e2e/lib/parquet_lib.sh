# tests/e2e/lib/parquet_lib.sh: a library sourced by end-to-end scripts that check Parquet files
# (parquet_readers.sh for DuckDB-written files, parquet.sh for Buzz-written ones). It lives in
# tests/e2e/lib/ so tests/run does not run it; run rather than sourced, it says so and exits 0.
# Provides compare_readers, which reads one Parquet file with three independent readers and
# requires their canonical dumps to be byte for byte identical:
#   duckdb        $BUZZ_BUILD/tools/duckdb_parquet_dump FILE (DuckDB's C API)
#   parquet-wasm  node tests/tools/parquet_read.mjs parquet-wasm FILE (arrow-rs compiled to wasm)
#   hyparquet     node tests/tools/parquet_read.mjs hyparquet FILE (pure JavaScript)
# The dump format is specified atop tests/tools/duckdb_parquet_dump.c. Node packages come from
# $BUZZ_ROOT/.deps/npm (scripts/setup); nothing reaches the network.
#
# Environment: BUZZ_ROOT (repository root) and BUZZ_BUILD (build directory holding
# tools/duckdb_parquet_dump), as tests/run sets them. PQ_TIMEOUT (seconds per reader, default 120).
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    echo "parquet_lib: a library for the e2e scripts that source it; nothing to run on its own"
    exit 0
fi
pq_root=${BUZZ_ROOT:?BUZZ_ROOT is not set (run through tests/run)}
pq_build=${BUZZ_BUILD:?BUZZ_BUILD is not set (run through tests/run)}
case "$pq_build" in /*) ;; *) pq_build="$pq_root/$pq_build" ;; esac
pq_duckdb_tool="$pq_build/tools/duckdb_parquet_dump"
pq_node_tool="$pq_root/tests/tools/parquet_read.mjs"
pq_readers=(duckdb parquet-wasm hyparquet)

# pq_check_setup: prints what is missing and returns 1 when a reader cannot run at all.
pq_check_setup() {
    local ok=0 m
    if [ ! -x "$pq_duckdb_tool" ]; then
        echo "FAIL $pq_duckdb_tool is missing (make BUILD=... \$BUILD/tools/duckdb_parquet_dump)"
        ok=1
    fi
    if ! command -v node >/dev/null 2>&1; then
        echo "FAIL node is missing (scripts/setup installs it)"
        ok=1
    fi
    for m in parquet-wasm apache-arrow hyparquet hyparquet-compressors; do
        if [ ! -f "$pq_root/.deps/npm/node_modules/$m/package.json" ]; then
            echo "FAIL npm package $m is missing from $pq_root/.deps/npm (run scripts/setup)"
            ok=1
        fi
    done
    return $ok
}

# pq_dump READER FILE OUT: runs one reader; its stdout goes to OUT, its stderr to OUT.err.
pq_dump() {
    local reader=$1 file=$2 out=$3
    local t=${PQ_TIMEOUT:-120}
    if [ "$reader" = duckdb ]; then
        timeout "$t" "$pq_duckdb_tool" "$file" >"$out" 2>"$out.err"
    else
        BUZZ_ROOT="$pq_root" timeout "$t" node "$pq_node_tool" "$reader" "$file" \
            >"$out" 2>"$out.err"
    fi
}

# compare_readers FILE: dumps FILE with the three readers into FILE.<reader>.dump and returns 0 when
# all three exit 0 with identical dumps, after which FILE.dump holds the agreed dump (for callers
# that check values). Otherwise prints "FAIL compare_readers FILE: ..." with the failing reader's
# stderr or the first lines of the difference from DuckDB's dump, and returns 1.
compare_readers() {
    local file=$1 reader rc bad=0
    rm -f "$file.dump"
    for reader in "${pq_readers[@]}"; do
        pq_dump "$reader" "$file" "$file.$reader.dump"
        rc=$?
        if [ $rc -ne 0 ]; then
            local why="exited $rc"
            [ $rc -eq 124 ] && why="timed out after ${PQ_TIMEOUT:-120} s"
            echo "FAIL compare_readers $file: $reader $why"
            head -n 10 "$file.$reader.dump.err" | sed 's/^/    /'
            bad=1
        fi
    done
    [ $bad -eq 0 ] || return 1
    for reader in "${pq_readers[@]:1}"; do
        if ! cmp -s "$file.duckdb.dump" "$file.$reader.dump"; then
            echo "FAIL compare_readers $file: $reader's dump differs from duckdb's:"
            diff -a "$file.duckdb.dump" "$file.$reader.dump" | head -n 20 | cut -c1-300 \
                | sed 's/^/    /'
            bad=1
        fi
    done
    [ $bad -eq 0 ] || return 1
    cp "$file.duckdb.dump" "$file.dump"
}
