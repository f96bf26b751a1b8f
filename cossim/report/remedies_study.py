"""Chapter 3 (remedies of the paper's §3): the repeated fit-and-score loops.

Every remedy of Chapter 3 fits a model, scores the recovery of the true item
clusters by its item–item cosines, runs :func:`cossim.rescaling_check` and
adds one row to the chapter's closing table. :class:`RemedyStudy` holds what
these steps share (XᵀX, the labels, the penalties, the rescalings D tried);
the chapter keeps the claims (its assertions) and the prose.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

import cossim

__all__ = ["FamilyFit", "RemedyStudy", "checkpoints", "top_direction_share", "free_d_cosine_change",
           "min_objective_change", "top_items_energy_share", "popularity_count_rho",
           "max_change", "objective_path", "cosine_fit_numbers", "summary_table",
           "summary_numbers", "compare", "style_summary", "plot_objective_path",
           "remedy_heatmaps"]

GAMMAS = (0.0, 0.5, 1.0)


class FamilyFit(NamedTuple):
    """One fitted model of a remedy: its scores, its rescaling check, its cosines."""

    scores: dict
    free_d: bool
    S: np.ndarray
    check: object


def _item_cos_B(A, B):
    return cossim.item_item_cosine(B)


class RemedyStudy:
    """Shared state of Chapter 3's measurements on one data set.

    Parameters
    ----------
    G : ndarray, shape (p, p)
        XᵀX of the data; Eqs. (1) and (2) need nothing else.
    labels : ndarray, shape (p,)
        True item clusters.
    rank, lam1, lam2 : int, float, float
        Rank k and the penalties of Eqs. (1) and (2).
    n_neighbours : int
        Neighbours of the purity score (:func:`cossim.recovery_scores`).
    n_random_d, seed : int
        Random rescalings D tried by every check (:func:`cossim.random_rescalings`).
    gammas : tuple of float
        The members γ of Eq. (1)'s family fitted by every remedy.

    Attributes
    ----------
    spectrum : Spectrum
        Top-`rank` spectrum of `G`.
    m : ndarray
        Eq. (1)'s shrinkage 1/(1 + λ₁/σᵢ²).
    random_ds, gamma_ds, all_ds : list of ndarray
        The random D's, the D's that map Eq. (5) (γ = ½) to γ = 0 and γ = 1,
        and both together.
    rows : list of dict
        The closing table of the chapter, one dict per fitted model.
    """

    def __init__(self, G, labels, rank, lam1, lam2, n_neighbours, n_random_d, seed,
                 gammas=GAMMAS):
        self.G, self.labels, self.rank = G, labels, rank
        self.lam1, self.lam2, self.n_neighbours = lam1, lam2, n_neighbours
        self.gammas = tuple(gammas)
        self.spectrum = cossim.spectrum_from_gram(G, rank)
        self.random_ds = cossim.random_rescalings(rank, n_random_d, seed=seed)
        self.m = cossim.eq1_shrinkage(self.spectrum.sigma, lam1)
        self.gamma_ds = [np.where(self.m > 0, self.m, 1.0) ** (0.5 - g) for g in (0.0, 1.0)]
        self.all_ds = self.gamma_ds + self.random_ds
        self.rows = []

    # -- scoring and the table -------------------------------------------------
    def scores(self, S):
        """Cluster AUC and neighbour purity of an item–item similarity S."""
        return cossim.recovery_scores(S, self.labels, self.n_neighbours)

    def add_row(self, remedy, variant, S, check):
        """Add one row (scores and the verdict of `check`) to the closing table."""
        self.rows.append({"remedy": remedy, "variant": variant, **self.scores(S),
                          "free D moves cosines": "yes" if check.d_dependent else "no"})

    def check(self, objective, A, B, ds=None, cosine=_item_cos_B):
        """:func:`cossim.rescaling_check` of item cosines (default) under the D's `ds`."""
        return cossim.rescaling_check(objective, cosine, A, B,
                                      self.random_ds if ds is None else ds)

    # -- Eq. (1)/(2) on some Gram matrix (baseline, remedies 3a and 3b) ----------
    def fit_family(self, remedy, Gt, l1, l2, spec):
        """Fit Eq. (1) at every γ and Eq. (2) to data with Gram matrix `Gt`; add rows.

        Returns a dict γ → :class:`FamilyFit`, plus key ``"eq2"``.
        """
        out = {}
        for g in self.gammas:
            A, B = cossim.eq1_factors(spec, l1, g)
            check = self.check(lambda a, b: cossim.objective_eq1_gram(Gt, a, b, l1), A, B)
            S = cossim.item_item_cosine(B)
            out[g] = FamilyFit(self.scores(S), check.d_dependent, S, check)
            self.add_row(remedy, f"Eq. (1), γ = {g:g}", S, check)
        A, B = cossim.eq2_factors(spec, l2)
        check = self.check(lambda a, b: cossim.objective_eq2_gram(Gt, a, b, l2), A, B)
        S = cossim.item_item_cosine(B)
        out["eq2"] = FamilyFit(self.scores(S), check.d_dependent, S, check)
        self.add_row(remedy, "Eq. (2)", S, check)
        return out

    def baselines(self):
        """The baseline rows: Eq. (1) at every γ and Eq. (2) on the data itself."""
        return self.fit_family("baseline", self.G, self.lam1, self.lam2, self.spectrum)

    def transformed(self, remedy, Gt):
        """Remedies 3a and 3b: refit to transformed data with Gram matrix `Gt`.

        λ₁ is scaled by the energy ratio tr(Gt)/tr(G) and λ₂ by its square root.
        Returns ``(fits, ratio)``.
        """
        ratio = np.trace(Gt) / np.trace(self.G)
        l1, l2 = self.lam1 * ratio, self.lam2 * np.sqrt(ratio)
        spec = cossim.spectrum_from_gram(Gt, self.rank)
        return self.fit_family(remedy, Gt, l1, l2, spec), ratio

    # -- remedy 1 ---------------------------------------------------------------
    def fit_cosine_models(self, max_iter):
        """Remedy 1: :func:`cossim.fit_cosine_model` started from Eq. (1) at every γ.

        The ``"exact_b"`` optimiser, for `max_iter` iterations, with the fit
        recorded at :func:`checkpoints` ``(max_iter)``.
        """
        fits = {}
        for g in self.gammas:
            init = cossim.eq1_factors(self.spectrum, self.lam1, g)
            fits[g] = cossim.fit_cosine_model(self.G, self.lam1, init=init, max_iter=max_iter,
                                              method="exact_b", checkpoints=checkpoints(max_iter))
        return fits

    def weakest_direction_value(self):
        """``σ_k⁴/(σ_k² + λ₁)``: how much the k-th direction lowers Eq. (1)'s optimum.

        The optimum of Eq. (1) is ``‖X‖² − Σ_{i≤k} σ_i⁴/(σ_i² + λ₁)``, so this is
        the loss of dropping the weakest kept direction: the natural unit for
        "nearly as good a fit as Eq. (1)".
        """
        s2 = float(self.spectrum.sigma[-1]) ** 2
        return s2**2 / (s2 + self.lam1)

    def cosine_path_table(self, fits, f_eq1):
        """The cosine-trained fits along the way: one row per start γ and checkpoint.

        Columns: the objective's excess over the Eq. (1) optimum `f_eq1` in
        units of :meth:`weakest_direction_value`, the scale s, the share of the
        unit rows of B in their top singular direction (:func:`top_direction_share`)
        and the cluster AUC of cos(B, B).
        """
        unit = self.weakest_direction_value()
        rows = [{"start γ": f"{g:g}", "iteration": it, "excess over Eq. (1)": (value - f_eq1) / unit,
                 "scale s": s, "top-direction share of B": top_direction_share(B),
                 "cluster AUC": self.scores(cossim.item_item_cosine(B))["auc"]}
                for g, fit in fits.items() for it, value, s, B in fit.path]
        return pd.DataFrame(rows)

    def cosine_objective(self, model):
        """The cosine objective (with `model`'s fitted scale) as a function of (A, B)."""
        return lambda a, b: cossim.objective_cosine(self.G, a, b, model.scale, self.lam1)

    def eq1_objective(self):
        """Eq. (1) as a function of (A, B), evaluated from XᵀX."""
        return lambda a, b: cossim.objective_eq1_gram(self.G, a, b, self.lam1)

    # -- remedy 2 ---------------------------------------------------------------
    def projections(self, A1, B1, X, users):
        """Remedy 2: projected and latent cosines for every D of :attr:`all_ds`.

        Returns four dicts j → matrix: items as rows of B̂Âᵀ, items as columns
        of XÂB̂ᵀ, users as rows of XÂB̂ᵀ, and the latent user–user cosines.
        """
        proj_rows, proj_cols, proj_users, latent_users = {}, {}, {}, {}
        for j, d in enumerate(self.all_ds):
            Ad, Bd = cossim.rescale(A1, B1, d)
            proj_rows[j] = cossim.projected_item_cosine(Ad, Bd)
            proj_cols[j] = cossim.projected_item_cosine(Ad, Bd, X)
            proj_users[j] = cossim.projected_user_cosine(X, Ad, Bd, users)
            latent_users[j] = cossim.user_user_cosine(X[users], Ad)
        return proj_rows, proj_cols, proj_users, latent_users


