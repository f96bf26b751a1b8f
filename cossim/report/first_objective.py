"""Chapter 2.2 (the first objective, Eq. (1)): subspace comparisons and figures.

The chapter shows that the top-k singular subspace minimises Eq. (1) by
comparing its optimal value with random subspaces, random subsets of singular
directions, a swap of σ_k for σ_{k+1} and small perturbations of V_k; and it
draws the cosine matrices of the paper's choices (a) and (b) as heat maps.
"""

from __future__ import annotations

import numpy as np

import cossim

__all__ = ["SubspaceValues", "subspace_values", "shown_rows", "plot_choices"]


class SubspaceValues(dict):
    """Eq. (1)'s optimal value on competing subspaces (a dict with attribute access)."""

    __getattr__ = dict.__getitem__


def subspace_values(X, spectrum, full_spec, lam1, rng, n_random, gram=None):
    """Eq. (1)'s optimal value on the top-k subspace and on its competitors.

    Parameters
    ----------
    X : ndarray, shape (n, p)
        The data.
    spectrum, full_spec : Spectrum
        Top-k and full spectrum of X.
    lam1 : float
        λ of Eq. (1).
    rng : numpy.random.Generator
        Drawn from in this order: `n_random` Gaussian bases, `n_random`
        subsets of k directions, then three perturbations of V_k.
    n_random : int
        Random subspaces and random subsets compared.
    gram : ndarray, optional
        XᵀX, if already computed.

    Returns
    -------
    SubspaceValues
        ``best`` (top-k), ``random`` and ``subset`` (lists), ``swap`` (σ_{k+1}
        instead of σ_k) and ``perturbed`` (dict ε → value for V_k + ε·noise).
    """
    p, rank = X.shape[1], spectrum.V.shape[1]
    G = cossim.gram_matrix(X) if gram is None else gram
    best = cossim.eq1_value_on_subspace(X, spectrum.V, lam1, gram=G)

    def random_basis(shift=0.0, eps=1.0):
        """Orthonormal basis of shift + eps * (Gaussian p x k matrix)."""
        return np.linalg.qr(shift + eps * rng.standard_normal((p, rank)))[0]

    random_values = [cossim.eq1_value_on_subspace(X, random_basis(), lam1, gram=G)
                     for _ in range(n_random)]
    subset_values = []
    for _ in range(n_random):
        keep = np.sort(rng.choice(p, rank, replace=False))
        subset_values.append(cossim.eq1_optimal_value(X, full_spec.sigma, lam1, keep))
    swap = np.r_[np.arange(rank - 1), rank]     # σ_{k+1} instead of σ_k
    swap_value = cossim.eq1_optimal_value(X, full_spec.sigma, lam1, swap)
    perturbed = {eps: cossim.eq1_value_on_subspace(X, random_basis(spectrum.V, eps),
                                                   lam1, gram=G)
                 for eps in (1e-3, 1e-2, 1e-1)}
    return SubspaceValues(best=best, random=random_values, subset=subset_values,
                          swap=swap_value, perturbed=perturbed)


def shown_rows(order, n_show):
    """`n_show` evenly spaced entries of `order` (the rows drawn in a heat map)."""
    return order[np.linspace(0, order.size - 1, min(n_show, order.size)).astype(int)]


def plot_choices(cos, show_items, show_users):
    """Figure ``fig_choices_ab`` of Chapter 2.2: the three cosine matrices of (a) and (b).

    Parameters
    ----------
    cos : dict
        ``cos[c][name]`` for c in "ab" and name in item–item, user–user, user–item.
    show_items, show_users : ndarray of int
        Rows and columns drawn.
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 3, figsize=(7.6, 5.8), constrained_layout=True)
    for r, c in enumerate("ab"):
        panels = (("item–item", cos[c]["item–item"][np.ix_(show_items, show_items)]),
                  ("user–user", cos[c]["user–user"][np.ix_(show_users, show_users)]),
                  ("user–item", cos[c]["user–item"][np.ix_(show_users, show_items)]))
        for ax, (name, M) in zip(axes[r], panels):
            rows_, cols_ = name.split("–")                  # y axis, x axis
            im = ax.imshow(M, cmap="viridis", vmin=-1, vmax=1, interpolation="nearest",
                           aspect="auto")
            ax.set_title(f"({c}) {name}", fontsize=14)
            ax.set_xlabel(cols_, fontsize=13)
            ax.set_ylabel(rows_, fontsize=13)
            ax.set_xticks([])
            ax.set_yticks([])
    cb = fig.colorbar(im, ax=axes, shrink=0.7, aspect=30)
    cb.set_label("cosine similarity", fontsize=13)
    cb.ax.tick_params(labelsize=12)
    return fig
