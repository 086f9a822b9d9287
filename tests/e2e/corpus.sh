#!/usr/bin/env bash
# tests/e2e/corpus.sh: the corpus agreement test. Reads every file of the external DuckDB CSV
# corpus in place (BUZZ_CORPUS_DIR, ~1000 real and adversarial files; never copied into the repo)
# with both DuckDB and Buzz, and compares what they make of it.
#
# What it checks, for every regular file under BUZZ_CORPUS_DIR (recursively, sorted, SOURCE.md
# skipped; compressed and non-CSV files included):
#   1. Robustness: Buzz ($BUZZ_BUILD/tools/buzz_csv_dump, so the sanitizer build when run by
#      `make asan`) must not crash, hang (60 s) or print a sanitizer report, whatever the file,
#      including files DuckDB cannot read. Exit 0 with a dump, or exit 1 with a message, are fine.
#   2. Determinism: the dumps with --threads 1 (and --simd avx2 when the CPU has AVX2) and with
#      --threads 2 --simd scalar --chunk 4096 --guess-all (small chunks, every cut guessed) must be
#      byte for byte the dump of the default run (best kernel, all cores, 4 MiB chunks), with the
#      same exit status.
#   3. Agreement: for files DuckDB reads (build/tools/duckdb_csv_dump, always the release build,
#      exit 0 within 20 s), Buzz agrees when its dump is identical to DuckDB's (format: the comment
#      at the top of tests/tools/duckdb_csv_dump.c). The test prints "corpus: A of B files agree
#      (P%)" and lists each disagreeing file. It fails below min_percent (a regression floor; the
#      issue's target is 97%), or when a disagreeing file is not listed in
#      tests/corpus/known-differences.md with its reason, or when a listed file agrees now.
# DuckDB's dumps are cached in $BUZZ_ROOT/build/corpus-cache/, one file per corpus file keyed by its
# relative path, size and mtime, written by temp file + rename (so concurrent or interrupted runs
# never leave a half entry) and regenerated when the DuckDB tool is newer than the entry. Timeouts
# are not cached. Files are processed two at a time (xargs -P 2).
#
# Environment (set by tests/run): BUZZ_BUILD, BUZZ_ROOT, BUZZ_CORPUS_DIR; the working directory is a
# fresh temp dir. Without a corpus directory the test fails (it cannot prove anything). Internally the script runs
# itself as `corpus.sh --one RELPATH` for each file (the xargs worker).
set -u

# The issue's target is 97% agreement; Buzz reaches 82.8% (627 of 757; see tests/corpus/known-differences.md
# for every file and why: mostly DuckDB's header guess on first rows that are values like the rest,
# and its fallback to one column when a row is irregular). This floor guards the figure against
# regressions; every disagreement must still be listed with its reason.
min_percent=82

