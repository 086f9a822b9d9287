#!/usr/bin/env bash
# tests/e2e/cli.sh: the `buzz` command line end to end: help and version, exit codes (0 ok, 1 bad
# input, 2 usage), `buzz sniff` on files, stdin, .gz and .zst input, UTF-16 and Windows-1252
# text, Excel's sep= line and preambles, --json (parsed with node), option overrides, --strict,
# and plain-words errors on stderr. Run by tests/run with BUZZ_BIN set; cwd is a fresh temp dir.
set -u
bin=${BUZZ_BIN:?BUZZ_BIN is not set (run through tests/run)}
fails=0
n=0

source "$(dirname "$0")/lib/check_lib.sh"

# Help, version, usage errors.
check help 0 "$bin" --help && has help out.txt "sniff"
check help-lists-only-existing 0 "$bin" --help
has help-lists-query out.txt "query"
if grep -qE '^  (ask|serve) ' out.txt; then
    echo "FAIL help lists a command that does not exist yet"; fails=$((fails + 1))
fi
check version 0 "$bin" --version && has version out.txt "^buzz [0-9]"
check no-args 2 "$bin"
check unknown-command 2 "$bin" frobnicate && has unknown-command err.txt "unknown command"
check sniff-help 0 "$bin" sniff --help && has sniff-help out.txt "Usage: buzz sniff"
check sniff-no-file 2 "$bin" sniff && has sniff-no-file err.txt "missing FILE"
check sniff-bad-option 2 "$bin" sniff --frob x.csv && has sniff-bad-option err.txt "unknown option"
check sniff-bad-threads 2 "$bin" sniff --threads 0 x.csv && has sniff-bad-threads err.txt "threads"
check sniff-bad-delim 2 "$bin" sniff --delimiter ab x.csv && has sniff-bad-delim err.txt "delimiter"
check sniff-missing 1 "$bin" sniff nosuch.csv && has sniff-missing err.txt "nosuch.csv"

# A plain file.
printf 'id,name,price\n1,"Widget, large",9.50\n2,Gadget,12\n3,"say ""hi""",0.5\n' >plain.csv
check sniff-plain 0 "$bin" sniff plain.csv
has sniff-plain out.txt "delimiter:     ','"
has sniff-plain out.txt "header:        yes"
has sniff-plain out.txt "columns:       3"
has sniff-plain out.txt "rows:          3"
has sniff-plain out.txt "Widget, large"
check sniff-json 0 "$bin" sniff --json plain.csv
json sniff-json 'd.dialect.delimiter === "," && d.dialect.header === true'
json sniff-json-cols 'd.columns.map(c => c.name).join("|") === "id|name|price"'
json sniff-json-rows 'd.rows.count === 3 && d.rows.exact === true'
json sniff-json-preview 'd.preview[2][1] === "say \"hi\""'
json sniff-json-encoding 'd.source.encoding === "utf-8" && d.source.compression === "none"'

# Stdin, gzip, zstd.
check sniff-stdin 0 bash -c "cat plain.csv | '$bin' sniff --json -"
json sniff-stdin 'd.rows.count === 3 && d.source.path === "-"'
gzip -c plain.csv >plain.csv.gz
check sniff-gz 0 "$bin" sniff --json plain.csv.gz
json sniff-gz 'd.source.compression === "gzip" && d.rows.count === 3'
if command -v zstd >/dev/null; then
    zstd -q -c plain.csv >plain.csv.zst
    check sniff-zst 0 "$bin" sniff --json plain.csv.zst
    json sniff-zst 'd.source.compression === "zstd" && d.rows.count === 3'
else
    echo "FAIL zstd command missing (scripts/setup installs it)"; fails=$((fails + 1))
fi

# Encodings: UTF-16 LE with BOM (Excel "Unicode text"), Windows-1252 (Excel "CSV" on Windows).
printf 'name\tcity\nZo\xc3\xab\tS\xc3\xa3o Paulo\n' | iconv -f UTF-8 -t UTF-16 >utf16.txt
check sniff-utf16 0 "$bin" sniff --json utf16.txt
json sniff-utf16 'd.source.encoding === "utf-16le" && d.source.bom === true && d.dialect.delimiter === "\t"'
json sniff-utf16-text 'd.preview[0][1] === "S\u00e3o Paulo"'
printf 'name;price\nCaf\xe9;1\nCr\xe8me br\xfbl\xe9e;2\n' >cp1252.csv
check sniff-cp1252 0 "$bin" sniff --json cp1252.csv
json sniff-cp1252 'd.source.encoding === "windows-1252" && d.preview[1][0] === "Cr\u00e8me br\u00fbl\u00e9e"'
check sniff-forced-enc 0 "$bin" sniff --json --encoding latin1 cp1252.csv
json sniff-forced-enc 'd.preview[0][0] === "Caf\u00e9"'

