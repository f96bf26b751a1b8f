"""A diagnostic for anyone's embeddings: how arbitrary are my cosine similarities?

Given user factors P (n × k) and item factors Q (p × k) whose scores are
``P Qᵀ``, every factorisation ``P' Q'ᵀ = P Qᵀ`` scores every user–item pair
identically. An objective that depends on the factors only through ``P Qᵀ``
(like Eq. (1), or any loss on the scores without a penalty on the factors)
cannot tell them apart: its freedom is every invertible k × k matrix M,
``(P M, Q M⁻ᵀ)``. The diagnostic explores two parts of it.

1. The γ-family. With the thin SVD ``P Qᵀ = U S Vᵀ`` (rank r ≤ k),

       ``P'_γ = U S^{1−γ}``,  ``Q'_γ = V S^{γ}``,   default γ ∈ [0, 1]:

   γ = 0 puts all the scale on the users, γ = 1 on the items, γ = ½ is the
   balanced split that Eq. (2)'s weight decay picks. The exponent is on the
   singular values S *of the scores*; Chapter 5's slider puts it on Eq. (1)'s
   shrinkage factors m instead (for Eq. (1), ``S = σ m``), so the two γ
   agree only at γ = 0. This family is a one-parameter curve inside the
   diagonal rescalings of the singular basis.
2. Random probes (:mod:`cossim.beyond.probes`): diagonal ``M = D`` (the
   paper's Eq. (3) in the given latent basis) and general M, each with a
   stated condition number κ.

Every number is attained by a factorisation with the same scores, so each is
a bound on how arbitrary the cosines are: the worst overlap found is an upper
bound on the worst overlap possible, the largest cosine swing found a lower
bound on the largest swing possible (at condition ≤ κ for the probes; the
whole freedom, unbounded κ, can do more). A model trained with separate
penalties on P and Q (like Eq. (2)) does *not* have this freedom: its cosines
are fixed by the objective, and the diagnostic then measures how much they
would move under an objective that left the factorisation free.

The given Q need not be a member of the γ-family (Eq. (1)'s symmetric factors
``V_k m^½`` are not): ``best_overlap_with_given`` and
``min_cos_gap_to_family`` say how close the nearest member on the grid is.

The SVD is computed without forming ``P Qᵀ``: thin QR factorisations
``P = Q_P R_P`` and ``Q = Q_Q R_Q``, then the SVD of the k × k core
``R_P R_Qᵀ``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import numpy as np

from .._validation import InvalidValue, as_factor, check_int, check_real, check_vector
from ..linalg.similarity import neighbour_overlap, shared_neighbours, top_k_neighbours, unit_rows
from ..linalg.spectrum import column_signs
from .probes import MAX_CONDITION, max_cosine_change, probe_family, probe_score_bound

__all__ = ["ScoreSVD", "score_svd", "DiagnosticReport", "diagnose", "diagnostic_figure",
           "SCOPE_NOTE", "DEFAULT_MAX_CONDITION"]

SCOPE_NOTE = (
    "Objectives that depend on the factors only through the scores P Q^T (e.g. Eq. (1)) are "
    "invariant under every invertible k x k matrix M: (P M, Q M^-T). The gamma-family "
    "P' = U S^(1-gamma), Q' = V S^gamma is a one-parameter curve inside that freedom, and the "
    "probes are random diagonal and general M of condition number max_condition; every number "
    "is attained with the same scores, so overlaps are upper bounds on the worst overlap and "
    "cosine swings lower bounds on the largest swing. Models trained with separate penalties "
    "on P and Q (e.g. Eq. (2)) do not have this freedom."
)

#: Default condition number of the random probes: each latent direction rescaled by at most
#: a factor √10 ≈ 3.2 up or down, less than the spread of the singular values of typical scores.
DEFAULT_MAX_CONDITION = 10.0


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
    """Result of :func:`diagnose` (all plain Python types, JSON-ready).

    Overlaps found are upper bounds on the worst overlap over all factorisations
    with the same scores; cosine swings found are lower bounds on the largest
    swing (see the module docstring).
    """

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
    best_overlap_with_given: float  # that overlap (1 only if Q's neighbours are a member's)
    cos_change_with_given: list     # per γ: max over pairs |cos_γ(i, j) − cos_Q(i, j)|
    min_cos_gap_to_family: float    # min over γ of cos_change_with_given (0 for a member)
    gamma_max_cos_swing: float      # max of cos_change_with_given
    gamma_condition: list           # per γ: condition number of C_γ with Q C_γ = Q'_γ
    stable_fraction_mean: float     # mean over items of |∩_γ N_γ(i)| / n
    stable_fraction_min: float
    union_size_mean: float          # mean over items of |∪_γ N_γ(i)|
    union_size_max: int
    most_variable_items: list       # items with the largest neighbour-set union
    most_variable_pairs: list       # [{i, j, min, max, gamma_min, gamma_max}]
    max_score_change: float         # max |P'_γ Q'_γᵀ − P Qᵀ| over γ and sampled entries
    score_change_bound: float       # rounding bound for it, (2√k + 2) k ε ‖P‖₂ ‖Q‖₂
    max_condition: float = 1.0      # κ of every random probe
    n_probes: int = 0               # probes of each kind
    seed: int = 0                   # seed of the probes
    probes: dict = field(default_factory=dict)  # "diagonal"/"general" -> ProbeResult as dict
    probe_max_score_change: float = 0.0  # max |(P M)(Q M⁻ᵀ)ᵀ − P Qᵀ| over all probes
    probe_score_change_bound: float = 0.0  # its rounding bound, (2√k + 2) κ k ε ‖P‖₂ ‖Q‖₂
    item_union_size: list = field(default_factory=list)       # per item: |∪_γ N_γ(i)|
    item_stable_fraction: list = field(default_factory=list)  # per item: |∩_γ N_γ(i)| / n
    scope: str = field(default=SCOPE_NOTE)

    def to_dict(self) -> dict:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)


def _neighbour_lists(E, n: int, block: int) -> np.ndarray:
    """Top-n cosine neighbours of every row of E (ties by the smaller index), blockwise."""
    return top_k_neighbours(E, n, block_size=block)


def _neighbour_sets(Q, svd: ScoreSVD, gammas, n: int, block: int):
    """Unit rows ``Ω Q'_γ`` per γ, and the neighbour lists of Q, of each Q'_γ and of γ = ½."""
    V, s = svd.V, svd.s
    N_given = _neighbour_lists(Q, n, block)
    members = [V * s**g for g in gammas]
    N = [_neighbour_lists(Qg, n, block) for Qg in members]
    half = V * np.sqrt(s)
    # γ = ½ on the grid gives the same array bit for bit (s**0.5 is √s): its lists are N's
    same = [m for m, Qg in enumerate(members) if _same_bits(Qg, half)]
    N_half = N[same[0]] if same else _neighbour_lists(half, n, block)
    return [unit_rows(Qg)[0] for Qg in members], N, N_given, N_half


def _same_bits(A, B) -> bool:
    """Are the float arrays A and B identical bit for bit (signed zeros included)?"""
    return A.shape == B.shape and np.array_equal(A.view(np.uint64), B.view(np.uint64))


def _stability(N, n: int):
    """Per item: size of the union of its neighbour lists over γ, and the share kept by all."""
    first, *rest = N
    stacked = np.concatenate(N, axis=1)  # (p, |γ| · n)
    union = np.array([np.unique(row).size for row in stacked])
    inter = np.ones(first.shape, dtype=bool)  # (p, n)
    for Ng in rest:
        inter &= shared_neighbours(first, Ng)
    return union, inter.sum(axis=1) / n


class _PairRanges:
    """Each pair's smallest and largest cosine over the γ-family, one block of rows at a time.

    Called as ``ranges(a, m, C)`` with the cosines C of rows ``a:a + len(C)`` of
    every member m in turn (the `each` of :func:`max_cosine_change`). A running
    minimum and maximum, with the first γ that attains each (strict comparisons),
    equal ``min``, ``max``, ``argmin`` and ``argmax`` over the stacked members
    without forming the stack. After the last member the block's `n_pairs`
    widest pairs go to ``found`` (:func:`_widest_pairs`).
    """

    def __init__(self, gammas, n_pairs: int):
        self.gammas, self.n_pairs, self.found = gammas, n_pairs, []

    def __call__(self, a: int, m: int, C) -> None:
        if m == 0:
            self.lo, self.hi = C.copy(), C.copy()
            self.glo = np.zeros(C.shape, dtype=np.intp)
            self.ghi = np.zeros(C.shape, dtype=np.intp)
        else:
            moved = C < self.lo
            self.glo[moved] = m
            np.minimum(self.lo, C, out=self.lo)
            np.greater(C, self.hi, out=moved)
            self.ghi[moved] = m
            np.maximum(self.hi, C, out=self.hi)
        if m == len(self.gammas) - 1:
            self.found.extend(_widest_pairs(self.lo, self.hi, self.glo, self.ghi, self.gammas,
                                            a, self.n_pairs))


def _widest_pairs(lo, hi, glo, ghi, gammas, a: int, n_pairs: int) -> list:
    """The `n_pairs` pairs i < j, i in rows ``a:a + len(lo)``, whose cosine ranges most widely.

    `lo`, `hi` are each pair's smallest and largest cosine over γ, `glo`, `ghi`
    the indices of the γ attaining them. Pairs with equal ranges are taken by
    the smaller (i, j), also at the cut.
    """
    p = lo.shape[1]
    rng = hi - lo
    rows = np.arange(a, a + lo.shape[0])[:, None]
    rng[np.arange(p)[None, :] <= rows] = -np.inf  # keep i < j only
    flat = rng.ravel()
    m = min(n_pairs, int(np.isfinite(flat).sum()))
    if m == 0:
        return []
    # the m-th largest range (entry size − m in ascending order), then every entry at least
    # that large (all ties at the cut), ordered by decreasing range, ties by the flat index,
    # i.e. by (i, j)
    kth = flat.size - m
    cut = np.partition(flat, kth)[kth]
    candidates = np.flatnonzero(flat >= cut)
    found = []
    for f_ in candidates[np.lexsort((candidates, -flat[candidates]))][:m]:
        r_, j = divmod(int(f_), p)
        found.append((float(flat[f_]), a + r_, j, float(lo[r_, j]), float(hi[r_, j]),
                      float(gammas[glo[r_, j]]), float(gammas[ghi[r_, j]])))
    return found


def _pair_entries(found, n_pairs: int) -> list:
    """The `n_pairs` widest of the blocks' pairs, as report entries (ties by (i, j))."""
    best = sorted(found, key=lambda t: (-t[0], t[1], t[2]))[:n_pairs] if n_pairs > 0 else []
    return [{"i": i, "j": j, "cos_range": r, "cos_min": lo_, "cos_max": hi_,
             "gamma_at_min": g1, "gamma_at_max": g2}
            for r, i, j, lo_, hi_, g1, g2 in best]


