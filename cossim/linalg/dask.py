"""The optional dask path of :func:`cossim.top_singular` (``pip install cossim[dask]``).

X is a ``dask.array`` split into row blocks (whole rows per chunk) that may
live on a cluster; only p × p or p × (k + oversampling) results are ever
gathered. ``"gram"`` sums XᵀX over the row blocks, ``"iterative"`` runs the
block Lanczos method of :mod:`cossim.linalg.krylov` with one distributed job
per block product, ``"svd"`` and ``"randomized"`` call dask's own SVDs
(``svd_compressed`` with ``compute=True``: one job per power-iteration pass).
"""

from __future__ import annotations

import numpy as np

from .._validation import InvalidType, InvalidValue, _check_dtype, as_matrix, is_sparse
from .dense import _pad_svd
from .gram import _eigh_top, _finite, _gram
from .krylov import RANDOMIZED_POWER_ITERS, _block_krylov, _krylov_fits, _oversampling


def _is_dask(X) -> bool:
    return type(X).__module__.startswith("dask.array") and hasattr(X, "chunks")


def _check_dask(X):
    if X.ndim != 2:
        raise InvalidValue(f"X must be 2-D, got {X.ndim}-D with shape {X.shape}")
    if any(np.isnan(s) for s in X.shape):
        raise InvalidValue("X has unknown chunk sizes; call X.compute_chunk_sizes() first")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise InvalidValue(f"X is empty (shape {X.shape})")
    _check_dtype(X.dtype, "X")
    X = X.astype(np.float64)
    if len(X.chunks[1]) > 1:  # row blocks hold whole rows
        X = X.rechunk({1: -1})
    return X


def _chunk_gram(block):
    """One row block's share of XᵀX, by the same routine as in-memory X."""
    return _gram(as_matrix(block, "X"))


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
        # each block's share is checked on its worker; their sum can still overflow
        G = _finite(np.asarray(_tree_sum([dask.delayed(_chunk_gram)(b)
                                          for b in X.to_delayed().ravel()]).compute()))
        return (*_eigh_top(G, k), np.diag(G) == 0)
    # the other methods read X more than once: keep it in the cluster's memory
    # (persisted), so it is read from storage or built only once
    X = X.persist()
    blocks = list(X.to_delayed().ravel())
    unused = np.asarray(_tree_sum([dask.delayed(_chunk_abs_colsum)(b) for b in blocks]).compute()) == 0
    if method == "svd":
        if is_sparse(X._meta):
            raise InvalidType("method='svd' needs a dask array with dense chunks")
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


def _chunk_abs_colsum(block):
    return np.asarray(abs(block).sum(axis=0), dtype=np.float64).ravel()
