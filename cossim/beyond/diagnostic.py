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
import numbers
from dataclasses import asdict, dataclass, field

import numpy as np

from .._validation import as_factor

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
    P = as_factor(P, "P")
    Q = as_factor(Q, "Q")
    if P.shape[1] != Q.shape[1]:
        raise ValueError(
            f"P and Q must have the same number of columns k, got {P.shape[1]} and {Q.shape[1]}"
        )
    Qp, Rp = np.linalg.qr(P)
    Qq, Rq = np.linalg.qr(Q)
    Uc, s, Vct = np.linalg.svd(Rp @ Rq.T)
    if s.size == 0 or s[0] == 0:
        raise ValueError("P Q^T is the zero matrix: there are no scores to diagnose")
    r = int(np.sum(s > rtol * s[0]))
    U = Qp @ Uc[:, :r]
    V = Qq @ Vct[:r].T
    # deterministic signs: largest |entry| of each column of V positive
    piv = np.argmax(np.abs(V), axis=0)
    sign = np.sign(V[piv, np.arange(r)])
    sign[sign == 0] = 1.0
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


def _check_int(value, name, low, high=None):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < low or (high is not None and value > high):
        bound = f"{low} <= {name} <= {high}" if high is not None else f"{name} >= {low}"
        raise ValueError(f"{name} must satisfy {bound}, got {value}")
    return int(value)


def _check_gammas(gammas):
    g = np.asarray(gammas)
    if g.dtype == object or not np.issubdtype(g.dtype, np.number) or np.iscomplexobj(g):
        raise TypeError("gammas must be real numbers")
    g = np.asarray(g, dtype=np.float64)
    if g.ndim != 1 or g.size < 2:
        raise ValueError(f"gammas must be a 1-D array of at least 2 values, got shape {g.shape}")
    if not np.all(np.isfinite(g)):
        raise ValueError("gammas contains NaN or inf")
    return np.unique(g)


def _normalise(E):
    norms = np.linalg.norm(E, axis=1)
    out = np.zeros_like(E)
    nz = norms > 0
    out[nz] = E[nz] / norms[nz, None]
    return out


def _neighbours(En, n, block):
    p = En.shape[0]
    out = np.empty((p, n), dtype=np.int64)
    for a in range(0, p, block):
        b = min(a + block, p)
        S = En[a:b] @ En.T
        S[np.arange(b - a), np.arange(a, b)] = -np.inf
        out[a:b] = np.argsort(-S, axis=1, kind="stable")[:, :n]
    return out


def _overlap(N1, N2):
    return (N1[:, :, None] == N2[:, None, :]).any(axis=2).sum(axis=1) / N1.shape[1]


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
    P = as_factor(P, "P")
    Q = as_factor(Q, "Q")
    if P.shape[1] != Q.shape[1]:
        raise ValueError(
            f"P and Q must have the same number of columns k, got {P.shape[1]} and {Q.shape[1]}"
        )
    p = Q.shape[0]
    if p < 2:
        raise ValueError(f"Q must have at least 2 items (rows), got {p}")
    n_neighbours = _check_int(n_neighbours, "n_neighbours", 1, p - 1)
    n_pairs = _check_int(n_pairs, "n_pairs", 0)
    block_size = _check_int(block_size, "block_size", 1)
    gammas = _check_gammas(np.linspace(0.0, 1.0, 11) if gammas is None else gammas)
    svd = score_svd(P, Q)
    U, s, V = svd.U, svd.s, svd.V

    # neighbour sets per γ and for the given Q
    Qn = _normalise(Q)
    N_given = _neighbours(Qn, n_neighbours, block_size)
    Qs = [_normalise(V * s**g) for g in gammas]
    N = [_neighbours(E, n_neighbours, block_size) for E in Qs]
    N_half = _neighbours(_normalise(V * np.sqrt(s)), n_neighbours, block_size)
    overlap_given = [float(_overlap(Ng, N_given).mean()) for Ng in N]
    overlap_half = [float(_overlap(Ng, N_half).mean()) for Ng in N]

    stacked = np.concatenate(N, axis=1)  # (p, |γ| · n)
    union = np.array([np.unique(row).size for row in stacked])
    inter = np.ones((p, n_neighbours), dtype=bool)
    for Ng in N[1:]:
        inter &= (N[0][:, :, None] == Ng[:, None, :]).any(axis=2)
    stable = inter.sum(axis=1) / n_neighbours
    worst_items = np.argsort(-union, kind="stable")[: min(10, p)]

    # pairs i < j whose cosine moves most over γ, blockwise
    best = []  # (range, i, j, cmin, cmax, gmin, gmax)
    if n_pairs > 0:
        for a in range(0, p, block_size):
            b = min(a + block_size, p)
            C = np.stack([E[a:b] @ E.T for E in Qs])  # (|γ|, rows, p)
            lo, hi = C.min(axis=0), C.max(axis=0)
            glo, ghi = C.argmin(axis=0), C.argmax(axis=0)
            rng = hi - lo
            rows = np.arange(a, b)[:, None]
            rng[np.arange(p)[None, :] <= rows] = -np.inf  # keep i < j only
            flat = rng.ravel()
            m = min(n_pairs, int(np.isfinite(flat).sum()))
            if m == 0:
                continue
            idx = np.argpartition(-flat, m - 1)[:m]
            for f_ in idx:
                r_, j = divmod(int(f_), p)
                best.append((float(flat[f_]), a + r_, j, float(lo[r_, j]), float(hi[r_, j]),
                             float(gammas[glo[r_, j]]), float(gammas[ghi[r_, j]])))
        best.sort(key=lambda t: (-t[0], t[1], t[2]))
        best = best[:n_pairs]
    pairs = [{"i": i, "j": j, "cos_range": r, "cos_min": lo_, "cos_max": hi_,
              "gamma_at_min": g1, "gamma_at_max": g2}
             for r, i, j, lo_, hi_, g1, g2 in best]

    # sanity: the scores are the same for every γ (checked on a sample of entries)
    rng_ = np.random.default_rng(0)
    users = rng_.integers(0, P.shape[0], size=min(200, P.shape[0]))
    scores = P[users] @ Q.T
    max_change = 0.0
    for g in gammas:
        Pg = U[users] * s ** (1.0 - g)
        max_change = max(max_change, float(np.abs(Pg @ (V * s**g).T - scores).max()))

    return DiagnosticReport(
        n_users=int(P.shape[0]), n_items=int(p), k=int(P.shape[1]), rank=int(s.size),
        singular_values=[float(x) for x in s], gammas=[float(g) for g in gammas],
        n_neighbours=n_neighbours, overlap_with_given=overlap_given,
        overlap_with_balanced=overlap_half,
        best_gamma_for_given=float(gammas[int(np.argmax(overlap_given))]),
        stable_fraction_mean=float(stable.mean()), stable_fraction_min=float(stable.min()),
        union_size_mean=float(union.mean()), union_size_max=int(union.max()),
        most_variable_items=[int(i) for i in worst_items], most_variable_pairs=pairs,
        max_score_change=max_change,
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
