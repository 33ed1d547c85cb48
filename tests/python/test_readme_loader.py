"""The README's training example (the block after "A whole training, runnable as it is"),
run exactly as written in a fresh folder: it writes its file, trains through ROOT 6.40's
RDataLoader and torch, and must print the validation accuracy the README promises."""
import os
import re
import subprocess
import sys

from conftest import REPO, need


def test_readme_training_example(tmp_path):
    need("torch")
    text = open(os.path.join(REPO, "README.md")).read()
    m = re.search(r"A whole training, runnable as it is.*?```python\n(.*?)```", text, re.S)
    assert m, "README.md: the training example is gone"
    code = m.group(1)
    promised = re.search(r'accuracy .*# (\d\.\d\d)', code).group(1)
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    got = float(re.search(r"validation accuracy (\d\.\d\d)", out.stdout).group(1))
    assert abs(got - float(promised)) <= 0.01, out.stdout
