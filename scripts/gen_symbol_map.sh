#!/usr/bin/env bash
# Writes the shared library's version script: exactly the functions declared in the public
# headers are global, everything else (internal rf_* helpers included) is local.
set -euo pipefail
out=$1; shift
{
  echo "{"
  echo "  global:"
  cat "$@" | grep -oE '\brf_[a-z0-9_]+\(' | tr -d '(' | sort -u | sed 's/^/    /; s/$/;/'
  echo "  local: *;"
  echo "};"
} > "$out"
