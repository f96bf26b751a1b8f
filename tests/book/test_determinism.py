"""Same inputs, same numbers: seeds, thread counts and repeated book builds."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose
from support.book import build_book

import cossim

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

PIPELINE = r"""
import sys, numpy as np, cossim
data = cossim.simulate(3000, 300, 5, seed=11)
spec = cossim.top_singular(data.X, 20)
out = {"sigma": spec.sigma, "V": spec.V}
for g in (0.0, 0.5, 1.0):
    B = cossim.eq1_factors(spec, 1000.0, g).B
    out[f"B{g}"] = B
    out[f"auc{g}"] = np.array(cossim.cluster_auc(cossim.item_item_cosine(B), data.clusters))
B2 = cossim.eq2_factors(spec, 20.0).B
out["B_eq2"] = B2
out["auc_eq2"] = np.array(cossim.cluster_auc(cossim.item_item_cosine(B2), data.clusters))
np.savez(sys.argv[1], **out)
"""


def test_simulation_is_seeded():
    a = cossim.simulate(500, 80, 4, seed=3, max_items_per_user=20)
    b = cossim.simulate(500, 80, 4, seed=3, max_items_per_user=20)
    c = cossim.simulate(500, 80, 4, seed=4, max_items_per_user=20)
    assert (a.X != b.X).nnz == 0 and np.array_equal(a.clusters, b.clusters)
    assert np.array_equal(a.popularity, b.popularity)
    assert (a.X != c.X).nnz > 0


def run_pipeline(tmp_path, name, threads):
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARS}
    if threads is not None:
        env.update({k: str(threads) for k in THREAD_VARS})
    out = tmp_path / f"{name}.npz"
    subprocess.run([sys.executable, "-c", PIPELINE, str(out)], check=True, env=env, timeout=600)
    return dict(np.load(out))


def test_results_do_not_depend_on_thread_count(tmp_path):
    """One BLAS thread vs the default: the same spectrum, factors and scores to 1e-9."""
    single = run_pipeline(tmp_path, "single", 1)
    default = run_pipeline(tmp_path, "default", None)
    assert single.keys() == default.keys()
    for key in single:
        if key.startswith("auc"):
            assert_allclose(single[key], default[key], rtol=0, atol=1e-12, err_msg=key)
        else:
            assert_allclose(single[key], default[key], rtol=1e-9, atol=1e-9, err_msg=key)


GLUE = re.compile(r'<span class="pasted-text">(.*?)</span>', re.S)


def glued_numbers(html_dir: Path):
    found = {}
    for page in sorted(html_dir.rglob("*.html")):
        values = GLUE.findall(page.read_text(encoding="utf-8"))
        if values:
            found[str(page.relative_to(html_dir))] = values
    return found


@pytest.mark.book
def test_two_builds_give_identical_glued_numbers(built_book, tmp_path):
    html, returncode, log = built_book
    assert returncode == 0, log[-3000:]
    first = glued_numbers(html)
    assert sum(len(v) for v in first.values()) >= 10, "expected glued numbers in the book"
    html2, returncode2, log2 = build_book(tmp_path / "again")
    assert returncode2 == 0, log2[-3000:]
    second = glued_numbers(html2)
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)
