#!/usr/bin/env bash
# tests/e2e/parquet.sh: Parquet files written by `buzz convert`, read back by three independent
# readers (DuckDB, parquet-wasm/arrow-rs, hyparquet; tests/e2e/lib/parquet_lib.sh) that must agree
# byte for byte on a canonical dump, which must also hold the values of the source CSV: every type,
# every codec, dictionary fallback, several row groups and pages, zero rows, all-NULL and
# empty-string columns, decimal limits, dates far from 1970, a wide file. Also the CLI around it:
# --compression, --row-group-size, errors, no temp files left behind.
set -u
bin=${BUZZ_BIN:?BUZZ_BIN is not set (run through tests/run)}
. "${BUZZ_ROOT:?BUZZ_ROOT is not set (run through tests/run)}/tests/e2e/lib/parquet_lib.sh"
fails=0
n=0
pq_check_setup || exit 1

check() { # name expected_rc command...
    local name=$1 want=$2
    shift 2
    n=$((n + 1))
    "$@" >out.txt 2>err.txt
    local rc=$?
    if [ "$rc" != "$want" ]; then
        echo "FAIL $name: exit $rc, want $want"
        sed 's/^/    stderr: /' err.txt | head -5
        fails=$((fails + 1))
        return 1
    fi
}
agree() { # name file: the three readers agree
    n=$((n + 1))
    compare_readers "$2" || fails=$((fails + 1))
}
has() { # name file pattern
    n=$((n + 1))
    if ! grep -q -- "$3" "$2"; then
        echo "FAIL $1: \"$3\" not in $2:"; head -c 600 "$2" | sed 's/^/    /'; fails=$((fails + 1))
    fi
}
same() { # name file expected-text
    n=$((n + 1))
    if [ "$(cat "$2")" != "$3" ]; then
        echo "FAIL $1: $2 differs:"
        diff <(cat "$2") <(printf '%s\n' "$3") | head -20 | sed 's/^/    /'
        fails=$((fails + 1))
    fi
}

cat >mixed.csv <<'EOF'
id,zip,price,share,when,stamp,flag,note,amount,t,big,ratio
1,02134,"$1,234.50",12.5%,01/02/2024,2024-01-12T10:00:00Z,yes,hello,"1,234,567",13:45,12345678901234567890.123456789,1.5e3
2,10001,$3,3%,13/02/2024,2024-01-12T10:00:00+02:00,no,"a, ""quoted"" note",12,09:05:30.25,-0.000000001,-inf
3,,,,,,,,,,,
4,99501,-$5.25,0.5%,31/12/1999,2024-03-01 08:30:00.25-05:00,Y,été €,"-7",1:45 PM,1,0.1
EOF
want_mixed='id	int32
zip	string
price	decimal(6,2)
share	decimal(3,1)
when	date
stamp	timestamp_us_utc
flag	boolean
note	string
amount	int32
t	time_us
big	decimal(29,9)
ratio	double
1	02134	1234.50	12.5	2024-02-01	2024-01-12 10:00:00.000000Z	true	hello	1234567	13:45:00.000000	12345678901234567890.123456789	1500
2	10001	3.00	3.0	2024-02-13	2024-01-12 08:00:00.000000Z	false	a, "quoted" note	12	09:05:30.250000	-0.000000001	-inf
3	\N	\N	\N	\N	\N	\N	\N	\N	\N	\N	\N
4	99501	-5.25	0.5	1999-12-31	2024-03-01 13:30:00.250000Z	true	été €	-7	13:45:00.000000	1.000000000	0.1'
for codec in snappy zstd zstd:19 gzip gzip:1 lz4 none; do
    f="mixed-${codec/:/-}.parquet"
    check "convert-$codec" 0 "$bin" convert mixed.csv -o "$f" --compression "$codec" -q &&
        agree "readers-$codec" "$f" && same "values-$codec" "$f.dump" "$want_mixed"
done

# The footer's buzz.schema: the schema document with the source's size, CRC-32 (compared with
# the one gzip computes), row and reject counts and the Buzz version.
check kv-meta 0 "$pq_duckdb_tool" --query "SELECT decode(value) FROM parquet_kv_metadata('mixed-snappy.parquet') WHERE decode(key) = 'buzz.schema'"
crc=$(gzip -c mixed.csv | tail -c 8 | head -c 4 | od -An -tx4 | tr -d ' \n')
has kv-crc32 out.txt "\"crc32\":\"$crc\""
has kv-source out.txt "\"name\":\"mixed.csv\",\"bytes\":$(stat -c %s mixed.csv),\"rows\":4"
has kv-rejects out.txt '"rejects":0,"buzz_version"'
has kv-columns out.txt '"name":"price","header":"price","type":"decimal(6,2)"'

# Edge cases.
printf 'a,b,c\n' >zero.csv
check convert-zero-rows 0 "$bin" convert zero.csv -o zero.parquet -q && agree readers-zero zero.parquet &&
    same zero-rows zero.parquet.dump 'a	string
b	string
c	string'
printf 'allnull,empty,n\n,"",1\nNULL,x,2\n,,3\n' >nulls.csv
check convert-nulls 0 "$bin" convert nulls.csv -o nulls.parquet -q && agree readers-nulls nulls.parquet &&
    same nulls nulls.parquet.dump 'allnull	string
