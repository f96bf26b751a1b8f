"""Chapter 2.2 (the first objective, Eq. (1)): the measured quantities of its claims, and figures.

The chapter checks the closed form of Eq. (1) three ways — its value, a
generic optimiser (:func:`optimizer_checks`), and competing subspaces
(:func:`subspace_values`: random subspaces, random subsets of singular
directions, a swap of σ_k for σ_{k+1}, small perturbations of V_k) — then the
family of equally optimal factorisations (:func:`family_checks`) and the
paper's two full-rank choices (a) and (b) (:func:`choice_checks`), and draws
their cosine matrices as heat maps.
"""

from __future__ import annotations

import numpy as np

import cossim
from cossim._validation import as_matrix
from cossim.paper.models import objective_from_gram, squared_norm

from .optimum import convergence, nullity
from .tolerances import (
    U,
    cosine_tolerance,
    embedding_cosine_tolerance,
    gamma,
    prediction_tolerance,
    product_tolerance,
    value_tolerance,
)

__all__ = ["SubspaceValues", "subspace_values", "closed_form_value", "optimizer_checks", "worst",
           "family_checks", "choice_checks", "member_auc_spread", "shown_rows", "plot_choices"]


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
    Xv = as_matrix(X, "X")
    x2 = squared_norm(Xv)  # ‖X‖²_F once: eq1_optimal_value of each subset would re-read X
    subset_values = []
    for _ in range(n_random):
        keep = np.sort(rng.choice(p, rank, replace=False))
        subset_values.append(cossim.eq1_optimal_value(Xv, full_spec.sigma, lam1, keep, squared_norm_x=x2))
    swap = np.r_[np.arange(rank - 1), rank]     # σ_{k+1} instead of σ_k
    swap_value = cossim.eq1_optimal_value(Xv, full_spec.sigma, lam1, swap, squared_norm_x=x2)
    perturbed = {eps: cossim.eq1_value_on_subspace(X, random_basis(spectrum.V, eps),
                                                   lam1, gram=G)
                 for eps in (1e-3, 1e-2, 1e-1)}
    return SubspaceValues(best=best, random=random_values, subset=subset_values,
                          swap=swap_value, perturbed=perturbed)


def closed_form_value(X, fit, lam, claimed, best, best_factors):
    """The value of Eq. (1) at the closed form and on the top-k subspace against the claimed minimum.

    Returns ``(largest |difference|, tol)``, tol the rounding bound of two
    evaluations (:func:`~cossim.report.tolerances.value_tolerance`) at the
    closed form and at the subspace's ridge solution `best_factors`.
    """
    value = cossim.objective_eq1(X, *fit, lam)
    tol = max(value_tolerance(X, *fit, lam, "eq1"), value_tolerance(X, *best_factors, lam, "eq1"))
    return max(abs(value - claimed), abs(best - claimed)), tol


def optimizer_checks(X, runs, closed, lam, which="eq1"):
    """Optimiser runs against the closed form: gaps and the bounds their convergence allows.

    For each run, :func:`~cossim.report.optimum.convergence` bounds its
    distance δ to the solution set from its gradient; then

    * value: ``|f_run − f_closed| ≤ ‖g‖δ + rounding`` (``value_gap``, ``value_bound``);
    * not lower: ``f_closed − f_run ≤ rounding`` (``below``, ``below_bound``);
    * product: ``max|A_rB_rᵀ − ÂB̂ᵀ| ≤ δ(‖A_r‖₂ + ‖B_r‖₂) + δ² + rounding``;
    * other member: ``‖B_r − B̂‖_F`` against δ — a run more than δ away from
      the closed form's B ends at a different member of the solution set.

    Returns a dict of lists (one entry per run) under those names
    (``W_gap``/``W_bound``, ``factor_gap``/``distance``).
    """
    G = cossim.gram_matrix(X)
    gradient = cossim.gradient_eq1 if which == "eq1" else cossim.gradient_eq2
    objective = cossim.objective_eq1 if which == "eq1" else cossim.objective_eq2
    f_closed = objective(X, *closed, lam)
    W = closed.A @ closed.B.T
    k = closed.A.shape[1]
    out = {key: [] for key in ("value_gap", "value_bound", "below", "below_bound", "W_gap", "W_bound",
                               "factor_gap", "distance")}
    for r in runs:
        A, B = r.factors
        conv = convergence(G, A, B, lam, which, nullity(which, k), gradient(X, A, B, lam))
        rounding = max(value_tolerance(X, A, B, lam, which), value_tolerance(X, *closed, lam, which))
        dist = conv.distance
        spectral = np.linalg.norm(A, 2) + np.linalg.norm(B, 2)
        out["value_gap"].append(abs(r.value - f_closed))
        out["value_bound"].append(conv.value_gap + rounding)
        out["below"].append(f_closed - r.value)
        out["below_bound"].append(rounding)
        out["W_gap"].append(float(np.abs(A @ B.T - W).max()))
        out["W_bound"].append(dist * spectral + dist**2 + float(product_tolerance(A, B.T).max()))
        out["factor_gap"].append(float(np.linalg.norm(B - closed.B)))
        out["distance"].append(dist)
    return out


