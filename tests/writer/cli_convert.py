"""cli_convert.py - `rootfeed convert` and `rootfeed gen` end to end: a CSV with every kind
of field goes to both formats with several codecs and must dump back to the same values;
a generated file is converted ROOT to ROOT (chosen columns, an entry range, the other format)
and must match the source entries. Skips (77) while the CLI has no convert command."""
import json
import math
import os
import struct
import subprocess
import sys
import tempfile

BIN = os.environ.get("ROOTFEED_BIN", "rootfeed")
passed = failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what)


def run(*args):
    return subprocess.run([BIN, *args], capture_output=True, text=True)


def dump(path, name, *extra):
    r = run("dump", path, name, "--json", *extra)
    if r.returncode != 0:
        raise RuntimeError(r.stderr.strip())
    return json.loads(r.stdout)


def same(a, b):
    if isinstance(a, bytes):
        return a == b
    if isinstance(a, float) or isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return a == b


def values(col):
    return col.get("values")


def main():
    help_text = run("--help").stdout + run("--help").stderr
    if "convert" not in help_text:
        print("SKIP: this rootfeed has no convert command yet (tools/rootfeed.c dispatcher)")
        return 77
    tmp = tempfile.mkdtemp()
    csv = os.path.join(tmp, "in.csv")
    rows = [(i, i * 0.5 - 3, -i * 7, i % 2, 1e-3 * i) for i in range(1000)]
    with open(csv, "w") as f:
        f.write('id,x,"neg",flag,small\n')
        for r in rows:
            f.write("%d,%r,%d,%d,%r\n" % r)
    want = {"id": [r[0] for r in rows], "x": [r[1] for r in rows], "neg": [r[2] for r in rows],
            "flag": [r[3] for r in rows], "small": [r[4] for r in rows]}
    dtypes = {"id": "int64", "x": "float64", "neg": "int32", "flag": "bool", "small": "float32"}
    for fmt in ("ttree", "rntuple"):
        for comp in ("none", "zlib:6", "lz4", "zstd:5", "lzma:2"):
            out = os.path.join(tmp, "%s-%s.root" % (fmt, comp.replace(":", "")))
            r = run("convert", csv, out, "--name", "tab", "--format", fmt, "--compression", comp,
                    "--cluster-entries", "300", "--types", "neg:int32,flag:bool,small:float32")
            check(r.returncode == 0, "convert %s %s: %s" % (fmt, comp, r.stderr.strip()))
            if r.returncode:
                continue
            d = dump(out, "tab")
            check(d["entries"] == 1000, "%s %s: entries %s" % (fmt, comp, d["entries"]))
            for name, vals in want.items():
                col = d["columns"].get(name, {})
                got = values(col) or []
                if name == "small":  # float32: the dump prints 9 digits, compare as float32
                    got = [struct.pack("f", v) for v in got]
                    vals = [struct.pack("f", v) for v in vals]
                check(col.get("dtype") == dtypes[name] and len(got) == len(vals) and
                      all(same(a, b) for a, b in zip(got, vals)), "%s %s: column %s" % (fmt, comp, name))
    bad = os.path.join(tmp, "bad.csv")
    with open(bad, "w") as f:
        f.write("a,b\n1,2\n3,x\n")
    r = run("convert", bad, os.path.join(tmp, "bad.root"), "--name", "t", "--types", "b:int32")
    check(r.returncode != 0 and r.stderr.startswith("rootfeed convert: ") and "line 3" in r.stderr,
          "a bad field is one error line naming the line: %r" % r.stderr)
    gen = os.path.join(tmp, "gen.root")
    r = run("gen", gen, "--entries", "5000", "--schema", "x:float32,n:int16,v:float64[var],a:int32[2][3]",
            "--cluster-entries", "1000")
    check(r.returncode == 0, "gen: %s" % r.stderr.strip())
    src = dump(gen, "events")
    for fmt in ("rntuple", "ttree"):
        out = os.path.join(tmp, "conv-%s.root" % fmt)
        r = run("convert", gen, out, "--format", fmt, "--columns", "x,v,a", "--entries", "1234:4321")
        check(r.returncode == 0, "convert root to %s: %s" % (fmt, r.stderr.strip()))
        if r.returncode:
            continue
        d = dump(out, "events")
        part = dump(gen, "events", "--columns", "x,v,a", "--entries", "1234:4321")
        check(d["entries"] == 3087 and set(d["columns"]) >= {"x", "v", "a"} and "n" not in d["columns"],
              "root to %s: entries/columns" % fmt)
        for name in ("x", "v", "a"):
            check(d["columns"][name] == part["columns"][name], "root to %s: column %s" % (fmt, name))
    check(src["entries"] == 5000, "gen wrote 5000 entries")
    nested = os.path.join(os.environ.get("ROOTFEED_SHARED", ""), "data", "external",
                          "uproot-vectorVectorDouble.root")
    if os.path.exists(nested):  # vector<vector<double>> to both formats
        for fmt in ("ttree", "rntuple"):
            out = os.path.join(tmp, "nested-%s.root" % fmt)
            r = run("convert", nested, out, "--format", fmt)
            check(r.returncode == 0, "convert nested to %s: %s" % (fmt, r.stderr.strip()))
            if r.returncode == 0:
                check(dump(out, "t")["columns"]["x"] == dump(nested, "t")["columns"]["x"],
                      "nested to %s: column x" % fmt)
    elif os.environ.get("ROOTFEED_REQUIRE_DATA") == "1":
        check(False, "no %s (ROOTFEED_REQUIRE_DATA=1)" % nested)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


sys.exit(main())