# Excel's sep= line, a preamble of notes, trailing ,,,, columns.
printf 'sep=;\r\na;b\r\n1;2\r\n3;4\r\n' >sep.csv
check sniff-sep 0 "$bin" sniff --json sep.csv
json sniff-sep 'd.dialect.sep_line === true && d.dialect.delimiter === ";" && d.dialect.newline === "crlf" && d.rows.count === 2'
printf 'Sales report\nGenerated 2024-01-02\n\nregion,units,revenue\nnorth,10,100.5\nsouth,20,200.25\neast,5,50\n' >pre.csv
check sniff-preamble 0 "$bin" sniff --json pre.csv
json sniff-preamble 'd.dialect.skip_lines === 3 && d.columns[0].name === "region" && d.rows.count === 3'
check sniff-skip-override 0 "$bin" sniff --json --skip 4 --no-header pre.csv
json sniff-skip-override 'd.dialect.skip_lines === 4 && d.dialect.header === false && d.preview[0][0] === "north"'
# convert says what it skipped above the table (not for a lone sep= line), and --json gives it.
check convert-preamble 0 "$bin" convert pre.csv -o pre.out.csv &&
    has convert-preamble err.txt "skipped lines: 3 before the header (titles, notes, blank lines;"
check convert-preamble-json 0 "$bin" convert pre.csv -o pre.out.parquet --json
json convert-preamble-json 'd.inputs[0].skip_lines === 3 && d.inputs[0].ragged_rows === false &&
    d.inputs[0].footer_lines === 0 && d.rows === 3'
check convert-sep 0 "$bin" convert sep.csv -o sep.out.csv
if grep -q "skipped lines" err.txt; then
    echo "FAIL convert-sep: a lone sep= line is reported as skipped lines"; fails=$((fails + 1))
else
    n=$((n + 1))
fi

# An Excel export with a totals row and a note under the table: both skipped, each reported with
# its text; --footer 0 keeps them as rows, --footer N forces the count, and so does the schema's
# csv.footer_lines; the totals row never reaches the converted output.
{ printf 'sep=;\r\nOrder;Region;Amount\r\n'
  for i in 1 2 3 4 5 6; do printf '%d;North;%d,50\r\n' "$i" "$((i * 10))"; done
  printf 'Total;;213,00\r\n\r\nExported by the tool\r\n'; } >totals.csv
check sniff-totals 0 "$bin" sniff --json totals.csv
json sniff-totals 'd.dialect.footer_lines === 2 && d.rows.count === 6 && d.csv.footer_lines === 2 &&
    d.columns[0].type === "int32" && d.irregular.footer_lines.count === 2 &&
    d.irregular.footer_lines.examples[0].message.includes("\"Total;;213,00\"") &&
    d.irregular.footer_lines.examples[0].line === 9'
check sniff-footer-0 0 "$bin" sniff --json --footer 0 totals.csv
json sniff-footer-0 'd.dialect.footer_lines === 0 && d.rows.count === 8 && d.columns[0].type === "varchar"'
check sniff-footer-1 0 "$bin" sniff --json --footer 1 totals.csv
json sniff-footer-1 'd.dialect.footer_lines === 1 && d.rows.count === 7'
check sniff-footer-bad 2 "$bin" sniff --footer x totals.csv && has sniff-footer-bad err.txt "footer"
check convert-totals 0 "$bin" convert totals.csv -o totals.out.csv -q
same convert-totals-rows totals.out.csv 'Order,Region,Amount
1,North,10.50
2,North,20.50
3,North,30.50
4,North,40.50
5,North,50.50
6,North,60.50'
# Excel pads every row to the table's width: the note and the empty row are footer lines too.
sed -e 's/^Exported by the tool/Exported by the tool;;/' -e 's/^\r$/;;\r/' totals.csv >padded.csv
check sniff-padded 0 "$bin" sniff --json padded.csv
json sniff-padded 'd.dialect.footer_lines === 3 && d.rows.count === 6 && d.columns[0].type === "int32"'
printf '{"csv":{"footer_lines":0},"columns":[]}' >keep.json
check convert-footer-schema 0 "$bin" convert totals.csv -o kept.csv --schema keep.json -q
has convert-footer-schema kept.csv '^Total,,213.00.\?$'

# Ragged rows, as Excel writes a sheet whose last column is sparse: full rows up to the 16th line,
# then each row leaves out its trailing empty fields. The header and the 15 full rows are the
# table (not a preamble), short rows are padded with NULL and not reported; --no-ragged and the
# schema's csv.ragged_rows turn it off, a schema value that is not a boolean is refused.
awk 'BEGIN { printf "id,name,city,amount,note\r\n"; total = 0
  for (i = 1; i <= 400; i++) {
    city = (i % 3 == 0) ? "" : "Oslo"; note = (i % 9 == 0) ? "late" : ""; amt = sprintf("%d.25", i)
    total += i + 0.25
    line = i ",n" i "," city "," amt "," note
    if (i > 15) sub(/,+$/, "", line)
    printf "%s\r\n", line }
  printf "%.2f\n", total > "ragged.total" }' >ragged.csv
