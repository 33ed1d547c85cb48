#!/usr/bin/python3
"""Conformance test: every in-scope TTree and RNTuple column of shared/data/external must read
bit-exactly as the reference (expected/*.json, format in expected/FORMAT.md).

Usage: conformance.py COLHASH [--only SUBSTRING] [--chunks-all] [--no-skips]
                      [--url-prefix-env NAME] [--no-chunks]

--url-prefix-env NAME: colhash reads each file from the URL $NAME/external/FILE instead of
its path (tests/remote/servers.py serves the corpus over HTTP and XRootD and sets NAME).
--no-chunks: no second read in entry ranges (the remote runs of the sanitizer build).

For each expected/<stem>.json and each TTree / ROOT::RNTuple object in it, runs
`COLHASH FILE OBJECT` (tests/conformance/colhash.c: the public C API, SHA-256 of the values as
little-endian bytes and of each jagged level's counts as int64) and compares kind, dtype, inner
shape, value count and hash and each var level's counts hash with the reference. Some files are
also read in 7 entry ranges (`--chunks 7`): the hashes must not change.

String columns (FORMAT.md's welcome extra) are checked like jagged ones: the innermost counts
are the strings' byte lengths, the values their bytes (uint8).
Skipped = out of scope or skipped in the reference (record, container, skipped), each named
with the reason. An in-scope column that does not match fails, unless it is listed in
allowlist.txt (next to this script: `stem<TAB>object<TAB>column<TAB>reason`), then it counts
as allowed. Ends with `N passed, N failed, N skipped`; exit status 1 on any failure.
Without the shared data: prints why and exits 0, or 1 when ROOTFEED_REQUIRE_DATA=1.
"""
import hashlib
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
ALLOWLIST = os.path.join(HERE, "allowlist.txt")

TABLE_CLASSES = ("TTree", "ROOT::RNTuple")
KIND_NAMES = {"flat": "flat", "fixed-array": "fixed", "jagged": "jagged", "string": "string"}
NUMERIC = {"bool", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64",
           "float32", "float64"}
# Files also read in entry ranges: many baskets / clusters, jagged columns, cluster groups.
CHUNK_FILES = {
    "uproot-HZZ", "uproot-issue64", "uproot-small-dy-nooffsets", "uproot-small-dy-withoffsets",
    "uproot-written-ttree-2000-baskets", "uproot-vectorVectorDouble", "uproot-stl_containers",
    "uproot-small-evnt-tree-fullsplit", "uproot-issue21", "nanoAOD_2015_CMS_Open_Data_ttbar",
    "test_index_multicluster_rntuple_v1-0-0-0", "test_multiple_cluster_groups_rntuple_v1-0-0-0",
    "test_extension_columns_rntuple_v1-0-0-0", "test_stl_containers_rntuple_v1-0-0-0",
    "Run2012BC_DoubleMuParked_Muons_1000evts_rntuple_v1-0-0-0", "uproot-written-rntuple-lz4",
    "test_split_3e4_rntuple_v1-0-0-0",
}
NCHUNKS = 7
# Reference columns that uproot cannot read in one file, taken from a twin file (FORMAT.md).
TWINS = {"uproot-small-dy-nooffsets": "uproot-small-dy-withoffsets"}
RUN_TIMEOUT = 600
COLUMN_TIMEOUT = 120


def out(msg=""):
    print(msg, flush=True)


# ---------------------------------------------------------------- locating data, allow-list

def shared_dir():
    env = os.environ.get("ROOTFEED_SHARED")
    return env if env else os.path.join(REPO, "..", "shared")


def load_allowlist(path):
    """Returns ({(stem, object, column): reason}, [problems])."""
    allowed, problems = {}, []
    if not os.path.exists(path):
        return allowed, problems
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) != 4 or not all(p.strip() for p in parts):
                problems.append("allowlist.txt:%d: want stem<TAB>object<TAB>column<TAB>reason" % n)
                continue
            allowed[tuple(parts[:3])] = parts[3]
    return allowed, problems


