"""Eq. (1) as a denoising objective: input noise turns into a penalty on ABᵀ.

The paper motivates Eq. (1) by its equivalence to training with noise on the
input (denoising, dropout; Steck 2020). Made precise: for a corrupted input
``X̃`` with ``E[X̃] = X`` and independent entries,

    E ‖X − X̃ W‖²_F = ‖X − X W‖²_F + Σ_i v_i ‖W_{i,:}‖²,     W = ABᵀ,

where ``v_i = Σ_u Var(X̃_ui)``: the cross term vanishes because the noise has
mean zero, and the noise term is a sum of row norms of W weighted by the
noise variance that enters through input column i. Hence

* **additive Gaussian noise** ``X̃ = X + E``, ``E_ui ~ N(0, s²)`` i.i.d.:
  ``v_i = n s²`` for every i, which is exactly Eq. (1)'s ``λ‖ABᵀ‖²`` with
  ``λ = n s²``;
* **(inverted) dropout** ``X̃ = X ⊙ M / (1 − q)``, ``M_ui ~ Bernoulli(1 − q)``:
  ``Var(X̃_ui) = X_ui² q/(1 − q)``, so ``v_i = q/(1 − q) · Σ_u X_ui²`` — a
  *diagonally weighted* penalty ``‖Λ^{1/2} ABᵀ‖²`` with
  ``Λ = q/(1 − q) · dMat(diag(XᵀX))`` (Steck 2020). For 0/1 data
  ``diag(XᵀX)`` is the item popularity; the weights are equal (and the
  penalty is Eq. (1)'s) only if every column of X has the same norm.

Either penalty depends on A and B only through ABᵀ, so the rescaling
freedom of Eq. (3) survives noise-based training.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._validation import (
    InvalidType,
    InvalidValue,
    as_factor,
    as_matrix,
    check_choice,
    check_int,
    check_real,
    check_vector,
    is_sparse,
)
from ..linalg.gram import gram_matrix

__all__ = [
    "NOISE_KINDS",
    "gaussian_noise_lambda",
    "noise_penalty_weights",
    "weighted_penalty",
    "corrupt",
    "expected_noisy_loss",
    "monte_carlo_noisy_loss",
    "MonteCarloEstimate",
    "fit_weighted_full_rank",
]

#: Corruptions for which :func:`noise_penalty_weights` knows the exact penalty.
NOISE_KINDS = ("gaussian", "dropout")


def _dense(X):
    X = as_matrix(X, "X")
    return X.toarray() if is_sparse(X) else X


def _check_kind_level(kind, level) -> tuple[str, float]:
    kind = check_choice(kind, "kind", NOISE_KINDS)
    level = check_real(level, "level", 0)
    if kind == "dropout" and level >= 1:
        raise InvalidValue(f"level (the dropout rate q) must satisfy 0 <= q < 1, got {level}")
    return kind, level


def _check_weights(weights, p: int) -> np.ndarray:
    """Per-item noise weights v: shape (p,), finite and non-negative."""
    v = check_vector(weights, "weights", min_size=0)
    if v.shape != (p,):
        raise InvalidValue(f"weights must have shape ({p},), got {v.shape}")
    if np.any(v < 0):
        raise InvalidValue("weights must be finite and non-negative")
    return v


def _check_W(W, p: int):
    return as_factor(W, "W", rows=p, cols=p)


def gaussian_noise_lambda(n_users, noise_std) -> float:
    """λ of Eq. (1) that additive Gaussian input noise of std `noise_std` produces: ``n s²``.

    Parameters
    ----------
    n_users : int
        Number of rows n of X (each row contributes its own noise).
    noise_std : float
        Standard deviation s ≥ 0 of every noise entry.
    """
    n_users = check_int(n_users, "n_users", 1)
    _, s = _check_kind_level("gaussian", noise_std)
    return float(n_users) * s**2


def noise_penalty_weights(X, kind: str, level) -> np.ndarray:
    """Per-item weights v of the penalty ``Σ_i v_i ‖W_{i,:}‖²`` that input noise induces.

    Parameters
    ----------
    X : array_like or sparse, shape (n, p)
    kind : {"gaussian", "dropout"}
    level : float
        Noise std s (``"gaussian"``) or dropout rate q ∈ [0, 1) (``"dropout"``).

    Returns
    -------
    ndarray, shape (p,)
        ``n s²`` for every item (Gaussian: Eq. (1) with λ = n s²), or
        ``q/(1 − q) Σ_u X_ui²`` (dropout: the diagonal Λ of Steck 2020).
    """
    X = as_matrix(X, "X")
    kind, level = _check_kind_level(kind, level)
    n, p = X.shape
    if kind == "gaussian":
        return np.full(p, n * level**2)
    col_sq = np.asarray(X.multiply(X).sum(axis=0)).ravel() if is_sparse(X) \
        else np.einsum("ui,ui->i", X, X)
    return level / (1.0 - level) * col_sq


def weighted_penalty(W, weights) -> float:
    """``Σ_i v_i ‖W_{i,:}‖² = ‖dMat(v)^{1/2} W‖²_F``; with all v_i = λ this is Eq. (1)'s penalty."""
    W = as_factor(W, "W")
    v = _check_weights(weights, W.shape[0])
    return float(np.sum(v * np.einsum("ij,ij->i", W, W)))


