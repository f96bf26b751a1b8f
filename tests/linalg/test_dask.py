"""cossim.linalg.dask: the optional Dask path of cossim.top_singular on a loopback LocalCluster.

Every result is checked against the in-memory path on the same numbers.
Tolerances: the exact methods ("gram", "svd") agree to rounding (σ relative
1e-10, V absolute 1e-8); "iterative" runs the same block Krylov code with each
block product summed over row blocks on the cluster, so it agrees with the
in-memory "iterative" to 1e-9 relative in σ and with the exact Gram answer to
its accuracy target (σ relative 1e-6, the default tol being 1e-7).
"""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose

import cossim

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None,
        protocol="tcp://", host="127.0.0.1")  # scheduler and worker talk over loopback TCP
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def sparse_data(seed=0, n=1500, p=200, density=0.08):
    rng = np.random.default_rng(seed)
    return (rng.random((n, p)) < density) * rng.uniform(1.0, 2.0, (n, p))


def run_on(client, X, k, method):
    """top_singular on the cluster; also returns how many tasks the cluster ran."""
    with distributed.get_task_stream(client) as ts:
        spec = cossim.top_singular(X, k, method=method)
    return spec, len(ts.data)


def sparse_chunks(X, rows):
    """A dask array whose chunks are scipy.sparse CSR row blocks of X."""
    Xs = sp.csr_matrix(X)
    parts = [
        da.from_delayed(dask.delayed(sp.csr_matrix)(Xs[i:i + rows]),
                        shape=(min(rows, X.shape[0] - i), X.shape[1]), dtype=np.float64,
                        meta=sp.csr_matrix((0, 0)))
        for i in range(0, X.shape[0], rows)
    ]
    return da.concatenate(parts, axis=0)


@pytest.mark.parametrize("method", ["gram", "svd", "auto"])
def test_exact_methods_equal_in_memory(client, method):
    X = sparse_data()
    Xd = da.from_array(X, chunks=(400, 100))  # column chunks are merged internally
    spec, n_tasks = run_on(client, Xd, 10, method)
    ref = cossim.top_singular(X, 10, method="gram")
    assert n_tasks > 0  # the work ran on the cluster
    assert_allclose(spec.sigma, ref.sigma, rtol=1e-10)
    assert_allclose(spec.V, ref.V, atol=1e-8)


@pytest.mark.parametrize("chunks", ["dense", "sparse"])
def test_iterative_equals_in_memory(client, chunks):
    X = sparse_data(1)
    Xd = da.from_array(X, chunks=(400, 200)) if chunks == "dense" else sparse_chunks(X, 400)
    spec, n_tasks = run_on(client, Xd, 10, "iterative")
    mem = cossim.top_singular(sp.csr_matrix(X), 10, method="iterative")
    exact = cossim.top_singular(X, 10, method="gram")
    assert n_tasks > 0
    assert_allclose(spec.sigma, mem.sigma, rtol=1e-9)
    assert_allclose(spec.V, mem.V, atol=1e-6)
    assert_allclose(spec.sigma, exact.sigma, rtol=1e-6)
    # same subspace as the exact answer (|cos| of principal angles ≈ 1)
    cosines = np.linalg.svd(spec.V.T @ exact.V, compute_uv=False)
    assert_allclose(cosines, 1.0, atol=1e-6)


def test_sparse_chunk_gram_equals_in_memory(client):
    X = sparse_data(2)
    spec, _ = run_on(client, sparse_chunks(X, 400), 8, "gram")
    ref = cossim.top_singular(X, 8, method="gram")
    assert_allclose(spec.sigma, ref.sigma, rtol=1e-10)
    assert_allclose(spec.V, ref.V, atol=1e-8)


def test_randomized_svd_compressed_on_a_spectral_gap(client):
    # rank-8 signal plus small noise: a clear gap after σ_8, where dask's randomized
    # SVD with a few power iterations is accurate
    rng = np.random.default_rng(3)
    X = rng.standard_normal((1000, 8)) @ (rng.standard_normal((8, 150)) * 10) \
        + 1e-3 * rng.standard_normal((1000, 150))
    spec, n_tasks = run_on(client, da.from_array(X, chunks=(250, 150)), 8, "randomized")
    ref = cossim.top_singular(X, 8, method="svd")
    assert n_tasks > 0
    assert_allclose(spec.sigma, ref.sigma, rtol=1e-8)
    assert_allclose(spec.V, ref.V, atol=1e-6)


