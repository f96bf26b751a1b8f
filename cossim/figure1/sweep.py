"""The γ sweep: Figure 1's three Eq. (1) panels are three points of a continuum.

Every ``B = V_k dMat(m)^γ`` solves Eq. (1) equally well (Eq. (3) with
``D = dMat(m)^{1/2−γ}``, paper §2.2); :func:`gamma_sweep` scores the item–item
cosines of the whole family over γ, λ₁ and k, with the unique Eq. (2)
solution (Eq. (6)) of each k as a reference.
"""

from __future__ import annotations

import numpy as np

from .._validation import InvalidValue, as_matrix, check_labels, check_lambda, check_rank
from ..linalg.similarity import item_item_cosine
from ..linalg.spectrum import Spectrum, top_singular
from ..paper.metrics import ClusterScores
from ..paper.models import eq1_factors, eq2_factors

__all__ = ["DEFAULT_GAMMAS", "gamma_sweep"]

#: Default grid of γ: −1 to 2 in steps of 1/8 (γ = 0, ½, 1 are Figure 1's panels).
DEFAULT_GAMMAS = np.round(np.arange(-1.0, 2.0 + 1e-9, 0.125), 6)
DEFAULT_GAMMAS.setflags(write=False)


def _scores(B, scores: ClusterScores, neighbour_purity_too: bool) -> dict:
    """AUC (and optionally the top-10 own-cluster share) of cos(B, B).

    :func:`cossim.cluster_auc` and :func:`cossim.neighbour_purity`, with what
    depends on the (checked) labels alone computed once in `scores`.
    """
    S = item_item_cosine(B)
    row = {"auc": scores.auc(S)}
    if neighbour_purity_too:
        row["neighbour_purity"] = scores.purity(S, 10)
    return row


def _check_gammas(gammas) -> np.ndarray:
    gammas = DEFAULT_GAMMAS if gammas is None else np.asarray(gammas, dtype=np.float64).ravel()
    if gammas.size == 0 or not np.all(np.isfinite(gammas)):
        raise InvalidValue("gammas must be a non-empty array of finite numbers")
    return gammas


def gamma_sweep(X, labels, gammas=None, lam1s=(1_000.0, 10_000.0, 100_000.0),
                ranks=(10, 50, 200), lam2=100.0, *, neighbour_purity_too: bool = False):
    """Score of ``cos(B, B)`` with ``B = V_k dMat(m)^γ`` over γ, λ₁ and k.

    All of these B solve Eq. (1) equally well (Eq. (3) with
    ``D = dMat(m)^{1/2−γ}``); the sweep shows how the cluster-recovery score
    depends on that arbitrary choice. For every k the Eq. (2) solution
    (Eq. (6), with `lam2`) is scored too, as a reference.

    Parameters
    ----------
    X : array_like or scipy.sparse matrix, shape (n, p)
    labels : array_like of int, shape (p,)
    gammas : array_like, optional
        Default :data:`DEFAULT_GAMMAS`: −1 to 2 in steps of 0.125.
    lam1s : sequence of float
    ranks : sequence of int
    lam2 : float
    neighbour_purity_too : bool
        Also compute the top-10 own-cluster share (slower).

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        The sweep (``rank, lam1, gamma, auc[, neighbour_purity]``) and the
        Eq. (2) reference (``rank, lam2, auc[, neighbour_purity]``).
    """
    import pandas as pd

    X = as_matrix(X, "X")
    p = X.shape[1]
    labels = check_labels(labels, p)
    gammas = _check_gammas(gammas)
    ranks = [check_rank(k, p, "rank") for k in ranks]
    lam1s = [check_lambda(lam, "lam1") for lam in lam1s]
    lam2 = check_lambda(lam2, "lam2")
    full = top_singular(X, max(ranks))  # one SVD; each k takes its leading part
    scores = ClusterScores(labels)
    rows, ref = [], []
    for k in ranks:
        spectrum = Spectrum(full.sigma[:k], full.V[:, :k])
        for lam1 in lam1s:
            for gamma in gammas:
                B = eq1_factors(spectrum, lam1, float(gamma)).B
                rows.append({"rank": k, "lam1": lam1, "gamma": float(gamma),
                             **_scores(B, scores, neighbour_purity_too)})
        ref.append({"rank": k, "lam2": lam2,
                    **_scores(eq2_factors(spectrum, lam2).B, scores, neighbour_purity_too)})
    return pd.DataFrame(rows), pd.DataFrame(ref)
