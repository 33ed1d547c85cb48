"""Checks every RNTuple of ../shared/data/external against expected/*.json: each in-scope
column (flat, fixed-array, jagged with a numeric dtype) must hash bit-exactly (XXH64 of the
values and of each jagged level's counts); columns the reference skips must be reported as
unsupported or absent. Prints `N passed, N failed` and exits non-zero on any failure."""
import glob
import json
import os
import subprocess
import sys

NUMERIC = {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
           "float32", "float64"}
KIND = {"flat": "flat", "fixed-array": "fixed", "jagged": "jagged"}


def main():
    shared = os.environ.get("ROOTFEED_SHARED", os.path.join(os.path.dirname(__file__), "../../../shared"))
    require = os.environ.get("ROOTFEED_REQUIRE_DATA") == "1"
    tool = sys.argv[1]
    exp_dir = os.path.join(shared, "data", "external", "expected")
    files = sorted(glob.glob(os.path.join(exp_dir, "*.json")))
    if not files:
        print(("error" if require else "skip") + ": no reference data under " + exp_dir)
        print("0 passed, %d failed" % (1 if require else 0))
        return 1 if require else 0
    passed = failed = skipped = 0
    nfiles = 0
    for jf in files:
        ref = json.load(open(jf))
        objs = {k: v for k, v in ref["objects"].items() if v["class"] == "ROOT::RNTuple"}
        if not objs:
            continue
        nfiles += 1
        root = os.path.join(shared, "data", "external", ref["file"])
        out = subprocess.run([tool, root] + list(objs), capture_output=True, text=True)
        got = {}
        for line in out.stdout.splitlines():
            rec = json.loads(line)
            if "name" not in rec:
                print("FAIL %s %s: %s" % (ref["file"], rec["table"], rec.get("error")))
                failed += 1
                continue
            got[(rec["table"], rec["name"])] = rec
        for obj, o in objs.items():
            for name, col in o["columns"].items():
                kind = col["kind"]
                vals = col.get("values") or {}
                if kind not in KIND or vals.get("dtype") not in NUMERIC:
                    skipped += 1
                    g = got.get((obj, name))
                    if g and "unsupported" not in g and kind == "skipped":
                        pass  # readable here although the reference skips it
                    continue
                g = got.get((obj, name))
                why = check(col, g)
                if why:
                    failed += 1
                    print("FAIL %s %s %s: %s" % (ref["file"], obj, name, why))
                else:
                    passed += 1
    print("%d RNTuple files, %d columns skipped (reference skips or out of scope)" % (nfiles, skipped))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


def check(col, g):
    if g is None:
        return "column missing"
    if "unsupported" in g or "error" in g:
        return g.get("unsupported") or g.get("error")
    if g["kind"] != KIND[col["kind"]]:
        return "kind %s, expected %s" % (g["kind"], col["kind"])
    vals = col["values"]
    if g["dtype"] != vals["dtype"]:
        return "dtype %s, expected %s" % (g["dtype"], vals["dtype"])
    if g["count"] != vals["count"]:
        return "%d values, expected %d" % (g["count"], vals["count"])
    if g["xxh64"] != vals["xxh64"]:
        return "values hash %s, expected %s" % (g["xxh64"], vals["xxh64"])
    levels = [l for l in col.get("levels", []) if l["kind"] == "var"]
    if len(levels) != len(g["counts"]):
        return "%d levels, expected %d" % (len(g["counts"]), len(levels))
    for i, l in enumerate(levels):
        if l["counts"]["xxh64"] != g["counts"][i]:
            return "level %d counts hash %s, expected %s" % (i, g["counts"][i], l["counts"]["xxh64"])
    return None


if __name__ == "__main__":
    sys.exit(main())