# ---------------------------------------------------------------- reference columns

class Ref:
    """One reference column as the reader must produce it, or a skip."""

    def __init__(self, key, reader_name, skip=None, kind=None, dtype=None, shape=(),
                 values=None, levels=(), note=""):
        self.key, self.name, self.skip = key, reader_name, skip
        self.kind, self.dtype, self.shape = kind, dtype, list(shape)
        self.values, self.levels, self.note = values, list(levels), note


def ttree_name(c, key):
    """A TTree column's reader name: the branch fName without trailing dims."""
    name = c.get("name") or key.split("/")[-1]
    return re.sub(r"(\[[^\]]*\])+$", "", name)


def in_scope_ref(key, name, c, note=""):
    levels = c.get("levels", [])
    var = [lv["counts"] for lv in levels if lv["kind"] == "var"]
    regular = [lv["size"] for lv in levels if lv["kind"] == "regular"]
    shape = list(c.get("inner_shape", [])) or regular
    kind = KIND_NAMES[c["kind"]]
    if c.get("reference"):
        note = (note + "; " if note else "") + "reference: " + c["reference"]
    return Ref(key, name, kind=kind, dtype=c["values"]["dtype"], shape=shape,
               values=c["values"], levels=var, note=note)


def refs_of_object(stem, oname, obj, twin_obj):
    """Yields Ref for every column of one TTree / RNTuple of the reference."""
    is_tree = obj["class"] == "TTree"
    for key, c in obj["columns"].items():
        kind = c["kind"]
        name = ttree_name(c, key) if is_tree else key
        if kind == "leaflist":
            for leaf, lc in c["leaves"].items():
                lkind = "fixed-array" if lc.get("inner_shape") else "flat"
                yield in_scope_ref(key + "." + leaf, name + "." + leaf, dict(lc, kind=lkind))
            continue
        if kind == "skipped" and twin_obj is not None:
            tc = twin_obj["columns"].get(key)
            if tc is not None and tc["kind"] in KIND_NAMES:
                yield in_scope_ref(key, name, tc, note="expected values from the twin file")
                continue
        if kind in KIND_NAMES and c.get("dtype") in NUMERIC:
            yield in_scope_ref(key, name, c)
        elif kind in KIND_NAMES:
            yield Ref(key, name, skip="%s of dtype %s: out of scope" % (kind, c.get("dtype")))
        elif kind == "skipped":
            reason = " ".join(c.get("reason", "").split())
            yield Ref(key, name, skip="skipped in the reference: " + reason)
        else:
            yield Ref(key, name, skip="%s (its children are listed separately): out of scope" % kind)


# ---------------------------------------------------------------- running colhash

class Run:
    def __init__(self):
        self.header, self.columns, self.dups = None, {}, set()
        self.open_error, self.trouble = None, None  # trouble: crash / timeout / bad output


def describe_exit(proc_rc, stderr):
    last = [ln for ln in stderr.strip().splitlines() if ln.strip()]
    tail = (": " + last[-1][:300]) if last else ""
    if proc_rc < 0:
        return "colhash crashed (signal %d)%s" % (-proc_rc, tail)
    return "colhash exit status %d%s" % (proc_rc, tail)


def run_colhash(colhash, path, obj, extra=(), timeout=RUN_TIMEOUT):
    run = Run()
    cmd = [colhash] + list(extra) + [path, obj]
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=timeout)
        stdout, stderr, rc = p.stdout, p.stderr, p.returncode
    except subprocess.TimeoutExpired as e:
        stdout, stderr, rc = e.stdout or b"", e.stderr or b"", None
    stderr = stderr.decode("utf-8", "replace")
    for line in stdout.decode("utf-8", "replace").splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            run.trouble = "colhash printed a line that is not JSON: %r" % line[:200]
            continue
        if "open_error" in rec:
            run.open_error = rec["open_error"]
        elif "object" in rec and "ncolumns" in rec:
            run.header = rec
        elif "name" in rec:
            if rec["name"] in run.columns:
                run.dups.add(rec["name"])
            else:
                run.columns[rec["name"]] = rec
    if rc is None:
        run.trouble = "colhash timed out after %ds" % timeout
    elif rc != 0 and run.open_error is None:
        run.trouble = describe_exit(rc, stderr)
    return run


