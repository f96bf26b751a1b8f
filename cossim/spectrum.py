"""The spectrum of the data matrix X: top singular values and right singular vectors.

Every closed form of the paper (Sections 2.2 and 2.3) is a function of the SVD
``X = U Σ Vᵀ`` only through the singular values σ and the right singular
vectors V, so this module computes exactly those two, for dense and
``scipy.sparse`` X.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy.linalg
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from ._validation import as_matrix, check_rank, is_sparse

__all__ = ["Spectrum", "top_singular", "orient_columns", "GRAM_MAX_ITEMS"]

#: Largest number of columns p for which ``method="auto"`` forms the p × p Gram
#: matrix XᵀX and calls a dense symmetric eigensolver; above it an iterative
#: sparse solver is used.
GRAM_MAX_ITEMS = 4000


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


def _gram(X):
    G = X.T @ X
    if is_sparse(G):
        G = G.toarray()
    return np.asarray(G, dtype=np.float64)


def _by_gram(X, k: int):
    p = X.shape[1]
    G = _gram(X)
    G = (G + G.T) / 2  # exact symmetry for the symmetric eigensolver
    evals, evecs = scipy.linalg.eigh(G, subset_by_index=[p - k, p - 1], driver="evr")
    evals, evecs = evals[::-1], evecs[:, ::-1]
    lam_max = max(evals[0], 0.0)
    # Eigenvalues of XᵀX are accurate to about p·eps·λ_max; below that they are noise.
    floor = p * np.finfo(np.float64).eps * lam_max
    evals = np.where(evals > floor, evals, 0.0)
    return np.sqrt(evals), evecs


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


def _by_iterative(X, k: int):
    n, p = X.shape
    if k >= min(n, p):
        return _by_dense_svd(X, k)
    # deterministic start vector, so repeated runs give identical numbers
    v0 = np.random.default_rng(0).standard_normal(min(n, p))
    Xop = X if is_sparse(X) else spla.aslinearoperator(X)
    _, s, Vt = spla.svds(Xop, k=k, solver="arpack", v0=v0, tol=0, return_singular_vectors="vh")
    order = np.argsort(s)[::-1]
    return np.clip(s[order], 0.0, None), Vt[order].T


def _zero_unused_items(X, sigma, V):
    """Make V exactly 0 on items nobody consumed, for components with σ > 0.

    Mathematically ``v = Xᵀu / σ`` vanishes on an all-zero column of X, but an
    eigensolver leaves rounding noise (~1e-17) there, and normalising that
    noise would give such an item arbitrary cosine similarities.
    """
    if is_sparse(X):
        unused = np.asarray(abs(X).sum(axis=0)).ravel() == 0  # ignores stored zeros
    else:
        unused = ~np.any(X != 0, axis=0)
    if np.any(unused):
        V = V.copy()
        V[np.ix_(unused, sigma > 0)] = 0.0
    return V


def top_singular(X, k: int | None = None, *, method: str = "auto") -> Spectrum:
    """Top-k singular values and right singular vectors of X.

    This is the SVD ``X = U Σ Vᵀ`` on which the closed forms of Eq. (5) and
    Eq. (6) are built; only σ and V are returned, because neither closed form
    needs U.

    Parameters
    ----------
    X : array_like or scipy.sparse matrix, shape (n, p)
        Data matrix (users × items). Values are used as given (no centring).
    k : int, optional
        Number of singular triplets, ``1 <= k <= p``. Default: p.
    method : {"auto", "gram", "svd", "iterative"}
        ``"gram"`` forms XᵀX (p × p) and calls a dense symmetric eigensolver:
        fast when p is moderate, whatever n is, and works directly on sparse X.
        ``"svd"`` runs a dense LAPACK SVD (the accuracy reference).
        ``"iterative"`` runs ARPACK on X (for large p). ``"auto"`` takes
        ``"gram"`` when ``p <= GRAM_MAX_ITEMS`` and ``"iterative"`` otherwise.

    Returns
    -------
    Spectrum
        ``sigma`` (k,) descending and ``V`` (p, k), columns oriented by
        :func:`orient_columns`.

    Notes
    -----
    Singular values below the method's noise floor are returned as exactly
    0: ``σ² <= p·eps·σ₁²`` for ``"gram"`` and ``σ <= max(n, p)·eps·σ₁`` for
    ``"svd"``. If rank(X) < k, the trailing σ are 0 and the matching columns of
    V are an orthonormal basis of part of X's null space. When singular values
    repeat, V is unique only up to a rotation within their eigenspace.
    On an item (column) that nobody consumed, V is exactly 0 in every
    component with σ > 0, so such an item gets the zero embedding.
    """
    X = as_matrix(X, "X")
    p = X.shape[1]
    k = p if k is None else check_rank(k, p)
    if method == "auto":
        method = "gram" if p <= GRAM_MAX_ITEMS else "iterative"
    if method == "gram":
        sigma, V = _by_gram(X, k)
    elif method == "svd":
        sigma, V = _by_dense_svd(X, k)
    elif method == "iterative":
        sigma, V = _by_iterative(X, k)
    else:
        raise ValueError(
            f"method must be 'auto', 'gram', 'svd' or 'iterative', got {method!r}"
        )
    V = _zero_unused_items(X, sigma, V)
    return Spectrum(np.ascontiguousarray(sigma), orient_columns(V))
