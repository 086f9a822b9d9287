#!/usr/bin/env bash
# tests/e2e/types.sh: types end to end through the CLI. `buzz sniff --json` gives whole-file types
# (the deciding value in the last row of a multi-million-row generated file), the schema document
# fed back with `buzz convert --schema` converts to the same values, forced types send values that
# do not fit to --rejects (never lost), stdin and .gz input, and options (--null, --date-order).
# Run by tests/run with BUZZ_BIN set; cwd is a fresh temp dir.
set -u
bin=${BUZZ_BIN:?BUZZ_BIN is not set (run through tests/run)}
fails=0
n=0

source "$(dirname "$0")/lib/check_lib.sh"
types_of() { # the "type" of every column of a schema document, joined with |
    node -e "const d=JSON.parse(require('fs').readFileSync('$1','utf8')); const s=d.schema||d; console.log(s.columns.map(c=>c.type+(c.format?'/'+c.format:'')+(c.unit?'['+c.unit+']':'')).join('|'))"
}

# A mixed file: every shape the brief names.
cat >mixed.csv <<'EOF'
id,zip,price,share,when,stamp,flag,note,amount
1,02134,"$1,234.50",12.5%,01/02/2024,2024-01-12T10:00:00Z,yes,hello,"1,234,567"
2,10001,$3,3%,13/02/2024,2024-01-12T10:00:00+02:00,no,"a, ""quoted"" note",12
3,,,,,,,,
4,99501,-$5.25,0.5%,31/12/1999,2024-03-01 08:30:00.25-05:00,Y,,"-7"
EOF
check sniff-json 0 "$bin" sniff --json mixed.csv
cp out.txt mixed.json
same sniff-types <(types_of mixed.json) \
    'int32|varchar|decimal(6,2)[$]|decimal(3,1)[%]|date/dmy|timestamp_tz/ymd|boolean|varchar|int32'
json sniff-nulls 'd.columns[1].stats.nulls===1 && d.columns[7].stats.nulls===2'
json sniff-examples 'd.columns[1].stats.examples[0]==="02134"'
json sniff-rows 'd.source.rows===4 && d.rows.count===4 && d.rows.exact===true'
json sniff-names 'd.columns.map(c=>c.name).join()==="id,zip,price,share,when,stamp,flag,note,amount"'
json sniff-distinct 'd.columns[0].stats.distinct_estimate===4'
json sniff-csv-section 'd.csv.delimiter==="," && d.csv.header===true'
check sniff-text 0 "$bin" sniff mixed.csv
has sniff-text-type out.txt "decimal(6,2)"
has sniff-text-order out.txt "date           dmy"

check convert-csv 0 "$bin" convert mixed.csv -o mixed.out.csv
same convert-values mixed.out.csv 'id,zip,price,share,when,stamp,flag,note,amount
1,02134,1234.50,12.5,2024-02-01,2024-01-12 10:00:00Z,true,hello,1234567
2,10001,3.00,3.0,2024-02-13,2024-01-12 08:00:00Z,false,"a, ""quoted"" note",12
3,,,,,,,,
4,99501,-5.25,0.5,1999-12-31,2024-03-01 13:30:00.25Z,true,,-7'
has convert-summary err.txt "4 rows, 9 columns"
has convert-summary-rejects err.txt "rejected values: 0"

# The sniffed document fed back gives the same output, without a first pass.
check convert-schema-roundtrip 0 "$bin" convert mixed.csv -o again.csv --schema mixed.json --json
json convert-roundtrip-skips-inference 'd.inferred===false && d.rejects===0 && d.rows===4'
n=$((n + 1))
cmp -s mixed.out.csv again.csv || { echo "FAIL schema round trip changed the output"; fails=$((fails + 1)); }

# Forced types: values that do not fit (a forced int32 reads 02134 as 2134: the user asked) are NULL in the output and listed in the rejects file.
cat >user.json <<'EOF'
{"context": "Test data", "columns": [
  {"name": "zip", "type": "int32", "description": "postal code"},
  {"name": "note", "type": "boolean"},
  {"position": 9, "type": "decimal(5,1)", "rename": "total"},
  {"name": "flag", "include": false}
]}
EOF
check convert-forced 0 "$bin" convert mixed.csv -o forced.csv --schema user.json --rejects rejects.csv --json
json forced-rejects 'd.rejects===3'
json forced-context 'd.schema.context==="Test data" && d.schema.columns[1].description==="postal code"'
# Rejects come in line order (then column order within a line).
same forced-rejects-file rejects.csv 'line,column,value,reason
2,note,hello,"not a boolean (expected true/false, yes/no, t/f, y/n, 1/0)"
2,total,"1,234,567","too many digits for decimal(5,1)"
3,note,"a, ""quoted"" note","not a boolean (expected true/false, yes/no, t/f, y/n, 1/0)"'
same forced-output forced.csv 'id,zip,price,share,when,stamp,note,total
1,2134,1234.50,12.5,2024-02-01,2024-01-12 10:00:00Z,,
2,10001,3.00,3.0,2024-02-13,2024-01-12 08:00:00Z,,12.0
3,,,,,,,
4,99501,-5.25,0.5,1999-12-31,2024-03-01 13:30:00.25Z,,-7.0'