def list_objects(colhash, path):
    try:
        p = subprocess.run([colhash, "--list", path], capture_output=True, timeout=120)
    except subprocess.TimeoutExpired:
        return None, "colhash --list timed out"
    objs = {}
    for line in p.stdout.decode("utf-8", "replace").splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            return None, "colhash --list printed non-JSON %r" % line[:200]
        if "open_error" in rec:
            return None, rec["open_error"]
        objs[rec["path"]] = rec
    if p.returncode != 0:
        return None, describe_exit(p.returncode, p.stderr.decode("utf-8", "replace"))
    return objs, None


def retry_worthy(run):
    """A crash or sanitizer abort (not a timeout): the other columns deserve a chance."""
    return run.trouble is not None and run.trouble.startswith("colhash") and \
        "timed out" not in run.trouble and "not JSON" not in run.trouble


def complete_after_crash(colhash, path, obj, run, extra=()):
    """After a crash, goes on from the column after the one that crashed (colhash prints the
    column names first and each column with its index), so one bad column hides no others."""
    names = (run.header or {}).get("names")
    while retry_worthy(run) and names:
        done = [rec["index"] for rec in run.columns.values() if "index" in rec]
        k = max(done) + 1 if done else 0
        while k < len(names) and names[k] in run.columns:
            k += 1
        if k >= len(names):
            break
        run.columns[names[k]] = {"name": names[k], "error": run.trouble + " reading this column"}
        more = run_colhash(colhash, path, obj, list(extra) + ["--from", str(k + 1)])
        for name, rec in more.columns.items():
            run.columns.setdefault(name, rec)
        run.dups |= more.dups
        run.trouble = more.trouble


# ---------------------------------------------------------------- comparing

def fmt_num(v):
    return v if isinstance(v, str) else repr(v)


def first_difference(want, got):
    for i, (a, b) in enumerate(zip(want, got)):
        if isinstance(a, str) or isinstance(b, str):
            same = a == b
        else:
            same = float(a) == float(b)
        if not same:
            return "first values differ at [%d]: expected %s, got %s" % (i, fmt_num(a), fmt_num(b))
    return None


def value_diagnostics(ref, got):
    v = ref.values
    notes = []
    fd = first_difference(v.get("first", []), got.get("first", []))
    if fd:
        notes.append(fd)
    else:
        notes.append("first %d values equal" % min(len(v.get("first", [])), len(got.get("first", []))))
    if got.get("bad_bool"):
        notes.append("%d bool bytes not 0/1" % got["bad_bool"])
    if v.get("nan_count", 0) != got.get("nan_count", 0):
        notes.append("NaNs: expected %d, got %d" % (v.get("nan_count", 0), got.get("nan_count", 0)))
    ws, gs = v.get("sum"), got.get("sum")
    if isinstance(ws, (int, float)) and isinstance(gs, (int, float)):
        tol = 1e-9 * max(abs(ws), 1.0)
        notes.append("sums equal" if abs(ws - gs) <= tol else "sum: expected %r, got %r" % (ws, gs))
    return "; ".join(notes)