# ---------------------------------------------------------------------------------------------
# Worker: one corpus file. Writes "$BUZZ_CORPUS_RES/<hash of path>": first line
# "STATUS<TAB>DUCKDB<TAB>detail" with STATUS one of AGREE, DIFFER, NOTREAD (DuckDB could not read
# it) or FAIL, and DUCKDB the DuckDB tool's exit status ("timeout", "unknown"), then, for FAIL, a
# few lines of evidence.
if [ "${1:-}" = "--one" ]; then
    rel=$2
    abs="$BUZZ_CORPUS_ABS/$rel"
    id=$(printf '%s' "$rel" | sha256sum | cut -c1-40)
    res="$BUZZ_CORPUS_RES/$id"
    work="$BUZZ_CORPUS_WORK/$id"
    mkdir -p "$work" || exit 1
    duck_rc=unknown

    emit() { # STATUS detail [evidence file]
        {
            printf '%s\t%s\t%s\n' "$1" "$duck_rc" "$2"
            if [ $# -ge 3 ] && [ -s "$3" ]; then head -n 8 "$3" | cut -c1-300; fi
        } >"$res.tmp" && mv -f "$res.tmp" "$res"
        rm -rf "$work"
        exit 0
    }

    # 1. DuckDB's dump, from the cache when it is current.
    meta=$(stat -c '%s %.9Y' -- "$abs") || emit FAIL "cannot stat the file"
    key=$(printf '%s\0%s' "$rel" "$meta" | sha256sum | cut -c1-64)
    entry="$BUZZ_CORPUS_CACHE/$key"
    if [ -f "$entry" ] && [ ! "$BUZZ_DUCK" -nt "$entry" ]; then
        duck_rc=$(head -n 1 "$entry")
        duck_rc=${duck_rc#exit }
        tail -n +2 "$entry" >"$work/duck.dump"
    else
        timeout -k 5 20 "$BUZZ_DUCK" "$abs" >"$work/duck.dump" 2>"$work/duck.err"
        duck_rc=$?
        case $duck_rc in
        124 | 137) duck_rc=timeout ;; # not cached: it may pass on a less busy machine
        *)
            tmp="$entry.tmp.$$"
            if { printf 'exit %d\n' "$duck_rc" && cat "$work/duck.dump"; } >"$tmp" 2>/dev/null; then
                mv -f "$tmp" "$entry"
            fi
            rm -f "$tmp"
            ;;
        esac
    fi

    # 2. Buzz, three ways. Any exit other than 0, or 1 with a message, is a failure, and so is a
    # sanitizer report even when the exit status looks clean.
    run_buzz() { # name args...
        local name=$1
        shift
        local how="buzz_csv_dump${*:+ $*}"
        timeout -k 5 60 "$BUZZ_DUMP" "$@" "$abs" >"$work/$name.out" 2>"$work/$name.err"
        local rc=$?
        echo "$rc" >"$work/$name.rc"
        if grep -qE 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:' \
            "$work/$name.err"; then
            emit FAIL "sanitizer report ($how, exit $rc)" "$work/$name.err"
        fi
        case $rc in
        0) ;;
        1) [ -s "$work/$name.err" ] || emit FAIL "exit 1 without a message ($how)" ;;
        124 | 137) emit FAIL "timeout after 60 s ($how)" "$work/$name.err" ;;
        *) emit FAIL "exit status $rc ($how)" "$work/$name.err" ;;
        esac
    }
    # The default run uses the best kernel (AVX-512 where present); the one-thread run forces
    # AVX2 when the CPU has it, so that every kernel meets every corpus file.
    t1_opts=(--threads 1)
    [ -n "${BUZZ_T1_SIMD:-}" ] && t1_opts+=(--simd "$BUZZ_T1_SIMD")
    run_buzz default
    run_buzz t1 "${t1_opts[@]}"
    # Two threads, small chunks and every cut guessed (the reader's speculative cuts; wrong
    # guesses read chunks again, never falling back to the tracker), on the scalar kernel.
    t2s_opts=(--threads 2 --simd scalar --chunk 4096 --guess-all)
    run_buzz t2s "${t2s_opts[@]}"
    for v in t1 t2s; do
        if ! cmp -s "$work/default.rc" "$work/$v.rc" || ! cmp -s "$work/default.out" "$work/$v.out"
        then
            case $v in
            t1) opt="${t1_opts[*]}" ;;
            *) opt="${t2s_opts[*]}" ;;
            esac
            rcs="exit $(cat "$work/default.rc") vs $(cat "$work/$v.rc")"
            emit FAIL "output with $opt differs from the default run ($rcs)" "$work/$v.err"
        fi
    done

    # 3. Agreement, for files DuckDB reads.
    [ "$duck_rc" = 0 ] || emit NOTREAD "duckdb: $duck_rc"
    if [ "$(cat "$work/default.rc")" != 0 ]; then
        emit DIFFER "buzz: $(head -n 1 "$work/default.err" | cut -c1-200)"
    fi
    cmp -s "$work/duck.dump" "$work/default.out" && emit AGREE ""
    line=$(cmp "$work/duck.dump" "$work/default.out" 2>&1 | sed -n 's/.* line \([0-9]*\).*/\1/p')
    if [ -n "$line" ]; then
        emit DIFFER "dumps differ from line $line"
    fi
    emit DIFFER "one dump is a prefix of the other"
fi

# ---------------------------------------------------------------------------------------------
# Driver.
root=${BUZZ_ROOT:?BUZZ_ROOT is not set (run through tests/run)}
build=${BUZZ_BUILD:?BUZZ_BUILD is not set (run through tests/run)}
if [ -z "${BUZZ_CORPUS_DIR:-}" ] || [ ! -d "$BUZZ_CORPUS_DIR" ]; then
    echo "corpus: the CSV corpus was not found (BUZZ_CORPUS_DIR=${BUZZ_CORPUS_DIR:-unset});" \
        "it lives in ../shared/corpus/duckdb-csv beside the repository"
    exit 1
fi
corpus=$(cd "$BUZZ_CORPUS_DIR" && pwd) || exit 1
duck="$root/build/tools/duckdb_csv_dump"
dump="$build/tools/buzz_csv_dump"
known="$root/tests/corpus/known-differences.md"
for tool in "$duck" "$dump"; do
    if [ ! -x "$tool" ]; then
        echo "corpus: $tool is missing; build it with make (make unit builds both tools," \
            "make asan builds build/tools/duckdb_csv_dump too)"
        exit 1
    fi