def _sample_users(n: int, seed: int) -> np.ndarray:
    """The (up to 200) users whose scores are compared, drawn with `seed`."""
    return np.random.default_rng(seed).integers(n, size=min(200, n))  # in [0, n)


def _score_change(P, Q, svd: ScoreSVD, gammas, users) -> float:
    """max |P'_γ Q'_γᵀ − P Qᵀ| over γ on the sampled users: the scores must not move."""
    U, s, V = svd.U, svd.s, svd.V
    scores = P[users] @ Q.T
    max_change = 0.0
    for g in gammas:
        Pg = U[users] * s ** (1.0 - g)
        max_change = max(max_change, float(np.abs(Pg @ (V * s**g).T - scores).max()))
    return max_change


def _family_vs_given(Q, E_members, N, N_given, gammas, n_pairs: int, block: int):
    """Per γ: overlap with the given Q's neighbours and the largest cosine change from Q's;
    and the `n_pairs` pairs whose cosine moves most over γ (from the same cosines)."""
    E_given = unit_rows(Q)[0]
    overlap = [float(neighbour_overlap(Ng, N_given).mean()) for Ng in N]
    ranges = _PairRanges(gammas, n_pairs) if n_pairs > 0 else None
    change = [c[0] for c in max_cosine_change(E_given, E_members, block, each=ranges)]
    return overlap, change, _pair_entries(ranges.found if ranges else [], n_pairs)


