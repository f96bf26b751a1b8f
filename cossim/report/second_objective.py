"""Chapter 2.3 (the second objective, Eq. (2)): uniqueness runs, comparisons, figure.

The chapter checks by optimiser runs that Eq. (2)'s solution is unique up to a
rotation while Eq. (1)'s is not, compares Eq. (1)'s item cosines under two
rescalings with those of Eq. (2), and draws the three similarity matrices.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import cossim

__all__ = ["grid_product", "uniqueness_runs", "format_uniqueness", "procrustes",
           "compare_to_eq2", "plot_eq2_vs_analog"]

#: Short column names of the uniqueness table as shown.
SHORT = {"relative value gap": "value gap (rel.)",
         "max |Δ item–item cosine|": "max |Δ item cos|",
         "max |Δ user–user cosine|": "max |Δ user cos|"}


def grid_product(sigma, lam, grid=None):
    """The product p·q at the grid minimum of the scalar Eq. (2), (σ − pq)² + λ(p² + q²).

    Chapter 2.3 compares it with the soft threshold (σ − λ)₊ of Eq. (6).
    The default grid is 1201 points on [−3, 3] in each of p and q.
    """
    grid = np.linspace(-3, 3, 1201) if grid is None else grid
    P, Q = np.meshgrid(grid, grid)
    G = (sigma - P * Q) ** 2 + lam * (P**2 + Q**2)
    i = np.unravel_index(np.argmin(G), G.shape)
    return P[i] * Q[i]


def uniqueness_runs(X, rank, closed, lams, seed, n_starts):
    """Minimise Eq. (1) and Eq. (2) from `n_starts` random starts; compare with the closed forms.

    Parameters
    ----------
    X : matrix, shape (n, p)
    rank : int
    closed : dict
        ``"Eq. (1)"`` and ``"Eq. (2)"`` → closed-form :class:`cossim.Factors`.
    lams : dict
        The same keys → λ.
    seed, n_starts : int
        Start s uses seed ``seed + 1 + s``.

    Returns
    -------
    table : DataFrame
        Indexed by (objective, start): relative value gap to the closed form,
        and the largest change of an item–item and of a user–user cosine.
    runs : dict
        Objective → list of optimiser results.
    """
    minimise = {"Eq. (1)": (cossim.minimize_eq1, cossim.objective_eq1),
                "Eq. (2)": (cossim.minimize_eq2, cossim.objective_eq2)}
    rows, runs = [], {}
    for name, (fn, objective) in minimise.items():
        F, lam = closed[name], lams[name]
        S_closed = cossim.item_item_cosine(F.B)
        U_closed = cossim.user_user_cosine(X, F.A)
        runs[name] = []
        for s in range(n_starts):
            r = fn(X, rank, lam, seed=seed + 1 + s)
            runs[name].append(r)
            S_run = cossim.item_item_cosine(r.factors.B)
            U_run = cossim.user_user_cosine(X, r.factors.A)
            gap = abs(r.value - objective(X, *F, lam)) / r.value
            rows.append({"objective": name, "start": s + 1,
                         "relative value gap": gap,
                         "max |Δ item–item cosine|": np.abs(S_run - S_closed).max(),
                         "max |Δ user–user cosine|": np.abs(U_run - U_closed).max()})
    return pd.DataFrame(rows).set_index(["objective", "start"]), runs


def format_uniqueness(table):
    """The uniqueness table as shown: short column names, one significant digit."""
    return table.rename(columns=SHORT).map(lambda v: f"{v:.1e}")


def procrustes(Bc, Br):
    """Orthogonal Procrustes: the rotation R minimising ‖Bc R − Br‖ and its relative error."""
    U_, _, Vt_ = np.linalg.svd(Bc.T @ Br)
    R = U_ @ Vt_
    return R, np.abs(Bc @ R - Br).max() / np.abs(Bc).max()


def compare_to_eq2(S1_analog, S1_sym, S2, pair, clusters):
    """Table of Chapter 2.3: Eq. (1)'s item cosines under two rescalings against Eq. (2)'s.

    Mean absolute difference and correlation over the item pairs `pair` (a
    boolean p×p mask), and the cluster AUC of each matrix.
    """
    compare = pd.DataFrame({
        "solution": ["Eq. (1) by 1/√σᵢ", "Eq. (1) split (5)", "Eq. (2)"],
        "mean |Δ cos|": [np.abs(S1_analog - S2)[pair].mean(),
                         np.abs(S1_sym - S2)[pair].mean(), 0.0],
        "correlation": [np.corrcoef(S1_analog[pair], S2[pair])[0, 1],
                        np.corrcoef(S1_sym[pair], S2[pair])[0, 1], 1.0],
        "cluster AUC": [cossim.cluster_auc(S, clusters) for S in (S1_analog, S1_sym, S2)],
    }).set_index("solution")
    compare.index.name = None
    return compare


def plot_eq2_vs_analog(panels, show):
    """Figure ``fig_eq2_vs_analog``: item–item cosine heat maps, one per (title, S) in `panels`."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(7.6, 3.0), constrained_layout=True)
    for ax, (title, S) in zip(axes, panels):
        im = ax.imshow(S[np.ix_(show, show)], cmap="viridis", vmin=-1, vmax=1,
                       interpolation="nearest")
        ax.set_title(title, fontsize=14)
        ax.set_xlabel("item", fontsize=13)
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0].set_ylabel("item", fontsize=13)
    cb = fig.colorbar(im, ax=axes, shrink=0.9, aspect=20)
    cb.set_label("cosine similarity", fontsize=13)
    cb.ax.tick_params(labelsize=12)
    return fig
