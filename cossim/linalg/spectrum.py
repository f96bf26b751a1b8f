"""The spectrum of the data matrix X: top singular values and right singular vectors.

Every closed form of the paper (Sections 2.2 and 2.3) is a function of the SVD
``X = U Σ Vᵀ`` only through the singular values σ and the right singular
vectors V, so this module computes exactly those two, for dense and
``scipy.sparse`` X, and, as an optional extra, for a ``dask.array`` X whose
rows are spread over a cluster.

Method rule of ``method="auto"`` (p items, k requested singular triplets)
------------------------------------------------------------------------
* ``p <= GRAM_MAX_ITEMS`` (4,000): ``"gram"`` — form the p × p matrix XᵀX
  (at most 128 MB) and call LAPACK's symmetric eigensolver. One pass over X,
  then O(p³) dense work that takes seconds at p = 4,000; exact to rounding.
* larger p, but ``KRYLOV_DEPTH_FACTOR · (k + oversampling) >= p`` (k is a
  sizeable share of p, so a Krylov basis would be as large as XᵀX): ``"gram"``.
* otherwise ``"iterative"``: a thick-restarted block Lanczos method on XᵀX
  (blocks of ``KRYLOV_BLOCK`` = 8 vectors, a basis of up to
  ``KRYLOV_DEPTH_FACTOR · (k + oversampling)`` vectors, oversampling
  ``max(10, k // 4)``) that only multiplies X and Xᵀ with blocks of vectors
  and never forms a p × p matrix; memory O((n + p)·k) besides X. It stops
  when the top-k Ritz values have converged to relative accuracy `tol` (see
  :func:`top_singular`). Measured at 138,000 × 27,000 with 20 M non-zeros
  and k = 50 (``benchmarks/``), it needs about 800 block-vector products,
  where ARPACK needs about 1,200 single matrix–vector products, each
  several times dearer per vector.

The same rule applies to a dask array, where ``"gram"`` accumulates XᵀX over
row blocks and ``"iterative"`` runs each block product as a distributed job.
"""

from __future__ import annotations

import numbers
import warnings
from typing import NamedTuple

import numpy as np
import scipy.linalg
import scipy.linalg.blas
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from .._validation import _check_dtype, as_matrix, check_rank, is_sparse

__all__ = [
    "Spectrum", "top_singular", "orient_columns", "auto_method", "GRAM_MAX_ITEMS", "METHODS",
    "DEFAULT_TOL",
]

#: Largest number of columns p for which ``method="auto"`` forms the p × p Gram
#: matrix XᵀX and calls a dense symmetric eigensolver; above it an iterative
#: sparse solver is used.
GRAM_MAX_ITEMS = 4000

#: Accepted values of ``method``.
METHODS = ("auto", "gram", "svd", "iterative", "arpack", "randomized")

#: The block Krylov basis holds up to ``KRYLOV_DEPTH_FACTOR · (k + oversampling)``
#: vectors before a restart.
KRYLOV_DEPTH_FACTOR = 3

#: Width of the blocks of the block Krylov method.
KRYLOV_BLOCK = 8

#: Default relative accuracy of the singular values of ``"iterative"``.
DEFAULT_TOL = 1e-7

#: Products with XᵀX of ``method="randomized"`` (each is two passes over X).
RANDOMIZED_POWER_ITERS = 4


class Spectrum(NamedTuple):
    """Top-k singular values and right singular vectors of X.

    Attributes
    ----------
    sigma : ndarray, shape (k,)
        Singular values in descending order, σ₁ ≥ … ≥ σ_k ≥ 0.
    V : ndarray, shape (p, k)
        Matching right singular vectors (orthonormal columns), oriented by
        :func:`orient_columns`.
    """

    sigma: np.ndarray
    V: np.ndarray


