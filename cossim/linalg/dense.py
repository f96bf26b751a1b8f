"""The exact in-memory routes to (σ, V): a dense LAPACK SVD and ARPACK.

``top_singular(method="svd")`` is the accuracy reference of every other
method; ``"arpack"`` is SciPy's ``svds``. Both return σ descending and V
(p × k), padded with an orthonormal complement and σ = 0 when rank(X) < k.
"""

from __future__ import annotations

import numpy as np

from .._validation import is_sparse


def _pad_svd(s, V, k, n, p):
    """Keep the top k of a thin SVD (s, V) of an n × p matrix; pad when n < k.

    Singular values ``<= max(n, p)·eps·σ₁`` (LAPACK's noise) become exactly 0.
    """
    s, V = s[:k], V[:, :k]
    if V.shape[1] < k:  # n < k: pad with an orthonormal complement and zeros
        Q, _ = np.linalg.qr(np.hstack([V, np.eye(p)]))
        V = np.hstack([V, Q[:, V.shape[1]:k]])
        s = np.concatenate([s, np.zeros(k - s.shape[0])])
    tol = max(n, p) * np.finfo(np.float64).eps * s[0]  # (s holds k >= 1 values)
    return np.where(s > tol, s, 0.0), V


def _by_dense_svd(X, k: int):
    """Top-k (σ, V) of X from LAPACK's dense SVD (sparse X is densified)."""
    dense = X.toarray() if is_sparse(X) else X
    _, s, Vt = np.linalg.svd(dense, full_matrices=False)
    return _pad_svd(s, Vt.T, k, *X.shape)


def _by_arpack(X, k: int, tol: float):
    import scipy.sparse.linalg as spla  # only here: it imports much of SciPy

    n, p = X.shape
    if k >= min(n, p):
        return _by_dense_svd(X, k)
    # deterministic start vector, so repeated runs give identical numbers
    v0 = np.random.default_rng(0).standard_normal(min(n, p))
    # (svds wraps dense and sparse X alike in an X @ v operator; its σ come from a LAPACK
    # SVD of X·V, so they are >= 0)
    _, s, Vt = spla.svds(X, k=k, solver="arpack", v0=v0, tol=tol)
    order = np.argsort(s)[::-1]
    return s[order], Vt[order].T
