"""Cosine against the unnormalised dot product on the same retrieval task.

The paper observes that cosine similarity is sometimes better and sometimes
worse than the dot product it normalises. Two retrieval tasks compare them on
one fitted model:

* **item → item** (:func:`item_similarity`): neighbours of an item by
  ``⟨b_i, b_j⟩`` or by ``cos(b_i, b_j)``, scored against known groups
  (clusters of the §4 simulation with :func:`cossim.cluster_auc`, genres of
  MovieLens with :func:`cossim.genre_auc`);
* **user → item** (:func:`recall_at_k`): recommend to user u the items with
  the largest ``⟨x_u A, b_i⟩`` or ``cos(x_u A, b_i)`` among those not in u's
  training history, and count how many of u's held-out items
  (:func:`holdout_split`) are found.

For one user the cosine ranking is the dot-product ranking with each item's
score divided by ``‖b_i‖`` (the user's norm is common to all items), so the
two differ exactly by how much an item's norm — in these models, largely its
popularity — is allowed to lift it.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .._validation import InvalidValue, as_factor, as_matrix, check_choice, check_int, check_real
from ..linalg.similarity import inverse_norms, item_item_cosine

__all__ = ["SCORES", "holdout_split", "item_similarity", "recall_at_k"]

#: The two ways of scoring a pair of embeddings.
SCORES = ("dot", "cosine")


def holdout_split(X, share: float = 0.2, *, seed: int = 0):
    """Hold out a random share of each user's items.

    A user with m ≥ 2 items keeps ``m − h`` for training and gives
    ``h = min(m − 1, max(1, round(share · m)))`` to the test set; a user with
    one item keeps it.

    Returns
    -------
    (X_train, X_test) : scipy.sparse.csr_matrix, each shape (n, p), binary,
        with disjoint non-zeros whose sum is the binarised X.
    """
    X = sp.csr_matrix(as_matrix(X, "X"))
    share = check_real(share, "share", 0, 1, low_open=True)
    X = (X != 0).astype(np.float64).tocsr()
    X.sort_indices()
    rng = np.random.default_rng(seed)
    counts = np.diff(X.indptr)
    rows = np.repeat(np.arange(X.shape[0]), counts)
    key = rows + rng.random(rows.size)                # random order within each row
    order = np.argsort(key, kind="stable")
    rank = np.empty(rows.size, dtype=np.int64)
    rank[order] = np.arange(rows.size) - np.repeat(X.indptr[:-1], counts)
    n_test = np.where(counts >= 2, np.clip(np.rint(share * counts), 1, counts - 1), 0).astype(np.int64)
    test = rank < n_test[rows]
    cols = X.indices

    def part(mask):
        return sp.csr_matrix((np.ones(mask.sum()), (rows[mask], cols[mask])), shape=X.shape)

    return part(~test), part(test)


def item_similarity(B, score: str = "cosine") -> np.ndarray:
    """Item–item similarity ``BBᵀ`` (``"dot"``) or ``Ω_B BBᵀ Ω_B`` (``"cosine"``)."""
    B = as_factor(B, "B")
    score = check_choice(score, "score", SCORES)
    return B @ B.T if score == "dot" else item_item_cosine(B)


def _block_recall(scores, train_block, test_block, n):
    """Recalls of one block of users; `scores` is the block's own fresh product and is overwritten."""
    np.copyto(scores, -np.inf, where=train_block.toarray() > 0)
    top = np.argpartition(np.negative(scores, out=scores), n - 1, axis=1)[:, :n]  # the values of −scores
    test = test_block.toarray() > 0
    hits = np.take_along_axis(test, top, axis=1).sum(axis=1)
    n_test = test.sum(axis=1)
    keep = n_test > 0
    return hits[keep] / np.minimum(n, n_test[keep])


def recall_at_k(X_train, X_test, U, B, n: int = 20, *, score: str = "dot", block: int = 2048,
                per_user: bool = False):
    """Mean recall@n of held-out items, scoring by dot product or cosine.

    Parameters
    ----------
    X_train, X_test : sparse or dense, shape (n_users, p)
        From :func:`holdout_split`; training items are never recommended.
    U : ndarray, shape (n_users, k)
        User embeddings (e.g. ``X_train A``).
    B : ndarray, shape (p, k)
        Item embeddings.
    n : int
        List length.
    score : {"dot", "cosine"}
    block : int
        Users scored at a time.
    per_user : bool
        Return each user's recall instead of the mean.

    Returns
    -------
    float, or ndarray of the users with at least one held-out item
        Mean over users with at least one held-out item of
        ``|top-n ∩ held-out| / min(n, |held-out|)``.
    """
    X_train = sp.csr_matrix(as_matrix(X_train, "X_train"))
    X_test = sp.csr_matrix(as_matrix(X_test, "X_test"))
    if X_train.shape != X_test.shape:
        raise InvalidValue(f"X_train {X_train.shape} and X_test {X_test.shape} differ in shape")
    U = as_factor(U, "U", rows=X_train.shape[0])
    B = as_factor(B, "B", rows=X_train.shape[1], cols=U.shape[1])
    n = check_int(n, "n", 1, X_train.shape[1] - 1)
    score = check_choice(score, "score", SCORES)
    block = check_int(block, "block", 1)
    if score == "cosine":
        U = U * inverse_norms(np.einsum("ij,ij->i", U, U))[:, None]
        B = B * inverse_norms(np.einsum("ij,ij->i", B, B))[:, None]
    parts = [_block_recall(U[start:start + block] @ B.T, X_train[start:start + block],
                           X_test[start:start + block], n) for start in range(0, U.shape[0], block)]
    recalls = np.concatenate(parts)
    if recalls.size == 0:
        raise InvalidValue("X_test has no held-out item")
    return recalls if per_user else float(recalls.mean())
