"""Chapter 6 (training dynamics): how far gradient descent ends from the closed forms.

The chapter trains Eq. (1) and Eq. (2) by gradient descent from several random
starts; these helpers measure the distances to the closed-form solutions and
draw the run-against-run scatter of item–item cosines.
"""

from __future__ import annotations

import numpy as np

import cossim
from cossim.beyond.training import relative_error

__all__ = ["training_errors", "plot_run_scatter"]


def training_errors(X, runs1, runs2, ref1, ref2):
    """Largest relative errors of the trained runs against the closed forms (Chapter 6).

    Parameters
    ----------
    X : matrix, shape (n, p)
    runs1, runs2 : list of TrainingRun
        Gradient-descent runs of Eq. (1) and of Eq. (2).
    ref1, ref2 : Factors
        The closed forms, Eq. (5) and Eq. (6).

    Returns
    -------
    dict
        ``err1_W`` and ``err1_pred`` (Eq. (1): product ABᵀ and predictions XABᵀ),
        ``err2_pred``, ``err2_gram`` (BBᵀ, the rotation-free part of B) and
        ``err2_W`` for Eq. (2), and ``monotone``: whether every run's
        objective history never rose (up to 1e-13 of its start).
    """
    W1, W2 = ref1.A @ ref1.B.T, ref2.A @ ref2.B.T
    return {
        "err1_W": max(relative_error(r.A @ r.B.T, W1) for r in runs1),
        "err1_pred": max(relative_error(X @ (r.A @ r.B.T), X @ W1) for r in runs1),
        "err2_pred": max(relative_error(X @ (r.A @ r.B.T), X @ W2) for r in runs2),
        "err2_gram": max(relative_error(r.B @ r.B.T, ref2.B @ ref2.B.T) for r in runs2),
        "err2_W": max(relative_error(r.A @ r.B.T, W2) for r in runs2),
        "monotone": all(np.all(np.diff(r.history) <= 1e-13 * r.history[0])
                        for r in runs1 + runs2),
    }


def plot_run_scatter(runs1, runs2, p):
    """Figure ``fig_gd_scatter``: item–item cosines of run 1 against run 2, per objective."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9, 4.2), constrained_layout=True)
    iu = np.triu_indices(p, k=1)
    for ax, runs, title in ((axes[0], runs1, "Eq. (1): product penalty"),
                            (axes[1], runs2, "Eq. (2): separate penalties")):
        s0 = cossim.item_item_cosine(runs[0].B)[iu]
        s1 = cossim.item_item_cosine(runs[1].B)[iu]
        hb = ax.hexbin(s0, s1, gridsize=60, bins="log", cmap="viridis",
                       extent=(-1, 1, -1, 1), mincnt=1)
        ax.plot([-1, 1], [-1, 1], color="0.5", lw=0.8)
        ax.set(title=title, xlabel="cosine, run 1", ylabel="cosine, run 2",
               xlim=(-1, 1), ylim=(-1, 1), aspect="equal")
    fig.colorbar(hb, ax=axes, label="item pairs per hexagon (log scale)")
    return fig