def compare(ref, got, entries, colhash_as=None):
    """Returns a list of mismatch reasons (empty: the column matches)."""
    if got is None:
        return ["no reader column named %r" % ref.name]
    if got.get("unsupported"):
        return ["reader says unsupported: %s" % got["unsupported"]]
    if got.get("error"):
        return ["read error: %s" % got["error"]]
    why = []
    if got["kind"] != ref.kind:
        why.append("kind: expected %s, got %s" % (ref.kind, got["kind"]))
    if got["shape"] != ref.shape:
        why.append("shape: expected %s, got %s" % (ref.shape, got["shape"]))
    if got["nlevels"] != len(ref.levels):
        why.append("levels: expected %d, got %d" % (len(ref.levels), got["nlevels"]))
    if got.get("entries") != entries:
        why.append("entries read: expected %d, got %s" % (entries, got.get("entries")))
    for lv, (want, have) in enumerate(zip(ref.levels, got.get("levels", []))):
        if have["items"] != want["count"]:
            why.append("level %d: expected %d counts, got %d" % (lv, want["count"], have["items"]))
        elif have["sha256"] != want["sha256"]:
            why.append("level %d counts differ: %s" % (lv, first_difference(
                want.get("first", []), have.get("first", [])) or "first 8 counts equal"))
    if got["dtype"] != ref.dtype:
        msg = "dtype: expected %s, got %s" % (ref.dtype, got["dtype"])
        if colhash_as is not None:
            conv = colhash_as(ref.dtype)
            if conv is not None and conv.get("sha256") == ref.values["sha256"]:
                msg += " (values equal after conversion)"
            elif conv is not None:
                msg += " (values differ even after conversion)"
        why.append(msg)
        return why
    if got["count"] != ref.values["count"]:
        why.append("value count: expected %d, got %d" % (ref.values["count"], got["count"]))
    elif got["sha256"] != ref.values["sha256"]:
        why.append("values differ: " + value_diagnostics(ref, got))
    return why


# ---------------------------------------------------------------- the walk

class Tally:
    def __init__(self):
        self.passed = self.failed = self.skipped = self.allowed = 0
        self.extra_failures = 0          # object-level problems (listing, entries, open)
        self.used_allow = set()
        self.fail_log = []               # (stem, object, name, reason)


def judge(t, stem, oname, ref, reasons, allowed):
    keys = [(stem, oname, ref.name), (stem, oname, ref.key)]
    hit = next((k for k in keys if k in allowed), None)
    if not reasons:
        if hit:
            t.used_allow.add(hit)
            out("  note: %s:%s is allow-listed but passes: remove it from allowlist.txt"
                % (oname, ref.name))
        t.passed += 1
        return None
    reason = "; ".join(reasons) + (" [%s]" % ref.note if ref.note else "")
    if hit:
        t.used_allow.add(hit)
        t.allowed += 1
        out("  allowed %s:%s: %s (allow-list: %s)" % (oname, ref.name, reason, allowed[hit]))
        return None
    t.failed += 1
    t.fail_log.append((stem, oname, ref.name, reason))
    return reason


def print_failures(oname, fails):
    """Prints failures, grouping columns that fail for the very same reason."""
    by_reason = {}
    for name, reason in fails:
        by_reason.setdefault(reason, []).append(name)
    for reason, names in by_reason.items():
        if len(names) == 1:
            out("  FAIL %s:%s: %s" % (oname, names[0], reason))
        else:
            out("  FAIL %d columns of %s: %s" % (len(names), oname, reason))
            out("       columns: " + ", ".join(names))