def _gamma_conditions(Q, svd: ScoreSVD, gammas) -> list:
    """Per γ: condition number of the k × r map C_γ with ``Q C_γ = Q'_γ = V S^γ``.

    ``V`` lies in the column space of Q, so C_γ is the least-squares solution,
    computed from the thin QR ``Q = Q_Q R_Q`` (k × k systems only). It is the
    κ a probe ``Q M⁻ᵀ`` needs to reach that member from the given Q.
    """
    Qq, Rq = np.linalg.qr(Q)
    core = Qq.T @ svd.V
    conds = []
    for g in gammas:
        C = np.linalg.lstsq(Rq, core * svd.s**g)[0]
        sv = np.linalg.svdvals(C)
        # C has full column rank r: Q C = V S^γ has rank r (every kept s > 0), so sv[-1] > 0
        conds.append(float(sv[0] / sv[-1]))
    return conds


def _probes(P, Q, N_given, kappa, n_probes, seed, users, block) -> dict:
    """Worst cases of the diagonal and the general probes (empty when n_probes = 0)."""
    if n_probes == 0:
        return {}
    return {kind: asdict(probe_family(P, Q, N_given, kind=kind, kappa=kappa, n_probes=n_probes,
                                      seed=seed, users=users, block=block))
            for kind in ("diagonal", "general")}