def worst(measured, bounds, kind="at_most"):
    """The (measured, bound) pair of the run closest to failing its check (largest or smallest ratio)."""
    ratios = [m / b for m, b in zip(measured, bounds)]
    i = int(np.argmax(ratios) if kind == "at_most" else np.argmin(ratios))
    return measured[i], bounds[i]


def _eq1_value(X, A, B, lam, gram):
    """Eq. (1) from X, or from ``G = XᵀX`` when given (O(p²k) instead of O(npk))."""
    if gram is None:
        return cossim.objective_eq1(X, A, B, lam)
    return objective_from_gram(gram, A, B, lam, "eq1")


def family_checks(X, spectrum, members, lam, W_ref, gram=None):
    """Members of Eq. (1)'s family against the theorem's product, Eq. (5)'s value and Eq. (3).

    Parameters
    ----------
    spectrum : Spectrum
        The top-k spectrum the members were built from (V_k and the shrinkage m).
    members : dict
        γ → Factors, in the chapter ``cossim.eq1_factors(spectrum, lam, γ)``
        (``A = V_k m^{1−γ}``, ``B = V_k m^γ``); must include γ = 1/2, Eq. (5).
    W_ref : ndarray, shape (p, p)
        The theorem's product ``V_k dMat(m) V_kᵀ``, computed by the caller.
    gram : ndarray, optional
        ``XᵀX``, to evaluate Eq. (1) from it.

    Returns
    -------
    dict
        ``W_gap``/``W_tol`` (largest product difference over the members, and
        the rounding of two evaluations of ``|A||B|ᵀ``); ``value_gap``/``value_tol``
        (values against Eq. (5)'s); ``rescale_gap``/``rescale_tol`` (each member
        against ``cossim.rescale`` of Eq. (5) by ``D = dMat(m)^{1/2−γ}``: a few
        roundings per entry); ``eq5_gap``/``eq5_tol`` (Eq. (5)'s A and B
        against ``V_k·m^{1/2}``: a few roundings).
    """
    V, m = spectrum.V, cossim.eq1_shrinkage(spectrum.sigma, lam)
    sym = members[0.5]
    f_sym = _eq1_value(X, *sym, lam, gram)
    half = V * np.sqrt(m)
    out = {"W_gap": 0.0, "W_tol": 0.0, "value_gap": 0.0, "value_tol": 0.0, "rescale_gap": 0.0,
           "rescale_tol": 0.0,
           "eq5_gap": float(max(np.abs(sym.A - half).max(), np.abs(sym.B - half).max())),
           "eq5_tol": float(4 * U * np.abs(half).max())}
    for g, F in members.items():
        R = cossim.rescale(*sym, np.where(m > 0, m, 1.0) ** (0.5 - g))
        out["W_gap"] = max(out["W_gap"], float(np.abs(F.A @ F.B.T - W_ref).max()))
        out["W_tol"] = max(out["W_tol"], float(product_tolerance(F.A, F.B.T).max()))
        out["value_gap"] = max(out["value_gap"], abs(_eq1_value(X, *F, lam, gram) - f_sym))
        out["value_tol"] = max(out["value_tol"], value_tolerance(X, *F, lam, "eq1"))
        out["rescale_gap"] = max(out["rescale_gap"], float(np.abs(R.A - F.A).max()),
                                 float(np.abs(R.B - F.B).max()))
        scale = max(np.abs(F.A).max(), np.abs(F.B).max())
        out["rescale_tol"] = max(out["rescale_tol"], float(8 * U * scale))
    return out


