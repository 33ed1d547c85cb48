#!/usr/bin/python3
"""Tests of the rootfeed command (path in $ROOTFEED_BIN) on the shared ROOT files.

`rootfeed dump FILE OBJECT [--columns a,b] [--entries A:B] --json` is checked bit-exactly
against the reference (shared/data/external/expected/*.json): the printed values are turned
back into their dtype and hashed (SHA-256 of the little-endian bytes, counts as int64), which
works because float32 is printed with 9 and float64 with 17 significant digits; strings are
printed as JSON strings, turned back into their UTF-8 bytes and lengths. `ls` and `show`
must name the objects and columns; slices must equal the same entries of a full dump; and bad
input (missing file, not ROOT, truncated or corrupted copies, unknown object or column, bad
arguments) must give a non-zero exit and ONE stderr line naming the file (and the object or
column) - never a crash (signal) or a hang.

Prints `N passed, N failed, N skipped` last; exit status 1 on any failure. Without the shared
data: skips (exit 0), or fails when ROOTFEED_REQUIRE_DATA=1.
"""
import hashlib
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
TIMEOUT = 60

DTYPES = {"bool": np.uint8, "int8": np.int8, "uint8": np.uint8, "int16": np.int16,
          "uint16": np.uint16, "int32": np.int32, "uint32": np.uint32, "int64": np.int64,
          "uint64": np.uint64, "float32": np.float32, "float64": np.float64}
REF_KIND = {"flat": "flat", "fixed-array": "fixed", "jagged": "jagged", "string": "string"}


class Tally:
    def __init__(self):
        self.passed = self.failed = self.skipped = 0

    def check(self, ok, what, detail=""):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL %s%s" % (what, (": " + detail) if detail else ""), flush=True)
        return ok


T = Tally()


def shared_dir():
    return os.environ.get("ROOTFEED_SHARED") or os.path.join(REPO, "..", "shared")


# ---------------------------------------------------------------- running the command

class Result:
    def __init__(self, rc, out, err, hung):
        self.rc, self.out, self.err, self.hung = rc, out, err, hung

    def describe(self):
        if self.hung:
            return "hung (killed after %ds)" % TIMEOUT
        if self.rc < 0:
            return "crashed (signal %d): %s" % (-self.rc, self.err.strip()[-300:])
        return "exit %d, stderr %r" % (self.rc, self.err.strip()[:300])


def rootfeed(*args):
    try:
        p = subprocess.run([os.environ["ROOTFEED_BIN"]] + [str(a) for a in args],
                           capture_output=True, timeout=TIMEOUT)
        return Result(p.returncode, p.stdout.decode("utf-8", "replace"),
                      p.stderr.decode("utf-8", "replace"), False)
    except subprocess.TimeoutExpired as e:
        return Result(-9, (e.stdout or b"").decode("utf-8", "replace"),
                      (e.stderr or b"").decode("utf-8", "replace"), True)


def parse_json_number(s):
    return -0.0 if s == "-0" else int(s)


def dump(path, obj, *extra):
    """Runs dump --json; returns (parsed JSON or None, Result)."""
    r = rootfeed("dump", path, obj, "--json", *extra)
    if r.rc != 0 or r.hung:
        return None, r
    try:
        return json.loads(r.out, parse_int=parse_json_number), r
    except ValueError as e:
        r.err = "stdout is not JSON (%s): %r" % (e, r.out[:200])
        return None, r


# ---------------------------------------------------------------- values and hashes

def to_array(values, dtype):
    special = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
    vals = [special.get(v, v) if isinstance(v, str) else v for v in values]
    if dtype in ("float32", "float64"):
        return np.array(vals, dtype=np.float64).astype(DTYPES[dtype])
    return np.array(vals, dtype=DTYPES[dtype])


