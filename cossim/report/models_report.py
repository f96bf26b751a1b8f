"""Chapter 2 (the models of §2): the noise study and the figure of cosines under D.

The chapter shows that input noise (Gaussian or dropout) acts as a penalty on
the product ABᵀ, checked against Monte Carlo, and how a rescaling D moves the
item–item cosines of Eq. (1)'s solution.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import cossim

__all__ = ["noise_table", "plot_cosine_vs_d"]


def noise_table(X, W, fit_term, levels, n_mc, seed):
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
    for kind, level in levels.items():
        exact = cossim.expected_noisy_loss(X, W, kind.lower(), level)
        mc = cossim.monte_carlo_noisy_loss(X, W, kind.lower(), level, n_samples=n_mc, seed=seed)
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
