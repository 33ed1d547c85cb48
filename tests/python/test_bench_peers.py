"""The peer bench's epoch accounting (bench/peers/common.py): a whole epoch is checked row by
row; an epoch stopped by --budget is projected from its start-up and its rate after the first
batch, and its result says so."""
import io
import json
import os
import sys
import time
from contextlib import redirect_stdout
from types import SimpleNamespace

from conftest import REPO, need

sys.path.insert(0, os.path.join(REPO, "bench", "peers"))
import common  # noqa: E402

ROWS, B, F = 10_000, 100, 3


def _run(budget, startup, per_batch):
    torch = need("torch")
    info = dict(rows=ROWS, label_sum=float(ROWS // 2), features=[f"f{i}" for i in range(F)])
    args = SimpleNamespace(info=info, epochs=1, budget=budget)

    def batches():
        time.sleep(startup)
        for i in range(0, ROWS, B):
            if i:
                time.sleep(per_batch)
            y = (torch.arange(i, i + B) % 2).float()
            yield torch.zeros(B, F), y

    common.restart_clock()
    out = io.StringIO()
    with redirect_stdout(out):
        common.report(args, batches())
    return json.loads(out.getvalue())


def test_whole_epoch():
    r = _run(0, 0, 0)
    assert r["ok"] and r["rows"] == ROWS and r["batches"] == ROWS // B and "partial" not in r
    assert r["mb_per_s"] == ROWS * (F + 1) * 4 / 1e6 / r["seconds"]


def test_partial_epoch_projected():
    startup, per_batch = 0.2, 0.01  # whole epoch: 0.2 + 99 x 0.01 = 1.19 s
    r = _run(0.3, startup, per_batch)
    assert r["ok"] and "partial" in r and r["rows"] == ROWS
    assert r["batches"] < ROWS // B  # it stopped early
    assert 1.0 < r["seconds"] < 1.6, r["seconds"]  # projected, not the ~0.5 s it ran


def test_steady_epochs():
    """Epochs 2..N (rootfeed's re-iterable loader) are timed alone and check their rows."""
    torch = need("torch")
    info = dict(rows=ROWS, label_sum=float(ROWS // 2), features=[f"f{i}" for i in range(F)])

    class Epochs:
        def __init__(self, short_from):
            self.n, self.short_from = 0, short_from

        def __iter__(self):
            self.n += 1
            rows = ROWS - B if self.n >= self.short_from else ROWS  # a lost batch from then on
            return ((torch.zeros(B, F), (torch.arange(i, i + B) % 2).float()) for i in range(0, rows, B))

    for short_from, ok in ((99, True), (2, False)):
        common.restart_clock()
        out = io.StringIO()
        with redirect_stdout(out):
            common.report(SimpleNamespace(info=info, epochs=3, budget=0), Epochs(short_from))
        r = json.loads(out.getvalue())
        assert r["ok"] is ok and r["rows"] == ROWS and r["steady_seconds"] > 0, r


def test_report_ratios(tmp_path):
    need("matplotlib")
    import report
    info = dict(bounds={"flat/zstd/ttree/1": 800.0, "flat/zstd/rntuple/1": 1600.0},
                bound_mb={"flat/zstd/rntuple": 250.0},  # the TTree's: rootfeed's 400 MB
                budget=60, machine="test", versions={}, conversions={}, sizes={}, batch=B, step=B)
    base = dict(kind="flat", threads=1, ok=True, rows=ROWS, batches=ROWS // B, cpu_seconds=1.0,
                rows_per_s=1.0, peak_rss_mb=1.0, child_peak_rss_mb=0.0, check="ok")
    results = [dict(base, codec="zstd", fmt="ttree", peer="a", mb_per_s=400.0, seconds=1.0,
                    steady_mb_per_s=680.0, steady_seconds=400 / 680),
               dict(base, codec="zstd", fmt="rntuple", peer="a", mb_per_s=500.0, seconds=1.0),
               dict(base, codec="-", fmt="csv", peer="c", mb_per_s=4.0, seconds=100.0,
                    partial="1 of 2 rows in 60 s")]
    path = tmp_path / "results.md"
    report.write(str(path), info, results, ["flat"], ["zstd"], [1])
    text = path.read_text()
    row = next(ln for ln in text.splitlines() if ln.startswith("| flat | zstd | 1 |"))
    cells = [c.strip() for c in row.split("|")]
    assert cells[4] == "400 / 500"            # rootfeed's MB/s, TTree / RNTuple
    assert cells[6] == "100.0* / 125.0*"      # over the CSV peer, projected
    assert cells[11] == "0.85 / 0.16"  # the bound's time over the steady state (or the epoch)
    assert "flat zstd 1 thr. x200 / x640" in text  # the CSV peer's time over the bound's
    assert (tmp_path / "results.png").exists()
