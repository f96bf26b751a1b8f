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

__all__ = ["FamilyFit", "RemedyStudy", "max_change", "objective_path", "cosine_fit_numbers",
           "summary_table", "summary_numbers", "compare", "style_summary",
           "plot_objective_path", "remedy_heatmaps"]

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
        """Remedy 1: :func:`cossim.fit_cosine_model` started from Eq. (1) at every γ."""
        fits = {}
        for g in self.gammas:
            init = cossim.eq1_factors(self.spectrum, self.lam1, g)
            fits[g] = cossim.fit_cosine_model(self.G, self.lam1, init=init, max_iter=max_iter)
        return fits

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


def max_change(family):
    """Largest entrywise change of a dict j → matrix relative to entry 0 (Chapter 3)."""
    return max(float(np.max(np.abs(family[j] - family[0]))) for j in family)


def cosine_fit_numbers(fits, cos_scores, base, f_eq1, checks, gammas=GAMMAS):
    """The numbers Chapter 3 states about the cosine-trained fits (remedy 1).

    Returns a dict of glue name → value: which start the objective picks and
    its AUC, the spread of objective values, the AUC drift from the start, the
    smallest relative objective change under a D, and the excess over Eq. (1).
    """
    best_fit = min(gammas, key=lambda g: fits[g].objective)
    best_auc_start = max(gammas, key=lambda g: cos_scores[g]["auc"])
    objectives = [f.objective for f in fits.values()]
    return {
        "cos_best_fit_start": f"{best_fit:g}",
        "cos_best_fit_auc": cos_scores[best_fit]["auc"],
        "cos_best_fit_same": "is also" if best_fit == best_auc_start else "is not",
        "cos_obj_spread": float((max(objectives) - min(objectives)) / f_eq1),
        "cos_auc_drift": float(max(abs(cos_scores[g]["auc"] - base[g]["auc"]) for g in gammas)),
        "cos_min_obj_change": float(min(c.objective_change.min() for c in checks.values())),
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