def check_object(colhash, t, stem, path, oname, obj, twin, allowed, listing, chunked, show_skips):
    refs = list(refs_of_object(stem, oname, obj, twin))
    entries = obj["num_entries"]
    scope = [r for r in refs if r.skip is None]
    twins = [r.name for r in refs if "twin file" in r.note]
    if twins:
        out("  %s: %s: expected values from %s (the reference reader can't read them here)"
            % (oname, ", ".join(twins), TWINS[stem]))
    skips = [r for r in refs if r.skip is not None]
    t0 = time.time()
    if listing is not None:
        li = listing.get(oname)
        if li is None or not li.get("is_table"):
            t.extra_failures += 1
            out("  FAIL %s: rf_file_list %s" % (oname, "does not list it" if li is None else
                                                  "lists it with is_table=0 (class %s)" % li["class"]))
    run = run_colhash(colhash, path, oname)
    if retry_worthy(run):
        out("  %s: %s; going on after the column that failed" % (oname, run.trouble))
        complete_after_crash(colhash, path, oname, run)
    chunk_run = None
    if chunked and run.open_error is None:
        chunk_run = run_colhash(colhash, path, oname, ["--chunks", str(NCHUNKS)])
        if retry_worthy(chunk_run):
            out("  %s --chunks %d: %s; going on after the column that failed"
                % (oname, NCHUNKS, chunk_run.trouble))
            complete_after_crash(colhash, path, oname, chunk_run, ["--chunks", str(NCHUNKS)])
    if run.header and run.header["entries"] != entries:
        t.extra_failures += 1
        out("  FAIL %s: rf_table_entries %d, expected %d" % (oname, run.header["entries"], entries))
    if run.dups:
        out("  note: %s: reader column names used twice: %s" % (oname, ", ".join(sorted(run.dups))))

    def as_dtype(name):
        def conv(dtype):
            r = run_colhash(colhash, path, oname, ["--column", name, "--as", dtype], COLUMN_TIMEOUT)
            return r.columns.get(name)
        return conv

    fails = []
    for ref in scope:
        if run.open_error:
            reasons = ["table does not open: " + run.open_error]
        else:
            got = run.columns.get(ref.name)
            if got is None and run.trouble and run.open_error is None:
                reasons = [run.trouble + " before this column"]
            else:
                reasons = compare(ref, got, entries, as_dtype(ref.name))
            if not reasons and chunk_run is not None:
                cgot = chunk_run.columns.get(ref.name)
                if cgot is None and chunk_run.trouble:
                    reasons = ["--chunks %d: %s" % (NCHUNKS, chunk_run.trouble)]
                else:
                    reasons = ["read in %d entry ranges: %s" % (NCHUNKS, r)
                               for r in compare(ref, cgot, entries)]
        reason = judge(t, stem, oname, ref, reasons, allowed)
        if reason:
            fails.append((ref.name, reason))
    for ref in skips:
        t.skipped += 1
        if show_skips:
            out("  skip %s:%s: %s" % (oname, ref.key, ref.skip))
    print_failures(oname, fails)
    out("  %s (%s, %d entries): %d in scope, %d failed, %d skipped%s (%.1fs)" % (
        oname, obj["class"], entries, len(scope), len(fails), len(skips),
        ", also read in %d ranges" % NCHUNKS if chunk_run is not None else "", time.time() - t0))


def file_problem(path, ref):
    if not os.path.exists(path):
        return "input file missing: " + path
    with open(path, "rb") as f:
        data = f.read()
    if len(data) != ref.get("file_size", len(data)):
        return "input file size %d, reference says %d" % (len(data), ref["file_size"])
    if "file_sha256" in ref and hashlib.sha256(data).hexdigest() != ref["file_sha256"]:
        return "input file differs from the one the reference describes (sha256)"
    return None


def check_file(colhash, t, ext, jpath, allowed, chunks_all, show_skips, prefix):
    stem = os.path.basename(jpath)[:-5]
    with open(jpath, encoding="utf-8") as f:
        ref = json.load(f)
    rel = ref.get("file", stem + ".root")
    path = os.path.join(ext, rel)
    twin = None
    if stem in TWINS:
        with open(os.path.join(ext, "expected", TWINS[stem] + ".json"), encoding="utf-8") as f:
            twin = json.load(f)
    tables = [(n, o) for n, o in ref["objects"].items() if o["class"] in TABLE_CLASSES]
    out("%s: %d table(s)" % (os.path.basename(path), len(tables)))
    problem = file_problem(path, ref)
    if problem:
        for oname, obj in tables:
            for r in refs_of_object(stem, oname, obj, None):
                if r.skip:
                    t.skipped += 1
                else:
                    reason = judge(t, stem, oname, r, [problem], allowed)
                    if reason:
                        out("  FAIL %s:%s: %s" % (oname, r.name, reason))
        return
    if prefix:  # the bytes were checked on disk; colhash reads them from the server
        path = prefix + "/external/" + rel  # (root://host:port/ + /external: an absolute path)
    listing, lerr = list_objects(colhash, path)
    if lerr:
        t.extra_failures += 1
        out("  FAIL rf_file_list: %s" % lerr)
    for oname, obj in tables:
        twin_obj = twin["objects"].get(oname) if twin else None
        check_object(colhash, t, stem, path, oname, obj, twin_obj, allowed, listing,
                     chunks_all or stem in CHUNK_FILES, show_skips)


