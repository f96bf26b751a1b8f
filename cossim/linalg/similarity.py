"""Cosine similarities of embeddings, with the row normaliser Ω of Eq. (4).

For an embedding matrix E (one row per user or item), ``Ω E`` has unit rows,
where ``Ω = dMat(1/‖E_r‖)``. Cosine similarities are then dot products of
normalised rows (paper, Eq. (4)):

* item–item: ``Ω_B B Bᵀ Ω_B``;
* user–user: ``Ω_A XA (XA)ᵀ Ω_A``;
* user–item: ``Ω_A XA Bᵀ Ω_B``.

Convention: a zero row (an item or user whose embedding is the zero vector)
is left at zero by Ω, so its cosine with anything is 0, never NaN.
"""

from __future__ import annotations

import numbers

import numpy as np

from .._validation import as_factor, as_matrix

__all__ = [
    "row_norms",
    "row_normalize",
    "cosine_similarity",
    "item_item_cosine",
    "user_user_cosine",
    "user_item_cosine",
    "top_k_neighbours",
]


def row_norms(E) -> np.ndarray:
    """Euclidean norm of each row of E (dense or sparse)."""
    E = as_matrix(E, "E")
    if hasattr(E, "multiply"):
        return np.sqrt(np.asarray(E.multiply(E).sum(axis=1)).ravel())
    return np.sqrt(np.einsum("ij,ij->i", E, E))


def row_normalize(E) -> np.ndarray:
    """Return ``Ω E``: each row divided by its norm; zero rows stay zero.

    This is the normaliser Ω of Eq. (4). Sparse input is densified.
    """
    E = as_matrix(E, "E")
    norms = row_norms(E)
    scale = np.zeros_like(norms)
    nz = norms > 0
    scale[nz] = 1.0 / norms[nz]
    if hasattr(E, "multiply"):
        E = E.toarray()
    return E * scale[:, None]


def cosine_similarity(E, F=None) -> np.ndarray:
    """Cosine similarity of the rows of E with the rows of F (default: E).

    Returns ``Ω_E E Fᵀ Ω_F`` clipped to [-1, 1] (rounding can push a
    self-similarity to 1 + 1e-16). Rows that are all zero give 0.
    """
    E = as_matrix(E, "E")
    En = row_normalize(E)
    if F is None:
        Fn = En
    else:
        F = as_matrix(F, "F")
        if F.shape[1] != E.shape[1]:
            raise ValueError(
                f"E and F must have the same number of columns, got {E.shape[1]} and {F.shape[1]}"
            )
        Fn = row_normalize(F)
    return np.clip(En @ Fn.T, -1.0, 1.0)


def item_item_cosine(B) -> np.ndarray:
    """Item–item cosine similarity ``cos(B, B)`` (Eq. 4, first line), shape (p, p)."""
    B = as_factor(B, "B")
    return cosine_similarity(B)


def user_user_cosine(X, A) -> np.ndarray:
    """User–user cosine similarity ``cos(XA, XA)`` (Eq. 4, second line), shape (n, n)."""
    X = as_matrix(X, "X")
    A = as_factor(A, "A", rows=X.shape[1])
    return cosine_similarity(np.asarray(X @ A))


def user_item_cosine(X, A, B) -> np.ndarray:
    """User–item cosine similarity ``cos(XA, B)`` (Eq. 4, third line), shape (n, p)."""
    X = as_matrix(X, "X")
    A = as_factor(A, "A", rows=X.shape[1])
    B = as_factor(B, "B", rows=X.shape[1], cols=A.shape[1])
    return cosine_similarity(np.asarray(X @ A), B)


#: Default memory budget of one block of :func:`top_k_neighbours`: this many
#: similarity entries (float32), i.e. 32 MiB.
TOPK_BLOCK_ENTRIES = 2**23


def _top_n_block(En, En32, start: int, stop: int, n: int, margin: float) -> np.ndarray:
    """Exact top-n cosine neighbours of rows ``start:stop`` of the unit rows En.

    A float32 pass finds, per row, the n-th largest similarity ``t`` with a
    linear-time partition; every entry whose float32 value is at least
    ``t − margin`` is a candidate. `margin` exceeds twice the float32 rounding
    error of a dot product of unit vectors, so the candidates hold every entry
    whose exact similarity reaches the exact n-th largest (ties included).
    Candidates are then scored in float64 and sorted by decreasing similarity,
    ties by the smaller index, so the result equals sorting the float64
    similarities of the whole row.
    """
    b, p = stop - start, En.shape[0]
    S = En32[start:stop] @ En32.T
    S[np.arange(b), np.arange(start, stop)] = -np.inf  # exclude self
    kth = np.partition(S, p - n, axis=1)[:, p - n]
    rows, cols = np.nonzero(S >= (kth - np.float32(margin))[:, None])
    del S
    vals = np.einsum("ij,ij->i", En[start + rows], En[cols])
    order = np.lexsort((cols, -vals, rows))  # by row, then similarity down, then index up
    cols = cols[order]
    first = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=b))[:-1]])
    return cols[first[:, None] + np.arange(n)[None, :]]


def top_k_neighbours(E, n_neighbours: int = 10, *, block_size: int | None = None) -> np.ndarray:
    """Indices of each row's most cosine-similar other rows, computed blockwise.

    Never forms the full p × p similarity matrix: rows of ``Ω E`` (Eq. 4) are
    processed in blocks of `block_size`; each block's similarities to all rows
    come from one float32 matrix product, a linear-time partition keeps only
    candidates within float32 rounding of the n-th largest, and those are
    re-scored in float64 and sorted. The result is the same as sorting each
    row of the float64 similarities. Memory is ``O(block_size · p)``.

    Parameters
    ----------
    E : array_like, shape (p, k)
        Embeddings, one row per item (or user).
    n_neighbours : int
        How many neighbours per row, ``1 <= n_neighbours <= p - 1``.
    block_size : int, optional
        Rows per block. Default: as many as keep one block of similarities
        within ``TOPK_BLOCK_ENTRIES`` (2²³ entries, 32 MiB in float32), at least 1.

    Returns
    -------
    ndarray of int, shape (p, n_neighbours)
        Neighbours in decreasing similarity; the row itself is excluded. Ties
        are broken by the smaller index, so the result is deterministic. A
        zero row has cosine 0 with every row (see :func:`row_normalize`).
    """
    E = as_factor(E, "E")
    p = E.shape[0]
    if isinstance(n_neighbours, (bool, np.bool_)) or not isinstance(n_neighbours, numbers.Integral):
        raise TypeError(f"n_neighbours must be an integer, got {type(n_neighbours).__name__}")
    if not 1 <= n_neighbours <= p - 1:
        raise ValueError(f"n_neighbours must satisfy 1 <= n_neighbours <= {p - 1}, got {n_neighbours}")
    if block_size is None:
        block_size = max(1, min(p, TOPK_BLOCK_ENTRIES // p))
    elif isinstance(block_size, (bool, np.bool_)) or not isinstance(block_size, numbers.Integral) \
            or block_size < 1:
        raise ValueError(f"block_size must be a positive integer, got {block_size!r}")
    En = row_normalize(E)
    En32 = En.astype(np.float32)
    # float32 error of a dot product of unit k-vectors (and of rounding them): < (k + 2)·u
    margin = 4.0 * (E.shape[1] + 4) * 2.0**-24
    out = np.empty((p, n_neighbours), dtype=np.int64)
    for start in range(0, p, block_size):
        stop = min(start + block_size, p)
        out[start:stop] = _top_n_block(En, En32, start, stop, n_neighbours, margin)
    return out
