"""run_cases.py - the CLI's cases in the style of zstd's tests/cli-tests: every
tests/cli/cases/<group>/<name>.sh is a bash script run in a fresh empty folder, with `rootfeed`
(this build's, $ROOTFEED_BIN) first on PATH and $DATA naming ../shared/data/external. Beside
it, <name>.sh.exit holds the expected exit status (0 when absent), <name>.sh.stdout.exact /
.stderr.exact the exact expected output, or <name>.sh.stdout.glob / .stderr.glob the output
with '*' standing for any text; an output without such a file is not checked.

Usage: run_cases.py [--bless] [SUBSTRING...]   (only the cases whose path contains one of them;
--bless writes what they print as their .exact files and .exit, to be read and committed)
Prints one line per failure with the difference, then "N passed, N failed, N skipped". Without
the shared data every case is skipped (ROOTFEED_REQUIRE_DATA=1: that is a failure)."""
import concurrent.futures
import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(HERE, "cases")
TIMEOUT = 120


def glob_match(pattern, text):
    return re.fullmatch(".*".join(re.escape(p) for p in pattern.split("*")), text, re.S) is not None


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def check_output(case, which, got):
    """None if got is as expected, else a description of the difference."""
    exact, glob = case + "." + which + ".exact", case + "." + which + ".glob"
    if os.path.exists(exact):
        want = read(exact)
        if got == want:
            return None
        diff = difflib.unified_diff(want.splitlines(True), got.splitlines(True), "expected", "got")
        return "%s differs:\n%s" % (which, "".join(diff))
    if os.path.exists(glob):
        want = read(glob)
        return None if glob_match(want, got) else "%s does not match %s:\n--- got:\n%s" % (which, glob, got)
    return None


def bless(case, rc, out, err):
    for which, text in (("stdout", out), ("stderr", err)):
        if not os.path.exists(case + "." + which + ".glob"):
            with open(case + "." + which + ".exact", "w", encoding="utf-8") as f:
                f.write(text)
    if rc:
        with open(case + ".exit", "w") as f:
            f.write("%d\n" % rc)
    elif os.path.exists(case + ".exit"):
        os.remove(case + ".exit")


def run_case(case, env, blessing=False):
    tmp = tempfile.mkdtemp(prefix="rootfeed-case-")
    try:
        p = subprocess.run(["bash", case], cwd=tmp, env=env, capture_output=True, timeout=TIMEOUT)
        out, err = p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
        rc = p.returncode
    except subprocess.TimeoutExpired:
        return ["timed out after %d s" % TIMEOUT]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if blessing:
        bless(case, rc, out, err)
    problems = []
    want_rc = int(read(case + ".exit")) if os.path.exists(case + ".exit") else 0
    if rc != want_rc:
        problems.append("exit status %d, expected %d; stderr:\n%s" % (rc, want_rc, err))
    for which, got in (("stdout", out), ("stderr", err)):
        d = check_output(case, which, got)
        if d:
            problems.append(d)
    return problems


def main():
    args = sys.argv[1:]
    blessing = "--bless" in args
    args = [a for a in args if a != "--bless"]
    cases = sorted(os.path.join(d, f) for d, _, fs in os.walk(CASES) for f in fs if f.endswith(".sh"))
    if args:
        cases = [c for c in cases if any(a in c for a in args)]
    shared = os.environ.get("ROOTFEED_SHARED") or os.path.join(HERE, "..", "..", "..", "shared")
    data = os.path.abspath(os.path.join(shared, "data", "external"))
    if not os.path.isdir(data):
        need = os.environ.get("ROOTFEED_REQUIRE_DATA") == "1"
        print("run_cases: no shared data at %s; %s" % (data, "FAIL" if need else "skipping"))
        print("0 passed, %d failed, %d skipped" % (need, 0 if need else len(cases)))
        return 1 if need else 0
    binary = os.path.abspath(os.environ["ROOTFEED_BIN"])
    env = dict(os.environ, DATA=data, LC_ALL="C", PATH=os.path.dirname(binary) + os.pathsep + os.environ["PATH"])
    env.pop("ROOTFEED_NAMED_TEMP", None)
    passed = failed = 0
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        for case, problems in zip(cases, pool.map(lambda c: run_case(c, env, blessing), cases)):
            name = os.path.relpath(case, CASES)
            if problems:
                failed += 1
                print("FAIL %s: %s" % (name, "\n".join(problems)), flush=True)
            else:
                passed += 1
    print("%d passed, %d failed, 0 skipped" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