done
cache="$root/build/corpus-cache"
mkdir -p "$cache" res work || exit 1

if grep -qw avx2 /proc/cpuinfo 2>/dev/null; then
    export BUZZ_T1_SIMD=avx2
fi
export BUZZ_CORPUS_ABS="$corpus" BUZZ_CORPUS_CACHE="$cache" BUZZ_DUCK="$duck" BUZZ_DUMP="$dump"
export BUZZ_CORPUS_RES="$PWD/res" BUZZ_CORPUS_WORK="$PWD/work"
self="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"

(cd "$corpus" && find . -type f ! -path ./SOURCE.md -print0) | sed -z 's|^\./||' \
    | LC_ALL=C sort -z >files.list
t0=$(date +%s)
xargs -0 -P 2 -n 1 bash "$self" --one <files.list
xargs_rc=$?
t1=$(date +%s)

# Known differences: lines "| `path` | reason |" or "- `path` — reason".
# shellcheck disable=SC2016 # the backticks are literal
sed -n 's/^[|*-][[:space:]]*`\([^`]*\)`.*/\1/p' "$known" 2>/dev/null | LC_ALL=C sort -u >known.list

total=0 read_count=0 agree=0 failures=0 unlisted=0
: >differ.list
: >agree.list
while IFS= read -r -d '' rel; do
    total=$((total + 1))
    id=$(printf '%s' "$rel" | sha256sum | cut -c1-40)
    if [ ! -f "res/$id" ]; then
        echo "FAIL $rel: no result (the worker died)"
        failures=$((failures + 1))
        continue
    fi
    IFS=$'\t' read -r status duck_status detail <"res/$id"
    [ "$duck_status" = 0 ] && read_count=$((read_count + 1))
    case $status in
    AGREE)
        agree=$((agree + 1))
        printf '%s\n' "$rel" >>agree.list
        ;;
    NOTREAD) ;;
    DIFFER)
        printf '%s\t%s\n' "$rel" "$detail" >>differ.list
        ;;
    *)
        echo "FAIL $rel: $detail"
        tail -n +2 "res/$id" | sed 's/^/    /'
        failures=$((failures + 1))
        ;;
    esac
done <files.list

if [ "$read_count" -gt 0 ]; then
    pct=$(awk -v a="$agree" -v b="$read_count" 'BEGIN { printf "%.1f", 100 * a / b }')
else
    pct=0
fi
echo "corpus: $total files, $read_count read by DuckDB, $((total - read_count)) not; $((t1 - t0)) s"
echo "corpus: $agree of $read_count files agree ($pct%)"

if [ -s differ.list ]; then
    echo "corpus: disagreeing files (compare: diff <($duck FILE) <($dump FILE)):"
    while IFS=$'\t' read -r rel detail; do
        if grep -qxF -- "$rel" known.list; then
            echo "  known    $rel: $detail"
        else
            echo "  UNLISTED $rel: $detail"
            unlisted=$((unlisted + 1))
        fi
    done <differ.list
fi
LC_ALL=C sort agree.list | LC_ALL=C comm -12 known.list - >stale.list
while IFS= read -r rel; do
    echo "  STALE    $rel is listed in known-differences.md but agrees now; remove it there"
done <stale.list
stale=$(wc -l <stale.list)

ok=1
if [ "$xargs_rc" -ne 0 ]; then
    echo "corpus: a worker failed (xargs exit $xargs_rc)"
    ok=0
fi
if [ "$failures" -gt 0 ]; then
    echo "corpus: $failures files crashed, hung, printed a sanitizer report," \
        "or gave different dumps across thread counts or kernels"
    ok=0
fi
if [ "$read_count" -eq 0 ]; then
    echo "corpus: DuckDB read no file; the reference tool is broken"
    ok=0
elif [ $((agree * 100)) -lt $((min_percent * read_count)) ]; then
    echo "corpus: agreement $pct% is below $min_percent%"
    ok=0
fi
if [ "$unlisted" -gt 0 ]; then
    echo "corpus: $unlisted disagreeing files are not listed in tests/corpus/known-differences.md"
    ok=0
fi
if [ "$stale" -gt 0 ]; then
    echo "corpus: $stale files listed in tests/corpus/known-differences.md agree now (the list" \
        "must stay true)"
    ok=0
fi
[ $ok -eq 1 ]