# Schema errors are plain words with exit 1 or 2; nothing is written.
echo '{"columns": [{"name": "nope", "type": "int32"}]}' >bad1.json
check convert-schema-unknown-column 2 "$bin" convert mixed.csv -o bad.csv --schema bad1.json
has convert-schema-unknown-column-msg err.txt 'column "nope"'
echo '{"columns": [{"name": "id", "type": "integr"}]}' >bad2.json
check convert-schema-bad-type 1 "$bin" convert mixed.csv -o bad.csv --schema bad2.json
has convert-schema-bad-type-msg err.txt "unknown type"
echo '{"columns": [' >bad3.json
check convert-schema-not-json 1 "$bin" convert mixed.csv -o bad.csv --schema bad3.json
has convert-schema-not-json-msg err.txt "bad3.json:2"
n=$((n + 1))
[ -e bad.csv ] && { echo "FAIL a failed conversion left bad.csv"; fails=$((fails + 1)); }
check convert-no-output 2 "$bin" convert mixed.csv
check convert-bad-ext 2 "$bin" convert mixed.csv -o out.xlsx
has convert-bad-ext-msg err.txt "output format"
check convert-missing-input 1 "$bin" convert nosuch.csv -o x.csv
has convert-missing-input-msg err.txt "nosuch.csv"
n=$((n + 1))
if ls ./*.tmp.* >/dev/null 2>&1; then echo "FAIL temp files left behind"; fails=$((fails + 1)); fi

# Options: --null, --date-order, --bool-digits; stdin and gzip input.
printf 'a,b,c\n?,01/02/2024,0\n5,03/04/2024,1\n' >opts.csv
check sniff-options 0 "$bin" sniff --json --null '?' --date-order dmy --bool-digits opts.csv
same options-types <(types_of out.txt) 'int32|date/dmy|boolean'
check convert-stdin 0 "$bin" convert - -o stdin.csv --date-order dmy <opts.csv
same stdin-values stdin.csv 'a,b,c
?,2024-02-01,0
5,2024-04-03,1'
gzip -c mixed.csv >mixed.csv.gz
check convert-gzip 0 "$bin" convert mixed.csv.gz -o gz.csv -q
n=$((n + 1))
cmp -s mixed.out.csv gz.csv || { echo "FAIL .gz input converted differently"; fails=$((fails + 1)); }
check bad-date-order 2 "$bin" sniff --date-order ydm opts.csv

# SIGTERM (and Ctrl-C) stop a conversion without leaving output, temp or spill files behind; the
# exit code is 128 + the signal number, as shells report it.
sigout="sig-$$.parquet"
( (cat opts.csv; sleep 5) | "$bin" convert - -o "$sigout" 2>sig.err; echo $? >sig.rc ) &
sleep 1
pkill -TERM -f "convert - -o $sigout"
wait
n=$((n + 1))
if [ "$(cat sig.rc)" != 143 ] || [ -e "$sigout" ] || ls ./*.tmp.* >/dev/null 2>&1; then
    echo "FAIL SIGTERM: exit $(cat sig.rc), files: $(ls)"; fails=$((fails + 1))
fi
has sigterm-message sig.err "stopped by SIGTERM"

# The deciding value is in the last row of a 2,000,000-row file: whole-file inference sees it.
awk 'BEGIN { print "n,amount,day,code,label";
             for (i = 0; i < 1999999; i++) printf "%d,%d,%02d/%02d/2023,%d,x%d\n", i, i % 1000, i % 12 + 1, i % 12 + 1, 10000 + i % 500, i % 7;
             print "1999999,3.5,25/12/2023,00123,x" }' >big.csv
check big-sniff 0 "$bin" sniff --json big.csv
same big-types <(types_of out.txt) 'int32|decimal(4,1)|date/dmy|varchar|varchar'
json big-rows 'd.source.rows===2000000'
check big-convert 0 "$bin" convert big.csv -o big.out.csv --json
json big-convert-rows 'd.rows===2000000 && d.rejects===0'
same big-last-row <(tail -n 1 big.out.csv) '1999999,3.5,2023-12-25,00123,x'
same big-first-row <(sed -n 2p big.out.csv) '0,0.0,2023-01-01,10000,x0'

# Every corpus file: `buzz sniff --json` reads the whole file and gives each column a type (or a
# plain-words error with exit 1 for what is not CSV at all); never a crash, never invalid JSON.
if [ -n "${BUZZ_CORPUS_DIR:-}" ] && [ -d "$BUZZ_CORPUS_DIR" ]; then
    mkdir -p corpus-json
    i=0 refused=0 crashed=0
    while IFS= read -r -d '' f; do
        i=$((i + 1))
        "$bin" sniff --json --rows 0 "$f" >"corpus-json/$i.json" 2>c.err
        rc=$?
        if [ $rc -eq 1 ] && [ -s c.err ]; then
            refused=$((refused + 1)); rm -f "corpus-json/$i.json"
        elif [ $rc -ne 0 ]; then
            crashed=$((crashed + 1)); echo "FAIL corpus sniff --json on $f: exit $rc"; head -3 c.err
        fi
    done < <(find "$BUZZ_CORPUS_DIR" -type f -print0 | sort -z)
    typed=$(node -e "
        const fs = require('fs'); let ok = 0;
        for (const f of fs.readdirSync('corpus-json')) {
            const d = JSON.parse(fs.readFileSync('corpus-json/' + f, 'utf8'));
            if (!d.columns.every(c => typeof c.type === 'string' && c.stats)) throw new Error(f);
            ok++;
        }
        console.log(ok);" 2>&1)
    n=$((n + 1))
    if [ $crashed -ne 0 ] || ! [ "$typed" -eq $((i - refused)) ] 2>/dev/null; then
        echo "FAIL corpus: $crashed bad exits; JSON check: $typed"; fails=$((fails + 1))
    fi
    echo "corpus: $i files, $typed typed, $refused refused with a message"
fi

echo "types: $((n - fails)) of $n checks passed"
[ "$fails" -eq 0 ]
