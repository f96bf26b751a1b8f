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

from typing import NamedTuple

import numpy as np

from .._validation import InvalidValue, as_factor, as_matrix, check_choice, check_rank, check_real, is_sparse
from .dask import _check_dask, _dask_spectrum, _is_dask
from .dense import _by_arpack, _by_dense_svd
from .gram import _eigh_top, _gram
from .krylov import _block_krylov, _krylov_fits, _randomized, _xtx_times

__all__ = [
    "Spectrum", "top_singular", "orient_columns", "column_signs", "auto_method", "GRAM_MAX_ITEMS", "METHODS",
    "DEFAULT_TOL",
]

#: Largest number of columns p for which ``method="auto"`` forms the p × p Gram
#: matrix XᵀX and calls a dense symmetric eigensolver; above it an iterative
#: sparse solver is used.
GRAM_MAX_ITEMS = 4000

#: Accepted values of ``method``.
METHODS = ("auto", "gram", "svd", "iterative", "arpack", "randomized")

#: Default relative accuracy of the singular values of ``"iterative"``.
DEFAULT_TOL = 1e-7


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


def column_signs(V) -> np.ndarray:
    """±1 per column of V: the sign that makes its largest-magnitude entry positive.

    The sign convention of :func:`orient_columns`, for callers that must flip
    a matching matrix too (U of an SVD). Ties in magnitude within 1e-12
    relative go to the first such entry; a zero column gets +1.
    """
    V = np.asarray(V, dtype=np.float64)
    if V.size == 0:
        return np.ones(V.shape[1] if V.ndim == 2 else 0)
    absV = np.abs(V)
    top = absV.max(axis=0)
    # first index whose magnitude ties the column maximum
    pivot = np.argmax(absV >= top * (1 - 1e-12), axis=0)
    signs = np.sign(V[pivot, np.arange(V.shape[1])])
    signs[signs == 0] = 1.0
    return signs


def orient_columns(V):
    """Fix the sign of each column so that results are deterministic.

    A singular vector is defined only up to sign. The convention used
    throughout ``cossim``: in each column, the entry of largest absolute value
    is positive (the first such entry, if several tie to within 1e-12
    relative; see :func:`column_signs`). Rescalings D and cosine similarities
    do not depend on it, but printed factors and figures do.

    Parameters
    ----------
    V : ndarray, shape (p, k)

    Returns
    -------
    ndarray, shape (p, k)
        A copy of `V` with some columns negated.
    """
    V = np.array(V, dtype=np.float64)  # a copy
    if V.size == 0:
        return V
    return V * column_signs(V)


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


#: Stored entries per slice when :func:`_unused_columns` scans a sparse X.
_UNUSED_SLICE = 2**22


#: Stored entries at least this large in magnitude have squares that do not underflow.
_NO_UNDERFLOW = 2.0**-500


def _unused_columns(X, G=None):
    """Boolean mask of X's all-zero columns (in-memory X).

    With ``G = XᵀX`` from :func:`_gram` and a sparse X whose stored entries
    all have one sign and magnitude at least 2⁻⁵⁰⁰, ``G[i, i] = Σ_u x_ui²`` is
    a sum of squares none of which underflows, so it is 0 exactly on the
    columns without a stored entry: the mask is read off diag G (a min and a
    max of the entries instead of a scatter of all of them).
    """
    if G is not None and is_sparse(X) and X.nnz:
        lo, hi = X.data.min(), X.data.max()
        if lo >= _NO_UNDERFLOW or hi <= -_NO_UNDERFLOW:
            return np.diag(G) == 0
    if is_sparse(X):  # stored zeros do not count
        # in slices of the stored entries: the mask and bincount's int64 copy of the
        # indices stay small (at 100 M non-zeros, whole-array ones took 1 GB)
        used = np.zeros(X.shape[1], dtype=bool)
        step = _UNUSED_SLICE
        for s in range(0, X.nnz, step):
            used[X.indices[s:s + step][X.data[s:s + step] != 0]] = True
        return ~used
    return ~np.any(X != 0, axis=0)


