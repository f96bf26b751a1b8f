"""The Gram matrix G = XᵀX, the only statistic of X that the closed forms need.

Every closed form of the paper (Eqs. (5) and (6)) depends on X only through
σ and V, i.e. through the eigen-decomposition of ``XᵀX = V dMat(σ²) Vᵀ``; the
Eq. (1) objective itself is a function of XᵀX (``‖X − XW‖² = tr G − 2 tr(GW)
+ tr(WᵀGW)``). :func:`gram_matrix` is the one place that forms it, and
:func:`_eigh_top` the one place that turns it into (σ, V).
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
import scipy.linalg.blas
import scipy.sparse as sp

from .._validation import InvalidValue, as_matrix, is_sparse

__all__ = ["gram_matrix", "DENSE_SPEEDUP"]


#: Dense BLAS runs roughly this many times more multiply–adds per second than
#: scipy's sparse × sparse product; :func:`_gram` takes the cheaper route.
DENSE_SPEEDUP = 30


def _exact_in_float32(values, n: int) -> bool:
    """True if every entry of XᵀX is an integer below 2²⁴, so float32 sums are exact."""
    if values.size == 0:
        return True
    lo, hi = values.min(), values.max()
    if lo == hi:  # one stored value (e.g. 0/1 data): check it alone, skip the pass of round
        if lo != np.round(lo):
            return False
    elif not np.all(values == np.round(values)):
        return False
    # max |x| = max(|min|, |max|); in Python integers: exact, and no overflow near 1e200
    return int(max(abs(lo), abs(hi))) ** 2 * n < 2**24


#: Unit roundoff ×2 of float64 (machine epsilon).
_EPS = np.finfo(np.float64).eps


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
        # int64 whatever scipy chose for indptr: Σ nnz² of 20,000 users overflows int32
        nnz_rows = np.diff(X.indptr).astype(np.int64)
        if DENSE_SPEEDUP * float(nnz_rows @ nnz_rows) <= n * p * p / 2:
            return _finite((X.T @ X).toarray())  # X is float64 (as_matrix), so is the product
        values = X.data
    else:
        values = X
    single = _exact_in_float32(values, n)
    dtype = np.float32 if single else np.float64
    syrk = scipy.linalg.blas.ssyrk if single else scipy.linalg.blas.dsyrk
    G = np.zeros((p, p), dtype=dtype, order="F")  # Fortran order: syrk adds into it in place
    rows = max(1, min(n, 2**22 // p))  # a dense block of at most 4 M entries
    for block in _dense_row_blocks(X, rows, dtype):
        # block.T is Fortran-ordered without a copy: G += block.T @ block (upper triangle,
        # syrk's defaults trans=0, lower=0)
        G = syrk(1.0, block.T, beta=1.0, c=G, overwrite_c=True)
    G = np.asarray(np.triu(G), dtype=np.float64)
    return _finite(G + np.triu(G, 1).T)


def _dense_row_blocks(X, rows: int, dtype):
    """X in dense C-contiguous row blocks of `rows` rows and `dtype`, one buffer reused.

    The values of ``np.ascontiguousarray(X[start:stop].toarray(), dtype)``:
    a sparse block is densified in float64 by scipy (duplicates summed as
    there) and then rounded to `dtype`, or, when X is canonical (no
    duplicates, so there is nothing to sum), its stored values are rounded
    first, which gives the same numbers. Writing into one buffer instead of
    three fresh arrays per block (a row slice of X, its float64 densification
    and the cast) spares most of the page faults. Each block is only valid
    until the next one is produced.
    """
    n, p = X.shape
    if not is_sparse(X):
        buf = None if X.dtype == dtype else np.empty((min(rows, n), p), dtype=dtype)
        for start in range(0, n, rows):
            block = X[start:start + rows]
            if buf is None:
                yield block  # C-contiguous already (as_matrix)
            else:
                out = buf[:len(block)]
                np.copyto(out, block)  # the rounding of astype
                yield out
        return
    direct = dtype == np.float64 or X.has_canonical_format
    data = X.data if dtype == np.float64 or not direct else X.data.astype(dtype)
    buf = np.empty((min(rows, n), p), dtype=data.dtype)
    cast = None if direct else np.empty(buf.shape, dtype=dtype)
    for start in range(0, n, rows):
        stop = min(start + rows, n)
        a, b = X.indptr[start], X.indptr[stop]
        block = sp.csr_matrix((data[a:b], X.indices[a:b], X.indptr[start:stop + 1] - a),
                              shape=(stop - start, p), copy=False)
        out = block.toarray(out=buf[:stop - start])  # (zeroes buf first)
        if cast is not None:
            out = cast[:stop - start]
            np.copyto(out, buf[:stop - start])
        yield out


def _finite(G):
    """G, or a one-line error when XᵀX overflowed float64 (entries of X near 1e154 or larger)."""
    if not np.all(np.isfinite(G)):
        raise InvalidValue("XᵀX overflows float64: the entries of X are too large; rescale X")
    return G


def gram_matrix(X) -> np.ndarray:
    """Dense ``XᵀX`` (p × p), the only statistic of X that Eq. (1) depends on.

    Picks a sparse product or dense row blocks (BLAS ``syrk``) by cost, in
    single precision when that is exact (small integers, e.g. 0/1 data); the
    result is exactly symmetric and float64.

    Parameters
    ----------
    X : array_like or scipy.sparse matrix, shape (n, p)

    Returns
    -------
    ndarray, shape (p, p)
    """
    return _gram(as_matrix(X, "X"))


def _eigh_top(G, k: int):
    """Top-k eigenpairs of the p × p Gram matrix G = XᵀX, as (σ, V)."""
    p = len(G)
    G = (G + G.T) / 2  # exact symmetry for the symmetric eigensolver
    evals, evecs = scipy.linalg.eigh(G, subset_by_index=[p - k, p - 1])  # (driver "evr")
    evals, evecs = evals[::-1], evecs[:, ::-1]
    lam_max = max(evals[0], 0.0)
    # Eigenvalues of XᵀX are accurate to about p·eps·λ_max; below that they are noise.
    floor = p * _EPS * lam_max
    evals = np.where(evals > floor, evals, 0.0)
    return np.sqrt(evals), evecs