def corrupt(X, kind: str, level, rng) -> np.ndarray:
    """One corrupted copy X̃ of X with ``E[X̃] = X``.

    ``"gaussian"``: ``X + E``, ``E_ui ~ N(0, level²)``. ``"dropout"``: each
    entry kept with probability ``1 − q`` and then divided by ``1 − q``
    (inverted dropout), else set to 0.
    """
    X = _dense(X)
    kind, level = _check_kind_level(kind, level)
    if not isinstance(rng, np.random.Generator):
        raise InvalidType(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    if kind == "gaussian":
        return X + level * rng.standard_normal(X.shape)
    keep = rng.random(X.shape) >= level
    return np.where(keep, X / (1.0 - level), 0.0)


def expected_noisy_loss(X, W, kind: str, level) -> float:
    """Exact ``E‖X − X̃W‖²_F`` = ``‖X − XW‖²_F + Σ_i v_i ‖W_{i,:}‖²`` (see module docstring)."""
    X = _dense(X)
    W = _check_W(W, X.shape[1])
    v = noise_penalty_weights(X, kind, level)
    return float(np.sum((X - X @ W) ** 2)) + weighted_penalty(W, v)


class MonteCarloEstimate(NamedTuple):
    """Sample mean of a random loss and its standard error."""

    mean: float
    stderr: float
    n_samples: int


def monte_carlo_noisy_loss(X, W, kind: str, level, n_samples: int = 1000,
                           seed: int = 0) -> MonteCarloEstimate:
    """Monte Carlo estimate of ``E‖X − X̃W‖²_F`` from `n_samples` corrupted copies of X.

    Used to check :func:`expected_noisy_loss` (and so the claimed penalty)
    empirically; the estimate should lie within a few standard errors of it.
    """
    X = _dense(X)
    W = _check_W(W, X.shape[1])
    kind, level = _check_kind_level(kind, level)
    n_samples = check_int(n_samples, "n_samples", 2)
    rng = np.random.default_rng(seed)
    losses = np.empty(n_samples)
    for t in range(n_samples):
        Xt = corrupt(X, kind, level, rng)
        losses[t] = np.sum((X - Xt @ W) ** 2)
    return MonteCarloEstimate(float(losses.mean()),
                              float(losses.std(ddof=1) / np.sqrt(n_samples)), int(n_samples))


def fit_weighted_full_rank(X, weights) -> np.ndarray:
    """Full-rank minimiser of ``‖X − XW‖² + Σ_i v_i ‖W_{i,:}‖²``: ``W = (XᵀX + dMat(v))⁻¹ XᵀX``.

    With all ``v_i = λ`` this is the full-rank (k = p) solution of Eq. (1),
    ``V dMat(1/(1 + λ/σ²)) Vᵀ``; with dropout weights it is the full-rank
    denoising solution of Steck (2020).

    Parameters
    ----------
    X : array_like or sparse, shape (n, p)
    weights : array_like, shape (p,)
        Non-negative; ``XᵀX + dMat(v)`` must be invertible.
    """
    X = as_matrix(X, "X")
    v = _check_weights(weights, X.shape[1])
    G = gram_matrix(X)
    try:
        return np.linalg.solve(G + np.diag(v), G)
    except np.linalg.LinAlgError:
        raise InvalidValue("XᵀX + dMat(weights) is singular; use positive weights") from None
