"""cossim.linalg.dense: the dense LAPACK SVD route and its padding when rank < k."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from cossim.linalg.dense import _by_arpack, _by_dense_svd, _pad_svd


def test_dense_svd_matches_numpy():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 6))
    sigma, V = _by_dense_svd(X, 4)
    _, s, Vt = np.linalg.svd(X, full_matrices=False)
    assert_array_equal(sigma, s[:4])
    assert_array_equal(V, Vt[:4].T)


def test_fewer_rows_than_k_pads_with_an_orthonormal_complement():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((2, 5))
    sigma, V = _by_dense_svd(X, 4)
    assert sigma.shape == (4,) and V.shape == (5, 4)
    assert np.all(sigma[:2] > 0) and np.all(sigma[2:] == 0)
    assert_allclose(V.T @ V, np.eye(4), atol=1e-12)


def test_noise_level_singular_values_become_exact_zeros():
    s = np.array([1.0, 1e-17, 0.0])
    sigma, _ = _pad_svd(s, np.eye(3), 3, 3, 3)
    assert_array_equal(sigma, [1.0, 0.0, 0.0])


# ------------------------------------------- exact cases, boundaries (issue 13, mutation testing)

def test_noise_floor_is_exclusive_and_scales_with_the_shape():
    """σ <= max(n, p)·eps·σ₁ becomes 0: exactly at the floor too; just above it, kept."""
    eps = np.finfo(float).eps
    sigma, _ = _pad_svd(np.array([1.0, 3 * eps]), np.eye(3)[:, :2], 2, 3, 2)  # floor = 3·eps
    assert_array_equal(sigma, [1.0, 0.0])
    sigma, _ = _pad_svd(np.array([1.0, 6 * eps]), np.eye(3)[:, :2], 2, 2, 3)  # above the floor
    assert_array_equal(sigma, [1.0, 6 * eps])


def test_no_deprecated_numpy_call():
    """The noise floor uses float64's eps without NumPy deprecation warnings (finfo(None) is one)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sigma, _ = _pad_svd(np.array([2.0, 1e-17]), np.eye(2), 2, 2, 2)
    assert_array_equal(sigma, [2.0, 0.0])


def test_sparse_input_is_densified():
    import scipy.sparse as sp

    X = np.array([[3.0, 0.0], [0.0, 0.0], [0.0, 4.0]])
    sigma, V = _by_dense_svd(sp.csr_matrix(X), 2)
    assert_allclose(sigma, [4.0, 3.0], rtol=1e-15)
    assert_allclose(np.abs(V), [[0.0, 1.0], [1.0, 0.0]], atol=1e-15)


def _gapped(n=60, p=20, seed=0):
    rng = np.random.default_rng(seed)
    U, _ = np.linalg.qr(rng.standard_normal((n, p)))
    V, _ = np.linalg.qr(rng.standard_normal((p, p)))
    s = np.concatenate([[9.0, 7.0, 5.0], 0.5 * rng.random(p - 3)])
    return (U * s) @ V.T, np.sort(s)[::-1]


@pytest.mark.parametrize("sparse", [False, True])
def test_arpack_is_accurate_descending_and_repeatable(sparse):
    import scipy.sparse as sp

    X, s = _gapped()
    Xin = sp.csr_matrix(X) if sparse else X
    sigma, V = _by_arpack(Xin, 3, 0.0)
    assert_allclose(sigma, s[:3], rtol=1e-12)
    assert_allclose(np.abs(V.T @ np.linalg.svd(X)[2][:3].T), np.eye(3), atol=1e-8)
    again = _by_arpack(Xin, 3, 0.0)
    assert_array_equal(again[0], sigma)  # a fixed start vector: identical numbers on every run
    assert_array_equal(again[1], V)


def test_arpack_small_singular_values_are_kept():
    """σ < 1 are returned as computed (no floor is applied to ARPACK's σ)."""
    X, s = _gapped()
    sigma, _ = _by_arpack(X * 0.01, 3, 0.0)
    assert_allclose(sigma, 0.01 * s[:3], rtol=1e-12)


def test_arpack_falls_back_to_lapack_when_k_reaches_min_n_p(monkeypatch):
    """k = min(n, p) (ARPACK needs k < min(n, p)) takes the dense SVD; k = min(n, p) − 1 does not."""
    from cossim.linalg import dense

    calls = []
    real = dense._by_dense_svd
    monkeypatch.setattr(dense, "_by_dense_svd", lambda X, k: calls.append(k) or real(X, k))
    X = np.random.default_rng(9).standard_normal((8, 20))  # min(n, p) = 8
    sigma, _ = _by_arpack(X, 8, 0.0)
    assert calls == [8]
    assert_allclose(sigma, np.linalg.svd(X, compute_uv=False), rtol=1e-12)
    _by_arpack(X, 7, 0.0)
    assert calls == [8]


def test_arpack_receives_the_tolerance_and_a_fixed_start(monkeypatch):
    import scipy.sparse.linalg as spla  # cossim.linalg.dense imports it inside _by_arpack

    seen = []
    real = spla.svds

    def spy(A, **kw):
        seen.append(kw)
        return real(A, **kw)

    monkeypatch.setattr(spla, "svds", spy)
    X, _ = _gapped()
    _by_arpack(X, 2, 1e-6)
    kw = seen[0]
    assert kw["k"] == 2 and kw["tol"] == 1e-6 and kw["solver"] == "arpack"
    assert_array_equal(kw["v0"], np.random.default_rng(0).standard_normal(20))
