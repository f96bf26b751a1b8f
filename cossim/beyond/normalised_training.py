"""Remedy 1 of the paper's §3 as the paper frames it: cosine similarity built into training.

The paper suggests training "with respect to cosine similarity", for which
layer normalisation (Ba, Kiros & Hinton 2016) may help. Two such models,
beside the item–item cosine model of :mod:`cossim.paper.cosine_model`:

* **Unit-norm items** (:func:`objective_unit_items`, :func:`fit_unit_items`):
  Eq. (1) with the item embeddings forced onto the unit sphere,
  ``‖X − XA(Ω_B B)ᵀ‖² + λ‖A(Ω_B B)ᵀ‖²``. The score of item i for user u is
  ``⟨x_u A, b_i⟩/‖b_i‖ = ‖x_u A‖ cos(x_u A, b_i)``, so each user's ranking of
  the items is the ranking by user–item cosine. The loss needs only ``G = XᵀX``.
  For fixed B the best A is a ridge regression, ``A = (G + λI)⁻¹G B̃ (B̃ᵀB̃)⁻¹``
  with ``B̃ = Ω_B B``, and substituting it leaves a function of B alone,
  ``tr G − tr((B̃ᵀB̃)⁻¹ B̃ᵀ H B̃)`` with ``H = G(G + λI)⁻¹G``, which
  :func:`fit_unit_items` minimises by L-BFGS (variable projection).
* **Two towers with user normalisation** (:func:`fit_two_tower`): user u's
  embedding ``h_u = x_u A`` is normalised — to unit length (``"unit"``) or by
  layer normalisation without (``gain=False``) or with (``gain=True``) its
  learned per-dimension gain g — and the score is ``⟨z_u, b̃_i⟩`` with
  ``z_u = s·N(h_u)`` or ``g ⊙ N(h_u)`` and ``b̃_i = b_i/‖b_i‖`` (``item_norm``)
  or ``b_i``. With unit users and items the score is ``s cos(x_u A, b_i)``.
  The loss is the mean squared error over all n·p entries. It needs every
  user's embedding, so it costs O(nnz(X)·k) per evaluation.

Whether a rescaling D is still free is a matter of the parametrisation: the
normalisations make ``(AD, BD⁻¹)`` change the loss, but a layer-norm gain g
is a diagonal D of its own — ``(g ⊙ d, B/d)`` leaves every score of an
un-normalised item tower unchanged (:func:`rescale_two_tower`,
:func:`two_tower_rescaling_check`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._validation import (
    InvalidType,
    InvalidValue,
    as_dense_matrix,
    as_factor,
    as_matrix,
    check_choice,
    check_gram_factors,
    check_int,
    check_lambda,
    check_rank,
    check_real,
    check_scaling_vector,
)
from ..linalg.similarity import item_item_cosine, unit_rows
from ..paper.remedies import RescalingCheck
from ._fitting import FitInfo, lbfgs, one_blas_thread

__all__ = [
    "objective_unit_items",
    "unit_item_best_a",
    "UnitItemModel",
    "fit_unit_items",
    "TwoTower",
    "two_tower_objective",
    "two_tower_gradient",
    "fit_two_tower",
    "rescale_two_tower",
    "two_tower_rescaling_check",
    "USER_NORMS",
]

#: Normalisations of the user embedding ``x_u A`` in :func:`fit_two_tower`.
USER_NORMS = ("unit", "layer")


def _normalise_backward(g, En, inv):
    """Gradient through ``E → E/‖E‖`` per row: ``(g − En⟨En, g⟩)/‖E‖``."""
    return (g - En * np.einsum(En, [0, 1], g, [0, 1], [0])[:, None]) * inv[:, None]  # "ij,ij->i"


# --------------------------------------------------------------------------
# Unit-norm items, Gram form
# --------------------------------------------------------------------------

def objective_unit_items(G, A, B, lam) -> float:
    """Eq. (1) with unit-norm item embeddings: ``‖X − XA(Ω_B B)ᵀ‖² + λ‖A(Ω_B B)ᵀ‖²``.

    From ``G = XᵀX``: ``tr G − 2tr(AᵀGB̃) + tr(AᵀGA·B̃ᵀB̃) + λ tr(AᵀA·B̃ᵀB̃)``, ``B̃ = Ω_B B``.
    """
    G, A, B = check_gram_factors(G, A, B)
    lam = check_lambda(lam)
    Bn, _ = unit_rows(B)
    GA, BtB = G @ A, Bn.T @ Bn
    return float(np.trace(G) - 2.0 * np.sum(GA * Bn) + np.sum((A.T @ GA + lam * (A.T @ A)) * BtB))


class _Ridge(NamedTuple):
    """``R = (G + λI)⁻¹G`` and ``H = G(G + λI)⁻¹G`` from one eigen-decomposition of G."""

    R: np.ndarray
    H: np.ndarray
    trace: float


def _ridge(G, lam) -> _Ridge:
    with one_blas_thread():
        w, V = np.linalg.eigh(0.5 * (G + G.T))
    w = np.clip(w, 0.0, None)
    shrink = w / np.where(w + lam > 0, w + lam, np.inf)  # 0 where w + λ = 0 (λ = 0, G singular)
    return _Ridge((V * shrink) @ V.T, (V * (w * shrink)) @ V.T, float(np.trace(G)))


def _best_a(ridge: _Ridge, Bn):
    return np.linalg.solve(Bn.T @ Bn, (ridge.R @ Bn).T).T


def _check_g(G) -> np.ndarray:
    G = as_dense_matrix(G, "G")
    if G.shape[0] != G.shape[1]:
        raise InvalidValue(f"G must be square (p × p, the Gram matrix XᵀX), got shape {G.shape}")
    return G


def unit_item_best_a(G, B, lam) -> np.ndarray:
    """The A minimising :func:`objective_unit_items` for fixed B: ``(G + λI)⁻¹G B̃ (B̃ᵀB̃)⁻¹``.

    Requires ``B̃ = Ω_B B`` of full column rank (and ``G + λI`` invertible).
    """
    G = _check_g(G)
    B = as_factor(B, "B", rows=len(G))
    Bn, _ = unit_rows(B)
    if np.linalg.matrix_rank(Bn) < Bn.shape[1]:
        raise InvalidValue("B must have full column rank after normalising its rows")
    return _best_a(_ridge(G, check_lambda(lam)), Bn)


def _projected_value_grad(ridge: _Ridge, B):
    """``tr G − tr(M⁻¹B̃ᵀHB̃)`` (M = B̃ᵀB̃) and its gradient with respect to B."""
    Bn, inv = unit_rows(B)
    HB = ridge.H @ Bn
    M_inv = np.linalg.inv(Bn.T @ Bn)
    T = Bn.T @ HB
    value = ridge.trace - float(np.sum(M_inv * T))
    g = -2.0 * (HB @ M_inv - Bn @ (M_inv @ T @ M_inv))
    return value, _normalise_backward(g, Bn, inv)


class UnitItemModel(NamedTuple):
    """A fitted unit-item model: A (the best A for B), B (rows = item embeddings) and the fit."""

    A: np.ndarray
    B: np.ndarray
    lam: float
    info: FitInfo


def fit_unit_items(G, lam, init, *, max_iter: int = 300, tol: float = 1e-15):
    """Fit the unit-item model (Eq. (1) with unit-norm item rows) from one or several starts B.

    L-BFGS on the variable-projection objective of B (module docstring); A is
    then the ridge solution for the final B, so the returned objective is that
    of :func:`objective_unit_items`. Normalisation is a constraint, so the
    objective is never below Eq. (1)'s optimum.

    Parameters
    ----------
    G : ndarray, shape (p, p)
        ``XᵀX``.
    lam : float
        λ of Eq. (1).
    init : ndarray, shape (p, k), or list of such
        Starting item embeddings (e.g. an Eq. (1) B̂ at some rescaling, or
        random); with a list, each start is fitted (one eigen-decomposition of
        G serves all).
    max_iter : int
    tol : float
        Relative tolerance on the objective.

    Returns
    -------
    UnitItemModel, or a list of them when `init` is a list
    """
    many = isinstance(init, list)
    starts = init if many else [init]
    if not starts:
        raise InvalidValue("init must hold at least one start")
    G = _check_g(G)
    starts = [as_factor(B0, "init", rows=len(G)) for B0 in starts]
    lam = check_lambda(lam)
    max_iter, tol = check_int(max_iter, "max_iter", 1), check_real(tol, "tol", 0)
    ridge = _ridge(G, lam)

    def fun(B):
        value, grad = _projected_value_grad(ridge, B)
        return value, [grad]

    fits = []
    for B0 in starts:
        (B,), info = lbfgs(fun, [B0], max_iter=max_iter, tol=tol, gtol=0.0)
        fits.append(UnitItemModel(_best_a(ridge, unit_rows(B)[0]), B, lam, info))
    return fits if many else fits[0]


# --------------------------------------------------------------------------
# Two towers with a normalised user embedding
# --------------------------------------------------------------------------

class TwoTower(NamedTuple):
    """A two-tower model ``score_ui = ⟨z_u, b̃_i⟩``, ``z_u = scale · N(x_u A)``.

    Attributes
    ----------
    A, B : ndarray, shape (p, k)
        User-tower weights (user u's raw embedding is ``x_u A``) and item embeddings.
    scale : ndarray, shape (k,)
        The gain g (``gain=True``) or the scalar s repeated k times.
    user_norm : str
        ``"unit"`` or ``"layer"``.
    item_norm, gain : bool
    info : FitInfo or None
    """

    A: np.ndarray
    B: np.ndarray
    scale: np.ndarray
    user_norm: str
    item_norm: bool
    gain: bool
    info: FitInfo | None = None


def _user_forward(H, user_norm):
    """``N(H)`` per row and what its backward pass needs."""
    if user_norm == "layer":
        H = H - H.mean(axis=1, keepdims=True)
    Hn, inv = unit_rows(H)
    if user_norm == "layer":
        Hn, inv = Hn * np.sqrt(H.shape[1]), inv * np.sqrt(H.shape[1])
    return Hn, inv


def _user_backward(g, Hn, inv, user_norm):
    if user_norm == "unit":
        return _normalise_backward(g, Hn, inv)
    k = Hn.shape[1]                        # LN: y = √k (h − μ)/‖h − μ‖
    g = g - Hn * (np.einsum(Hn, [0, 1], g, [0, 1], [0]) / k)[:, None]
    g = g * inv[:, None]
    return g - g.mean(axis=1, keepdims=True)


def _block_value_grad(Xb, A, B, scale, user_norm, item_norm):
    """Summed squared error of a block of users and its gradients (A, B, scale)."""
    Hn, inv_h = _user_forward(np.asarray(Xb @ A), user_norm)
    Bn, inv_b = unit_rows(B) if item_norm else (B, None)
    Z = Hn * scale
    XB = np.asarray(Xb @ Bn)
    BtB = Bn.T @ Bn
    x2 = float(Xb.multiply(Xb).sum()) if hasattr(Xb, "multiply") else float(np.sum(Xb * Xb))
    value = x2 - 2.0 * float(np.sum(Z * XB)) + float(np.sum((Z.T @ Z) * BtB))
    dZ = 2.0 * (Z @ BtB - XB)
    dB = 2.0 * (Bn @ (Z.T @ Z)) - 2.0 * np.asarray(Xb.T @ Z)
    if item_norm:
        dB = _normalise_backward(dB, Bn, inv_b)
    dA = np.asarray(Xb.T @ _user_backward(dZ * scale, Hn, inv_h, user_norm))
    return value, dA, dB, np.sum(dZ * Hn, axis=0)


def _two_tower_value_grad(X, A, B, scale, user_norm, item_norm, block=4096):
    n, p = X.shape
    total, dA, dB, ds = 0.0, np.zeros_like(A), np.zeros_like(B), np.zeros(A.shape[1])
    for start in range(0, n, block):
        v, a, b, s = _block_value_grad(X[start:start + block], A, B, scale, user_norm, item_norm)
        total, dA, dB, ds = total + v, dA + a, dB + b, ds + s
    m = float(n * p)
    return total / m, dA / m, dB / m, ds / m


def _check_tower(X, model: TwoTower):
    if not isinstance(model, TwoTower):
        raise InvalidType(f"model must be a TwoTower, got {type(model).__name__}")
    X = as_matrix(X, "X")
    A = as_factor(model.A, "A", rows=X.shape[1])
    B = as_factor(model.B, "B", rows=X.shape[1], cols=A.shape[1])
    scale = check_scaling_vector(model.scale, A.shape[1], "scale") if model.gain \
        else np.full(A.shape[1], check_real(float(np.asarray(model.scale).ravel()[0]), "scale"))
    return X, A, B, scale, check_choice(model.user_norm, "user_norm", USER_NORMS)


def two_tower_objective(X, model: TwoTower) -> float:
    """Mean squared error ``‖X − Z B̃ᵀ‖²_F / (n p)`` of a two-tower model (module docstring)."""
    X, A, B, scale, un = _check_tower(X, model)
    return _two_tower_value_grad(X, A, B, scale, un, model.item_norm)[0]


def two_tower_gradient(X, model: TwoTower):
    """Gradient of :func:`two_tower_objective`: ``(dA, dB, dscale)``.

    ``dscale`` has shape (k,) for a gain and is the scalar derivative otherwise.
    """
    X, A, B, scale, un = _check_tower(X, model)
    _, dA, dB, ds = _two_tower_value_grad(X, A, B, scale, un, model.item_norm)
    return dA, dB, (ds if model.gain else float(ds.sum()))


def _scale_start(X, A0, B0, user_norm, item_norm) -> float:
    """The scalar s minimising the loss at (A0, B0), or 1 if the loss does not depend on s."""
    _, _, _, ds1 = _two_tower_value_grad(X, A0, B0, np.ones(A0.shape[1]), user_norm, item_norm)
    _, _, _, ds0 = _two_tower_value_grad(X, A0, B0, np.zeros(A0.shape[1]), user_norm, item_norm)
    curvature = float(ds1.sum() - ds0.sum())                      # the loss is quadratic in s
    return -float(ds0.sum()) / curvature if curvature > 0 else 1.0


def fit_two_tower(X, k: int, *, user_norm: str = "unit", item_norm: bool = True, gain: bool = False,
                  init=None, seed: int = 0, max_iter: int = 200, tol: float = 1e-12) -> TwoTower:
    """Fit a two-tower model with a normalised user tower by full-batch L-BFGS.

    Parameters
    ----------
    X : array_like or scipy.sparse matrix, shape (n, p)
        Training users (all of them, or a sample).
    k : int
        Rank.
    user_norm : {"unit", "layer"}
    item_norm, gain : bool
    init : (A, B), optional
        Start; default Gaussian A (std 1/√p) and B (std 1) drawn with `seed`.
        The scale starts at its least-squares value for the start.
    max_iter : int
    tol : float
    """
    X = as_matrix(X, "X")
    n, p = X.shape
    user_norm = check_choice(user_norm, "user_norm", USER_NORMS)
    k = check_rank(k, p)
    if init is None:
        rng = np.random.default_rng(seed)
        init = (rng.standard_normal((p, k)) / np.sqrt(p), rng.standard_normal((p, k)))
    A0 = as_factor(init[0], "init[0]", rows=p)
    B0 = as_factor(init[1], "init[1]", rows=p, cols=A0.shape[1])
    if A0.shape[1] != k:
        raise InvalidValue(f"init has {A0.shape[1]} columns, expected k={k}")
    item_norm, gain = bool(item_norm), bool(gain)
    s0 = _scale_start(X, A0, B0, user_norm, item_norm)
    scale0 = np.full(k, s0) if gain else s0

    def fun(A, B, s):
        v, dA, dB, ds = _two_tower_value_grad(X, A, B, np.full(k, s), user_norm, item_norm)  # s: (k,) or a float
        return v, [dA, dB, ds if gain else float(ds.sum())]

    (A, B, s), info = lbfgs(fun, [A0, B0, scale0], max_iter=check_int(max_iter, "max_iter", 1),
                            tol=check_real(tol, "tol", 0))
    return TwoTower(A, B, np.full(k, s), user_norm, item_norm, gain, info)


def rescale_two_tower(model: TwoTower, d) -> TwoTower:
    """Apply a latent rescaling D: user side × d, items ``B/d``.

    The user side is the gain (``gain=True``) or A. With a gain and
    un-normalised items every score is unchanged: ``⟨(g ⊙ d) ⊙ N(h), b/d⟩ = ⟨g ⊙ N(h), b⟩``.
    """
    if not isinstance(model, TwoTower):
        raise InvalidType(f"model must be a TwoTower, got {type(model).__name__}")
    d = check_scaling_vector(d, model.A.shape[1], "d")
    if model.gain:
        return model._replace(scale=model.scale * d, B=model.B / d, info=None)
    return model._replace(A=model.A * d, B=model.B / d, info=None)


def two_tower_rescaling_check(X, model: TwoTower, ds, *, objective_tol: float = 1e-9,
                              cosine_tol: float = 1e-6) -> RescalingCheck:
    """Does a latent rescaling D move the item–item cosines without changing the loss?

    For each d in `ds`, the relative change of :func:`two_tower_objective` and
    the largest change of an item–item cosine of B under
    :func:`rescale_two_tower`; as :func:`cossim.rescaling_check`.
    """
    X, *_ = _check_tower(X, model)
    if len(ds) == 0:
        raise InvalidValue("ds must hold at least one diagonal")
    f0 = two_tower_objective(X, model)
    S0 = item_item_cosine(model.B)
    obj, cos = [], []
    for d in ds:
        other = rescale_two_tower(model, d)
        obj.append(abs(two_tower_objective(X, other) - f0) / max(abs(f0), np.finfo(float).tiny))
        cos.append(float(np.max(np.abs(item_item_cosine(other.B) - S0))))
    obj, cos = np.array(obj), np.array(cos)
    free = obj <= check_real(objective_tol, "objective_tol", 0)
    return RescalingCheck(obj, cos, free, bool(np.any(free & (cos > check_real(cosine_tol, "cosine_tol", 0)))))