def summarize_failures(t):
    """Closing list of failing columns, grouped by the first clause of their reason."""
    if not t.fail_log:
        return
    groups = {}
    for stem, oname, name, reason in t.fail_log:
        cause = re.sub(r"\S*/\S*\.root:? ?", "", reason)   # file paths
        cause = re.sub(r"'[^']*'", "'…'", cause)              # object names
        cause = re.sub(r"\[[^\]]*\]$", "", cause)            # trailing notes
        cause = re.sub(r"\b\d+(\.\d+)?(e[-+]?\d+)?\b", "N", cause)[:110]
        groups.setdefault(cause, []).append("%s:%s:%s" % (stem, oname, name))
    out("")
    out("failures by cause:")
    for cause, cols in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        shown = ", ".join(cols[:12]) + (", ... (%d more)" % (len(cols) - 12) if len(cols) > 12 else "")
        out("  %d x %s: %s" % (len(cols), cause, shown))


def main(argv):
    args = argv[1:]
    if not args:
        sys.stderr.write("usage: conformance.py COLHASH [--only SUBSTRING] [--chunks-all] "
                         "[--no-skips]\n")
        return 2
    colhash = os.path.abspath(args[0])
    only = args[args.index("--only") + 1] if "--only" in args else None
    chunks_all = "--chunks-all" in args
    if "--no-chunks" in args:
        CHUNK_FILES.clear()
    show_skips = "--no-skips" not in args
    prefix = None
    if "--url-prefix-env" in args:
        var = args[args.index("--url-prefix-env") + 1]
        prefix = os.environ.get(var)
        if not prefix:
            out("conformance: --url-prefix-env %s, but %s is not set" % (var, var))
            out("0 passed, 1 failed, 0 skipped")
            return 1
        out("conformance: reading the files from %s" % prefix)
    ext = os.path.join(shared_dir(), "data", "external")
    expected = os.path.join(ext, "expected")
    if not os.path.isdir(expected):
        need = os.environ.get("ROOTFEED_REQUIRE_DATA") == "1"
        out("conformance: no reference data at %s (set ROOTFEED_SHARED); %s" % (
            expected, "FAIL: ROOTFEED_REQUIRE_DATA=1" if need else "skipping"))
        out("0 passed, %d failed, 0 skipped" % (1 if need else 0))
        return 1 if need else 0
    allowed, problems = load_allowlist(ALLOWLIST)
    t = Tally()
    for p in problems:
        out("FAIL " + p)
        t.extra_failures += 1
    names = sorted(n for n in os.listdir(expected) if n.endswith(".json"))
    if only:
        names = [n for n in names if only in n]
    t0 = time.time()
    for n in names:
        check_file(colhash, t, ext, os.path.join(expected, n), allowed, chunks_all, show_skips, prefix)
    for key in sorted(set(allowed) - t.used_allow):
        if only is None:
            out("note: allow-list entry matches no in-scope column: %s" % "\t".join(key))
    summarize_failures(t)
    out("")
    if t.extra_failures:
        out("%d object-level failures (listing, entry count, allow-list format) counted as failed"
            % t.extra_failures)
    if t.allowed:
        out("%d allowed (in-scope mismatches excused by allowlist.txt)" % t.allowed)
    out("conformance: %d files in %.1fs" % (len(names), time.time() - t0))
    failed = t.failed + t.extra_failures
    out("%d passed, %d failed, %d skipped" % (t.passed, failed, t.skipped))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
