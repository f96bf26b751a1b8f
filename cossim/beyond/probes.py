"""Probes of the full freedom ``(P M, Q M⁻ᵀ)`` of objectives that see only the scores ``P Qᵀ``.

Every invertible k × k matrix M gives factors ``P M`` and ``Q M⁻ᵀ`` with the
same scores, ``P M M⁻¹ Qᵀ = P Qᵀ``. The γ-family of :func:`cossim.diagnose`
is a one-parameter curve inside the diagonal M (in the basis of singular
vectors of the scores); the paper's D of Eq. (3) is any diagonal M in the
basis of the given latent dimensions; a general M is the whole freedom.
Without a bound on M the cosines of ``Q M⁻ᵀ`` can be made almost anything,
so the probes fix the condition number ``κ = ‖M‖₂ ‖M⁻¹‖₂``: each random M
has condition number exactly κ (κ = 1 leaves every cosine unchanged).

* diagonal: ``M = dMat(d)`` with ``log d`` drawn uniformly and stretched to
  span ``[−½ log κ, ½ log κ]``;
* general: ``M = O₁ dMat(d) O₂ᵀ`` with Haar-random orthogonal ``O₁, O₂`` and
  the same kind of ``d``.

Each probe reports the mean top-n overlap of the item neighbourhoods of
``Q M⁻ᵀ`` with those of the given Q and the largest change of an item–item
cosine; :func:`probe_family` keeps the worst of each over the probes. These
are attained by factorisations with identical scores, so they are bounds on
how arbitrary the cosines are: the true worst overlap at condition ≤ κ is at
most the reported one, the true largest swing at least the reported one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validation import InvalidValue, check_int, check_real
from ..linalg.similarity import neighbour_overlap, top_k_neighbours, unit_rows

__all__ = ["MAX_CONDITION", "ProbeResult", "random_condition_matrix", "max_cosine_change",
           "probe_family", "score_rounding_scale", "probe_score_bound"]

#: Largest κ accepted: above it the rounding of the probed scores (≈ κ k ε relative) would
#: exceed 1e-8 for k = 50, and "the scores are unchanged" could no longer be checked.
MAX_CONDITION = 1e6

EPS = float(np.finfo(np.float64).eps)


@dataclass
class ProbeResult:
    """Worst case over the random probes of one kind (plain Python types)."""

    kind: str                 # "diagonal" or "general"
    n_probes: int
    condition: float          # κ of every probe (exact up to rounding)
    overlaps: list            # per probe: mean top-n overlap with the given Q
    worst_overlap: float      # min of `overlaps`
    max_cos_swing: float      # max over probes and pairs i < j of |cos'(i, j) − cos_Q(i, j)|
    swing_pair: dict          # {i, j, cos_given, cos_probe} where the swing is largest
    max_score_change: float   # max |(P M)(Q M⁻ᵀ)ᵀ − P Qᵀ| over probes, sampled users


def _log_spread(k: int, kappa: float, rng) -> np.ndarray:
    """k positive numbers whose largest / smallest is exactly κ (all 1 when k = 1 or κ = 1)."""
    u = rng.random(k)
    if k == 1 or kappa == 1.0 or np.ptp(u) == 0:
        return np.ones(k)
    u = (u - u.min()) / np.ptp(u) - 0.5          # spans [−½, ½] exactly
    return np.exp(u * np.log(kappa))


def _haar_orthogonal(k: int, rng) -> np.ndarray:
    """A Haar-distributed orthogonal k × k matrix (QR of a Gaussian, signs fixed by R)."""
    Z, R = np.linalg.qr(rng.standard_normal((k, k)))
    return Z * np.where(np.diag(R) < 0, -1.0, 1.0)


def random_condition_matrix(k: int, kappa: float, rng, *, diagonal: bool):
    """A random invertible ``M`` (k × k) of condition number κ, and ``M⁻ᵀ``.

    Returns ``(M, M_inv_T)``, both built from their factors (no inversion).
    """
    d = _log_spread(k, kappa, rng)
    if diagonal:
        return np.diag(d), np.diag(1.0 / d)
    O1, O2 = _haar_orthogonal(k, rng), _haar_orthogonal(k, rng)
    return (O1 * d) @ O2.T, (O1 / d) @ O2.T


def max_cosine_change(E_ref, members, block: int = 1024, *, each=None) -> list:
    """Per member E: ``max |cos_E(i, j) − cos_ref(i, j)|`` over pairs i ≠ j, and the pair.

    `E_ref` and every E of `members` are unit rows (zero rows stay zero); the
    reference cosines are formed once per block of `block` rows. Returns one
    ``(change, i, j, cos_ref, cos_E)`` per member, with i < j. If given,
    ``each(a, m, C)`` is called with the cosines ``C`` of rows ``a:a + len(C)``
    of member m (members in order within each block), so that a caller can use
    them without forming them again; it must not modify C.
    """
    p = E_ref.shape[0]
    best = [(-1.0, 0, 1, 0.0, 0.0)] * len(members)
    for a in range(0, p, block):
        b = min(a + block, p)
        C_ref = E_ref[a:b] @ E_ref.T
        for m, E in enumerate(members):
            C = E[a:b] @ E.T
            diff = np.subtract(C, C_ref)
            np.abs(diff, out=diff)  # in place: |C − C_ref| without a second temporary
            diff[np.arange(b - a), np.arange(a, b)] = -1.0      # not the item itself
            r, j = np.unravel_index(int(np.argmax(diff)), diff.shape)
            if diff[r, j] > best[m][0]:
                best[m] = (float(diff[r, j]), a + int(r), int(j), float(C_ref[r, j]),
                           float(C[r, j]))
            if each is not None:
                each(a, m, C)
    return [(c, min(i, j), max(i, j), c_ref, c_e) for c, i, j, c_ref, c_e in best]


def _spectral_norm(A) -> float:
    """``‖A‖₂`` from the k × k Gram matrix (the largest eigenvalue of AᵀA, to rounding)."""
    return float(np.sqrt(max(np.linalg.eigvalsh(A.T @ A)[-1], 0.0)))


def score_rounding_scale(P, Q) -> float:
    """``k ε ‖P‖₂ ‖Q‖₂``: the rounding error of a k-term dot product of the largest size.

    A score is ``p_u · q_i`` with ``|p_u · q_i| <= ‖P‖₂ ‖Q‖₂``; computing it in
    floating point errs by at most ``k ε ‖p_u‖ ‖q_i‖`` (Higham, Thm 3.1, to first order).
    """
    return P.shape[1] * EPS * _spectral_norm(P) * _spectral_norm(Q)


def probe_score_bound(P, Q, kappa: float) -> float:
    """Rounding bound for ``(P M)(Q M⁻ᵀ)ᵀ − P Qᵀ`` entrywise, ``cond(M) = κ``.

    Forming ``p M`` and ``q M⁻ᵀ`` errs by at most ``k ε ‖p‖ ‖|M|‖₂ <= k ε √k ‖p‖ ‖M‖₂``
    each; propagated through the other factor (``‖M⁻¹‖₂``) each costs
    ``√k κ`` times the rounding scale; the final dot product and the
    reference scores one κ and one more each. Total ``(2√k + 2) κ`` times
    :func:`score_rounding_scale`.
    """
    k = P.shape[1]
    return (2.0 * np.sqrt(k) + 2.0) * kappa * score_rounding_scale(P, Q)


def _probe_members(P_users, Q, scores, N_given, matrices, n: int):
    """Per probe (P M, Q M⁻ᵀ): unit rows, overlap with Q's neighbours and score change."""
    units, overlaps, changes = [], [], []
    for M, M_inv_T in matrices:
        Qm = Q @ M_inv_T
        units.append(unit_rows(Qm)[0])
        overlaps.append(float(neighbour_overlap(top_k_neighbours(Qm, n), N_given).mean()))
        changes.append(float(np.abs((P_users @ M) @ Qm.T - scores).max()))
    return units, overlaps, changes


