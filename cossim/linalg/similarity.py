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

import numpy as np

from .._validation import InvalidValue, as_dense_matrix, as_factor, as_matrix, check_int

__all__ = [
    "inverse_norms",
    "unit_rows",
    "row_norms",
    "row_normalize",
    "cosine_from_gram",
    "cosine_similarity",
    "item_item_cosine",
    "user_user_cosine",
    "user_item_cosine",
    "top_k_neighbours",
    "top_n_from_similarity",
    "nearest_mask",
    "neighbour_overlap",
    "shared_neighbours",
]


def inverse_norms(squared_norms) -> np.ndarray:
    """Diagonal of Ω (Eq. 4) from squared row norms g: ``1/√g`` where g > 0, else 0.

    The one place that inverts a norm: a zero row (g = 0, e.g. an item nobody
    consumed) gets Ω = 0 and so stays the zero vector, with cosine 0 to
    everything, never NaN. Negative g (rounding in a Gram diagonal) also gets 0.
    """
    g = np.asarray(squared_norms, dtype=np.float64)
    out = np.zeros_like(g)
    pos = g > 0
    out[pos] = 1.0 / np.sqrt(g[pos])
    return out


def _squared_row_norms(E) -> np.ndarray:
    if hasattr(E, "multiply"):  # scipy.sparse
        return np.asarray(E.multiply(E).sum(axis=1)).ravel()
    # einsum's sublist form of "ij,ij->i": the same C routine, bit for bit
    return np.einsum(E, [0, 1], E, [0, 1], [0])


def unit_rows(E):
    """``(Ω E, diag Ω)`` for a dense float array E, without validation.

    Each row is multiplied by the reciprocal of its norm (:func:`inverse_norms`);
    callers that differentiate through Ω (the cosine model of §3) need the
    reciprocals too.
    """
    inv = inverse_norms(_squared_row_norms(E))
    return E * inv[:, None], inv


def row_norms(E) -> np.ndarray:
    """Euclidean norm of each row of E (dense or sparse)."""
    E = as_matrix(E, "E")
    return np.sqrt(_squared_row_norms(E))


def row_normalize(E) -> np.ndarray:
    """Return ``Ω E``: each row divided by its norm; zero rows stay zero.

    This is the normaliser Ω of Eq. (4) (:func:`inverse_norms`). Sparse input
    is densified.
    """
    E = as_matrix(E, "E")
    inv = inverse_norms(_squared_row_norms(E))
    if hasattr(E, "multiply"):
        E = E.toarray()
    return E * inv[:, None]