def sha(arr):
    return hashlib.sha256(np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<")).tobytes()).hexdigest()


def flatten_counts(counts):
    return [np.array(c, dtype=np.int64) for c in counts]


def compare_column(what, col, ref):
    """Bit-exact comparison of one dump column with a reference column (whole object)."""
    ok = T.check(col.get("kind") == REF_KIND[ref["kind"]], what + " kind",
                 "expected %s, got %s" % (REF_KIND[ref["kind"]], col.get("kind")))
    ok &= T.check(col.get("dtype") == ref["values"]["dtype"], what + " dtype",
                  "expected %s, got %s" % (ref["values"]["dtype"], col.get("dtype")))
    if ref["kind"] == "fixed-array":
        ok &= T.check(col.get("shape") == ref["inner_shape"], what + " shape",
                      "expected %s, got %s" % (ref["inner_shape"], col.get("shape")))
    if not ok or col.get("dtype") not in DTYPES:
        return
    counts = flatten_counts(col.get("counts", []))
    if ref["kind"] == "string":  # JSON strings: their UTF-8 bytes and lengths (the last level)
        raw = [x.encode("utf-8") for x in col.get("values", [])]
        vals = np.frombuffer(b"".join(raw), dtype=np.uint8)
        counts.append(np.array([len(x) for x in raw], dtype=np.int64))
    else:
        vals = to_array(col.get("values", []), col["dtype"])
    v = ref["values"]
    T.check(len(vals) == v["count"], what + " value count",
            "expected %d, got %d" % (v["count"], len(vals)))
    first = [x for x in vals[:8].tolist()]
    want_first = [math.nan if x == "nan" else x for x in v["first"]]
    same_first = all((a == b) or (isinstance(b, float) and math.isnan(b) and math.isnan(a))
                     for a, b in zip(first, want_first)) and len(first) == len(want_first)
    T.check(same_first, what + " first values", "expected %s, got %s" % (v["first"], first))
    if v.get("nan_count", 0) == 0:   # NaN payloads don't survive "nan": hash only without them
        T.check(sha(vals) == v["sha256"], what + " values sha256",
                "values differ from the reference (count %d)" % len(vals))
    else:
        T.check(int(np.isnan(vals).sum()) == v["nan_count"], what + " NaN count")
    levels = [lv for lv in ref.get("levels", []) if lv["kind"] == "var"]
    T.check(len(counts) == len(levels), what + " count levels",
            "expected %d, got %d" % (len(levels), len(counts)))
    for i, (lv, c) in enumerate(zip(levels, counts)):
        T.check(len(c) == lv["counts"]["count"] and sha(c) == lv["counts"]["sha256"],
                "%s counts level %d" % (what, i),
                "expected %d counts starting %s, got %d starting %s" % (
                    lv["counts"]["count"], lv["counts"]["first"], len(c), c[:8].tolist()))


def load_ref(stem):
    with open(os.path.join(shared_dir(), "data", "external", "expected", stem + ".json")) as f:
        return json.load(f)


def ext(name):
    return os.path.join(shared_dir(), "data", "external", name)


# ---------------------------------------------------------------- tests: reading

def test_dump_whole(stem, obj, columns=None):
    """dump (all or some columns) and compare every in-scope column with the reference."""
    ref = load_ref(stem)
    robj = ref["objects"][obj]
    extra = ["--columns", ",".join(columns)] if columns else []
    d, r = dump(ext(stem + ".root"), obj, *extra)
    what = "dump %s %s%s" % (stem, obj, " --columns " + ",".join(columns) if columns else "")
    if not T.check(d is not None, what, r.describe()):
        return None
    T.check(d.get("object") == obj, what + " object", repr(d.get("object")))
    want_class = "TTree" if robj["class"] == "TTree" else "RNTuple"
    T.check(d.get("class") == want_class, what + " class", repr(d.get("class")))
    T.check(d.get("entries") == robj["num_entries"], what + " entries",
            "expected %d, got %r" % (robj["num_entries"], d.get("entries")))
    cols = d.get("columns", {})
    if columns:
        T.check(sorted(cols) == sorted(columns), what + " column set",
                "asked %s, got %s" % (sorted(columns), sorted(cols)))
    for key, c in robj["columns"].items():
        name = c.get("name", key) if robj["class"] == "TTree" else key
        name = name.split("[")[0] if robj["class"] == "TTree" else name
        if columns and name not in columns:
            continue
        if c["kind"] == "leaflist":
            for leaf, lc in c["leaves"].items():
                lname = name + "." + leaf
                if columns and lname not in columns:
                    continue
                lref = dict(lc, kind="fixed-array" if lc.get("inner_shape") else "flat")
                if T.check(lname in cols, "%s column %s present" % (what, lname)):
                    compare_column("%s %s" % (what, lname), cols[lname], lref)
            continue
        if c["kind"] not in REF_KIND or c.get("dtype") not in DTYPES:
            continue
        if T.check(name in cols, "%s column %s present" % (what, name),
                   "unsupported: %s" % d.get("unsupported", {}).get(name)):
            compare_column("%s %s" % (what, name), cols[name], c)
    return d


def test_slices(stem, obj, columns, ranges):
    """dump --entries A:B equals entries A..B of the full dump."""
    full, r = dump(ext(stem + ".root"), obj, "--columns", ",".join(columns))
    if not T.check(full is not None, "dump %s %s (for slices)" % (stem, obj), r.describe()):
        return
    for a, b in ranges:
        part, r = dump(ext(stem + ".root"), obj, "--columns", ",".join(columns),
                       "--entries", "%d:%d" % (a, b))
        what = "dump %s %s --entries %d:%d" % (stem, obj, a, b)
        if not T.check(part is not None, what, r.describe()):
            continue
        for name in columns:
            fc, pc = full["columns"].get(name), part.get("columns", {}).get(name)
            if not T.check(fc is not None and pc is not None, what + " " + name + " present"):
                continue
            want_vals, want_counts = slice_column(fc, a, b)
            T.check(pc.get("counts", []) == want_counts, what + " " + name + " counts",
                    "expected %s, got %s" % (str(want_counts)[:200], str(pc.get("counts"))[:200]))
            T.check(pc["values"] == want_vals, what + " " + name + " values",
                    "expected %s, got %s" % (str(want_vals)[:200], str(pc["values"])[:200]))


def slice_column(col, a, b):
    """Entries [a, b) of a dumped column: (values, counts)."""
    inner = 1
    for s in col.get("shape", []) or []:
        inner *= s
    counts = col.get("counts", [])
    lo, hi, new_counts = a, b, []
    for level in counts:
        new_counts.append(level[lo:hi])
        lo, hi = sum(level[:lo]), sum(level[:hi])
    return col["values"][lo * inner:hi * inner], new_counts


def test_ls_show():
    path = ext("uproot-HZZ.root")
    r = rootfeed("ls", path)
    if T.check(r.rc == 0 and not r.hung, "ls uproot-HZZ.root", r.describe()):
        T.check("events" in r.out and "TTree" in r.out, "ls uproot-HZZ.root names events TTree",
                repr(r.out[:300]))
    r = rootfeed("ls", ext("uproot-nesteddirs.root"))
    if T.check(r.rc == 0, "ls uproot-nesteddirs.root", r.describe()):
        for p in ("one/two/tree", "one/tree", "three/tree"):
            T.check(p in r.out, "ls uproot-nesteddirs.root names " + p, repr(r.out[:500]))
    rn = "Run2012BC_DoubleMuParked_Muons_1000evts_rntuple_v1-0-0-0.root"
    r = rootfeed("ls", ext(rn))
    if T.check(r.rc == 0, "ls " + rn, r.describe()):
        T.check("Events" in r.out and "RNTuple" in r.out, "ls %s names Events RNTuple" % rn,
                repr(r.out[:300]))
    r = rootfeed("show", path, "events")
    if T.check(r.rc == 0, "show uproot-HZZ.root events", r.describe()):
        for word in ("Muon_Px", "NMuon", "Jet_ID", "2421", "float32"):
            T.check(word in r.out, "show uproot-HZZ.root events mentions " + word,
                    repr(r.out[:300]))
    r = rootfeed("show", ext("uproot-issue-74.root"), "arrays")
    if T.check(r.rc == 0, "show uproot-issue-74.root arrays", r.describe()):
        T.check("2x3Mat" in r.out, "show uproot-issue-74.root arrays mentions 2x3Mat",
                repr(r.out[:300]))


def test_reading():
    test_dump_whole("uproot-HZZ", "events", ["NMuon", "Muon_Px", "Jet_ID", "MET_px"])
    test_dump_whole("uproot-HZZ", "events")
    test_dump_whole("uproot-Zmumu", "events")
    d = test_dump_whole("uproot-issue-74", "arrays")
    if d is not None and "2x3Mat" in d.get("columns", {}):
        c = d["columns"]["2x3Mat"]
        T.check(c.get("shape") == [2, 3] and c.get("values") == [1, 2, 3, 4, 5, 6],
                "dump uproot-issue-74 arrays 2x3Mat", "got %s" % c)
    test_dump_whole("uproot-issue-74", "structs")
    test_dump_whole("uproot-leaflist", "tree")
    test_dump_whole("uproot-nesteddirs", "three/tree")
    test_dump_whole("Run2012BC_DoubleMuParked_Muons_1000evts_rntuple_v1-0-0-0", "Events")
    test_slices("uproot-HZZ", "events", ["NMuon", "Muon_Px", "MET_px", "Jet_ID"],
                [(10, 20), (0, 1), (2420, 2421), (5, 5), (0, 2421)])
    test_slices("uproot-issue-74", "arrays", ["2x3Mat"], [(0, 1)])
    test_slices("Run2012BC_DoubleMuParked_Muons_1000evts_rntuple_v1-0-0-0", "Events",
                ["Muon_pt", "nMuon"], [(10, 20), (995, 1000)])
    # strings: std::string, TString, vector<string>, vector<vector<string>>, set, RNTuple
    test_dump_whole("uproot-stl_containers", "tree")
    test_dump_whole("test_stl_containers_rntuple_v1-0-0-0", "ntuple")
    test_dump_whole("ntpl001_staff_rntuple_v1-0-0-0", "Staff")
    test_slices("uproot-stl_containers", "tree", ["string", "vector_vector_string"], [(1, 3), (4, 5)])
    d, r = dump(ext("uproot-stl_containers.root"), "tree", "--columns", "string,vector_string",
                "--filter", "vector_int32[0] == 1 && Length(vector_int32) > 3")
    if T.check(d is not None, "dump strings --filter", r.describe()):
        T.check(d["columns"]["string"]["values"] == ["four", "five"] and
                d["columns"]["vector_string"]["counts"] == [[4, 5]],
                "dump strings --filter keeps the strings of the kept entries", str(d["columns"]))


# ---------------------------------------------------------------- tests: errors

def expect_error(what, args, must_name, one_line=True):
    """A clean failure: exit > 0, exactly one stderr line (or, for usage errors, some), naming
    each string of must_name."""
    r = rootfeed(*args)
    if not T.check(not r.hung and r.rc >= 0, what + ": no crash or hang", r.describe()):
        return
    if not T.check(r.rc > 0, what + ": non-zero exit", "exit 0, stdout %r" % r.out[:200]):
        return
    lines = [ln for ln in r.err.splitlines() if ln.strip()]
    if one_line:
        T.check(len(lines) == 1, what + ": one stderr line",
                "got %d lines: %r" % (len(lines), r.err[:500]))
    else:
        T.check(len(lines) >= 1, what + ": says why on stderr", "stderr is empty")
    for s in must_name:
        T.check(s in r.err, what + ": stderr names " + s, repr(r.err[:300]))


def commands(path, obj):
    return [("ls", ["ls", path]), ("show", ["show", path, obj]),
            ("dump", ["dump", path, obj, "--json"])]


def test_errors(tmp):
    hzz = ext("uproot-HZZ.root")
    missing = os.path.join(tmp, "no-such-file.root")
    for cmd, args in commands(missing, "events"):
        expect_error("%s of a missing file" % cmd, args, [os.path.basename(missing)])
    text = os.path.join(tmp, "not-root.root")
    with open(text, "w") as f:
        f.write("this is not a ROOT file\n" * 100)
    for cmd, args in commands(text, "events"):
        expect_error("%s of a text file" % cmd, args, ["not-root.root"])
    empty = os.path.join(tmp, "empty.root")
    open(empty, "wb").close()
    for cmd, args in commands(empty, "events"):
        expect_error("%s of an empty file" % cmd, args, ["empty.root"])
    for src, obj in (("uproot-HZZ.root", "events"),
                     ("Run2012BC_DoubleMuParked_Muons_1000evts_rntuple_v1-0-0-0.root", "Events")):
        data = open(ext(src), "rb").read()
        for cut in (10, 100, 1000, len(data) // 2, len(data) - 1000, len(data) - 1):
            name = "trunc%d-%s" % (cut, src)
            p = os.path.join(tmp, name)
            with open(p, "wb") as f:
                f.write(data[:cut])
            for cmd, args in commands(p, obj):
                expect_error("%s of %s cut to %d bytes" % (cmd, src, cut), args, [name])
    expect_error("show of an unknown object", ["show", hzz, "nosuchtree"],
                 ["uproot-HZZ.root", "nosuchtree"])
    expect_error("dump of an unknown object", ["dump", hzz, "nosuchtree", "--json"],
                 ["uproot-HZZ.root", "nosuchtree"])
    expect_error("dump of an unknown column",
                 ["dump", hzz, "events", "--columns", "Muon_Px,NoSuchColumn", "--json"],
                 ["uproot-HZZ.root", "NoSuchColumn"])
    expect_error("dump with a bad --entries", ["dump", hzz, "events", "--entries", "abc", "--json"],
                 ["abc"])
    expect_error("unknown subcommand", ["frobnicate", hzz], ["frobnicate"])


def test_corrupted(tmp):
    """Corrupted bytes anywhere: any exit status is fine, but no crash and no hang."""
    for src, obj in (("uproot-HZZ.root", "events"), ("uproot-Zmumu.root", "events"),
                     ("test_1jag_int_float_rntuple_v1-0-0-0.root", "ntuple")):
        data = bytearray(open(ext(src), "rb").read())
        for i in range(12):
            bad = bytearray(data)
            pos = (len(bad) * (2 * i + 1)) // 24
            bad[pos:pos + 16] = bytes([0xff if i % 2 else 0x00]) * len(bad[pos:pos + 16])
            p = os.path.join(tmp, "corrupt%d-%s" % (i, src))
            with open(p, "wb") as f:
                f.write(bad)
            r = rootfeed("dump", p, obj, "--json")
            T.check(not r.hung and r.rc >= 0, "dump of %s with 16 bytes smashed at %d" % (src, pos),
                    r.describe())
            if r.rc > 0:
                lines = [ln for ln in r.err.splitlines() if ln.strip()]
                T.check(len(lines) == 1, "dump of %s smashed at %d: one stderr line" % (src, pos),
                        repr(r.err[:300]))


def test_string_escapes(tmp):
    """Bytes of a string that are not UTF-8 are printed as the code point of their value, quotes
    and control characters escaped: the JSON stays valid (an uncompressed copy, patched)."""
    with open(ext("uproot-sample-6.20.04-uncompressed.root"), "rb") as f:
        data = bytearray(f.read())
    at = data.find(b"hey-0")
    if not T.check(at > 0 and data.count(b"hey-0") == 1, "the string hey-0 in the uncompressed sample"):
        return
    data[at:at + 5] = b'h\xff"\x01\xc3'  # a non-UTF-8 byte, a quote, a control byte, a cut sequence
    path = os.path.join(tmp, "patched-strings.root")
    with open(path, "wb") as f:
        f.write(bytes(data))
    d, r = dump(path, "sample", "--columns", "str", "--entries", "0:2")
    if T.check(d is not None, "dump of a string with bytes that are not UTF-8", r.describe()):
        T.check(d["columns"]["str"]["values"] == ['h\u00ff"\u0001\u00c3', "hey-1"],
                "non-UTF-8 string bytes as \\u00XX", repr(d["columns"]["str"]["values"]))


def main():
    bin_ = os.environ.get("ROOTFEED_BIN")
    if not bin_ or not os.path.exists(bin_):
        print("cli_test: ROOTFEED_BIN is not set to the rootfeed program (%r)" % bin_)
        print("0 passed, 1 failed, 0 skipped")
        return 1
    if not os.path.isdir(os.path.join(shared_dir(), "data", "external", "expected")):
        need = os.environ.get("ROOTFEED_REQUIRE_DATA") == "1"
        print("cli_test: no shared data at %s; %s" % (
            shared_dir(), "FAIL: ROOTFEED_REQUIRE_DATA=1" if need else "skipping"))
        print("0 passed, %d failed, 0 skipped" % (1 if need else 0))
        return 1 if need else 0
    tmp = tempfile.mkdtemp(prefix="rootfeed-cli-")
    try:
        test_ls_show()
        test_reading()
        test_errors(tmp)
        test_corrupted(tmp)
        test_string_escapes(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed, %d skipped" % (T.passed, T.failed, T.skipped))
    return 1 if T.failed else 0


if __name__ == "__main__":
    sys.exit(main())