def checkpoints(max_iter):
    """Where Chapter 3 records the cosine-trained fits: 0, then max_iter/8, /4, /2 and max_iter."""
    return sorted({0, *(max(1, max_iter * j // 8) for j in (1, 2, 4, 8))})


def top_direction_share(B):
    """Share of ``‖Bₙ‖²_F`` in the top singular direction of the unit rows Bₙ of B.

    1/k when the rows spread evenly over k directions; near 1 when all rows
    point (up to sign) one way, so that every item–item cosine is near ±1.
    """
    sv = np.linalg.svd(cossim.row_normalize(B), compute_uv=False) ** 2
    return float(sv[0] / sv.sum())


def top_items_energy_share(X, fraction):
    """Share of ``‖X‖²_F`` in the columns of the ``ceil(fraction · p)`` items with most of it."""
    energy = np.sort(np.asarray(X.multiply(X).sum(axis=0) if hasattr(X, "multiply")
                                else (np.asarray(X) ** 2).sum(axis=0)).ravel())[::-1]
    top = int(np.ceil(fraction * energy.size))
    return float(energy[:top].sum() / energy.sum())


def popularity_count_rho(X, popularity):
    """Spearman ρ of the items' baseline popularity and their numbers of consumers (non-zeros)."""
    import scipy.stats

    counts = np.asarray((X != 0).sum(axis=0)).ravel()
    return float(scipy.stats.spearmanr(popularity, counts)[0])


def free_d_cosine_change(check):
    """Largest cosine change over the D's of `check` that leave the objective unchanged (0 if none)."""
    moved = check.cosine_change[check.free]
    return float(moved.max()) if moved.size else 0.0


def min_objective_change(checks):
    """Smallest relative objective change over all D's of all `checks` (a dict or list)."""
    checks = checks.values() if isinstance(checks, dict) else checks
    return float(min(c.objective_change.min() for c in checks))


def max_change(family):
    """Largest entrywise change of a dict j → matrix relative to entry 0 (Chapter 3)."""
    return max(float(np.max(np.abs(family[j] - family[0]))) for j in family)


def cosine_fit_numbers(fits, path_table, gammas=GAMMAS):
    """The numbers Chapter 3 states about the cosine-trained fits (remedy 1).

    Parameters
    ----------
    fits : dict
        Start γ → :class:`cossim.CosineModel` (with a ``path``).
    path_table : DataFrame
        :meth:`RemedyStudy.cosine_path_table` of the fits.

    Returns
    -------
    dict
        Glue name → value: AUC at the first and the last checkpoint (range over
        the starts), the smallest drop of the AUC along a fit, the smallest growth
        of the scale s, the top-direction share of B at the end, the gradient
        ratio, the number of converged fits, the spread of the final objectives
        (in units of the weakest direction), and which start the objective picks.
    """
    t = path_table
    first = t[t.iteration == t.iteration.min()].set_index("start γ")
    last = t[t.iteration == t.iteration.max()].set_index("start γ")
    drop = first["cluster AUC"] - last["cluster AUC"]
    growth = last["scale s"] / first["scale s"]
    best_fit = min(gammas, key=lambda g: fits[g].objective)
    best_auc = last["cluster AUC"].idxmax()
    return {
        "cos_auc_first_min": float(first["cluster AUC"].min()),
        "cos_auc_first_max": float(first["cluster AUC"].max()),
        "cos_auc_last_min": float(last["cluster AUC"].min()),
        "cos_auc_last_max": float(last["cluster AUC"].max()),
        "cos_auc_drop_min": float(drop.min()), "cos_auc_drop_max": float(drop.max()),
        "cos_scale_growth_min": float(growth.min()),
        "cos_top_share_first_max": float(first["top-direction share of B"].max()),
        "cos_top_share_last_min": float(last["top-direction share of B"].min()),
        "cos_top_share_last_max": float(last["top-direction share of B"].max()),
        "cos_excess_last_max": float(last["excess over Eq. (1)"].max()),
        "cos_excess_spread": float(np.ptp(last["excess over Eq. (1)"])),
        "cos_grad_ratio_max": float(max(f.grad_norm / f.grad_norm_start for f in fits.values())),
        "cos_grad_ratio_min": float(min(f.grad_norm / f.grad_norm_start for f in fits.values())),
        "cos_n_converged": int(sum(f.converged for f in fits.values())),
        "cos_best_fit_start": f"{best_fit:g}",
        "cos_best_fit_auc": float(last.loc[f"{best_fit:g}", "cluster AUC"]),
        "cos_best_fit_same": "is also" if f"{best_fit:g}" == best_auc else "is not",
    }


def objective_path(objective, A, B, z, ts):
    """Relative change of `objective` along the rescalings D_t = exp(t·z) of (A, B)."""
    path = np.array([objective(A * np.exp(t * z), B / np.exp(t * z)) for t in ts])
    return path / path[ts == 0][0] - 1


def plot_objective_path(ts, rel_eq1, rel_cos):
    """Figure ``fig-cos-path`` of Chapter 3: both objectives along a path of D's."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 3.6), constrained_layout=True)
    ax.plot(ts, 100 * rel_eq1, marker="o", ms=3, color="#21918c",
            label="Eq. (1) (closed form, γ = ½)")
    ax.plot(ts, 100 * rel_cos, marker="s", ms=3, color="#440154", label="cosine-trained model")
    ax.axvline(0, color="0.6", lw=0.8, ls=":")
    ax.set_xlabel("rescaling strength $t$ in $D_t = \\exp(t\\,z)$")
    ax.set_ylabel("change of training objective (%)")
    ax.legend(loc="upper center")
    return fig


def remedy_heatmaps(panels, labels, popularity):
    """Figure ``fig-remedy-maps`` of Chapter 3 as a PNG image.

    Parameters
    ----------
    panels : dict of str to ndarray
        Title → item–item similarity, one panel each.
    labels, popularity : ndarray
        True clusters and popularity; items are sorted by cluster, then popularity.
    """
    from IPython.display import Image

    from cossim.figure1.plotting import figure_png, plot_heatmaps

    order = cossim.order_items(labels, popularity)
    _, cluster_sizes = np.unique(labels[order], return_counts=True)
    fig = plot_heatmaps([S[np.ix_(order, order)] for S in panels.values()], list(panels),
                        group_sizes=cluster_sizes, nrows=2, panel_size=3.2, title_size=15,
                        colorbar_label="item–item cosine similarity",
                        axis_label="items: by cluster, then by popularity (descending)")
    return Image(figure_png(fig, dpi=110))


def summary_table(rows, n_neighbours):
    """Chapter 3's closing table from :attr:`RemedyStudy.rows`, with display names."""
    table = pd.DataFrame(rows)
    return table.rename(columns={"auc": "cluster AUC", "purity": f"purity@{n_neighbours}",
                                 "free D moves cosines": "a free D moves the cosines"})


def compare(a, b, tol=5e-4):
    """'level with', 'above' or 'below': a compared with b up to `tol`."""
    return "level with" if abs(a - b) <= tol else ("above" if a > b else "below")


def summary_numbers(table):
    """The best baseline, the best remedy row and the best row without a free D.

    Returns ``(numbers, remedy_rows)``: a dict of glue name → value for
    Chapter 3's summary, and the table's non-baseline rows.
    """
    best_base = table[table.remedy == "baseline"]["cluster AUC"].max()
    remedy_rows = table[table.remedy != "baseline"]
    best_remedy = remedy_rows.loc[remedy_rows["cluster AUC"].idxmax()]
    unique_rows = remedy_rows[remedy_rows["a free D moves the cosines"] == "no"]
    best_unique = unique_rows.loc[unique_rows["cluster AUC"].idxmax()]
    numbers = {
        "best_base_auc": float(best_base),
        "best_remedy_auc": float(best_remedy["cluster AUC"]),
        "best_remedy_name": f"{best_remedy.remedy} ({best_remedy.variant})",
        "best_unique_auc": float(best_unique["cluster AUC"]),
        "best_unique_name": f"{best_unique.remedy} ({best_unique.variant})",
        "n_better": int((remedy_rows["cluster AUC"] > best_base + 5e-4).sum()),
        "n_remedy_rows": len(remedy_rows),
        "unique_vs_base": compare(best_unique["cluster AUC"], best_base),
    }
    return numbers, remedy_rows


def style_summary(table, n_neighbours):
    """The closing table as shown: scores to three decimals, no index."""
    return table.style.format({"cluster AUC": "{:.3f}", f"purity@{n_neighbours}": "{:.3f}"}
                              ).hide(axis="index")
