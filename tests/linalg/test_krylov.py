"""cossim.linalg.krylov: block Lanczos and randomized subspace iteration on XᵀX."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from cossim.linalg.krylov import (
    _block_krylov,
    _krylov_fits,
    _orthonormalize,
    _randomized,
    _ritz_converged,
    _sigma_above_floor,
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


def test_sigma_floor_is_inclusive():
    """A Ritz value at the noise floor (σ² <= p·eps·σ₁², top_singular's rule) gives σ = 0; above it, √θ."""
    floor = 3 * np.finfo(float).eps
    sigma = _sigma_above_floor(np.array([1.0, 2 * floor, floor, 0.0]), floor)
    assert_array_equal(sigma, [1.0, np.sqrt(2 * floor), 0.0, 0.0])


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


# ------------------------------------------- exact cases, boundaries (issue 13, mutation testing)

def _rc(th, th_prev, d_prev, res, floor=0.0, tol=1.25):
    arr = lambda v: None if v is None else np.array(v, dtype=float)  # noqa: E731
    return _ritz_converged(arr(th), arr(th_prev), arr(d_prev), arr(res), floor, tol)


def test_ritz_residual_and_floor_boundaries():
    """res <= 2·tol·θ (θ = 4, tol = 1.25: bound 10, exactly) and θ <= floor, both inclusive."""
    done, _ = _rc([4.0, 4.0, 4.0], None, None, [10.0, 10.5, 12.0])
    assert list(done) == [True, False, False]
    done, _ = _rc([1e-20, 2e-20], None, None, [1.0, 1.0], floor=1e-20)
    assert list(done) == [True, False]


def test_ritz_aitken_estimate_by_hand():
    """θ = 1 after 0.75 (d = ¼) after an increment of ½ (ρ = ½): the remaining error is estimated
    as d·ρ/(1 − ρ) = ¼, done iff ¼ <= 0.2·tol·θ; tol = 1.25 makes the bound exactly ¼."""
    res = [100.0]  # residual test off (bound 2·tol·θ <= 5)
    assert list(_rc([1.0], [0.75], [0.5], res, tol=1.25)[0]) == [True]
    assert list(_rc([1.0], [0.75], [0.5], res, tol=1.2)[0]) == [False]
    assert list(_rc([2.0], [1.75], [0.5], res, tol=0.625)[0]) == [True]   # bound 0.2·0.625·2 = ¼
    assert list(_rc([2.0], [1.75], [0.5], res, tol=0.6)[0]) == [False]
    done, d = _rc([1.0], [0.75], [0.5], res)
    assert_allclose(d, [0.25], rtol=0)


def test_ritz_aitken_edge_cases():
    """No previous increment (d_prev = 0): ρ = 0, estimate 0, done; ρ >= 1 (not contracting):
    never done by the estimate; a residual-done entry stays done; d = 0 is done."""
    res = [100.0]
    assert list(_rc([1.0], [0.75], [0.0], res)[0]) == [True]
    assert list(_rc([1.0], [0.75], [0.25], res)[0]) == [False]       # ρ = 1
    assert list(_rc([1.0], [0.5], [0.25], res)[0]) == [False]        # ρ = 2
    assert list(_rc([1.0], [0.75], [0.25], [0.5])[0]) == [True]      # residual 0.5 <= 2.5
    assert list(_rc([1.0], [1.0], [0.25], res)[0]) == [True]         # d = 0
    done, d = _rc([1.0], [1.5], [0.25], res)                           # θ fell: d clipped at 0
    assert list(done) == [True] and list(d) == [0.0]


def _counting(X):
    calls = []
    mm = _xtx_times(X)

    def matmat(Q):
        calls.append(Q.shape[1])
        return mm(Q)
    return matmat, calls


def test_block_krylov_fills_the_basis_exactly():
    """retain 4, basis 12, blocks of 4: the first cycle takes exactly three products (0 → 12)."""
    X, _ = _gapped(seed=4)
    matmat, calls = _counting(X)
    with pytest.warns(RuntimeWarning, match="did not reach"):
        _block_krylov(matmat, X.shape[1], 2, tol=1e-300, max_cycles=1, block=4, retain=4, basis=12)
    assert calls == [4, 4, 4]


def test_block_krylov_with_room_for_one_vector():
    """basis = retain + 1: blocks of one vector; still converges to the top σ."""
    X, s = _gapped(seed=5)
    matmat, calls = _counting(X)
    sigma, _ = _block_krylov(matmat, X.shape[1], 2, tol=1e-10, retain=3, basis=4)
    assert set(calls) == {1}
    assert_allclose(sigma, s[:2], rtol=1e-9)


def test_iterative_routes_are_deterministic_with_default_seed():
    X, _ = _gapped(seed=6)
    p = X.shape[1]
    a = _block_krylov(_xtx_times(X), p, 3, tol=1e-8)
    b = _block_krylov(_xtx_times(X), p, 3, tol=1e-8, seed=0)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    a = _randomized(_xtx_times(X), p, 3)
    b = _randomized(_xtx_times(X), p, 3, seed=0)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    c = _randomized(_xtx_times(X), p, 3, n_iter=4, seed=0)
    assert np.array_equal(a[0], c[0])


@pytest.mark.parametrize("top", [4.0, 0.25])
def test_randomized_noise_floor(top):
    """θ below p·ε·θ₁ is noise and gives σ = 0; above it σ = √θ. A = dMat(θ) with p = 12, so that
    the subspace (k + 10 vectors) is the whole space and the Ritz values are exact to rounding."""
    p = 12
    floor = p * np.finfo(np.float64).eps * top
    theta = np.zeros(p)
    theta[:3] = [top, 2.0 * floor, 0.5 * floor]
    sigma, _ = _randomized(lambda Q: theta[:, None] * Q, p, 3)
    # θ's rounding error is about ε·θ₁ = floor/p: 2·floor stays above the floor, ½·floor below
    assert_allclose(sigma[0], np.sqrt(top), rtol=1e-14)
    assert sigma[1] > 0.0 and sigma[2] == 0.0


def test_oversampling_and_fit_rule_at_their_boundaries():
    """Oversampling max(10, k // 4): 10 up to k = 43, then 11; the basis of 3(k + 10) vectors
    must be strictly below p."""
    from cossim.linalg.krylov import _oversampling

    assert [_oversampling(k) for k in (1, 43, 44, 47, 48)] == [10, 10, 11, 11, 12]
    assert not _krylov_fits(36, 2) and _krylov_fits(37, 2)


def test_orthonormalize_keeps_a_small_column_relative_to_the_largest_column():
    """A column is dropped when its new direction is below 1e-10 times the largest *column*
    norm (√2 here): 1.5e-10 is kept (not compared with the largest row norm √3 or the
    Frobenius norm). Scale-free: the same holds for Z·10⁶ and Z·10⁻³."""
    Z0 = np.zeros((10, 4))
    Z0[0, :3] = 1.0
    Z0[1, 1] = Z0[2, 2] = 1.0
    Z0[3, 3] = 1.5e-10
    for factor in (1.0, 1e6, 1e-3):
        Q = _orthonormalize(Z0 * factor, None, np.random.default_rng(0))
        assert_allclose(np.abs(Q[:, 3]), np.eye(10)[3], atol=1e-12)
    Z0[3, 3] = 0.5e-10  # now below the threshold: replaced by a random direction
    Q = _orthonormalize(Z0, None, np.random.default_rng(0))
    assert abs(Q[3, 3]) < 0.99 and np.allclose(Q.T @ Q, np.eye(4), atol=1e-12)


def test_orthonormalize_empty_and_zero_blocks():
    rng = np.random.default_rng(1)
    K, _ = np.linalg.qr(rng.standard_normal((6, 2)))
    assert _orthonormalize(np.zeros((6, 0)), K, rng).shape == (6, 0)
    Q = _orthonormalize(np.zeros((6, 2)), K, rng)  # nothing left: two random directions ⊥ K
    assert_allclose(Q.T @ Q, np.eye(2), atol=1e-12)
    assert_allclose(K.T @ Q, 0.0, atol=1e-12)


def test_block_krylov_passes_the_right_quantities_to_the_convergence_rule(monkeypatch):
    """Per cycle: θ_k = max(θ, 0) of the top k, the previous cycle's θ and increment, each Ritz
    pair's own residual ‖AY_i − θ_i Y_i‖ and the floor p·ε·θ₁ (checked against the returned pair)."""
    import cossim.linalg.krylov as kr

    calls = []
    real = kr._ritz_converged

    def spy(th_k, th_prev, d_prev, res, floor, tol):
        out = real(th_k, th_prev, d_prev, res, floor, tol)
        calls.append((th_k.copy(), None if th_prev is None else th_prev.copy(),
                      None if d_prev is None else d_prev.copy(), res.copy(), floor, out[1]))
        return out
    monkeypatch.setattr(kr, "_ritz_converged", spy)
    X, s = _gapped(seed=7)
    A = X.T @ X
    sigma, V = kr._block_krylov(_xtx_times(X), X.shape[1], 3, tol=1e-12, block=2, retain=5, basis=9)
    assert len(calls) >= 3
    assert calls[0][1] is None and calls[0][2] is None and calls[1][2] is None
    for prev, cur in zip(calls, calls[1:]):
        assert np.array_equal(cur[1], prev[0])          # th_prev
    for prev, cur in zip(calls[1:], calls[2:]):
        assert np.array_equal(cur[2], prev[5])          # d_prev
    th_k, _, _, res, floor, _ = calls[-1]
    assert_allclose(th_k, sigma**2, rtol=1e-14)
    assert floor == X.shape[1] * np.finfo(np.float64).eps * th_k[0]
    assert res.shape == (3,)
    # the same residuals from the returned pairs, up to the rounding of A·V (p·ε·‖A‖, with room)
    p = X.shape[1]
    assert_allclose(res, np.linalg.norm(A @ V - V * sigma**2, axis=0), rtol=0,
                    atol=100 * p * np.finfo(np.float64).eps * s[0] ** 2)


@pytest.mark.parametrize("top", [4.0, 0.25])
def test_block_krylov_noise_floor(top):
    """As for the randomized route: p = 12 is small enough for the basis to be the whole space."""
    p = 12
    floor = p * np.finfo(np.float64).eps * top
    theta = np.zeros(p)
    theta[:3] = [top, 2.0 * floor, 0.5 * floor]
    sigma, _ = _block_krylov(lambda Q: theta[:, None] * Q, p, 3, tol=1e-10)
    assert_allclose(sigma[0], np.sqrt(top), rtol=1e-14)
    assert sigma[1] > 0.0 and sigma[2] == 0.0