def cosine_from_gram(G, *, clip: bool = True) -> np.ndarray:
    """Cosines ``Ω G Ω`` of vectors given only through their Gram matrix G (Eq. 4).

    With ``G = E Eᵀ`` the squared norms are ``diag(G)``, so
    ``Ω = dMat(diag G)^{-1/2}`` (zero rows stay zero). Used where the
    embeddings themselves are too large or never formed (e.g. ``B D⁻² Bᵀ``,
    ``XA (BᵀB) (XA)ᵀ``). No validation.

    Parameters
    ----------
    G : ndarray, shape (m, m)
        Symmetric positive semi-definite.
    clip : bool
        Clip to [-1, 1] (rounding can push a self-cosine to 1 + 1e-16).
        Eq. (4) evaluated "as written" (:mod:`cossim.paper.rescaling`) does not clip.
    """
    w = inverse_norms(np.diag(G))
    C = G * w[:, None] * w[None, :]
    return np.clip(C, -1.0, 1.0) if clip else C


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
            raise InvalidValue(
                f"E and F must have the same number of columns, got {E.shape[1]} and {F.shape[1]}"
            )
        Fn = row_normalize(F)
    C = En @ Fn.T
    return np.clip(C, -1.0, 1.0, out=C)  # in place: no second p × p array


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
    ties by the smaller index (:func:`_most_similar_first`, the rule of
    :func:`top_n_from_similarity`), so the result equals sorting the float64
    similarities of the whole row.
    """
    b, p = stop - start, En.shape[0]
    S = En32[start:stop] @ En32.T
    S[np.arange(b), np.arange(start, stop)] = -np.inf  # exclude self
    kth = np.partition(S, p - n)[:, p - n]  # (along each row)
    rows, cols = np.nonzero(S >= (kth - np.float32(margin))[:, None])
    del S
    vals = np.einsum(En[start + rows], [0, 1], En[cols], [0, 1], [0])  # row-wise dot products
    # lay each row's candidates out in index order, padded with −inf, and sort
    # them with the same rule as a full similarity row. Every row has >= n candidates
    # (its n largest entries), so bincount has length b and the top n are never padding.
    counts = np.bincount(rows)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    slot = np.arange(rows.size) - first[rows]
    scores = np.full((b, int(counts.max())), -np.inf)
    scores[rows, slot] = vals
    order = _most_similar_first(scores)[:, :n]
    return cols[first[:, None] + order]


def top_k_neighbours(E, n_neighbours: int = 10, *, block_size: int | None = None) -> np.ndarray:
    """Indices of each row's most cosine-similar other rows, computed blockwise.

    Never forms the full p × p similarity matrix: rows of ``Ω E`` (Eq. 4) are
    processed in blocks of `block_size`; each block's similarities to all rows
    come from one float32 matrix product, a linear-time partition keeps only
    candidates within ``4·(k + 4)·2⁻²⁴`` of the n-th largest (over twice the
    float32 error of a dot product of unit k-vectors), and those are
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
    n_neighbours = check_int(n_neighbours, "n_neighbours", 1, p - 1)
    if block_size is None:
        block_size = max(1, min(p, TOPK_BLOCK_ENTRIES // p))
    else:
        block_size = check_int(block_size, "block_size", 1)
    En = row_normalize(E)
    En32 = En.astype(np.float32)
    # float32 error of a dot product of unit k-vectors (and of rounding them): < (k + 2)·u
    margin = 4.0 * (E.shape[1] + 4) * 2.0**-24
    out = np.empty((p, n_neighbours), dtype=np.int64)
    for start in range(0, p, block_size):
        stop = min(start + block_size, p)
        out[start:stop] = _top_n_block(En, En32, start, stop, n_neighbours, margin)
    return out


def _most_similar_first(S) -> np.ndarray:
    """Column indices of each row of S by decreasing value, ties by the smaller index.

    The tie rule of every neighbour list in ``cossim``: a stable sort of −S
    keeps equal values in index order.
    """
    return np.argsort(-S, stable=True)  # (along each row)


def check_square(S):
    """Validate an items × items similarity matrix S (dense, square)."""
    S = as_dense_matrix(S, "S")
    if S.shape[0] != S.shape[1]:
        raise InvalidValue(f"S must be square (items × items), got shape {S.shape}")
    return S


def top_n_from_similarity(S, n_neighbours: int = 10, *, self_index=None) -> np.ndarray:
    """Each row's `n_neighbours` most similar columns of a given similarity matrix S.

    The variant of :func:`top_k_neighbours` for a similarity that is already
    formed (a cosine matrix of Eq. (4), a block of one, or any other score):
    same result convention, i.e. decreasing similarity, the row's own item
    excluded, ties broken by the smaller index.

    Parameters
    ----------
    S : array_like, shape (m, p)
        Similarities of m items (rows) to p items (columns); square unless
        `self_index` is given.
    n_neighbours : int
        ``1 <= n_neighbours <= p - 1``.
    self_index : array_like of int, shape (m,), optional
        Column of each row's own item, excluded from its list. Default: the
        diagonal (``S`` square, row i is item i). Pass it for a block of rows
        (``arange(start, stop)``) or a selection of rows (``S[items]``, `items`).

    Returns
    -------
    ndarray of int, shape (m, n_neighbours)
    """
    S = as_dense_matrix(S, "S")
    m, p = S.shape
    if self_index is None:
        if m != p:
            raise InvalidValue(f"S must be square (items × items), got shape {S.shape}")
        self_index = np.arange(m)
    else:
        self_index = np.asarray(self_index)
        if self_index.shape != (m,) or not np.issubdtype(self_index.dtype, np.integer) \
                or (m and (self_index.min() < 0 or self_index.max() >= p)):
            raise InvalidValue(f"self_index must hold one column index in range({p}) per row of S")
    n_neighbours = check_int(n_neighbours, "n_neighbours", 1, p - 1)
    S = S.copy()
    S[np.arange(m), self_index] = -np.inf  # exclude the item itself
    return _most_similar_first(S)[:, :n_neighbours]


def nearest_mask(S, n_neighbours: int = 10) -> np.ndarray:
    """Boolean (p, p): row i marks item i's `n_neighbours` most similar other items.

    The same sets as :func:`top_n_from_similarity` (decreasing similarity, the
    item itself excluded, ties broken by the smaller index), as a mask, for a
    caller that counts members (e.g. how many neighbours share a cluster) and
    needs no order. Found with a linear-time partition of each row instead of
    a sort: all items strictly more similar than the row's n-th largest other
    value, then, of the items equal to it, the ones of smallest index.

    Parameters
    ----------
    S : array_like, shape (p, p)
        Item–item similarity, finite.
    n_neighbours : int
        ``1 <= n_neighbours <= p - 1``.

    Returns
    -------
    ndarray of bool, shape (p, p)
        Exactly `n_neighbours` entries of each row are True, never the diagonal.
    """
    S = check_square(S)
    n_neighbours = check_int(n_neighbours, "n_neighbours", 1, len(S) - 1)
    return _nearest_mask(S, n_neighbours)


def _nearest_mask(S, n: int) -> np.ndarray:
    """:func:`nearest_mask` of a valid S (finite, p × p) and `n` (1 <= n <= p − 1)."""
    p = len(S)
    d = np.arange(p)
    kth = _nth_largest_other(S, n)[:, None]  # finite: n <= p − 1 entries are not the item's
    above = S > kth
    tie = S == kth
    above[d, d] = tie[d, d] = False  # the item itself (−inf above: never > or == kth)
    room = n - np.count_nonzero(above, axis=1)
    nearest = above | tie
    # only rows with more ties than room need the first `room` ties by index
    crowded = np.flatnonzero(np.count_nonzero(tie, axis=1) > room)
    if crowded.size:
        ties = tie[crowded]
        nearest[crowded] = above[crowded] | (ties & (np.cumsum(ties, axis=1) <= room[crowded, None]))
    return nearest


def _nth_largest_other(S, n: int) -> np.ndarray:
    """Each row's n-th largest entry off the diagonal (finite S, 1 <= n <= p − 1).

    A row in which at least n entries equal its largest is done: its n-th
    largest is that maximum (e.g. every row of a 0/1 matrix with large groups,
    where a partition of the many ties is slow). The other rows are
    partitioned (linear time) in place in a copy.
    """
    p = len(S)
    work = S.copy()
    work[np.arange(p), np.arange(p)] = -np.inf  # exclude the item itself
    top = work.max(axis=1)
    rows = np.flatnonzero(np.count_nonzero(work == top[:, None], axis=1) < n)
    if rows.size == 0:
        return top
    if rows.size < p:
        work = work[rows]
    work.partition(p - n, axis=1)  # (in place, along each row)
    top[rows] = work[:, p - n]
    return top


def shared_neighbours(N1, N2) -> np.ndarray:
    """Boolean ``M[i, r]``: is the r-th neighbour of row i in N1 also among row i's in N2?

    N1, N2 : ndarray of int, shapes (p, n1) and (p, n2); no validation.
    """
    return (N1[:, :, None] == N2[:, None, :]).any(axis=2)


def neighbour_overlap(N1, N2) -> np.ndarray:
    """Per row, the share of N1's neighbours that N2 lists too: ``|N1_i ∩ N2_i| / n``.

    Parameters
    ----------
    N1, N2 : ndarray of int, shape (p, n)
        Neighbour lists, e.g. from :func:`top_k_neighbours` for two embeddings.

    Returns
    -------
    ndarray, shape (p,)
    """
    N1, N2 = np.asarray(N1), np.asarray(N2)
    if N1.ndim != 2 or N1.shape != N2.shape:
        raise InvalidValue(f"N1 and N2 must be 2-D of the same shape, got {N1.shape} and {N2.shape}")
    return shared_neighbours(N1, N2).sum(axis=1) / N1.shape[1]
