"""Scale paths: block Krylov spectrum, the method rule, blockwise top-k neighbours.

Correctness only; speed is measured in benchmarks/ (never here).
"""

import tracemalloc

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose

import cossim
from cossim.linalg.spectrum import GRAM_MAX_ITEMS, auto_method


@pytest.fixture(scope="module")
def clustered():
    # the paper's generator (its clustered spectrum with a noise bulk after the
    # cluster directions is the hard case for Krylov methods)
    return cossim.simulate(n_users=4000, n_items=600, seed=11).X


@pytest.fixture(scope="module")
def exact30(clustered):
    return cossim.top_singular(clustered, 30, method="gram")


def principal_cosines(V, W):
    return np.linalg.svd(V.T @ W, compute_uv=False)


def test_iterative_and_gram_agree_on_simulated_sparse_data(clustered, exact30):
    k = 30
    exact = exact30
    it = cossim.top_singular(clustered, k, method="iterative")
    arp = cossim.top_singular(clustered, k, method="arpack")
    # default tol = 1e-7 is the target relative accuracy of σ
    assert_allclose(it.sigma, exact.sigma, rtol=1e-6)
    assert_allclose(arp.sigma, exact.sigma, rtol=1e-9)
    # same k-dimensional subspace ...
    assert_allclose(principal_cosines(it.V, exact.V), 1.0, atol=1e-5)
    # ... and the same vectors (with the same signs) where σ is well separated
    gap = np.minimum(np.r_[np.inf, -np.diff(exact.sigma)], np.r_[-np.diff(exact.sigma), np.inf])
    sep = gap / exact.sigma > 1e-2
    assert sep.sum() >= 3
    assert_allclose(it.V[:, sep], exact.V[:, sep], atol=1e-3)


def test_iterative_tolerance_is_honoured(clustered, exact30):
    exact = cossim.Spectrum(exact30.sigma[:20], exact30.V[:, :20])
    tight = cossim.top_singular(clustered, 20, method="iterative", tol=1e-11)
    loose = cossim.top_singular(clustered, 20, method="iterative", tol=1e-3)
    assert_allclose(tight.sigma, exact.sigma, rtol=1e-10)
    assert_allclose(loose.sigma, exact.sigma, rtol=1e-3)
    # Ritz values never exceed the singular values they approximate
    assert np.all(loose.sigma <= exact.sigma * (1 + 1e-12))


def test_iterative_on_dense_and_rank_deficient_input():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((400, 6)) @ rng.standard_normal((6, 300))  # rank 6
    spec = cossim.top_singular(X, 12, method="iterative")
    ref = cossim.top_singular(X, 12, method="svd")
    assert_allclose(spec.sigma[:6], ref.sigma[:6], rtol=1e-8)
    assert_allclose(spec.sigma[6:], 0.0, atol=0.0)  # below the noise floor: exactly 0
    assert_allclose(spec.V.T @ spec.V, np.eye(12), atol=1e-10)
    assert_allclose(principal_cosines(spec.V[:, :6], ref.V[:, :6]), 1.0, atol=1e-8)


def test_randomized_is_accurate_on_a_gap():
    rng = np.random.default_rng(6)
    X = rng.standard_normal((800, 10)) @ (10 * rng.standard_normal((10, 200))) \
        + 1e-4 * rng.standard_normal((800, 200))
    spec = cossim.top_singular(X, 10, method="randomized")
    ref = cossim.top_singular(X, 10, method="svd")
    assert_allclose(spec.sigma, ref.sigma, rtol=1e-9)
    assert_allclose(spec.V, ref.V, atol=1e-7)


def test_method_rule():
    assert auto_method(1000, 50) == "gram"
    assert auto_method(GRAM_MAX_ITEMS, 50) == "gram"
    assert auto_method(GRAM_MAX_ITEMS + 1, 50) == "iterative"
    assert auto_method(27_000, 50) == "iterative"
    # k a large share of p: a Krylov basis would be as big as XᵀX
    assert auto_method(6000, 1800) == "gram"


def test_bad_method_and_tol():
    X = np.eye(5)
    with pytest.raises(ValueError, match="method must be one of"):
        cossim.top_singular(X, 2, method="lanczos")
    with pytest.raises(ValueError, match="tol must satisfy"):
        cossim.top_singular(X, 2, method="iterative", tol=-1e-3)
    with pytest.raises(TypeError, match="tol must be a real number"):
        cossim.top_singular(X, 2, method="iterative", tol="small")


