"""Chapter 2 (the models of §2): the measured quantities of its claims, the noise study, a figure.

The chapter checks that a rescaling D (Eq. (3)) leaves Eq. (1) unchanged and
worsens Eq. (2), that the closed forms are stationary, that input noise
(Gaussian or dropout) acts as a penalty on the product ABᵀ (against Monte
Carlo), that the formulas of Eq. (4) are the cosines of the rescaled
embeddings, and how far D moves those cosines. Each function returns the
measured value with its tolerance from :mod:`cossim.report.tolerances`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import cossim

from .tolerances import (
    cosine_tolerance,
    embedding_cosine_tolerance,
    gradient_tolerance,
    prediction_tolerance,
    value_tolerance,
)

__all__ = ["rescaled_values", "stationarity", "noise_table", "gaussian_penalty_gap",
           "noise_blind_to_d", "eq4_errors", "rescaling_effects", "plot_cosine_vs_d"]

_OBJECTIVE = {"eq1": (cossim.objective_eq1, cossim.gradient_eq1),
              "eq2": (cossim.objective_eq2, cossim.gradient_eq2)}


def rescaled_values(X, fit, fit_d, lam, which):
    """Eq. (1) or (2) at a solution and at its rescaled copy, and the rounding tolerance of the difference.

    Returns ``(f, f_d, tol)``: the two values and the bound
    (:func:`~cossim.report.tolerances.value_tolerance`, the larger of the two
    points') that their difference stays within if the exact values are equal.
    """
    objective = _OBJECTIVE[which][0]
    tol = max(value_tolerance(X, *fit, lam, which), value_tolerance(X, *fit_d, lam, which))
    return objective(X, *fit, lam), objective(X, *fit_d, lam), tol


def stationarity(X, factors, lam, which):
    """Largest gradient entry of Eq. (1) or (2) at `factors`, and its rounding bound at a true stationary point.

    The bound is :func:`~cossim.report.tolerances.gradient_tolerance`: what the
    float64 gradient of an exact closed form built from the computed spectrum
    can be. Returns ``(max |gradient entry|, bound)``.
    """
    grads = _OBJECTIVE[which][1](X, *factors, lam)
    return float(max(np.abs(g).max() for g in grads)), gradient_tolerance(X, *factors, lam, which)


def noise_table(X, W, fit_term, levels, n_mc, seed, mc_levels=None):
    """Expected noisy loss of X ≈ XW: exact formula, Monte Carlo, single-λ prediction.

    Parameters
    ----------
    X : ndarray, shape (n, p)
    W : ndarray, shape (p, p)
        The model's product ABᵀ.
    fit_term : float
        ‖X − XW‖²_F, the loss without noise.
    levels : dict
        Noise model (``"Gaussian"``, ``"dropout"``) → level (std or rate).
    n_mc, seed : int
        Monte Carlo draws and their seed.
    mc_levels : dict, optional
        Noise levels of the simulation if not `levels` (a test's deliberate
        mismatch between formula and simulation).

    Returns
    -------
    DataFrame
        One column per noise model: the level, the exact expectation
        (:func:`cossim.expected_noisy_loss`), the Monte Carlo mean and standard
        error, its z-score against the exact value, and the prediction of the
        best penalty with a single λ (the mean of the per-item weights) with
        its z-score.
    """
    rows = {}
    mc_levels = levels if mc_levels is None else mc_levels
    for kind, level in levels.items():
        exact = cossim.expected_noisy_loss(X, W, kind.lower(), level)
        mc = cossim.monte_carlo_noisy_loss(X, W, kind.lower(), mc_levels[kind], n_samples=n_mc,
                                           seed=seed)
        # best single-λ (Eq. (1)-type) penalty with the same total weight
        v = cossim.noise_penalty_weights(X, kind.lower(), level)
        uniform = fit_term + cossim.weighted_penalty(W, np.full_like(v, v.mean()))
        rows[kind] = {"noise level": level,
                      "exact E[loss]": exact,
                      "Monte Carlo mean": mc.mean,
                      "MC standard error": mc.stderr,
                      "z vs exact": (mc.mean - exact) / mc.stderr,
                      "one-λ prediction": uniform,
                      "z vs one-λ": (mc.mean - uniform) / mc.stderr}
    return pd.DataFrame(rows)  # one column per noise model


def gaussian_penalty_gap(X, A, B, noise_std, lam=None):
    """``|E‖X − X̃W‖² − Eq. (1)(A, B; λ)|`` for Gaussian noise, and its rounding tolerance.

    With ``λ = n s²`` (the default, :func:`cossim.gaussian_noise_lambda`) the
    expected noisy loss is exactly Eq. (1). Returns ``(gap, tol)``.
    """
    lam = cossim.gaussian_noise_lambda(X.shape[0], noise_std) if lam is None else lam
    exact = cossim.expected_noisy_loss(X, A @ B.T, "gaussian", noise_std)
    gap = abs(exact - cossim.objective_eq1(X, A, B, lam))
    return gap, value_tolerance(X, A, B, cossim.gaussian_noise_lambda(X.shape[0], noise_std), "eq1")


def noise_blind_to_d(X, fit, fit_d, levels):
    """Largest change of the expected noisy loss between (A, B) and (A_d, B_d), and its tolerance.

    `levels` maps ``"gaussian"``/``"dropout"`` to a noise level. The tolerance is
    :func:`~cossim.report.tolerances.value_tolerance` with the largest penalty
    weight as λ. Returns ``(change, tol)``.
    """
    change, tol = 0.0, 0.0
    for kind, level in levels.items():
        e = cossim.expected_noisy_loss(X, fit[0] @ fit[1].T, kind, level)
        e_d = cossim.expected_noisy_loss(X, fit_d[0] @ fit_d[1].T, kind, level)
        lam = float(cossim.noise_penalty_weights(X, kind, level).max())
        change = max(change, abs(e_d - e))
        tol = max(tol, value_tolerance(X, *fit, lam, "eq1"), value_tolerance(X, *fit_d, lam, "eq1"))
    return change, tol


def eq4_errors(X, A, B, d, fit_d=None):
    """Eq. (4) evaluated as written against the cosines of the rescaled embeddings.

    `fit_d` is the rescaled pair (default ``cossim.rescale(A, B, d)``, Eq. (3)).

    Returns ``{name: (largest difference, tolerance)}`` for item–item, user–user
    and user–item. The two routes round differently: the item side by
    ``2·cosine_tolerance(k + 3)`` (three more roundings for d², D⁻¹), the user
    side also by the rounding of the rows ``x_u A`` (twice
    :func:`~cossim.report.tolerances.embedding_cosine_tolerance`).
    """
    A_d, B_d = cossim.rescale(A, B, d) if fit_d is None else fit_d
    k = A.shape[1]
    item_tol = 2 * cosine_tolerance(k + 3)
    user_tol = 2 * embedding_cosine_tolerance(X, A) + item_tol
    pairs = {"item-item": (cossim.eq4_item_item(B, d), cossim.item_item_cosine(B_d), item_tol),
             "user-user": (cossim.eq4_user_user(X, A, d), cossim.user_user_cosine(X, A_d), user_tol),
             "user-item": (cossim.eq4_user_item(X, A, B, d), cossim.user_item_cosine(X, A_d, B_d),
                           user_tol)}
    return {name: (float(np.abs(f - g).max()), tol) for name, (f, g, tol) in pairs.items()}


def _nearest_other(S):
    S = S.copy()
    np.fill_diagonal(S, -np.inf)
    return np.argmax(S, axis=1)


def rescaling_effects(X, fit, fit_d):
    """What a rescaling changes in a model: predictions (nothing) and cosines (much).

    Returns
    -------
    dict
        ``pred_change`` and ``pred_tol`` (largest change of ``XABᵀ`` and its
        rounding bound); the three cosine matrices before/after (``S0``, ``S_d``,
        ``U0``, ``U_d``, ``UI0``, ``UI_d``); ``cos_change`` (the smallest of the
        three largest changes) and ``cos_tol`` (rounding of a user or item
        cosine); ``nn_changed``: items whose nearest other item changes by more
        than rounding (the old neighbour beaten by ``cos_tol`` after, and
        ahead by ``cos_tol`` before), among items with a non-zero embedding;
        ``frac_top_item``: share of users whose top item by cosine changes.
    """
    (A, B), (A_d, B_d) = fit, fit_d
    X = np.asarray(X)
    pred = np.abs(X @ A_d @ B_d.T - X @ A @ B.T).max()
    S0, S_d = cossim.item_item_cosine(B), cossim.item_item_cosine(B_d)
    U0, U_d = cossim.user_user_cosine(X, A), cossim.user_user_cosine(X, A_d)
    UI0, UI_d = cossim.user_item_cosine(X, A, B), cossim.user_item_cosine(X, A_d, B_d)
    cos_tol = 2 * max(embedding_cosine_tolerance(X, A), embedding_cosine_tolerance(X, A_d))
    live = np.flatnonzero(cossim.row_norms(B) > 0)
    L0, L_d = S0[np.ix_(live, live)], S_d[np.ix_(live, live)]
    b, a = _nearest_other(L0), _nearest_other(L_d)
    rows = np.arange(live.size)
    reversal = np.minimum(L0[rows, b] - L0[rows, a], L_d[rows, a] - L_d[rows, b])
    changes = [np.abs(S_d - S0).max(), np.abs(U_d - U0).max(), np.abs(UI_d - UI0).max()]
    return {"pred_change": float(pred), "pred_tol": prediction_tolerance(X, A_d, B_d),
            "S0": S0, "S_d": S_d, "U0": U0, "U_d": U_d, "UI0": UI0, "UI_d": UI_d,
            "cos_change": float(min(changes)), "cos_tol": float(cos_tol),
            "nn_changed": int(np.sum((a != b) & (reversal > cos_tol))), "n_live": int(live.size),
            "frac_top_item": float(np.mean(np.argmax(UI0, axis=1) != np.argmax(UI_d, axis=1)))}


def plot_cosine_vs_d(S0, S_d, off):
    """Figure ``fig_cosine_vs_D``: item–item cosines before against after a rescaling D.

    `off` selects the item pairs drawn (the off-diagonal entries).
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.6, 4.8), constrained_layout=True)
    hb = ax.hexbin(S0[off], S_d[off], gridsize=70, bins="log", cmap="viridis", mincnt=1,
                   extent=(-1, 1, -1, 1))
    ax.plot([-1, 1], [-1, 1], color="0.3", lw=1, ls="--", label="unchanged")
    ax.set_xlabel("item–item cosine, Eq. (5) solution")
    ax.set_ylabel("item–item cosine after rescaling by $D$")
    ax.set_aspect("equal")
    ax.set_xticks([-1, -0.5, 0, 0.5, 1])
    ax.set_yticks([-1, -0.5, 0, 0.5, 1])
    ax.legend(loc="upper left")
    fig.colorbar(hb, ax=ax, label="number of item pairs (log scale)")
    return fig
