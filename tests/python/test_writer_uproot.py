"""Every file rootfeed's writer makes is read back by uproot (an independent reader) with the
same values, and with the codec, types and cluster layout that were asked for.

write_sample (tests/writer) writes the sample table - every dtype, fixed arrays, jagged and
nested jagged columns (vector<vector<float>> ... four levels: TTree TBranchElements, RNTuple
nested collections) - in both formats with every codec, in clusters of 1000 entries, and a JSON
file of the values each entry must read back as."""
import json
import os
import struct
import subprocess

import numpy as np
import pytest

ENTRIES, CLUSTER = 2600, 1000
# setting -> magic of ROOT's compressed blocks (uncompressed: none)
# (301, ROOT's old "CS" blocks, is left out: uproot refuses them; tests/codec covers it)
CODECS = {0: None, 101: b"ZL", 109: b"ZL", 207: b"XZ", 404: b"L4", 505: b"ZS"}
TTREE_TYPES = {"bool": "bool", "int8": "int8_t", "uint8": "uint8_t", "int16": "int16_t",
               "uint16": "uint16_t", "int32": "int32_t", "uint32": "uint32_t",
               "int64": "int64_t", "uint64": "uint64_t", "float32": "float", "float64": "double"}


def write(build_dir, tmp_path, fmt, setting):
    exe = os.path.join(build_dir, "tests", "writer", "write_sample")
    root, js = tmp_path / f"{fmt}-{setting}.root", tmp_path / f"{fmt}-{setting}.json"
    subprocess.run([exe, str(root), str(js), fmt, str(setting), str(ENTRIES), str(CLUSTER)],
                   check=True, capture_output=True)
    with open(js) as f:
        return str(root), json.load(f)


def flat_values(arr, nlevels):
    """uproot's array (NumPy, awkward) as the writer's JSON lists: the counts of each jagged
    level (outermost first) and the flat values."""
    import awkward as ak
    if isinstance(arr, np.ndarray):
        return [], arr.reshape(-1)
    counts = []
    for _ in range(nlevels):
        counts.append(ak.num(arr, axis=1).to_numpy())
        arr = ak.flatten(arr, axis=1)
    return counts, ak.to_numpy(ak.flatten(arr, axis=None))


def expected_array(col):
    dt = np.dtype(col["dtype"] if col["dtype"] != "bool" else np.bool_)
    if dt.kind == "f":  # JSON floats are printed with round-trip precision
        return np.array(col["values"], dtype=np.float64).astype(dt)
    return np.array(col["values"], dtype=dt)  # Python ints: exact, all 64 bits


def read_at(path, offset, n):
    with open(path, "rb") as f:
        f.seek(offset)
        return f.read(n)


def ttree_basket_magics(path, branch):
    """The compression magic of each compressed basket of a branch (a basket that compression
    would not shrink is stored raw, as ROOT does)."""
    out = []
    for i in range(branch.num_baskets):
        seek = int(branch.member("fBasketSeek")[i])
        nbytes, _ver, objlen, _dt, keylen = struct.unpack(">iHiIH", read_at(path, seek, 16))
        if nbytes - keylen < objlen:
            out.append(read_at(path, seek + keylen, 2))
    return out


def rntuple_page_magics(path, obj):
    """Compression settings of every page range and the first bytes of every page."""
    settings, magics = set(), set()
    for cluster in obj.page_link_list:
        for col in cluster:
            settings.add(col.compression_settings)
            for page in col.pages:
                magics.add(read_at(path, page.locator.offset, 2))
    return settings, magics


@pytest.mark.parametrize("setting", sorted(CODECS))
@pytest.mark.parametrize("fmt", ["ttree", "rntuple"])
def test_uproot_reads_writer_output(uproot, awkward, build_dir, tmp_path, fmt, setting):
    path, want = write(build_dir, tmp_path, fmt, setting)
    with uproot.open(path) as f:
        obj = f["sample"]
        assert obj.num_entries == ENTRIES
        if fmt == "ttree":
            assert f.classnames()["sample;1"] == "TTree"
            types = obj.typenames()
        else:
            assert f.classnames()["sample;1"] == "ROOT::RNTuple"
            types = {fl.field_name: fl.type_name for fl in obj.header.field_records}
        for name, col in want["columns"].items():
            nlevels = col["nlevels"]
            got_counts, got = flat_values(obj[name].array(library="np" if col["kind"] != "jagged"
                                                           else "ak"), nlevels)
            exp = expected_array(col)
            assert got.dtype == exp.dtype, name
            assert np.array_equal(got, exp), f"{name}: values differ"
            for lv in range(nlevels):
                key = "counts" + (str(lv) if lv else "")
                assert np.array_equal(got_counts[lv], col[key]), f"{name}: level {lv} counts differ"
            # the stored type names say the asked dtype and shape
            base = TTREE_TYPES[col["dtype"]]
            t = types[name]
            if fmt == "ttree":
                shape = {"a3": "[3]", "m23": "[2][3]"}.get(name, "")
                want_t = {"jagged": f"{base}[]"}.get(col["kind"], base + shape)  # T[n], counted
                if nlevels > 1:  # a TBranchElement of nested vectors, with its class's info
                    want_t = "std::vector<" * nlevels + base + ">" * nlevels
                    cls = obj[name].member("fClassName")
                    info = f.file.streamer_named(cls)
                    assert info.member("fCheckSum") == obj[name].member("fCheckSum"), name
                    assert [e.member("fName") for e in info.elements] == ["This"], name
                assert t == want_t, f"{name}: type {t}, expected {want_t}"
            else:
                assert base.replace("_t", "").rstrip("0123456789") in t or base in t, (name, t)
        # codec of the stored blocks and cluster layout
        magic = CODECS[setting]
        if fmt == "ttree":
            magics = set()
            for name in want["columns"]:
                assert obj[name].member("fCompress") == setting, name
                magics |= set(ttree_basket_magics(path, obj[name]))
            assert magics == ({magic} if magic else set()), magics
            assert obj.member("fAutoFlush") == CLUSTER
            offs = obj.common_entry_offsets()
            assert set(range(0, ENTRIES, CLUSTER)) <= set(offs) and offs[-1] == ENTRIES
        else:
            settings, magics = rntuple_page_magics(path, obj)
            assert settings == {setting}
            if magic:
                assert magic in magics
            assert not magics & {m for m in CODECS.values() if m and m != magic}
            sizes = [c.num_entries for c in obj.cluster_summaries]
            assert sizes == [CLUSTER, CLUSTER, ENTRIES - 2 * CLUSTER]


@pytest.mark.parametrize("fmt", ["ttree", "rntuple"])
def test_nested_read_by_rootfeed_as_uproot(uproot, awkward, build_dir, tmp_path, fmt):
    """The nested jagged columns read by rootfeed (np: Ragged of Ragged, ak) equal uproot's."""
    import rootfeed
    path, want = write(build_dir, tmp_path, fmt, 505)
    nested = [n for n, c in want["columns"].items() if c["nlevels"] > 1]
    assert len(nested) == 4
    with uproot.open(path) as f, rootfeed.open(path) as g:
        for name in nested:
            ref = f["sample"][name].array(library="ak")
            got = g["sample"][name].array(library="ak")
            assert got.type == ref.type and awkward.array_equal(got, ref), name
            assert g["sample"][name].array().to_list() == ref.to_list(), name