def test_auto_never_forms_a_p_by_p_matrix_for_large_p():
    p = GRAM_MAX_ITEMS + 100
    X = cossim.simulate(n_users=2000, n_items=p, max_items_per_user=40, seed=12).X
    assert auto_method(p, 5) == "iterative"
    tracemalloc.start()
    try:
        spec = cossim.top_singular(X, 5)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    dense_pp = 8 * p * p  # 135 MB
    assert peak < dense_pp / 4, f"peak {peak / 1e6:.0f} MB"
    assert_allclose(spec.sigma, cossim.top_singular(X, 5, method="arpack").sigma, rtol=1e-6)


# --- top_k_neighbours -------------------------------------------------------

def brute_force(E, n):
    En = cossim.row_normalize(E)
    S = En @ En.T
    np.fill_diagonal(S, -np.inf)
    return np.argsort(-S, axis=1, kind="stable")[:, :n]


@pytest.mark.parametrize("block_size", [None, 1, 7, 64, 5000])
def test_top_k_matches_brute_force(block_size):
    rng = np.random.default_rng(8)
    E = rng.standard_normal((300, 6))
    assert_allclose(cossim.top_k_neighbours(E, 9, block_size=block_size), brute_force(E, 9))


@pytest.mark.parametrize("block_size", [None, 3, 16])
def test_top_k_ties_go_to_the_smaller_index(block_size):
    # rows are positive power-of-two multiples of unit vectors (their normalised rows
    # and all cosines are exact: 0 or 1), plus zero rows: many exact ties
    rng = np.random.default_rng(9)
    p, k = 60, 4
    E = np.zeros((p, k))
    axis = rng.integers(0, k, size=p)
    E[np.arange(p), axis] = 2.0 ** rng.integers(-3, 4, size=p)
    E[rng.choice(p, size=8, replace=False)] = 0.0
    got = cossim.top_k_neighbours(E, 12, block_size=block_size)
    assert_allclose(got, brute_force(E, 12))
    # spelled out for one row: same-axis rows first, by index, then the rest by index
    r = int(np.flatnonzero(np.any(E != 0, axis=1))[0])
    same = [j for j in range(p) if j != r and np.any(E[j] != 0) and axis[j] == axis[r]]
    rest = [j for j in range(p) if j != r and j not in same]
    assert list(got[r]) == (same + rest)[:12]


def test_top_k_memory_is_blockwise():
    rng = np.random.default_rng(10)
    p = 8000
    E = rng.standard_normal((p, 16))
    tracemalloc.start()
    try:
        cossim.top_k_neighbours(E, 10, block_size=256)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # a p × p float64 matrix would be 512 MB; a block of 256 rows is 16 MB
    assert peak < 8 * p * p / 8, f"peak {peak / 1e6:.0f} MB"


def test_top_k_bad_input():
    E = np.ones((5, 2))
    with pytest.raises(ValueError, match="n_neighbours"):
        cossim.top_k_neighbours(E, 5)
    with pytest.raises(ValueError, match="block_size"):
        cossim.top_k_neighbours(E, 2, block_size=0)
    with pytest.raises(TypeError, match="n_neighbours"):
        cossim.top_k_neighbours(E, 2.5)


# --- the Gram route -----------------------------------------------------------

@pytest.mark.parametrize("kind", ["binary_sparse", "integer_dense", "real_sparse", "very_sparse"])
def test_gram_routes_equal_the_plain_product(kind):
    from cossim.linalg.gram import _gram

    rng = np.random.default_rng(13)
    mask = rng.random((3000, 300)) < (0.001 if kind == "very_sparse" else 0.3)
    if kind == "integer_dense":
        X = mask * rng.integers(1, 5, size=mask.shape).astype(float)
    elif kind == "real_sparse":
        X = mask * rng.uniform(0.1, 3.0, size=mask.shape)
    else:
        X = mask * 1.0
    ref = X.T @ X
    X = X if kind == "integer_dense" else sp.csr_matrix(X)
    G = _gram(X)
    assert G.dtype == np.float64 and G.shape == ref.shape
    if kind == "real_sparse":  # double precision: rounding only
        assert_allclose(G, ref, rtol=1e-12, atol=1e-10)
    else:  # integers: every route (single precision included) is exact
        np.testing.assert_array_equal(G, ref)