def diagnose(P, Q, *, gammas=None, n_neighbours: int = 10, n_pairs: int = 10,
             block_size: int = 1024, max_condition: float = DEFAULT_MAX_CONDITION,
             n_probes: int = 8, seed: int = 0) -> DiagnosticReport:
    """How much do the item–item cosines of Q depend on a factorisation with the same scores?

    Parameters
    ----------
    P : array_like, shape (n, k)
        User factors (scores are ``P Qᵀ``).
    Q : array_like, shape (p, k)
        Item factors; their cosines are the ones being diagnosed.
    gammas : array_like, optional
        Exponents γ of the family ``Q'_γ = V S^γ`` (S: singular values of the
        scores); default 11 values in [0, 1], the splits between all scale on
        the users (γ = 0) and all on the items (γ = 1).
    n_neighbours : int
        Size of the nearest-neighbour sets, ``1 <= n_neighbours <= p − 1``.
    n_pairs : int
        How many most-variable item pairs to report.
    block_size : int
        Items per block when computing cosines (memory ``O(block · p)``),
        default 1024.
    max_condition : float
        Condition number κ of the random probes ``(P M, Q M⁻ᵀ)``,
        ``1 <= κ <= 1e6`` (:data:`cossim.beyond.probes.MAX_CONDITION`).
    n_probes : int
        Random matrices M of each kind (diagonal, general); 0 skips the probes.
    seed : int
        Seed of the probes and of the sampled users (deterministic).

    Returns
    -------
    DiagnosticReport

    Notes
    -----
    The γ-family and the probes are parts of the freedom ``(P M, Q M⁻ᵀ)`` of
    objectives that depend only on ``P Qᵀ`` (Eq. (3) is its diagonal part), so
    every overlap reported bounds the worst overlap from above and every cosine
    swing bounds the largest swing from below.
    """
    P, Q = _check_factors(P, Q)
    p = Q.shape[0]
    if p < 2:
        raise InvalidValue(f"Q must have at least 2 items (rows), got {p}")
    n_neighbours = check_int(n_neighbours, "n_neighbours", 1, p - 1)
    n_pairs = check_int(n_pairs, "n_pairs", 0)
    block_size = check_int(block_size, "block_size", 1)
    max_condition = check_real(max_condition, "max_condition", 1.0, MAX_CONDITION)
    n_probes = check_int(n_probes, "n_probes", 0)
    seed = check_int(seed, "seed", 0)
    gammas = np.unique(check_vector(np.linspace(0.0, 1.0, 11) if gammas is None else gammas,
                                    "gammas", min_size=2))
    svd = score_svd(P, Q)
    Es, N, N_given, N_half = _neighbour_sets(Q, svd, gammas, n_neighbours, block_size)
    overlap_given, cos_change, pairs = _family_vs_given(Q, Es, N, N_given, gammas, n_pairs,
                                                        block_size)
    union, stable = _stability(N, n_neighbours)
    users = _sample_users(P.shape[0], seed)
    probes = _probes(P, Q, N_given, max_condition, n_probes, seed, users, block_size)
    best = int(np.argmax(overlap_given))
    return DiagnosticReport(
        n_users=int(P.shape[0]), n_items=int(p), k=int(P.shape[1]), rank=int(svd.s.size),
        singular_values=[float(x) for x in svd.s], gammas=[float(g) for g in gammas],
        n_neighbours=n_neighbours, overlap_with_given=overlap_given,
        overlap_with_balanced=[float(neighbour_overlap(Ng, N_half).mean()) for Ng in N],
        best_gamma_for_given=float(gammas[best]), best_overlap_with_given=overlap_given[best],
        cos_change_with_given=cos_change, min_cos_gap_to_family=min(cos_change),
        gamma_max_cos_swing=max(cos_change), gamma_condition=_gamma_conditions(Q, svd, gammas),
        stable_fraction_mean=float(stable.mean()), stable_fraction_min=float(stable.min()),
        union_size_mean=float(union.mean()), union_size_max=int(union.max()),
        most_variable_items=[int(i) for i in np.argsort(-union, stable=True)[: min(10, p)]],
        most_variable_pairs=pairs,
        max_score_change=_score_change(P, Q, svd, gammas, users),
        score_change_bound=probe_score_bound(P, Q, 1.0),
        max_condition=max_condition, n_probes=n_probes, seed=seed, probes=probes,
        probe_max_score_change=max((r["max_score_change"] for r in probes.values()), default=0.0),
        probe_score_change_bound=probe_score_bound(P, Q, max_condition),
        item_union_size=[int(u) for u in union],
        item_stable_fraction=[float(x) for x in stable],
    )


# the figure of a report lives with the plotting code; re-exported here, where it always was
from .diagnostic_plot import diagnostic_figure  # noqa: E402
