# tests/e2e/lib/check_lib.sh: the assertions shared by the CLI end-to-end scripts (cli.sh,
# types.sh, convert.sh). Each counts one check in n and a failure in fails (the script sets both
# to 0 and ends with "N of M checks passed"); command output goes to out.txt and err.txt in the
# script's temp directory. It lives in tests/e2e/lib/ so tests/run does not run it.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    echo "check_lib: a library for the e2e scripts that source it; nothing to run on its own"
    exit 0
fi
check() { # name expected_rc command... ; output in out.txt / err.txt
    local name=$1 want=$2
    shift 2
    n=$((n + 1))
    "$@" >out.txt 2>err.txt
    local rc=$?
    if [ "$rc" != "$want" ]; then
        echo "FAIL $name: exit $rc, want $want"
        sed 's/^/    stdout: /' out.txt | head -5
        sed 's/^/    stderr: /' err.txt | head -5
        fails=$((fails + 1))
        return 1
    fi
    return 0
}
same() { # name file expected-text
    n=$((n + 1))
    if [ "$(tr -d '\r' <"$2")" != "$3" ]; then
        echo "FAIL $1: $2 differs:"
        diff <(tr -d '\r' <"$2") <(printf '%s\n' "$3") | head -20 | sed 's/^/    /'
        fails=$((fails + 1))
    fi
}
has() { # name file pattern
    n=$((n + 1))
    if ! grep -q -- "$3" "$2"; then
        echo "FAIL $1: \"$3\" not in $2:"
        sed 's/^/    /' "$2" | head -20
        fails=$((fails + 1))
    fi
}
absent() { # name file
    n=$((n + 1))
    if [ -e "$2" ]; then
        echo "FAIL $1: $2 exists"
        fails=$((fails + 1))
    fi
}
json() { # name js-expression over the parsed file $3 (default out.txt) as `d`; must print true
    local got
    n=$((n + 1))
    got=$(node -e "const d=JSON.parse(require('fs').readFileSync('${3:-out.txt}','utf8')); console.log(String($2))" 2>&1)
    if [ "$got" != "true" ]; then
        echo "FAIL $1: $2 is $got"
        fails=$((fails + 1))
    fi
}