def orient_columns(V):
    """Fix the sign of each column so that results are deterministic.

    A singular vector is defined only up to sign. The convention used
    throughout ``cossim``: in each column, the entry of largest absolute value
    is positive (the first such entry, if several tie to within 1e-12
    relative). Rescalings D and cosine similarities do not depend on it, but
    printed factors and figures do.

    Parameters
    ----------
    V : ndarray, shape (p, k)

    Returns
    -------
    ndarray, shape (p, k)
        A copy of `V` with some columns negated.
    """
    V = np.array(V, dtype=np.float64, copy=True)
    if V.size == 0:
        return V
    absV = np.abs(V)
    top = absV.max(axis=0)
    # first index whose magnitude ties the column maximum
    pivot = np.argmax(absV >= top * (1 - 1e-12), axis=0)
    signs = np.sign(V[pivot, np.arange(V.shape[1])])
    signs[signs == 0] = 1.0
    return V * signs


#: Dense BLAS runs roughly this many times more multiply–adds per second than
#: scipy's sparse × sparse product; :func:`_gram` takes the cheaper route.
DENSE_SPEEDUP = 30


def _exact_in_float32(values, n: int) -> bool:
    """True if every entry of XᵀX is an integer below 2²⁴, so float32 sums are exact."""
    if values.size == 0:
        return True
    if not np.all(values == np.round(values)):
        return False
    return float(np.max(np.abs(values))) ** 2 * n < 2**24