def probe_family(P, Q, N_given, *, kind: str, kappa: float, n_probes: int, seed: int,
                 users, block: int = 1024) -> ProbeResult:
    """Worst overlap, largest cosine swing and largest score change over random probes.

    Parameters
    ----------
    P, Q : ndarray, shapes (n, k) and (p, k)
        The given factors (validated by the caller).
    N_given : ndarray of int, shape (p, n_neighbours)
        Top-n cosine neighbours of the rows of Q (:func:`top_k_neighbours`).
    kind : {"diagonal", "general"}
    kappa : float
        Condition number of every probe, ``1 <= κ <= MAX_CONDITION``.
    n_probes : int
        Number of random matrices (``>= 1``).
    seed : int
        Seed of ``numpy.random.default_rng`` (the diagonal and general probes
        use the streams ``[seed, 0]`` and ``[seed, 1]``).
    users : ndarray of int
        The sampled users whose scores are compared.
    """
    if kind not in ("diagonal", "general"):
        raise InvalidValue(f"kind must be 'diagonal' or 'general', got {kind!r}")
    kappa = check_real(kappa, "max_condition", 1.0, MAX_CONDITION)
    n_probes = check_int(n_probes, "n_probes", 1)
    rng = np.random.default_rng([seed, 0 if kind == "diagonal" else 1])
    matrices = [random_condition_matrix(Q.shape[1], kappa, rng, diagonal=kind == "diagonal")
                for _ in range(n_probes)]
    users = np.asarray(users)
    units, overlaps, changes = _probe_members(P[users], Q, P[users] @ Q.T, N_given, matrices,
                                              N_given.shape[1])
    swings = max_cosine_change(unit_rows(Q)[0], units, block)
    change, i, j, c_ref, c = max(swings, key=lambda s: (s[0], -s[1], -s[2]))
    return ProbeResult(kind=kind, n_probes=n_probes, condition=float(kappa), overlaps=overlaps,
                       worst_overlap=min(overlaps), max_cos_swing=change,
                       swing_pair={"i": i, "j": j, "cos_given": c_ref, "cos_probe": c},
                       max_score_change=max(changes))