def test_dask_input_errors(client):
    X = sparse_data(4, n=200, p=50)
    bad = X.copy()
    bad[3, 4] = np.nan
    with pytest.raises(ValueError, match="NaN or inf"):
        cossim.top_singular(da.from_array(bad, chunks=(50, 50)), 5, method="gram")
    with pytest.raises(ValueError, match="NaN or inf"):
        cossim.top_singular(da.from_array(np.hstack([bad] * 2), chunks=(50, 100)), 5,
                            method="iterative")
    with pytest.raises(ValueError, match="X must be 2-D"):
        cossim.top_singular(da.ones(10, chunks=5), 1)
    with pytest.raises(ValueError, match="method='arpack'"):
        cossim.top_singular(da.from_array(X, chunks=(50, 50)), 5, method="arpack")
    with pytest.raises(ValueError, match="k"):
        cossim.top_singular(da.from_array(X, chunks=(50, 50)), 51)
    with pytest.raises(TypeError, match="X has complex dtype"):
        cossim.top_singular(da.from_array(X.astype(complex), chunks=(50, 50)), 5)


@pytest.mark.parametrize("method", ["gram", "iterative"])
def test_unused_items_get_exactly_zero_rows_on_the_cluster(client, method):
    X = sparse_data(5)
    X[:, [3, 50]] = 0.0  # items nobody consumed
    spec, _ = run_on(client, da.from_array(X, chunks=(400, 200)), 10, method)
    assert np.all(spec.V[[3, 50]] == 0.0)
    mem = cossim.top_singular(X, 10, method=method)
    assert_allclose(spec.V, mem.V, atol=1e-6)


def _readme_example():
    """The tested Python block of benchmarks/README.md's 'existing cluster' section."""
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "benchmarks" / "README.md").read_text(encoding="utf-8")
    start = text.index("```python", text.index("<!-- tested example: tests/linalg/test_dask.py"))
    return text[start + len("```python"):text.index("```", start + 3)]


def test_readme_example_on_a_cluster_of_processes(tmp_path):
    """The README's example, run as a separate client process against a running cluster.

    A LocalCluster of 2 worker processes on 127.0.0.1 stands for the existing
    cluster; the example runs in its own Python process (a user's script) with
    only the address and the data (file list, number of items) replaced, and X
    is read by the workers from per-block files. The fit goes through the
    "iterative" path (p = 250 > 3·(50 + 12)), so σ agrees with the in-memory
    call to 1e-9 relative and V to 1e-6 (as in test_iterative_equals_in_memory).
    """
    import os
    import re
    import subprocess
    import sys
    from pathlib import Path

    code = _readme_example()
    assert 'client = Client("tcp://scheduler-host:8786")' in code
    assert "spec = cossim.top_singular(X, 50)" in code
    X = sp.csr_matrix(sparse_data(6, n=1200, p=250))
    blocks = []
    for i, a in enumerate(range(0, X.shape[0], 400)):
        sp.save_npz(tmp_path / f"X_{i:03d}.npz", X[a:a + 400])
        blocks.append((str(tmp_path / f"X_{i:03d}.npz"), X[a:a + 400].shape[0]))
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", protocol="tcp://",
        dashboard_address=None)
    try:
        code = code.replace("tcp://scheduler-host:8786", cluster.scheduler_address)
        code, n1 = re.subn(r"(?m)^blocks = .*$", f"blocks = {blocks!r}", code)
        code, n2 = re.subn(r"(?m)^n_items = .*$", f"n_items = {X.shape[1]}", code)
        assert n1 == n2 == 1
        out = tmp_path / "spec.npz"
        code += f"\nnp.savez({str(out)!r}, sigma=spec.sigma, V=spec.V)\nclient.close()\n"
        root = Path(__file__).resolve().parents[2]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])}
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                              timeout=600)
        assert proc.returncode == 0, proc.stderr[-2000:]
        with distributed.Client(cluster.scheduler_address, set_as_default=False) as c:
            pids = c.run(os.getpid)
            ran = c.run(lambda dask_worker: dask_worker.state.transition_counter)
    finally:
        cluster.close()
    assert len(pids) == 2 and os.getpid() not in pids.values()  # separate worker processes
    assert sum(ran.values()) > 0  # the example's work ran on the cluster's workers
    spec = np.load(out)
    mem = cossim.top_singular(X, 50)
    assert_allclose(spec["sigma"], mem.sigma, rtol=1e-9)
    assert_allclose(spec["V"], mem.V, atol=1e-6)