def _check_gram_of(X, gram):
    """`gram` as a float array, or a one-line error when it cannot be XᵀX of this X.

    A full comparison would cost what forming XᵀX costs; the trace is cheap:
    ``tr(XᵀX) = ‖X‖²_F``, two sums of the same n·p squares in different orders,
    so they differ by at most ``2 n ε ‖X‖²_F`` (each sum's rounding error is at
    most ``n ε`` of the total). A matrix of another X, or a transposed or
    rescaled one, fails this.
    """
    p = X.shape[1]
    gram = as_factor(gram, "gram", rows=p, cols=p)
    fro2 = float(X.multiply(X).sum()) if is_sparse(X) else float(np.square(X).sum())
    if abs(float(np.trace(gram)) - fro2) > 2 * X.shape[0] * np.finfo(np.float64).eps * fro2:
        raise InvalidValue(f"gram is not XᵀX of this X: its trace {float(np.trace(gram)):.6g} "
                           f"differs from ‖X‖²_F = {fro2:.6g}")
    return gram


def _check_tol(tol):
    """`tol` as a float in [0, 1), or None (each method's default)."""
    if tol is None:
        return None
    tol = check_real(tol, "tol")
    if not 0 <= tol < 1:
        raise InvalidValue(f"tol must satisfy 0 <= tol < 1, got {tol}")
    return tol


def auto_method(p: int, k: int) -> str:
    """The method ``top_singular(..., method="auto")`` picks for p items and rank k.

    ``"gram"`` when ``p <= GRAM_MAX_ITEMS`` or when a block Krylov basis of
    ``KRYLOV_DEPTH_FACTOR · (k + max(10, k // 4))`` vectors would not be
    smaller than p; ``"iterative"`` otherwise.
    """
    return "gram" if p <= GRAM_MAX_ITEMS or not _krylov_fits(p, k) else "iterative"


def top_singular(X, k: int | None = None, *, method: str = "auto", tol: float | None = None,
                 gram=None) -> Spectrum:
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
    gram : ndarray, shape (p, p), optional
        ``XᵀX`` as :func:`cossim.gram_matrix` returns it, for a caller that
        already holds it: the ``"gram"`` route then uses it instead of
        forming it again (same result); ignored by the other routes.
        In-memory X only.

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
    method = check_choice(method, "method", METHODS)
    tol = _check_tol(tol)
    if _is_dask(X):
        if gram is not None:
            raise InvalidValue("gram is for in-memory X only")
        X = _check_dask(X)
        p = int(X.shape[1])
        k = p if k is None else check_rank(k, p)
        if method == "auto":
            method = auto_method(p, k)
        if method == "arpack":
            raise InvalidValue("method='arpack' works on in-memory X only; use 'iterative' for a dask array")
        sigma, V, unused = _dask_spectrum(X, k, method, DEFAULT_TOL if tol is None else tol)
        V = _zero_unused_items(unused, sigma, V)
        return Spectrum(np.ascontiguousarray(sigma), orient_columns(V))
    X = as_matrix(X, "X")
    n, p = X.shape
    k = p if k is None else check_rank(k, p)
    if gram is not None:
        gram = _check_gram_of(X, gram)
    if method == "auto":
        method = auto_method(p, k)
    G = None
    if method == "gram":
        G = _gram(X) if gram is None else gram
        sigma, V = _eigh_top(G, k)
    elif method == "svd":
        sigma, V = _by_dense_svd(X, k)
    elif method == "arpack":
        sigma, V = _by_arpack(X, k, 0.0 if tol is None else tol)
    elif not _krylov_fits(p, k):
        # too small a problem for a Krylov basis: the Gram route is exact and cheaper
        G = _gram(X) if gram is None else gram
        sigma, V = _eigh_top(G, k)
    elif method == "iterative":
        sigma, V = _block_krylov(_xtx_times(X), p, k, DEFAULT_TOL if tol is None else tol)
    else:  # randomized
        sigma, V = _randomized(_xtx_times(X), p, k)
    V = _zero_unused_items(_unused_columns(X, G), sigma, V)
    return Spectrum(np.ascontiguousarray(sigma), orient_columns(V))
