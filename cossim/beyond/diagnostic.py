"""A diagnostic for anyone's embeddings: how arbitrary are my cosine similarities?

Given user factors P (n × k) and item factors Q (p × k) whose scores are
``P Qᵀ``, every factorisation ``P' Q'ᵀ = P Qᵀ`` scores every user–item pair
identically. With the thin SVD ``P Qᵀ = U S Vᵀ`` (rank r ≤ k) the family

    ``P'_γ = U S^{1−γ}``,  ``Q'_γ = V S^{γ}``,   γ ∈ [0, 1]

spans the rescalings the paper calls D (Eq. (3), in the basis of singular
vectors): γ = 0 puts all the scale on the users, γ = 1 on the items, γ = ½
is the balanced split that Eq. (2)'s weight decay would pick. The item–item
cosines of ``Q'_γ`` change with γ, the scores do not.

Scope, stated honestly: this family is exactly the freedom of objectives that
depend on the factors *only through* ``P Qᵀ`` (like Eq. (1), or any loss on
the scores without a penalty on the factors). It is not the full freedom (any
invertible k × k matrix C with ``P C, Q C⁻ᵀ`` leaves the scores unchanged;
the γ family is the one-parameter slice of it along the singular values), and
a model trained with separate penalties on P and Q (like Eq. (2)) does *not*
have this freedom: its cosines are fixed by the objective, and the diagnostic
then measures how much they would change under an objective that left the
scale free.

The SVD is computed without forming ``P Qᵀ``: thin QR factorisations
``P = Q_P R_P`` and ``Q = Q_Q R_Q``, then the SVD of the k × k core
``R_P R_Qᵀ``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import numpy as np

from .._validation import InvalidValue, as_factor, check_int, check_vector
from ..linalg.similarity import neighbour_overlap, shared_neighbours, top_n_from_similarity, unit_rows
from ..linalg.spectrum import column_signs

__all__ = ["ScoreSVD", "score_svd", "DiagnosticReport", "diagnose", "diagnostic_figure",
           "SCOPE_NOTE"]

SCOPE_NOTE = (
    "The family P' = U S^(1-gamma), Q' = V S^gamma is the freedom of objectives that depend "
    "on the factors only through the scores P Q^T (e.g. Eq. (1)); models trained with separate "
    "penalties on P and Q (e.g. Eq. (2)) do not have it, and any invertible k x k matrix C "
    "(P C, Q C^-T) gives still more equivalent factorisations."
)


@dataclass
class ScoreSVD:
    """Thin SVD ``P Qᵀ = U dMat(s) Vᵀ`` of the score matrix (rank r)."""

    U: np.ndarray  # (n, r)
    s: np.ndarray  # (r,)
    V: np.ndarray  # (p, r)


def _check_factors(P, Q):
    """Validate the user factors P (n × k) and item factors Q (p × k)."""
    P = as_factor(P, "P")
    Q = as_factor(Q, "Q")
    if P.shape[1] != Q.shape[1]:
        raise InvalidValue(
            f"P and Q must have the same number of columns k, got {P.shape[1]} and {Q.shape[1]}"
        )
    return P, Q


def score_svd(P, Q, *, rtol: float = 1e-10) -> ScoreSVD:
    """SVD of ``P Qᵀ`` via QR of P and Q and an SVD of the k × k core.

    Parameters
    ----------
    P : array_like, shape (n, k)
        User factors.
    Q : array_like, shape (p, k)
        Item factors.
    rtol : float
        Singular values ``<= rtol · s₁`` are dropped (rank r is what is left).

    Returns
    -------
    ScoreSVD
        ``U`` (n, r) and ``V`` (p, r) with orthonormal columns, ``s`` (r,)
        descending. Memory ``O((n + p) k)``: ``P Qᵀ`` is never formed.
    """
    P, Q = _check_factors(P, Q)
    Qp, Rp = np.linalg.qr(P)
    Qq, Rq = np.linalg.qr(Q)
    Uc, s, Vct = np.linalg.svd(Rp @ Rq.T)
    if s.size == 0 or s[0] == 0:
        raise InvalidValue("P Q^T is the zero matrix: there are no scores to diagnose")
    r = int(np.sum(s > rtol * s[0]))
    U = Qp @ Uc[:, :r]
    V = Qq @ Vct[:r].T
    # deterministic signs, the package's one convention (U flips with V)
    sign = column_signs(V)
    return ScoreSVD(U * sign, s[:r], V * sign)


@dataclass
class DiagnosticReport:
    """Result of :func:`diagnose` (all plain Python types, JSON-ready)."""

    n_users: int
    n_items: int
    k: int
    rank: int
    singular_values: list
    gammas: list
    n_neighbours: int
    overlap_with_given: list        # per γ: mean |N_γ(i) ∩ N_Q(i)| / n
    overlap_with_balanced: list     # per γ: same against γ = ½
    best_gamma_for_given: float     # γ whose neighbours agree most with the given Q
    stable_fraction_mean: float     # mean over items of |∩_γ N_γ(i)| / n
    stable_fraction_min: float
    union_size_mean: float          # mean over items of |∪_γ N_γ(i)|
    union_size_max: int
    most_variable_items: list       # items with the largest neighbour-set union
    most_variable_pairs: list       # [{i, j, min, max, gamma_min, gamma_max}]
    max_score_change: float         # max |P'_γ Q'_γᵀ − P Qᵀ| over γ and sampled entries
    item_union_size: list = field(default_factory=list)       # per item: |∪_γ N_γ(i)|
    item_stable_fraction: list = field(default_factory=list)  # per item: |∩_γ N_γ(i)| / n
    scope: str = field(default=SCOPE_NOTE)

    def to_dict(self) -> dict:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)


def _neighbour_lists(En, n: int, block: int) -> np.ndarray:
    """Top-n cosine neighbours of every row of the unit rows En, `block` rows at a time."""
    p = En.shape[0]
    out = np.empty((p, n), dtype=np.int64)
    for a in range(0, p, block):
        b = min(a + block, p)
        out[a:b] = top_n_from_similarity(En[a:b] @ En.T, n, self_index=np.arange(a, b))
    return out


def _neighbour_sets(Q, svd: ScoreSVD, gammas, n: int, block: int):
    """Unit rows ``Ω Q'_γ`` per γ, and the neighbour lists of Q, of each Q'_γ and of γ = ½."""
    V, s = svd.V, svd.s
    N_given = _neighbour_lists(unit_rows(Q)[0], n, block)
    Qs = [unit_rows(V * s**g)[0] for g in gammas]
    N = [_neighbour_lists(E, n, block) for E in Qs]
    N_half = _neighbour_lists(unit_rows(V * np.sqrt(s))[0], n, block)
    return Qs, N, N_given, N_half


def _stability(N, n: int):
    """Per item: size of the union of its neighbour lists over γ, and the share kept by all."""
    p = N[0].shape[0]
    stacked = np.concatenate(N, axis=1)  # (p, |γ| · n)
    union = np.array([np.unique(row).size for row in stacked])
    inter = np.ones((p, n), dtype=bool)
    for Ng in N[1:]:
        inter &= shared_neighbours(N[0], Ng)
    return union, inter.sum(axis=1) / n


def _block_pairs(Qs, gammas, a: int, b: int, n_pairs: int) -> list:
    """The `n_pairs` pairs i < j, i in rows a:b, whose cosine ranges most widely over γ."""
    p = Qs[0].shape[0]
    C = np.stack([E[a:b] @ E.T for E in Qs])  # (|γ|, rows, p)
    lo, hi = C.min(axis=0), C.max(axis=0)
    glo, ghi = C.argmin(axis=0), C.argmax(axis=0)
    rng = hi - lo
    rows = np.arange(a, b)[:, None]
    rng[np.arange(p)[None, :] <= rows] = -np.inf  # keep i < j only
    flat = rng.ravel()
    m = min(n_pairs, int(np.isfinite(flat).sum()))
    if m == 0:
        return []
    found = []
    for f_ in np.argpartition(-flat, m - 1)[:m]:
        r_, j = divmod(int(f_), p)
        found.append((float(flat[f_]), a + r_, j, float(lo[r_, j]), float(hi[r_, j]),
                      float(gammas[glo[r_, j]]), float(gammas[ghi[r_, j]])))
    return found


def _most_variable_pairs(Qs, gammas, n_pairs: int, block: int) -> list:
    """The item pairs whose cosine moves most over γ, as report entries, blockwise."""
    best = []  # (range, i, j, cmin, cmax, gmin, gmax)
    if n_pairs > 0:
        for a in range(0, Qs[0].shape[0], block):
            best.extend(_block_pairs(Qs, gammas, a, min(a + block, Qs[0].shape[0]), n_pairs))
        best.sort(key=lambda t: (-t[0], t[1], t[2]))
        best = best[:n_pairs]
    return [{"i": i, "j": j, "cos_range": r, "cos_min": lo_, "cos_max": hi_,
             "gamma_at_min": g1, "gamma_at_max": g2}
            for r, i, j, lo_, hi_, g1, g2 in best]


def _score_change(P, Q, svd: ScoreSVD, gammas) -> float:
    """max |P'_γ Q'_γᵀ − P Qᵀ| over γ on a sample of users: the scores must not move."""
    U, s, V = svd.U, svd.s, svd.V
    users = np.random.default_rng(0).integers(0, P.shape[0], size=min(200, P.shape[0]))
    scores = P[users] @ Q.T
    max_change = 0.0
    for g in gammas:
        Pg = U[users] * s ** (1.0 - g)
        max_change = max(max_change, float(np.abs(Pg @ (V * s**g).T - scores).max()))
    return max_change


def diagnose(P, Q, *, gammas=None, n_neighbours: int = 10, n_pairs: int = 10,
             block_size: int = 1024) -> DiagnosticReport:
    """How much do the item–item cosines of Q depend on an arbitrary rescaling?

    Parameters
    ----------
    P : array_like, shape (n, k)
        User factors (scores are ``P Qᵀ``).
    Q : array_like, shape (p, k)
        Item factors; their cosines are the ones being diagnosed.
    gammas : array_like, optional
        Exponents γ of the family ``Q'_γ = V S^γ``; default 11 values in [0, 1].
    n_neighbours : int
        Size of the nearest-neighbour sets, ``1 <= n_neighbours <= p − 1``.
    n_pairs : int
        How many most-variable item pairs to report.
    block_size : int
        Items per block when computing cosines (memory ``O(block · p)``).

    Returns
    -------
    DiagnosticReport

    Notes
    -----
    See the module docstring for the scope: the family covers objectives that
    depend only on ``P Qᵀ``.
    """
    P, Q = _check_factors(P, Q)
    p = Q.shape[0]
    if p < 2:
        raise InvalidValue(f"Q must have at least 2 items (rows), got {p}")
    n_neighbours = check_int(n_neighbours, "n_neighbours", 1, p - 1)
    n_pairs = check_int(n_pairs, "n_pairs", 0)
    block_size = check_int(block_size, "block_size", 1)
    gammas = np.unique(check_vector(np.linspace(0.0, 1.0, 11) if gammas is None else gammas,
                                    "gammas", min_size=2))
    svd = score_svd(P, Q)
    Qs, N, N_given, N_half = _neighbour_sets(Q, svd, gammas, n_neighbours, block_size)
    overlap_given = [float(neighbour_overlap(Ng, N_given).mean()) for Ng in N]
    overlap_half = [float(neighbour_overlap(Ng, N_half).mean()) for Ng in N]
    union, stable = _stability(N, n_neighbours)
    return DiagnosticReport(
        n_users=int(P.shape[0]), n_items=int(p), k=int(P.shape[1]), rank=int(svd.s.size),
        singular_values=[float(x) for x in svd.s], gammas=[float(g) for g in gammas],
        n_neighbours=n_neighbours, overlap_with_given=overlap_given,
        overlap_with_balanced=overlap_half,
        best_gamma_for_given=float(gammas[int(np.argmax(overlap_given))]),
        stable_fraction_mean=float(stable.mean()), stable_fraction_min=float(stable.min()),
        union_size_mean=float(union.mean()), union_size_max=int(union.max()),
        most_variable_items=[int(i) for i in np.argsort(-union, kind="stable")[: min(10, p)]],
        most_variable_pairs=_most_variable_pairs(Qs, gammas, n_pairs, block_size),
        max_score_change=_score_change(P, Q, svd, gammas),
        item_union_size=[int(u) for u in union],
        item_stable_fraction=[float(x) for x in stable],
    )


def diagnostic_figure(report: DiagnosticReport):
    """Two panels: neighbour overlap against γ, and the most variable pairs' cosine ranges."""
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.8), constrained_layout=True)
    cmap = plt.get_cmap("viridis")
    ax1.plot(report.gammas, report.overlap_with_given, "o-", color=cmap(0.15),
             label="vs the given Q")
    ax1.plot(report.gammas, report.overlap_with_balanced, "s--", color=cmap(0.7),
             label="vs γ = 1/2")
    ax1.set_xlabel(r"rescaling exponent $\gamma$  ($Q' = V S^{\gamma}$)")
    ax1.set_ylabel(f"mean top-{report.n_neighbours} overlap")
    ax1.set_ylim(0, 1.02)
    ax1.legend(loc="lower center")
    ax1.set_title("Item neighbourhoods along the family")
    pairs = report.most_variable_pairs
    if pairs:
        y = np.arange(len(pairs))
        lo = [q["cos_min"] for q in pairs]
        hi = [q["cos_max"] for q in pairs]
        ax2.hlines(y, lo, hi, color=cmap(0.35), lw=3)
        ax2.plot(lo, y, "o", color=cmap(0.0), label="min over γ")
        ax2.plot(hi, y, "o", color=cmap(0.85), label="max over γ")
        ax2.set_yticks(y, [f"({q['i']}, {q['j']})" for q in pairs])
        ax2.invert_yaxis()
        ax2.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, frameon=False)
    ax2.set_xlabel("cosine similarity of the item pair")
    ax2.set_ylabel("item pair (i, j)")
    ax2.set_xlim(-1.05, 1.05)
    ax2.set_title("Pairs whose cosine varies most")
    return fig
