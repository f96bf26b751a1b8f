"""cossim.linalg.dask: the optional Dask path of cossim.top_singular on a loopback LocalCluster
(the tests marked `cluster`) and on dask's synchronous scheduler (the rest, which the mutation
run of benchmarks/mutation.py keeps).

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


# --- dask's synchronous scheduler (no cluster): the numerics of cossim.linalg.dask, also run
# by the mutation run (benchmarks/mutation.py), which deselects the `cluster` tests. The
# results are compared with the in-memory path on the same numbers: "gram", "iterative"
# and the Gram fallback sum the same products in another order (σ relative 1e-12, V
# absolute 1e-10); "svd" is dask's tall-and-skinny QR SVD against LAPACK (1e-10, 1e-8).


@pytest.fixture
def local():
    """dask's synchronous scheduler, also while the module's cluster client is the default."""
    with dask.config.set(scheduler="synchronous"):
        yield


def small_data(seed=0, n=300, p=80, density=0.15):
    rng = np.random.default_rng(seed)
    return (rng.random((n, p)) < density) * rng.uniform(1.0, 2.0, (n, p))


def test_is_dask_needs_a_dask_array_module_and_chunks():
    from cossim.linalg.dask import _is_dask

    X = small_data()
    assert _is_dask(da.from_array(X, chunks=(100, 80)))
    assert _is_dask(sparse_chunks(X, 100))
    assert not _is_dask(X) and not _is_dask(sp.csr_matrix(X))
    no_chunks = type("Array", (), {"__module__": "dask.array.core"})()
    other_module = type("Array", (), {"__module__": "zarr.core", "chunks": ((1,), (1,))})()
    assert not _is_dask(no_chunks) and not _is_dask(other_module)


@pytest.mark.parametrize("delayed", [True, False])
def test_tree_sum_adds_every_part_once(local, delayed):
    from cossim.linalg.dask import _tree_sum

    # distinct powers of two: a part dropped or added twice changes the sum
    for m in range(1, 10):
        parts = [np.array([2.0 ** i]) for i in range(m)]
        parts = [dask.delayed(part) for part in parts] if delayed else parts
        total = dask.compute(_tree_sum(parts))[0]
        assert_allclose(total, [2.0 ** m - 1], rtol=0)


def test_chunk_products_are_float64_and_exact_on_small_integers():
    from cossim.linalg.dask import _chunk_abs_colsum, _chunk_gram, _chunk_xtxq

    B = np.array([[1.0, -2.0, 0.0], [3.0, 0.0, -1.0]])
    Q = np.array([[1.0, 0.5], [0.0, 1.0], [2.0, -1.0]])
    for block in (B, B.astype(np.float32), sp.csr_matrix(B)):
        G = _chunk_gram(block)
        assert G.dtype == np.float64 and isinstance(G, np.ndarray)
        assert_allclose(G, [[10.0, -2.0, -3.0], [-2.0, 4.0, 0.0], [-3.0, 0.0, 1.0]], rtol=0)
        P = _chunk_xtxq(block, Q)
        assert P.dtype == np.float64 and isinstance(P, np.ndarray)
        assert_allclose(P, [[4.0, 6.0], [-2.0, 3.0], [-1.0, -2.5]], rtol=0)
        s = _chunk_abs_colsum(block)
        assert s.dtype == np.float64 and s.shape == (3,)
        assert_allclose(s, [4.0, 2.0, 1.0], rtol=0)


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # inf in the Krylov products
def test_dask_input_is_checked(local):
    X = small_data(4, n=60, p=20)
    with pytest.raises(ValueError, match="X must be 2-D"):
        cossim.top_singular(da.ones(10, chunks=5), 1)
    Xd = da.from_array(X, chunks=(20, 20))
    with pytest.raises(ValueError, match="unknown chunk sizes"):
        cossim.top_singular(Xd[Xd[:, 0] >= 0], 2)  # a boolean row mask: n unknown, p known
    for shape in [(0, 5), (5, 0)]:
        with pytest.raises(ValueError, match="X is empty"):
            cossim.top_singular(da.zeros(shape, chunks=(5, 5)), 1)

    def never():
        raise AssertionError("an empty X is rejected before anything is computed")

    with pytest.raises(ValueError, match="X is empty"):
        cossim.top_singular(da.from_delayed(dask.delayed(never)(), shape=(0, 5), dtype=float), 1)
    one_row = cossim.top_singular(da.from_array(np.array([[3.0, 4.0]]), chunks=(1, 2)), 1)
    assert_allclose(one_row.sigma, [5.0], rtol=1e-15)
    assert_allclose(np.abs(one_row.V[:, 0]), [0.6, 0.8], rtol=1e-15)
    huge = np.zeros((100, 50))
    huge[np.arange(100), np.arange(100) % 50] = 1e200
    with pytest.raises(ValueError, match="XᵀX overflows float64"):  # finite X, XᵀX overflows
        cossim.top_singular(sparse_chunks(huge, 25), 1, method="gram")
    with pytest.raises(TypeError, match="X has complex dtype"):
        cossim.top_singular(da.from_array(X.astype(complex), chunks=(20, 20)), 2)
    bad = X.copy()
    bad[3, 4] = np.inf
    for method in ("gram", "iterative"):
        with pytest.raises(ValueError, match="NaN or inf"):
            cossim.top_singular(da.from_array(np.hstack([bad] * 3), chunks=(20, 60)), 2, method=method)
    with pytest.raises(TypeError, match="dense chunks"):
        cossim.top_singular(sparse_chunks(X, 20), 2, method="svd")


@pytest.mark.parametrize("method, layout", [
    (method, layout) for method in ("gram", "iterative", "svd")
    for layout in ("rows", "two column chunks", "three column chunks", "sparse")
    if (method, layout) != ("svd", "sparse")])  # 'svd' needs dense chunks (test_dask_input_is_checked)
def test_local_scheduler_equals_in_memory(local, method, layout):
    """k = 5 of p = 80 (the Krylov route for "iterative") and k = 20 (its Gram fallback)."""
    X = small_data(1)
    X[:, [3, 50]] = 0.0  # items nobody consumed
    Xd = {"rows": lambda: da.from_array(X, chunks=(100, 80)),
          "two column chunks": lambda: da.from_array(X, chunks=(100, 40)),
          "three column chunks": lambda: da.from_array(X, chunks=(70, 30)),
          "sparse": lambda: sparse_chunks(X, 100)}[layout]()
    for k in (5, 20):
        spec = cossim.top_singular(Xd, k, method=method)
        mem = cossim.top_singular(sp.csr_matrix(X), k, method=method)
        rtol, atol = (1e-10, 1e-8) if method == "svd" else (1e-12, 1e-10)
        assert_allclose(spec.sigma, mem.sigma, rtol=rtol)
        assert_allclose(spec.V, mem.V, atol=atol)
        assert np.all(spec.V[[3, 50]] == 0.0)


def test_iterative_uses_tol_and_the_krylov_route(local):
    """At tol = 1e-2 the Krylov answer is visibly off the exact one (about 4e-6 relative), and
    the dask path reproduces the in-memory Krylov answer, not the exact Gram one."""
    X = small_data(0)
    Xd = da.from_array(X, chunks=(100, 80))
    exact = cossim.top_singular(X, 5, method="gram")
    for tol in (1e-2, None):
        spec = cossim.top_singular(Xd, 5, method="iterative", tol=tol)
        mem = cossim.top_singular(sp.csr_matrix(X), 5, method="iterative", tol=tol)
        assert_allclose(spec.sigma, mem.sigma, rtol=1e-12)
        assert_allclose(spec.V, mem.V, atol=1e-10)
    loose = cossim.top_singular(Xd, 5, method="iterative", tol=1e-2)
    assert np.max(np.abs(loose.sigma / exact.sigma - 1)) > 1e-7


def test_svd_in_float64_and_its_noise_floor(local):
    """float32 and integer chunks are computed in float64; on a rank-3 X the trailing σ are 0."""
    rng = np.random.default_rng(2)
    X32 = rng.uniform(-1.0, 1.0, (300, 40)).astype(np.float32)
    spec = cossim.top_singular(da.from_array(X32, chunks=(100, 40)), 6, method="svd")
    ref = cossim.top_singular(X32.astype(np.float64), 6, method="svd")
    assert_allclose(spec.sigma, ref.sigma, rtol=1e-10)
    Xi = rng.integers(0, 3, (300, 3)) @ rng.integers(0, 3, (3, 40))  # integer, rank 3
    spec = cossim.top_singular(da.from_array(Xi, chunks=(100, 40)), 6, method="svd")
    ref = cossim.top_singular(Xi.astype(np.float64), 6, method="svd")
    assert_allclose(spec.sigma[:3], ref.sigma[:3], rtol=1e-10)
    assert np.all(spec.sigma[3:] == 0.0) and np.all(ref.sigma[3:] == 0.0)


def test_randomized_is_svd_compressed_with_fixed_iterations(local):
    """"randomized" is dask's svd_compressed with 2·RANDOMIZED_POWER_ITERS power iterations,
    k + _oversampling(k) columns, seed 0 and one job per pass (compute=True): on a Gaussian
    X (no gap after σ_k; k = 44 takes 11 extra columns, not dask's default 10) it reproduces
    that call to rounding and is off the exact σ by more than 1e-4; on a spectral gap it is
    accurate (1e-6)."""
    from dask.callbacks import Callback

    from cossim.linalg.krylov import RANDOMIZED_POWER_ITERS, _oversampling

    rng = np.random.default_rng(3)
    X = rng.standard_normal((400, 100))
    Xd = da.from_array(X, chunks=(100, 100))
    runs = []
    with Callback(start=lambda dsk: runs.append(len(dsk))):
        spec = cossim.top_singular(Xd, 44, method="randomized")
    assert len(runs) >= 2 * RANDOMIZED_POWER_ITERS
    _, s, Vt = da.linalg.svd_compressed(Xd, 44, n_power_iter=2 * RANDOMIZED_POWER_ITERS,
                                        n_oversamples=_oversampling(44), seed=0)
    s, Vt = dask.compute(s, Vt)
    assert_allclose(spec.sigma, s, rtol=1e-12)
    assert_allclose(np.abs(spec.V), np.abs(Vt.T), atol=1e-10)
    exact = cossim.top_singular(X, 44, method="svd")
    assert np.max(np.abs(spec.sigma / exact.sigma - 1)) > 1e-4
    X = rng.standard_normal((400, 6)) @ (rng.standard_normal((6, 60)) * 10) \
        + 0.3 * rng.standard_normal((400, 60))
    spec = cossim.top_singular(da.from_array(X, chunks=(100, 60)), 6, method="randomized")
    assert_allclose(spec.sigma, cossim.top_singular(X, 6, method="svd").sigma, rtol=1e-6)


@pytest.mark.cluster
@pytest.mark.parametrize("method", ["gram", "svd", "auto"])
def test_exact_methods_equal_in_memory(client, method):
    X = sparse_data()
    Xd = da.from_array(X, chunks=(400, 100))  # column chunks are merged internally
    spec, n_tasks = run_on(client, Xd, 10, method)
    ref = cossim.top_singular(X, 10, method="gram")
    assert n_tasks > 0  # the work ran on the cluster
    assert_allclose(spec.sigma, ref.sigma, rtol=1e-10)
    assert_allclose(spec.V, ref.V, atol=1e-8)


@pytest.mark.cluster
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


@pytest.mark.cluster
def test_sparse_chunk_gram_equals_in_memory(client):
    X = sparse_data(2)
    spec, _ = run_on(client, sparse_chunks(X, 400), 8, "gram")
    ref = cossim.top_singular(X, 8, method="gram")
    assert_allclose(spec.sigma, ref.sigma, rtol=1e-10)
    assert_allclose(spec.V, ref.V, atol=1e-8)


@pytest.mark.cluster
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


@pytest.mark.cluster
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


@pytest.mark.cluster
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


@pytest.mark.cluster
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
