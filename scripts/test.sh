#!/usr/bin/env bash
# The whole test suite: a release build and a build with AddressSanitizer + UBSan, each
# running every Meson test (unit, conformance, CLI, fuzz-corpus replay, writer round trips,
# uproot cross-checks, the Python suite with the extension of that build), then the threaded
# loader tests again under ThreadSanitizer (build-tsan: only those targets are built). Meson
# and the Python of the tests come from .venv (scripts/setup.sh). Prints one closing line
# "N passed, N failed, N skipped" over all runs, counting each pytest case.
set -uo pipefail
cd "$(dirname "$0")/.."
export ROOTFEED_REQUIRE_DATA=${ROOTFEED_REQUIRE_DATA:-0}
export PATH="$PWD/.venv/bin:$PATH"
jobs=$(nproc 2>/dev/null || echo 2)
status=0

run_suite() { # dir, extra meson setup args...
  local dir=$1; shift
  if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" "$@" > "$dir.setup.log" 2>&1 || { tail -20 "$dir.setup.log"; return 1; }
  fi
  ninja -C "$dir" >/dev/null || { ninja -C "$dir" | tail -30; return 1; }
  meson test -C "$dir" --num-processes "$jobs" --print-errorlogs
}

echo "== release build"
run_suite build || status=1
echo "== ASan + UBSan build"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  run_suite build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debugoptimized || status=1

echo "== ThreadSanitizer build (threaded loader tests)"
tsan_targets="tests/loader/test_loader tests/loader/test_loader_props"
if [ ! -f build-tsan/build.ninja ]; then
  meson setup build-tsan -Db_sanitize=thread -Dbuildtype=debugoptimized > build-tsan.setup.log 2>&1 \
    || { tail -20 build-tsan.setup.log; status=1; }
fi
if ninja -C build-tsan $tsan_targets > /dev/null || { ninja -C build-tsan $tsan_targets | tail -30; false; }; then
  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
    meson test -C build-tsan --no-rebuild --print-errorlogs loader loader_props || status=1
else
  status=1
fi

python - <<'PY'
import json, os
import xml.etree.ElementTree as ET
passed = failed = skipped = 0
for d in ("build", "build-asan", "build-tsan"):
    p = os.path.join(d, "meson-logs", "testlog.json")
    if not os.path.exists(p):
        failed += 1
        continue
    for line in open(p):
        r = json.loads(line)
        if r["name"] == "pytest":
            continue  # counted case by case below
        if r["result"] in ("OK", "EXPECTEDFAIL"): passed += 1
        elif r["result"] == "SKIP": skipped += 1
        else: failed += 1
    if d == "build-tsan":
        continue  # no Python suite there
    x = os.path.join(d, "tests", "python", "pytest.xml")
    if not os.path.exists(x):
        failed += 1
        continue
    for s in ET.parse(x).getroot().iter("testsuite"):
        n, f, e, sk = (int(s.get(k, 0)) for k in ("tests", "failures", "errors", "skipped"))
        passed += n - f - e - sk
        failed += f + e
        skipped += sk
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
exit $status
