"""Iterative routes to (σ, V) that never form XᵀX: block Lanczos and randomized.

Both work on the operator ``Q ↦ XᵀXQ`` given as a function `matmat` of a
p × b block, so the same code serves in-memory X (:func:`_xtx_times`) and a
dask array (each product one distributed job, see :mod:`cossim.linalg.dask`).

* :func:`_block_krylov`: thick-restarted block Lanczos to relative accuracy
  `tol` of σ (``top_singular(method="iterative")``);
* :func:`_randomized`: randomized subspace iteration with a fixed number of
  products (Halko, Martinsson & Tropp 2011), accurate only with a spectral gap.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.linalg

from .._validation import InvalidValue

__all__ = ["KRYLOV_DEPTH_FACTOR", "KRYLOV_BLOCK", "RANDOMIZED_POWER_ITERS"]

#: The block Krylov basis holds up to ``KRYLOV_DEPTH_FACTOR · (k + oversampling)``
#: vectors before a restart.
KRYLOV_DEPTH_FACTOR = 3

#: Width of the blocks of the block Krylov method.
KRYLOV_BLOCK = 8

#: Products with XᵀX of ``method="randomized"`` (each is two passes over X).
RANDOMIZED_POWER_ITERS = 4

_EPS, _TINY = np.finfo(np.float64).eps, np.finfo(np.float64).tiny
#: Classical Gram–Schmidt passes against the basis: twice is enough for orthogonality to
#: rounding ("twice is enough", Kahan and Parlett).
_GS_PASSES = 2


def _oversampling(k: int) -> int:
    """Extra Ritz vectors kept beyond k (they speed up convergence of σ_k)."""
    return max(10, k // 4)


def _krylov_fits(p: int, k: int) -> bool:
    """True if a Krylov basis of KRYLOV_DEPTH_FACTOR blocks is well below p columns."""
    return KRYLOV_DEPTH_FACTOR * (k + _oversampling(k)) < p


def _orthonormalize(Z, K, rng):
    """Orthonormal basis of the part of Z's columns orthogonal to K's columns.

    Classical Gram–Schmidt applied twice against K (enough for orthogonality
    to rounding), then a Householder QR within the block. Columns that vanish
    (Z is rank deficient or lies in span(K)) are replaced by random
    directions orthogonal to everything else, so the block keeps its width.
    """
    p, b = Z.shape
    scale = np.linalg.norm(Z, axis=0).max(initial=0.0)  # largest column norm (0 for no column)
    for _ in range(_GS_PASSES):
        if K is not None and K.shape[1]:
            Z = Z - K @ (K.T @ Z)
    Q, R = np.linalg.qr(Z)
    good = np.abs(np.diag(R)) > 1e-10 * scale  # (a zero Z has R = 0: no good column)
    if good.all():
        return Q
    Q = Q[:, good]
    fill = rng.standard_normal((p, b - Q.shape[1]))
    keep = Q if K is None or not K.shape[1] else np.hstack([K, Q])
    for _ in range(_GS_PASSES):
        fill = fill - keep @ (keep.T @ fill)
    F, _ = np.linalg.qr(fill)
    return np.hstack([Q, F])


def _sigma_above_floor(theta, floor: float):
    """σ = √θ of the Ritz values θ; those at or below the noise `floor` become exactly 0."""
    return np.sqrt(np.where(theta > floor, theta, 0.0))


def _ritz_converged(th_k, th_prev, d_prev, res, floor: float, tol: float):
    """Which of the top-k Ritz values θ have converged, and this cycle's increments.

    Ritz values increase monotonically towards the eigenvalues as cycles go
    on (each basis contains the previous Ritz vectors); θ_i is accepted when
    its residual bound ``‖Ay_i − θ_i y_i‖ <= 2·tol·θ_i`` holds (some
    eigenvalue lies within the residual), when it is below the noise `floor`,
    or when an Aitken extrapolation of its last two increments (``d_prev``,
    then ``d``) puts the remaining error below ``0.2·tol·θ_i`` (a safety
    factor of 10 on σ's relative error). Returns ``(done, d)``; `d` is None on the
    first cycle (no previous θ yet).
    """
    done = (res <= 2 * tol * th_k) | (th_k <= floor)
    if th_prev is None:
        return done, d_prev
    d = np.maximum(th_k - th_prev, 0.0)
    if d_prev is not None:
        # (the denominators are floored at the smallest normal float: no division by 0. For
        # ρ >= 1, no contraction, est >= d/tiny exceeds 0.2·tol·θ for tol < 1, as any d > 0
        # is >= 2⁻⁵⁴·θ or >= the smallest subnormal; or est is inf: not done)
        rho = np.where(d_prev > 0, d / np.maximum(d_prev, _TINY), 0.0)
        est = d * rho / np.maximum(1 - rho, _TINY)
        done |= est <= 0.2 * tol * th_k  # (d = 0 gives est = 0: done)
    return done, d


def _block_krylov(matmat, p: int, k: int, tol: float, seed: int = 0, max_cycles: int = 5000,
                  block: int | None = None, retain: int | None = None, basis: int | None = None):
    """Top-k eigenpairs of the symmetric PSD operator ``A = XᵀX`` given as `matmat`.

    Thick-restarted block Lanczos with full re-orthogonalisation and
    Rayleigh–Ritz. The basis grows by blocks of `block` vectors, each block
    A times the previous one, orthogonalised against the basis, up to `basis`
    vectors; then the top `retain` Ritz vectors Y (and their images AY, so
    the restart costs no product) are kept and the next block continues from
    the last block's image, whose span holds the residuals of all Ritz
    vectors. Only products of A with p × b blocks are needed: for sparse X a
    block product streams X once for b vectors, a fraction of the cost of b
    single matrix–vector products (ARPACK). Convergence is judged on the
    eigenvalues θ_i = σ_i² of the top k (:func:`_ritz_converged`).
    """
    r = min(retain or k + _oversampling(k), p)
    b = block or KRYLOV_BLOCK
    m_max = min(basis or KRYLOV_DEPTH_FACTOR * r, p)
    b = max(1, min(b, m_max - r))
    rng = np.random.default_rng(seed)
    K = np.empty((p, m_max))
    AK = np.empty((p, m_max))
    th_prev = d_prev = None
    m = 0  # columns of K in use
    Z = rng.standard_normal((p, b))
    for cycle in range(max_cycles):
        while m + b <= m_max:
            Q = _orthonormalize(Z, K[:, :m], rng)
            K[:, m:m + b] = Q
            AQ = matmat(Q)
            if cycle == 0 and m == 0 and not np.all(np.isfinite(AQ)):
                raise InvalidValue("X contains NaN or inf")
            AK[:, m:m + b] = AQ
            Z = AQ
            m += b
        H = K[:, :m].T @ AK[:, :m]
        H = (H + H.T) / 2
        theta, S = scipy.linalg.eigh(H, subset_by_index=[m - r, m - 1])
        theta, S = theta[::-1], S[:, ::-1]
        Y, AY = K[:, :m] @ S, AK[:, :m] @ S
        res = np.linalg.norm(AY[:, :k] - Y[:, :k] * theta[:k], axis=0)
        floor = p * _EPS * max(theta[0], 0.0)
        th_k = np.maximum(theta[:k], 0.0)
        done, d_prev = _ritz_converged(th_k, th_prev, d_prev, res, floor, tol)
        th_prev = th_k
        if done.all():
            break
        # thick restart: keep the Ritz vectors, continue from the last block's image
        # without its part in the old basis (what is left spans the residuals)
        Z = Z - K[:, :m] @ (K[:, :m].T @ Z)
        K[:, :r], AK[:, :r] = Y, AY
        m = r
    else:
        warnings.warn(
            f"block Krylov did not reach tol={tol:g} in {max_cycles} cycles; "
            "returning the current Ritz values", RuntimeWarning, stacklevel=3)
    return _sigma_above_floor(theta[:k], floor), Y[:, :k]


def _randomized(matmat, p: int, k: int, n_iter: int = RANDOMIZED_POWER_ITERS, seed: int = 0):
    """Randomized subspace iteration on XᵀX (Halko, Martinsson & Tropp 2011).

    `n_iter` products with XᵀX (= 2·n_iter passes of power iteration on X)
    on k + oversampling vectors, then Rayleigh–Ritz. Approximate: σ's error
    shrinks like (σ_{r+1}/σ_i)^{4·n_iter}, so it is only accurate when the
    spectrum has a gap after σ_k.
    """
    r = min(k + _oversampling(k), p)
    rng = np.random.default_rng(seed)
    Q = _orthonormalize(rng.standard_normal((p, r)), None, rng)
    for _ in range(n_iter):
        Q = _orthonormalize(matmat(Q), None, rng)
    AQ = matmat(Q)
    if not np.all(np.isfinite(AQ)):
        raise InvalidValue("X contains NaN or inf")
    H = Q.T @ AQ
    theta, S = scipy.linalg.eigh((H + H.T) / 2, subset_by_index=[r - k, r - 1])
    theta, S = theta[::-1], S[:, ::-1]
    return _sigma_above_floor(theta, p * _EPS * max(theta[0], 0.0)), Q @ S


def _xtx_times(X):
    """``Q -> Xᵀ(XQ)`` for dense or sparse in-memory X."""
    XT = X.T  # for CSR X a CSC view: its block product streams X once
    return lambda Q: np.asarray(XT @ np.asarray(X @ Q))