def choice_checks(Xf, Xc, full, lam, choice, gram=None):
    """The claims about the paper's full-rank choices (a) and (b), with their rounding bounds.

    Parameters
    ----------
    Xf : ndarray, shape (n, p)
        Data of full column rank (k = p).
    Xc : ndarray
        The users (rows of Xf) used for the user-side matrices.
    full : Spectrum
        All p singular values and vectors of Xf.
    choice : dict
        ``"a"``/``"b"`` → Factors (Eq. (5) rescaled by :func:`cossim.paper_choice_d`).
    gram : ndarray, optional
        ``XfᵀXf``, to evaluate Eq. (1) from it.

    Returns
    -------
    dict of (measured, bound)
        ``a_identity`` (item–item cosine of (a) against I), ``a_ranking``
        (cosine × user length against the scores, relative to the largest
        score), ``b_raw_users`` ((b)'s user–user cosine against the raw-data
        cosine), ``b_item_formula`` ((b)'s item–item cosine against
        ``Ω V m² Vᵀ Ω``), ``same_product``, ``same_value``, and ``b_not_identity``
        (largest off-diagonal |cosine| of (b), against the bound of (a)'s
        deviation from I). The bounds add to the rounding of the cosines the
        orthogonality error of the computed V (``γ_p``, LAPACK's bound's form).
    """
    p = Xf.shape[1]
    V, m = full.V, cossim.eq1_shrinkage(full.sigma, lam)
    a, b = choice["a"], choice["b"]
    orth = gamma(p)
    S_a = cossim.item_item_cosine(a.B)
    a_identity = float(np.abs(S_a - np.eye(p)).max())
    identity_tol = 2 * cosine_tolerance(p) + 2 * orth
    scores = np.asarray(Xc @ a.A) @ a.B.T
    user_norm = cossim.row_norms(np.asarray(Xc @ a.A))
    rank_err = np.abs(cossim.user_item_cosine(Xc, a.A, a.B) * user_norm[:, None] - scores).max()
    rank_tol = (prediction_tolerance(Xc, a.A, a.B) / np.abs(scores).max()
                + 2 * cosine_tolerance(p) + 2 * orth)
    raw = cossim.cosine_similarity(Xc)
    b_users = np.abs(cossim.user_user_cosine(Xc, b.A) - raw).max()
    users_tol = embedding_cosine_tolerance(Xc, b.A) + cosine_tolerance(p) + 2 * orth
    G_b = (V * m**2) @ V.T
    w = 1 / np.sqrt(np.diag(G_b))
    S_b = cossim.item_item_cosine(b.B)
    b_formula = np.abs(S_b - w[:, None] * G_b * w[None, :]).max()
    off = ~np.eye(p, dtype=bool)
    f_a, f_b = _eq1_value(Xf, *a, lam, gram), _eq1_value(Xf, *b, lam, gram)
    return {"a_identity": (a_identity, identity_tol),
            "a_ranking": (float(rank_err / np.abs(scores).max()), rank_tol),
            "b_raw_users": (float(b_users), users_tol),
            "b_item_formula": (float(b_formula), 2 * cosine_tolerance(p)),
            "same_product": (float(np.abs(a.A @ a.B.T - b.A @ b.B.T).max()),
                             float(product_tolerance(V * m, V.T).max())),
            "same_value": (abs(f_a - f_b), max(value_tolerance(Xf, *a, lam, "eq1"),
                                               value_tolerance(Xf, *b, lam, "eq1"))),
            "b_not_identity": (float(np.abs(S_b[off]).max()), identity_tol)}


def member_auc_spread(spectrum, lam, gammas, clusters):
    """Cluster AUC of the item–item cosines of several equally optimal members γ, and the AUC's noise floor.

    Returns ``(aucs, spread, floor)``: the AUCs (dict γ → AUC), their range,
    and the largest change that float64 rounding could cause: twice the
    largest change of an AUC when its cosines are rounded to a grid of twice
    the rounding bound of one cosine (pairs closer than that become ties), plus
    the AUC's resolution ``1/(n_same·n_different)``.
    """
    clusters = np.asarray(clusters)
    iu = np.triu_indices(clusters.size, k=1)
    same = int(np.sum(clusters[iu[0]] == clusters[iu[1]]))
    grid = 2 * cosine_tolerance(spectrum.V.shape[1])
    aucs, noise = {}, 0.0
    for g in gammas:
        S = cossim.item_item_cosine(cossim.eq1_factors(spectrum, lam, g).B)
        aucs[g] = cossim.cluster_auc(S, clusters)
        noise = max(noise, abs(aucs[g] - cossim.cluster_auc(np.round(S / grid) * grid, clusters)))
    values = list(aucs.values())
    return aucs, max(values) - min(values), 2 * noise + 1.0 / (same * (iu[0].size - same))


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
