#!/usr/bin/env bash
# The shared library exports exactly the functions declared in the public headers: every
# exported symbol starts with rf_ and is declared there, and every declared one is exported.
set -euo pipefail
lib=$1; shift
exported=$(nm -D --defined-only "$lib" | awk '$2 ~ /[TDBR]/ {print $3}' | sed 's/@.*//' | sort -u)
bad=$(echo "$exported" | grep -v '^rf_' || true)
declared=$(cat "$@" | grep -oE '\brf_[a-z0-9_]+\(' | tr -d '(' | sort -u)
missing=$(comm -23 <(echo "$declared") <(echo "$exported"))
internal=$(comm -13 <(echo "$declared") <(echo "$exported"))
passed=0 failed=0
if [ -n "$bad" ]; then echo "exported without the rf_ prefix:"; echo "$bad"; failed=$((failed+1)); else passed=$((passed+1)); fi
if [ -n "$missing" ]; then echo "declared in the public headers but not exported:"; echo "$missing"; failed=$((failed+1)); else passed=$((passed+1)); fi
if [ -n "$internal" ]; then echo "exported but not in the public headers:"; echo "$internal"; failed=$((failed+1)); else passed=$((passed+1)); fi
echo "$(echo "$exported" | wc -l) exported symbols"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