def _gram(X):
    """XᵀX as a dense float64 array (p × p).

    Sparse X with few non-zeros per row: scipy's sparse product, whose cost
    is Σ_u (non-zeros of row u)². Otherwise (dense X, or sparse X dense
    enough that ``DENSE_SPEEDUP · Σ_u nnz_u² > n·p²/2``): dense row blocks
    and BLAS ``syrk`` (half of the product, by symmetry). When X holds small
    integers (e.g. 0/1 interactions) with ``max|x|² · n < 2²⁴``, every partial
    sum is an integer below 2²⁴, so single precision is exact and twice as
    fast; otherwise double precision is used.
    """
    n, p = X.shape
    if is_sparse(X):
        nnz_rows = np.diff(X.indptr).astype(np.float64)
        if DENSE_SPEEDUP * float(nnz_rows @ nnz_rows) <= n * p * p / 2:
            return np.asarray((X.T @ X).toarray(), dtype=np.float64)
        values = X.data
    else:
        values = X
    single = _exact_in_float32(values, n)
    dtype = np.float32 if single else np.float64
    syrk = scipy.linalg.blas.ssyrk if single else scipy.linalg.blas.dsyrk
    G = np.zeros((p, p), dtype=dtype, order="F")
    rows = max(1, min(n, 2**22 // p))  # a dense block of at most 4 M entries
    for start in range(0, n, rows):
        block = X[start:start + rows]
        if is_sparse(block):
            block = block.astype(dtype).toarray()
        block = np.ascontiguousarray(block, dtype=dtype)
        # block.T is Fortran-ordered without a copy: G += block.T @ block (upper triangle)
        G = syrk(1.0, block.T, beta=1.0, c=G, trans=0, lower=0, overwrite_c=1)
    G = np.triu(G).astype(np.float64)
    return G + np.triu(G, 1).T


def _by_dense_svd(X, k: int):
    dense = X.toarray() if is_sparse(X) else X
    _, s, Vt = np.linalg.svd(dense, full_matrices=False)
    s, V = s[:k], Vt[:k].T
    if V.shape[1] < k:  # n < k: pad with an orthonormal complement and zeros
        Q, _ = np.linalg.qr(np.hstack([V, np.eye(X.shape[1])]))
        V = np.hstack([V, Q[:, V.shape[1]:k]])
        s = np.concatenate([s, np.zeros(k - s.shape[0])])
    tol = max(X.shape) * np.finfo(np.float64).eps * (s[0] if s.size else 0.0)
    return np.where(s > tol, s, 0.0), V


def _eigh_top(G, k: int):
    """Top-k eigenpairs of the p × p Gram matrix G = XᵀX, as (σ, V)."""
    p = G.shape[0]
    G = (G + G.T) / 2  # exact symmetry for the symmetric eigensolver
    evals, evecs = scipy.linalg.eigh(G, subset_by_index=[p - k, p - 1], driver="evr")
    evals, evecs = evals[::-1], evecs[:, ::-1]
    lam_max = max(evals[0], 0.0)
    # Eigenvalues of XᵀX are accurate to about p·eps·λ_max; below that they are noise.
    floor = p * np.finfo(np.float64).eps * lam_max
    evals = np.where(evals > floor, evals, 0.0)
    return np.sqrt(evals), evecs


def _by_arpack(X, k: int, tol: float):
    n, p = X.shape
    if k >= min(n, p):
        return _by_dense_svd(X, k)
    # deterministic start vector, so repeated runs give identical numbers
    v0 = np.random.default_rng(0).standard_normal(min(n, p))
    Xop = X if is_sparse(X) else spla.aslinearoperator(X)
    _, s, Vt = spla.svds(Xop, k=k, solver="arpack", v0=v0, tol=tol, return_singular_vectors="vh")
    order = np.argsort(s)[::-1]
    return np.clip(s[order], 0.0, None), Vt[order].T


# ---------------------------------------------------------------------------
# Block Krylov (restarted block Lanczos) on XᵀX
# ---------------------------------------------------------------------------

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
    scale = np.linalg.norm(Z, axis=0).max() if Z.size else 0.0
    for _ in range(2):
        if K is not None and K.shape[1]:
            Z = Z - K @ (K.T @ Z)
    Q, R = np.linalg.qr(Z)
    good = np.abs(np.diag(R)) > 1e-10 * scale if scale > 0 else np.zeros(b, dtype=bool)
    if good.all():
        return Q
    Q = Q[:, good]
    fill = rng.standard_normal((p, b - Q.shape[1]))
    keep = Q if K is None or not K.shape[1] else np.hstack([K, Q])
    for _ in range(2):
        fill = fill - keep @ (keep.T @ fill)
    F, _ = np.linalg.qr(fill)
    return np.hstack([Q, F])


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
    single matrix–vector products (ARPACK).

    Convergence is judged on the eigenvalues θ_i = σ_i² of the top k. Ritz
    values increase monotonically towards the eigenvalues as cycles go on
    (each basis contains the previous Ritz vectors); θ_i is accepted when
    either its residual bound ``‖Ay_i − θ_i y_i‖ <= 2·tol·θ_i`` holds (some
    eigenvalue lies within the residual), or an Aitken extrapolation of its
    last two increments puts the remaining error below ``0.2·tol·θ_i`` (a
    safety factor of 10 on σ's relative error).
    """
    r = min(retain or k + _oversampling(k), p)
    b = block or KRYLOV_BLOCK
    m_max = min(basis or KRYLOV_DEPTH_FACTOR * r, p)
    b = max(1, min(b, m_max - r))
    rng = np.random.default_rng(seed)
    K = np.empty((p, m_max))
    AK = np.empty((p, m_max))
    tiny = np.finfo(np.float64).tiny
    th_prev = d_prev = None
    m = 0  # columns of K in use
    Z = rng.standard_normal((p, b))
    for cycle in range(max_cycles):
        while m + b <= m_max:
            Q = _orthonormalize(Z, K[:, :m], rng)
            K[:, m:m + b] = Q
            AQ = matmat(Q)
            if cycle == 0 and m == 0 and not np.all(np.isfinite(AQ)):
                raise ValueError("X contains NaN or inf")
            AK[:, m:m + b] = AQ
            Z = AQ
            m += b
        H = K[:, :m].T @ AK[:, :m]
        H = (H + H.T) / 2
        theta, S = scipy.linalg.eigh(H, subset_by_index=[m - r, m - 1])
        theta, S = theta[::-1], S[:, ::-1]
        Y, AY = K[:, :m] @ S, AK[:, :m] @ S
        res = np.linalg.norm(AY[:, :k] - Y[:, :k] * theta[:k], axis=0)
        floor = p * np.finfo(np.float64).eps * max(theta[0], 0.0)
        th_k = np.maximum(theta[:k], 0.0)
        done = (res <= 2 * tol * th_k) | (th_k <= floor)
        if th_prev is not None:
            d = np.maximum(th_k - th_prev, 0.0)
            if d_prev is not None:
                with np.errstate(divide="ignore", invalid="ignore"):
                    rho = np.where(d_prev > 0, d / np.maximum(d_prev, tiny), 0.0)
                    est = np.where(rho < 1, d * rho / np.maximum(1 - rho, tiny), np.inf)
                done |= (d == 0) | (est <= 0.2 * tol * th_k)
            d_prev = d
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
    sigma = np.sqrt(np.where(theta[:k] > floor, theta[:k], 0.0))
    return sigma, Y[:, :k]


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
        raise ValueError("X contains NaN or inf")
    H = Q.T @ AQ
    theta, S = scipy.linalg.eigh((H + H.T) / 2, subset_by_index=[r - k, r - 1])
    theta, S = theta[::-1], S[:, ::-1]
    floor = p * np.finfo(np.float64).eps * max(theta[0], 0.0)
    return np.sqrt(np.where(theta > floor, theta, 0.0)), Q @ S


def _xtx_times(X):
    """``Q -> Xᵀ(XQ)`` for dense or sparse in-memory X."""
    XT = X.T  # for CSR X a CSC view: its block product streams X once
    return lambda Q: np.asarray(XT @ np.asarray(X @ Q))


# ---------------------------------------------------------------------------
# Optional Dask path
# ---------------------------------------------------------------------------

def _is_dask(X) -> bool:
    return type(X).__module__.startswith("dask.array") and hasattr(X, "chunks")


def _check_dask(X):
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D, got {X.ndim}-D with shape {X.shape}")
    if any(np.isnan(s) for s in X.shape):
        raise ValueError("X has unknown chunk sizes; call X.compute_chunk_sizes() first")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"X is empty (shape {X.shape})")
    _check_dtype(X.dtype, "X")
    X = X.astype(np.float64)
    if len(X.chunks[1]) > 1:  # row blocks hold whole rows
        X = X.rechunk({1: -1})
    return X


def _chunk_gram(block):
    G = block.T @ block
    return G.toarray() if is_sparse(G) else np.asarray(G, dtype=np.float64)


def _chunk_xtxq(block, Q):
    return np.asarray(block.T @ np.asarray(block @ Q), dtype=np.float64)


def _tree_sum(parts):
    import dask

    while len(parts) > 1:
        pairs = [dask.delayed(np.add)(parts[i], parts[i + 1]) for i in range(0, len(parts) - 1, 2)]
        if len(parts) % 2:
            pairs.append(parts[-1])
        parts = pairs
    return parts[0]


def _dask_spectrum(X, k: int, method: str, tol: float):
    """(σ, V, mask of all-zero columns) of a dask array X."""
    import dask

    n, p = (int(s) for s in X.shape)
    if method == "gram":
        G = np.asarray(_tree_sum([dask.delayed(_chunk_gram)(b) for b in X.to_delayed().ravel()]).compute())
        if not np.all(np.isfinite(G)):
            raise ValueError("X contains NaN or inf")
        return (*_eigh_top(G, k), np.diag(G) == 0)
    # the other methods read X more than once: keep it in the cluster's memory
    # (persisted), so it is read from storage or built only once
    X = X.persist()
    blocks = list(X.to_delayed().ravel())
    unused = np.asarray(_tree_sum([dask.delayed(_chunk_abs_colsum)(b) for b in blocks]).compute()) == 0
    if method == "svd":
        if is_sparse(X._meta):
            raise TypeError("method='svd' needs a dask array with dense chunks")
        import dask.array as da

        _, s, Vt = dask.compute(*da.linalg.svd(X))
        return (*_pad_svd(np.asarray(s), np.asarray(Vt).T, k, n, p), unused)
    if method == "randomized":
        import dask.array as da

        _, s, Vt = da.linalg.svd_compressed(
            X, k, n_power_iter=2 * RANDOMIZED_POWER_ITERS, n_oversamples=_oversampling(k),
            seed=0, compute=True)
        s, Vt = dask.compute(s, Vt)
        return np.asarray(s), np.asarray(Vt).T, unused

    # "iterative": each product XᵀXQ is one distributed job
    def matmat(Q):
        Qd = dask.delayed(Q)
        return np.asarray(_tree_sum([dask.delayed(_chunk_xtxq)(b, Qd) for b in blocks]).compute())

    if not _krylov_fits(p, k):
        G = np.asarray(_tree_sum([dask.delayed(_chunk_gram)(b) for b in blocks]).compute())
        return (*_eigh_top(G, k), unused)
    return (*_block_krylov(matmat, p, k, tol), unused)


def _pad_svd(s, V, k, n, p):
    s, V = s[:k], V[:, :k]
    if V.shape[1] < k:  # n < k: pad with an orthonormal complement and zeros
        Q, _ = np.linalg.qr(np.hstack([V, np.eye(p)]))
        V = np.hstack([V, Q[:, V.shape[1]:k]])
        s = np.concatenate([s, np.zeros(k - s.shape[0])])
    tol = max(n, p) * np.finfo(np.float64).eps * (s[0] if s.size else 0.0)
    return np.where(s > tol, s, 0.0), V


def _zero_unused_items(unused, sigma, V):
    """Make V exactly 0 on items nobody consumed, for components with σ > 0.

    Mathematically ``v = Xᵀu / σ`` vanishes on an all-zero column of X, but an
    eigensolver leaves rounding noise (~1e-17) there, and normalising that
    noise would give such an item arbitrary cosine similarities.
    `unused` is a boolean mask of the all-zero columns.
    """
    if np.any(unused):
        V = V.copy()
        V[np.ix_(unused, sigma > 0)] = 0.0
    return V


def _unused_columns(X):
    """Boolean mask of X's all-zero columns (in-memory X)."""
    if is_sparse(X):  # stored zeros do not count
        used = np.bincount(X.indices[X.data != 0], minlength=X.shape[1])
        return used == 0
    return ~np.any(X != 0, axis=0)


def _chunk_abs_colsum(block):
    return np.asarray(abs(block).sum(axis=0), dtype=np.float64).ravel()


def _check_tol(tol):
    if tol is None:
        return None
    if isinstance(tol, (bool, np.bool_)) or not isinstance(tol, numbers.Real):
        raise TypeError(f"tol must be a real number, got {type(tol).__name__}")
    tol = float(tol)
    if not (np.isfinite(tol) and 0 <= tol < 1):
        raise ValueError(f"tol must satisfy 0 <= tol < 1, got {tol}")
    return tol


def auto_method(p: int, k: int) -> str:
    """The method ``top_singular(..., method="auto")`` picks for p items and rank k.

    ``"gram"`` when ``p <= GRAM_MAX_ITEMS`` or when a block Krylov basis of
    ``KRYLOV_DEPTH_FACTOR · (k + max(10, k // 4))`` vectors would not be
    smaller than p; ``"iterative"`` otherwise.
    """
    return "gram" if p <= GRAM_MAX_ITEMS or not _krylov_fits(p, k) else "iterative"


def top_singular(X, k: int | None = None, *, method: str = "auto", tol: float | None = None) -> Spectrum:
    """Top-k singular values and right singular vectors of X.

    This is the SVD ``X = U Σ Vᵀ`` on which the closed forms of Eq. (5) and
    Eq. (6) are built; only σ and V are returned, because neither closed form
    needs U.

    Parameters
    ----------
    X : array_like, scipy.sparse matrix or dask.array.Array, shape (n, p)
        Data matrix (users × items). Values are used as given (no centring).
        A dask array (optional extra, ``pip install cossim[dask]``) may have
        dense or ``scipy.sparse`` chunks; it is split into row blocks and never
        gathered on one machine (only p × p or p × (k + oversampling) results
        are).
    k : int, optional
        Number of singular triplets, ``1 <= k <= p``. Default: p.
    method : {"auto", "gram", "svd", "iterative", "arpack", "randomized"}
        ``"gram"`` forms XᵀX (p × p) and calls a dense symmetric eigensolver:
        fast when p is moderate, whatever n is, and works directly on sparse X
        (for a dask array, XᵀX is summed over row blocks).
        ``"svd"`` runs a dense LAPACK SVD (the accuracy reference; for a dask
        array with dense chunks, dask's exact tall-and-skinny SVD).
        ``"iterative"`` runs a restarted block Krylov (block Lanczos) method on
        XᵀX that needs only block products with X and Xᵀ, to relative accuracy
        `tol` of σ (for large p; for a dask array each block product is one
        distributed job).
        ``"arpack"`` calls ``scipy.sparse.linalg.svds`` (ARPACK) with `tol`
        (ARPACK's residual criterion; default 0, machine precision); in-memory
        only.
        ``"randomized"`` runs randomized subspace iteration (in memory) or
        ``dask.array.linalg.svd_compressed`` (dask) with a fixed number of
        power iterations: fast, but approximate unless σ has a gap after σ_k.
        ``"auto"`` takes ``"gram"`` when ``p <= GRAM_MAX_ITEMS`` (4,000) or when
        k is so large a share of p that a Krylov basis would not be smaller
        than XᵀX, and ``"iterative"`` otherwise (see :func:`auto_method`).
    tol : float, optional
        Target relative accuracy of the singular values for ``"iterative"``
        (default ``DEFAULT_TOL`` = 1e-7) and the tolerance passed to ARPACK
        for ``"arpack"``; ignored by the other methods.

    Returns
    -------
    Spectrum
        ``sigma`` (k,) descending and ``V`` (p, k), columns oriented by
        :func:`orient_columns`.

    Notes
    -----
    Singular values below the method's noise floor are returned as exactly
    0: ``σ² <= p·eps·σ₁²`` for ``"gram"`` and ``"iterative"`` and
    ``σ <= max(n, p)·eps·σ₁`` for ``"svd"``. If rank(X) < k, the trailing σ
    are 0 and the matching columns of V are an orthonormal basis of part of
    X's null space. When singular values repeat, V is unique only up to a
    rotation within their eigenspace.
    On an item (column) that nobody consumed, V is exactly 0 in every
    component with σ > 0, so such an item gets the zero embedding.

    To run on a real Dask cluster, connect a client before the call, e.g.
    ``distributed.Client("tcp://scheduler:8786")``; ``top_singular`` then
    uses that client's scheduler (dask's default). Build X from storage on the
    workers (``dask.array.from_zarr``, ``dask.dataframe`` →
    ``to_dask_array(lengths=True)``, or ``dask.array.from_delayed`` over
    per-file loaders) rather than from a local array, with whole rows per
    chunk. ``"iterative"`` persists X in the workers' memory.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(map(repr, METHODS))}, got {method!r}")
    tol = _check_tol(tol)
    if _is_dask(X):
        X = _check_dask(X)
        p = int(X.shape[1])
        k = p if k is None else check_rank(k, p)
        if method == "auto":
            method = auto_method(p, k)
        if method == "arpack":
            raise ValueError("method='arpack' works on in-memory X only; use 'iterative' for a dask array")
        sigma, V, unused = _dask_spectrum(X, k, method, DEFAULT_TOL if tol is None else tol)
        V = _zero_unused_items(unused, sigma, V)
        return Spectrum(np.ascontiguousarray(sigma), orient_columns(V))
    X = as_matrix(X, "X")
    n, p = X.shape
    k = p if k is None else check_rank(k, p)
    if method == "auto":
        method = auto_method(p, k)
    if method == "gram":
        sigma, V = _eigh_top(_gram(X), k)
    elif method == "svd":
        sigma, V = _by_dense_svd(X, k)
    elif method == "arpack":
        sigma, V = _by_arpack(X, k, 0.0 if tol is None else tol)
    elif not _krylov_fits(p, k):
        # too small a problem for a Krylov basis: the Gram route is exact and cheaper
        sigma, V = _eigh_top(_gram(X), k)
    elif method == "iterative":
        sigma, V = _block_krylov(_xtx_times(X), p, k, DEFAULT_TOL if tol is None else tol)
    else:  # randomized
        sigma, V = _randomized(_xtx_times(X), p, k)
    V = _zero_unused_items(_unused_columns(X), sigma, V)
    return Spectrum(np.ascontiguousarray(sigma), orient_columns(V))