check sniff-ragged 0 "$bin" sniff --json ragged.csv
json sniff-ragged 'd.dialect.ragged_rows === true && d.csv.ragged_rows === true &&
    d.dialect.header === true && d.dialect.skip_lines === 0 && d.columns.length === 5 &&
    d.rows.count === 400 && d.irregular.too_few_fields.count === 0 &&
    d.columns[0].name === "id" && d.columns[0].type === "int32" && d.columns[4].stats.nulls === 356'
check sniff-ragged-text 0 "$bin" sniff ragged.csv && has sniff-ragged-text out.txt "^ragged rows: *yes"
check sniff-no-ragged 0 "$bin" sniff --json --no-ragged ragged.csv
json sniff-no-ragged 'd.dialect.ragged_rows === false &&
    d.irregular.too_few_fields.count + d.irregular.too_many_fields.count > 0'
check convert-ragged 0 "$bin" convert ragged.csv -o ragged.out.csv &&
    has convert-ragged err.txt "ragged rows: rows that leave out trailing empty fields"
sum=$(awk -F, 'NR > 1 { s += $4 } END { printf "%.2f", s }' ragged.out.csv)
if [ "$sum" = "$(cat ragged.total)" ] && [ "$(wc -l <ragged.out.csv)" = 401 ]; then
    n=$((n + 1))
else
    echo "FAIL convert-ragged: amount sum $sum, want $(cat ragged.total)"; fails=$((fails + 1))
fi
printf '{"csv":{"ragged_rows":false},"columns":[]}' >noragged.json
check convert-ragged-schema 0 "$bin" convert ragged.csv -o nr.csv --schema noragged.json &&
    has convert-ragged-schema err.txt "irregular: "
printf '{"csv":{"ragged_rows":"yes"},"columns":[]}' >badragged.json
check convert-ragged-bad 1 "$bin" convert ragged.csv -o bad.csv --schema badragged.json -q &&
    has convert-ragged-bad err.txt "csv.ragged_rows: expected true or false"

# Files exported in parts and joined repeat their header: those rows are skipped and reported,
# and the columns keep their types.
{ for part in 0 1 2; do printf 'id,amount,day\n'
    for i in 1 2 3 4 5 6 7 8; do printf '%d,%d.5,2024-01-0%d\n' "$((part * 8 + i))" "$i" "$i"; done
  done; } >joined.csv
check sniff-joined 0 "$bin" sniff --json joined.csv
json sniff-joined 'd.rows.count === 24 && d.irregular.repeated_header.count === 2 &&
    d.irregular.repeated_header.examples[0].line === 10 && d.columns[0].type === "int32" &&
    d.columns[2].type === "date"'
check convert-joined 0 "$bin" convert joined.csv -o joined.out.csv &&
    has convert-joined err.txt "irregular: 2 repeated header rows, first at line 10"
if grep -q '^id' <(tail -n +2 joined.out.csv); then
    echo "FAIL convert-joined: a copy of the header reached the output"; fails=$((fails + 1))
else
    n=$((n + 1))
fi

# Space-aligned columns (report exports): detected, or forced with --delimiter whitespace.
printf 'name      age  city\nBob        42  Paris\nAlice       7  Rome\nCharlotte 101  Oslo\n' >aligned.txt
check sniff-aligned 0 "$bin" sniff --json aligned.txt
json sniff-aligned 'd.dialect.merge_delimiters === true && d.columns.length === 3 && d.preview[2][0] === "Charlotte"'
printf 'a  b\n1   2\n' >aligned2.txt
check sniff-whitespace 0 "$bin" sniff --json --delimiter whitespace --header aligned2.txt
json sniff-whitespace 'd.dialect.merge_delimiters === true && d.preview[0][1] === "2"'

# Irregular rows are reported with line numbers; --strict turns them into an error.
printf 'a,b,c\n1,2,3\n4,5\n6,7,8\n9,10,11\n12,13,14\n' >short.csv
check sniff-irregular 0 "$bin" sniff --json short.csv
json sniff-irregular 'd.irregular.too_few_fields.count === 1 && d.irregular.too_few_fields.examples[0].line === 3'
check sniff-strict 1 "$bin" sniff --strict short.csv
has sniff-strict err.txt "short.csv:3:"
has sniff-strict err.txt "expected 3 fields, found 2"

# Every kernel and thread count prints the same JSON (but for the kernel's name).
"$bin" sniff --json --simd scalar --threads 1 plain.csv | grep -v '"kernel"' >a.json
for k in avx2 avx512; do
    if "$bin" sniff --json --simd "$k" --threads 2 plain.csv >b.raw 2>/dev/null; then
        grep -v '"kernel"' b.raw >b.json
        n=$((n + 1))
        if ! cmp -s a.json b.json; then
            echo "FAIL kernel $k output differs"; fails=$((fails + 1))
        fi
    fi
done

echo "cli: $((n - fails)) of $n checks passed"
[ $fails -eq 0 ]
