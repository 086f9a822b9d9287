# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables set here are used by the scripts that source this file
# bench/lib.sh: shared by bench/run and bench/profile_convert (sourced, never run): where the
# binaries are, cached dataset generation, and the convert benchmark's datasets, so that both
# scripts time and profile exactly the same files. Expects $root (the repository root).

# BUZZ_BUILD names the build directory, relative to the repository root or absolute (default
# build); every binary a benchmark runs comes from it, so `make BUILD=build/x ...` followed by
# `BUZZ_BUILD=build/x bench/run` measures that build and nothing else.
: "${root:?bench/lib.sh needs \$root, the repository root}"
case "${BUZZ_BUILD:-build}" in
    /*) build=${BUZZ_BUILD} ;;
    *) build="$root/${BUZZ_BUILD:-build}" ;;
esac
data="$root/bench/data"
out="$root/bench/out"
gen_bin="$build/bench/csv_read"

# cached FILE COMMAND...: unless FILE exists, run COMMAND with each argument "{}" replaced by a
# temporary name beside FILE, then rename it to FILE. Generated data is cached between runs; the
# rename means an interrupted or failed generation never leaves a truncated file that a later run
# would trust. Delete a file under bench/data/ to have it made again.
cached() {
    local file=$1 arg
    shift
    [ -f "$file" ] && return 0
    local tmp="$file.part.$$"
    local args=()
    for arg in "$@"; do
        if [ "$arg" = "{}" ]; then args+=("$tmp"); else args+=("$arg"); fi
    done
    mkdir -p "$(dirname "$file")"
    if ! "${args[@]}" >&2; then
        rm -f "$tmp"
        echo "bench: could not make $file" >&2
        return 1
    fi
    mv -f "$tmp" "$file"
}

# Bench-only npm packages, pinned exactly, in the git-ignored .deps/bench/ (apart from .deps/npm,
# which scripts/setup owns and `make test` uses: tests must not download these). nodejs-polars
# loads its engine from a per-platform package that it lists as an optional dependency; npm skips
# that one on Node.js 20 (it declares node >= 22, although it runs on 20), so it is named here
# explicitly. vega-datasets carries flights-3m.parquet (checked in the 3.2.1 tarball's file list).
bench_deps="$root/.deps/bench"
bench_npm_pkgs() {
    local native
    case "$(uname -m)" in
        x86_64) native=nodejs-polars-linux-x64-gnu ;;
        aarch64) native=nodejs-polars-linux-arm64-gnu ;;
        *) echo "bench: no nodejs-polars build for $(uname -m)" >&2; return 1 ;;
    esac
    echo "nodejs-polars@0.26.1 $native@0.26.1 vega-datasets@3.2.1"
}

# Installs the packages above unless exactly these versions are there (one node start-up, about
# 50 ms, when nothing is to do).
ensure_bench_npm() {
    local pkgs
    pkgs=$(bench_npm_pkgs) || return 1
    # shellcheck disable=SC2086 # the package list is split on purpose
    if node -e '
        const [dir, ...pkgs] = process.argv.slice(1);
        for (const p of pkgs) {
            const at = p.lastIndexOf("@");
            let v = "";
            try { v = require(dir + "/node_modules/" + p.slice(0, at) + "/package.json").version; }
            catch (e) {}
            if (v !== p.slice(at + 1)) process.exit(1);
        }' "$bench_deps" $pkgs 2>/dev/null; then
        return 0
    fi
    echo "bench: installing npm packages into $bench_deps: $pkgs" >&2
    mkdir -p "$bench_deps"
    [ -f "$bench_deps/package.json" ] ||
        echo '{ "name": "buzz-bench-deps", "private": true }' > "$bench_deps/package.json"
    # shellcheck disable=SC2086
    npm install --prefix "$bench_deps" --no-audit --no-fund --save-exact $pkgs >&2
}

# The convert benchmark's datasets, each bench/data/NAME.csv:
#   ev-2m, ev-8m    the EV-registration-like table (`csv_read gen-rows`), 2M and 8M rows
#                   (about 0.54 and 2.15 GB)
#   wide-200c       200 columns of ten kinds, 200,000 rows (about 0.36 GB)
#   text-200k       long quoted text with commas, quotes and newlines, 200,000 rows (about 0.35 GB)
#   flights-3m      vega-datasets' flights-3m.parquet (3M rows, 5 columns) exported to CSV by
#                   DuckDB (about 0.13 GB)
convert_datasets="ev-2m ev-8m wide-200c text-200k flights-3m"

# The query benchmark's dataset: bench/data/ev-10m.parquet, 10M rows of the EV table
# (`csv_read gen-rows`, about 2.7 GB of CSV) converted by `buzz convert` (about 0.41 GB). The CSV
# is only a step: it is deleted once the Parquet file exists (delete that to make both again).
make_query_data() {
    local pq="$data/ev-10m.parquet" csv="$data/ev-10m.csv"
    [ -f "$pq" ] && return 0
    cached "$csv" "$gen_bin" gen-rows {} 10000000 || return 1
    # Not through `cached`: convert picks the format from the extension, so the temporary name
    # must end in .parquet (a failed conversion leaves no file; convert writes atomically).
    local tmp="$data/ev-10m.part.$$.parquet"
    if ! "$build/buzz" convert "$csv" -o "$tmp" -q >&2; then
        echo "bench: could not make $pq" >&2
        return 1
    fi
    mv -f "$tmp" "$pq"
    rm -f "$csv"
}

# make_convert_data NAME: bench/data/NAME.csv, generated unless cached.
make_convert_data() {
    local f="$data/$1.csv"
    case "$1" in
        ev-2m) cached "$f" "$gen_bin" gen-rows {} 2000000 ;;
        ev-8m) cached "$f" "$gen_bin" gen-rows {} 8000000 ;;
        wide-200c) cached "$f" "$gen_bin" gen-wide {} 200000 ;;
        text-200k) cached "$f" "$gen_bin" gen-text {} 200000 ;;
        flights-3m)
            [ -f "$f" ] && return 0
            ensure_bench_npm || return 1
            cached "$f" "$build/bench/convert_duckdb" export \
                "$bench_deps/node_modules/vega-datasets/data/flights-3m.parquet" {}
            ;;
        *) echo "bench: unknown dataset $1 (known: $convert_datasets)" >&2; return 1 ;;
    esac
}
