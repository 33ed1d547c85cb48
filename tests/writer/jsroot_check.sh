#!/bin/sh
# jsroot_check.sh WRITE_SAMPLE JS_DIR - writes the sample table in both formats with every
# codec and has JSROOT (tests/js/node_modules/jsroot) read each file back value by value.
# Skips (exit 77) when node or JSROOT is missing, unless ROOTFEED_REQUIRE_DATA=1.
ws=$1; js=$2
. "$(dirname "$0")/../js/need_jsroot.sh"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
for fmt in ttree rntuple; do
    for c in 0 101 109 207 404 505 301; do
        f="$tmp/$fmt-$c"
        if "$ws" "$f.root" "$f.json" $fmt $c 2600 1000 >"$f.log" 2>&1 &&
           (cd "$js" && node ../writer/jsroot_check.mjs "$f.root" "$f.json") >"$f.out" 2>&1; then
            pass=$((pass + 1))
        else
            fail=$((fail + 1)); echo "FAIL: $fmt, setting $c"; cat "$f.log" "$f.out" 2>/dev/null | tail -5
        fi
    done
done
echo "$pass passed, $fail failed"
[ $fail = 0 ]