empty	string
n	int32
\N		1
\N	x	2
\N	\N	3'
cat >limits.csv <<'EOF'
p9,p18,p38,d,ts
1234567.89,123456789012345.678,1234567890123456789012345678.0123456789,0001-01-01,1900-02-28T23:59:59.999999+14:00
-9999999.99,-999999999999999.999,-9999999999999999999999999999.9999999999,1969-12-31,1969-12-31T23:59:59-01:00
0.01,0.001,0.0000000001,2100-03-01,2100-03-01T00:00:00Z
EOF
check convert-limits 0 "$bin" convert limits.csv -o limits.parquet -q && agree readers-limits limits.parquet &&
    same limits limits.parquet.dump 'p9	decimal(9,2)
p18	decimal(18,3)
p38	decimal(38,10)
d	date
ts	timestamp_us_utc
1234567.89	123456789012345.678	1234567890123456789012345678.0123456789	0001-01-01	1900-02-28 09:59:59.999999Z
-9999999.99	-999999999999999.999	-9999999999999999999999999999.9999999999	1969-12-31	1970-01-01 00:59:59.000000Z
0.01	0.001	0.0000000001	2100-03-01	2100-03-01 00:00:00.000000Z'

# Many rows: row groups, pages, a dictionary that overflows mid-chunk; values checked against awk.
awk 'BEGIN { print "n,cat,label,maybe";
             for (i = 0; i < 250000; i++)
                 if (i < 120000) printf "%d,c%d,%s,%s\n", i, i % 7, "same", (i % 3 ? "" : "x");
                 else printf "%d,distinct %d,%s,%s\n", i, i, "same", (i % 3 ? "" : "x") }' >many.csv
check convert-many 0 "$bin" convert many.csv -o many.parquet --row-group-size 60000 --json &&
    agree readers-many many.parquet
n=$((n + 1))
if ! diff -q <(tail -n +2 many.csv | awk -F, '{ printf "%s\t%s\t%s\t%s\n", $1, $2, $3, ($4 == "" ? "\\N" : $4) }') \
        <(tail -n +5 many.parquet.dump) >/dev/null; then
    echo "FAIL many: the readers' values differ from the CSV"; fails=$((fails + 1))
fi

# One column x 10,000,000 rows: counts, sums and the statistics DuckDB reads from the footer, then
# every value through the three readers.
awk 'BEGIN { print "v"; for (i = 0; i < 10000000; i++) print i % 1000003 }' >tall.csv
check convert-tall 0 "$bin" convert tall.csv -o tall.parquet -q
check query-tall 0 "$pq_duckdb_tool" --query "SELECT count(*), sum(v), min(v), max(v) FROM read_parquet('tall.parquet')"
same tall-values out.txt '10000000	4999995000405	0	1000002'
check query-tall-filter 0 "$pq_duckdb_tool" --query "SELECT count(*) FROM read_parquet('tall.parquet') WHERE v = 777"
same tall-filter out.txt '10'
check query-tall-groups 0 "$pq_duckdb_tool" --query "SELECT count(DISTINCT row_group_id) > 1, bool_and(stats_min_value IS NOT NULL) FROM parquet_metadata('tall.parquet')"
same tall-groups out.txt 'true	true'
agree readers-tall tall.parquet   # the three readers on all 10M rows (about 15 s, 1.6 GB for hyparquet)
rm -f tall.csv tall.parquet.*.dump

# The file is the same bytes for every thread count.
check convert-many-t1 0 "$bin" convert many.csv -o many-t1.parquet --row-group-size 60000 --threads 1 -q
n=$((n + 1))
cmp -s many.parquet many-t1.parquet || { echo "FAIL 1 and N threads wrote different files"; fails=$((fails + 1)); }

# A wide file: 2,000 columns; a 10 MB cell.
awk 'BEGIN { for (l = 0; l < 3; l++) { for (c = 0; c < 2000; c++) printf (l ? "%d" : "c%d") (c < 1999 ? "," : "\n"), (l ? c * l : c) } }' >wide.csv
check convert-wide 0 "$bin" convert wide.csv -o wide.parquet -q && agree readers-wide wide.parquet
awk 'BEGIN { printf "k,v\n1,"; for (i = 0; i < 10485760 / 64; i++) printf "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ._"; printf "\n2,short\n" }' >bigcell.csv
check convert-bigcell 0 "$bin" convert bigcell.csv -o bigcell.parquet -q && agree readers-bigcell bigcell.parquet
n=$((n + 1))
[ "$(head -c 12 bigcell.parquet.dump | wc -c)" = 12 ] && [ "$(awk -F'\t' 'NR == 3 { print length($2) }' bigcell.parquet.dump)" -ge 10000000 ] ||
    { echo "FAIL the 10 MB cell did not come back whole"; fails=$((fails + 1)); }

# CLI errors; nothing is left behind.
check bad-codec 2 "$bin" convert mixed.csv -o x.parquet --compression brotli
check bad-level 2 "$bin" convert mixed.csv -o x.parquet --compression snappy:3
check bad-rg 2 "$bin" convert mixed.csv -o x.parquet --row-group-size 0
check unwritable 1 "$bin" convert mixed.csv -o /nonexistent-dir/x.parquet
n=$((n + 1))
if ls ./*.tmp.* x.parquet >/dev/null 2>&1; then echo "FAIL files left behind"; fails=$((fails + 1)); fi

echo "parquet: $((n - fails)) of $n checks passed"
[ "$fails" -eq 0 ]
