"""Chapter 1 (introduction): the four-item toy model and its figure.

The introduction rescales a toy model's latent dimensions by D and shows that
the predictions stay while the item–item cosines, and an item's nearest
neighbour, change.
"""

from __future__ import annotations

import numpy as np

import cossim

from .tolerances import cosine_tolerance, embedding_cosine_tolerance, product_tolerance

__all__ = ["nearest", "toy_checks", "plot_toy_rescaling"]


def nearest(S, i):
    """Index of the most cosine-similar other item to item `i` (ties: smaller index)."""
    s = S[i].copy()
    s[i] = -np.inf
    return int(np.argmax(s))


def toy_checks(X, A, B, A_d, B_d, item=0):
    """The measured quantities of Chapter 1's claims: the toy model (A, B) against (A_d, B_d).

    In the chapter ``(A_d, B_d) = cossim.rescale(A, B, d)``, Eq. (3).

    Returns
    -------
    dict
        ``scores``/``scores_d`` (predictions ``XABᵀ`` before and after Eq. (3)),
        ``score_change`` (largest difference) and ``score_tol`` (its rounding
        bound, :func:`~cossim.report.tolerances.product_tolerance` of X, A, Bᵀ);
        ``S``/``S_d`` (item–item cosines), ``item_cos_change`` and ``cos_tol``
        (twice the rounding of one cosine); ``nn_before``/``nn_after`` (nearest
        other item of `item`) and ``nn_reversal``: how far the order of those two
        items is reversed, ``min(S[i, b] − S[i, a], S_d[i, a] − S_d[i, b])`` (a, b
        the neighbours after and before; 0 if they coincide); ``user_cos_change``,
        the smaller of the largest user–user and user–item changes, and
        ``user_cos_tol``, their rounding bound.
    """
    scores = cossim.user_embeddings(X, A) @ B.T
    scores_d = cossim.user_embeddings(X, A_d) @ B_d.T
    S, S_d = cossim.item_item_cosine(B), cossim.item_item_cosine(B_d)
    before, after = nearest(S, item), nearest(S_d, item)
    reversal = 0.0 if before == after else min(S[item, before] - S[item, after],
                                                S_d[item, after] - S_d[item, before])
    uu = np.abs(cossim.user_user_cosine(X, A_d) - cossim.user_user_cosine(X, A)).max()
    ui = np.abs(cossim.user_item_cosine(X, A_d, B_d) - cossim.user_item_cosine(X, A, B)).max()
    k = B.shape[1]
    return {"scores": scores, "scores_d": scores_d,
            "score_change": float(np.abs(scores_d - scores).max()),
            "score_tol": float(product_tolerance(X, np.abs(A_d), np.abs(B_d).T).max()),
            "S": S, "S_d": S_d, "item_cos_change": float(np.abs(S_d - S).max()),
            "cos_tol": 2 * cosine_tolerance(k), "nn_before": before, "nn_after": after,
            "nn_reversal": float(reversal), "user_cos_change": float(min(uu, ui)),
            "user_cos_tol": 2 * max(embedding_cosine_tolerance(X, A), embedding_cosine_tolerance(X, A_d))}


def plot_toy_rescaling(B, B_d):
    """Figure ``fig_toy_rescaling``: the item directions before and after the rescaling.

    Each panel draws the unit vectors of the rows of `B` (left) and `B_d`
    (right), which are all that cosine similarity sees, with their angles.
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(7.6, 3.5), sharex=True, sharey=True,
                             constrained_layout=True)
    colours = plt.get_cmap("viridis")(np.linspace(0.0, 0.75, B.shape[0]))
    arc = np.linspace(0, np.pi / 2, 100)
    for ax, E, title in ((axes[0], B, "original: rows of $B$"),
                         (axes[1], B_d, "rescaled: rows of $BD^{-1}$")):
        U = cossim.row_normalize(E)  # directions: all that cosine sees
        ax.plot(np.cos(arc), np.sin(arc), color="0.75", lw=1)
        angles = np.degrees(np.arctan2(U[:, 1], U[:, 0]))
        # labels outside the unit circle, spread apart when two directions are close
        label_angles = angles.copy()
        order = np.argsort(angles)
        for a, b in zip(order[:-1], order[1:]):
            if label_angles[b] - label_angles[a] < 16:
                label_angles[b] = label_angles[a] + 16
        for i, (x, y) in enumerate(U):
            ax.annotate("", xy=(x, y), xytext=(0, 0),
                        arrowprops=dict(arrowstyle="-|>", color=colours[i], lw=2.4,
                                        mutation_scale=18, shrinkA=0, shrinkB=0))
            t = np.radians(label_angles[i])
            ax.text(1.07 * np.cos(t) + 0.03, 1.07 * np.sin(t),
                    f"item {i + 1} ({angles[i]:.0f}°)", color=colours[i], fontsize=12,
                    ha="left", va="center")
        ax.set_xlim(-0.08, 1.68)                         # same limits in both panels
        ax.set_ylim(-0.08, 1.2)
        ax.set_aspect("equal")
        ax.set_xlabel("latent dimension 1", fontsize=13)
        ax.set_title(title, fontsize=14)
        ax.tick_params(labelsize=11)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("latent dimension 2", fontsize=13)
    return fig
