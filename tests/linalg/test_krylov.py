"""cossim.linalg.krylov: block Lanczos and randomized subspace iteration on XᵀX."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from cossim.linalg.krylov import (
    _block_krylov,
    _krylov_fits,
    _orthonormalize,
    _randomized,
    _ritz_converged,
    _xtx_times,
)


def _gapped(n=400, p=120, seed=0):
    """X with singular values 50, 45, …, then a gap down to a noise floor."""
    rng = np.random.default_rng(seed)
    U, _ = np.linalg.qr(rng.standard_normal((n, p)))
    V, _ = np.linalg.qr(rng.standard_normal((p, p)))
    s = np.concatenate([50.0 - 5.0 * np.arange(6), 0.5 * rng.random(p - 6)])
    return (U * s) @ V.T, np.sort(s)[::-1]


def test_block_krylov_reaches_tol():
    X, s = _gapped()
    sigma, V = _block_krylov(_xtx_times(X), X.shape[1], 5, tol=1e-10)
    assert_allclose(sigma, s[:5], rtol=1e-9)
    assert_allclose(V.T @ V, np.eye(5), atol=1e-10)
    # V spans the top right singular vectors: X V has the norms σ
    assert_allclose(np.linalg.norm(X @ V, axis=0), s[:5], rtol=1e-8)


def test_randomized_is_accurate_on_a_gap():
    X, s = _gapped(seed=1)
    sigma, _ = _randomized(_xtx_times(X), X.shape[1], 4)
    assert_allclose(sigma, s[:4], rtol=1e-8)


def test_block_krylov_warns_when_cycles_run_out():
    X, _ = _gapped(seed=2)
    with pytest.warns(RuntimeWarning, match="did not reach"):
        _block_krylov(_xtx_times(X), X.shape[1], 5, tol=1e-15, max_cycles=1)


def test_orthonormalize_against_a_basis_and_refills_dependent_columns():
    rng = np.random.default_rng(3)
    K, _ = np.linalg.qr(rng.standard_normal((20, 4)))
    Z = np.hstack([K[:, :1], rng.standard_normal((20, 2))])  # first column lies in span(K)
    Q = _orthonormalize(Z, K, rng)
    assert Q.shape == (20, 3)
    assert_allclose(Q.T @ Q, np.eye(3), atol=1e-12)
    assert_allclose(K.T @ Q, 0.0, atol=1e-12)


def test_ritz_convergence_rules():
    th = np.array([10.0, 5.0])
    res = np.array([1e-12, 1.0])
    done, d = _ritz_converged(th, None, None, res, floor=0.0, tol=1e-7)
    assert list(done) == [True, False] and d is None  # residual bound only, first cycle
    done, d = _ritz_converged(th, th - [0.0, 1e-3], None, res, floor=0.0, tol=1e-7)
    assert list(done) == [True, False] and np.all(d >= 0)
    # increments shrinking by 1e-6 per cycle: Aitken puts the rest far below tol
    done, _ = _ritz_converged(th, th - [0.0, 1e-9], np.array([0.0, 1e-3]), res, floor=0.0, tol=1e-7)
    assert list(done) == [True, True]
    done, _ = _ritz_converged(np.array([1e-20]), None, None, np.array([1.0]), floor=1e-18, tol=1e-7)
    assert list(done) == [True]  # below the noise floor


def test_krylov_fits_rule():
    assert _krylov_fits(10_000, 50)
    assert not _krylov_fits(100, 50)


def test_non_finite_operator_is_the_callers_error():
    p = 40
    with pytest.raises(ValueError, match="NaN or inf"):
        _block_krylov(lambda Q: np.full(Q.shape, np.nan), p, 2, tol=1e-7)
    with pytest.raises(ValueError, match="NaN or inf"):
        _randomized(lambda Q: np.full(Q.shape, np.nan), p, 2)
