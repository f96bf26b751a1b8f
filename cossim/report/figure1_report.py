"""Chapter 4 (the experiments of the paper's §4): tables and summaries of Figure 1.

Builds the data summary of the two readings of the simulation, the Figure 1
images, the cross-cluster medians of its caption, the statistics over the
robustness runs (§4.4) and the table of the best γ of the sweep (§4.5). The
chapter keeps its claims as assertions on what these return.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.stats

import cossim
from cossim import figure1 as E

__all__ = ["SHORT_PANELS", "subscript", "data_summary", "activity_law", "figure1_images",
           "median_cross", "max_pairwise_change", "family_loss_gap", "rescaling_spread",
           "popularity_gradient", "robustness_stats", "headline_table", "shown_seed_lowest",
           "json_score_gap",
           "best_gamma_table",
           "sweep_numbers", "readings_table"]

#: Display names of the four fitted panels.
SHORT_PANELS = {"eq1_gamma0": "Eq. (1), γ = 0", "eq1_gamma0.5": "Eq. (1), γ = ½",
                "eq1_gamma1": "Eq. (1), γ = 1", "eq2": "Eq. (2)"}


def subscript(j) -> str:
    """`j` written with Unicode subscript digits (σ₁, σ₂, …)."""
    return str(j).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def data_summary(data, capped, sigma, capped_sigma, n_sigma, lam2):
    """Chapter 4's table of the default and the capped reading of the simulation.

    Mean items per user, density of X, the top `n_sigma` singular values and
    the number of σ above λ₂ (directions Eq. (2) keeps), one row per reading.
    """
    return pd.DataFrame({
        "reading": ["default: kᵤ ≤ p", "capped: kᵤ ≤ p/10"],
        "mean kᵤ": [data.items_per_user.mean(), capped.items_per_user.mean()],
        "density of X": [data.X.nnz / np.prod(data.X.shape),
                         capped.X.nnz / np.prod(capped.X.shape)],
        **{f"σ{subscript(j + 1)}": [sigma[j], capped_sigma[j]] for j in range(n_sigma)},
        "# σ > λ₂": [int(np.sum(sigma > lam2)), int(np.sum(capped_sigma > lam2))],
    }).set_index("reading")


def activity_law(items_per_user, n_items, exponent=0.5, alpha=1e-3):
    """How the drawn k_u compare with the law the sampler realises and with ``P(k) ∝ k^{−β}``.

    The default sampler gives ``P(k_u = k) = (k/p)^β − ((k−1)/p)^β`` on 1..p
    (:func:`cossim.power_count_law`). Returns a dict: the Kolmogorov distance
    of the empirical law of `items_per_user` to it (``ks_realised``) and to the
    discrete power law (``ks_discrete``), the DKW bound ``noise`` that the
    first exceeds with probability at most `alpha` under the realised law, the
    total-variation distance ``tv`` of the two laws and the ratio ``p1_ratio``
    of their masses at k = 1.
    """
    realised = cossim.power_count_law(exponent, 1, n_items)
    discrete = cossim.discrete_power_law(exponent, 1, n_items)
    return {"ks_realised": cossim.kolmogorov_distance(items_per_user, realised, 1),
            "ks_discrete": cossim.kolmogorov_distance(items_per_user, discrete, 1),
            "noise": cossim.dkw_bound(len(items_per_user), alpha),
            "tv": cossim.total_variation(realised, discrete),
            "p1_ratio": float(realised[0] / discrete[0])}


def family_loss_gap(X, family, lam1):
    """Largest entry of ``|A_γB_γᵀ − A_½B_½ᵀ|`` and largest relative difference of Eq. (1)'s value.

    `family` maps γ to the factors of Eq. (1)'s family (:func:`cossim.eq1_factors`),
    one model rescaled by Eq. (3) with ``D = dMat(m)^{1/2−γ}``, and must hold γ = ½;
    Eq. (1) is evaluated on X itself.
    """
    W = family[0.5].A @ family[0.5].B.T
    loss = {g: cossim.objective_eq1(X, f.A, f.B, lam1) for g, f in family.items()}
    return (max(float(np.abs(f.A @ f.B.T - W).max()) for f in family.values()),
            max(abs(v / loss[0.5] - 1) for v in loss.values()))


def rescaling_spread(sigma, lam1):
    """``√(m_max / m_min)``: how far the D = dMat(m)^{±1/2} of γ = 0 and γ = 1 stretch dimensions.

    The D mapping Eq. (5) to γ = 0 or γ = 1 is ``dMat(m)^{±1/2}`` with
    ``m_i = 1/(1 + λ₁/σ_i²)``; its largest entry over its smallest is this
    ratio. Give the top-k σ for the rank-k panels, all σ for the paper's
    full-rank cases (a) and (b).
    """
    m = cossim.eq1_shrinkage(np.asarray(sigma, dtype=np.float64), lam1)
    m = m[m > 0]
    return float(np.sqrt(m.max() / m.min()))


def popularity_gradient(S, clusters, popularity):
    """Per cluster: Spearman ρ of popularity and an item's mean cosine with its cluster-mates.

    Returns ``(rho, size)``: an array with one ρ per cluster, and the smallest
    cluster size m (under independence ρ has standard deviation ≈ 1/√(m − 1)).
    """
    same = clusters[:, None] == clusters[None, :]
    np.fill_diagonal(same, False)
    mean_same = (S * same).sum(axis=1) / np.maximum(same.sum(axis=1), 1)
    groups = np.unique(clusters)
    rho = np.array([scipy.stats.spearmanr(popularity[clusters == c],
                                          mean_same[clusters == c])[0] for c in groups])
    return rho, int(min(np.sum(clusters == c) for c in groups))


def figure1_images(result):
    """Figure 1 as PNG images: one row as in the paper (dpi 120), and a 2 × 3 grid (dpi 110)."""
    from IPython.display import Image

    from cossim.figure1.plotting import figure_png, plot_figure1

    row = Image(figure_png(plot_figure1(result), dpi=120))
    grid = Image(figure_png(plot_figure1(result, nrows=2), dpi=110))
    return row, grid


def median_cross(result, clusters):
    """Median item–item cosine over pairs in different clusters, per panel of Figure 1."""
    cross = clusters[:, None] != clusters[None, :]
    return {name: float(np.median(result.similarities[name][cross])) for name in E.PANELS}


def max_pairwise_change(similarities, names):
    """Largest entrywise difference between any two of the matrices `similarities[name]`."""
    return max(np.max(np.abs(similarities[a] - similarities[b])) for a in names for b in names)


def robustness_stats(runs, auc):
    """What holds, and what varies, over the robustness runs of §4.4.

    Parameters
    ----------
    runs : DataFrame
        Output of :func:`cossim.robustness` (one row per reading, seed, panel).
    auc : dict
        The panels' AUC in the default run of the chapter.

    Returns
    -------
    stats : dict
        Series over runs: ``increasing`` (AUC rises with γ), ``spreads`` (AUC
        range over the fitted panels), ``eq2_beats_b``, ``eq2_worst``,
        ``gamma0_worst``; and the glued numbers (``n_runs``, ``modal_ranking``, …).
    """
    fitted = list(E.PANELS[1:])
    wide = runs.pivot_table(index=["reading", "seed"], columns="panel", values="auc")
    increasing = ((wide["eq1_gamma0"] < wide["eq1_gamma0.5"])
                  & (wide["eq1_gamma0.5"] < wide["eq1_gamma1"]))
    spreads = wide[fitted].max(axis=1) - wide[fitted].min(axis=1)
    rankings = wide.apply(lambda row: E.panel_ranking(row.to_dict()), axis=1)
    modal = rankings.value_counts().index[0]
    eq2_beats_b = wide["eq2"] > wide["eq1_gamma1"]
    eq2_worst = wide["eq2"] < wide["eq1_gamma0"]
    gamma0_worst = wide["eq1_gamma0"] == wide[fitted].min(axis=1)
    glued = {"n_runs": len(wide), "n_increasing": int(increasing.sum()),
             "min_spread": float(spreads.min()), "modal_ranking": " > ".join(modal),
             "n_modal": int((rankings == modal).sum()), "n_orders": int(rankings.nunique()),
             "n_default_ranking": int((rankings == E.panel_ranking(auc)).sum()),
             "n_eq2_beats_b": int(eq2_beats_b.sum()), "n_eq2_worst": int(eq2_worst.sum())}
    capped_rows = runs[(runs.reading == "capped_activity") & (runs.panel == "eq2")]
    if len(capped_rows):
        glued["capped_eq2_min"] = float(capped_rows.auc.min())
        glued["capped_eq2_max"] = float(capped_rows.auc.max())
    glued["n_gamma0_worst"] = int(gamma0_worst.sum())
    return dict(increasing=increasing, spreads=spreads, eq2_beats_b=eq2_beats_b,
                eq2_worst=eq2_worst, gamma0_worst=gamma0_worst, glued=glued)


def headline_table(runs, auc, reading="default"):
    """The shown seed beside the distribution over seeds: one row per fitted panel.

    Columns: the AUC of the figure (`auc`), its median and range over the
    seeds of `reading`, and its median and range over all runs of `runs`
    (every seed and reading of :func:`cossim.robustness`).
    """
    fitted = list(E.PANELS[1:])
    wide = runs.pivot_table(index=["reading", "seed"], columns="panel", values="auc")[fitted]
    same = wide.xs(reading, level="reading")
    rows = {}
    for name in fitted:
        rows[SHORT_PANELS[name]] = {
            "figure (seed 0)": auc[name],
            f"median, {reading}": same[name].median(),
            f"min, {reading}": same[name].min(), f"max, {reading}": same[name].max(),
            "median, all runs": wide[name].median(),
            "min, all runs": wide[name].min(), "max, all runs": wide[name].max()}
    return pd.DataFrame(rows).T.rename_axis("panel")


def json_score_gap(doc, auc, purity):
    """Largest difference between the scores in a ``figure1.json`` document and `auc`/`purity`."""
    return max(max(abs(panel["auc"] - auc[panel["name"]]),
                   abs(panel["neighbour_purity"] - purity[panel["name"]])) for panel in doc["panels"])


def shown_seed_lowest(runs, auc, reading="default"):
    """For how many fitted panels the shown AUC (`auc`) is the lowest over the seeds of `reading`."""
    fitted = list(E.PANELS[1:])
    same = runs[(runs.reading == reading) & runs.panel.isin(fitted)]
    lowest = same.groupby("panel")["auc"].min()
    return int(sum(auc[name] <= lowest[name] for name in fitted))


def best_gamma_table(sweep, eq2_ref):
    """Best γ and its AUC for every (rank, λ₁) of the sweep (§4.5), with two references.

    Adds the AUC at γ = 0 and the Eq. (2) AUC at the same rank.
    """
    best = sweep.loc[sweep.groupby(["rank", "lam1"])["auc"].idxmax()].set_index(["rank", "lam1"])
    table = best.rename(columns={"gamma": "best γ", "auc": "best AUC"})
    table["AUC at γ = 0"] = sweep[sweep.gamma == 0.0].set_index(["rank", "lam1"])["auc"]
    table["Eq. (2) AUC"] = [float(eq2_ref.set_index("rank").loc[k, "auc"]) for k, _ in table.index]
    return table


def sweep_numbers(sweep, best_table, here, gammas):
    """The glued numbers of the γ sweep (§4.5) and the lines whose best γ is the grid's edge."""
    at_edge = best_table["best γ"] == gammas.max()
    line_range = sweep.groupby(["rank", "lam1"])["auc"].agg(lambda a: a.max() - a.min())
    widest = line_range.idxmax()
    here_key = here.name
    here_line = sweep.set_index(["rank", "lam1"]).loc[here_key, "auc"]
    return {"best_gamma_here": float(here["best γ"]), "best_auc_here": float(here["best AUC"]),
            "line_min_here": float(here_line.min()), "line_max_here": float(here_line.max()),
            "widest_rank": int(widest[0]), "widest_lam1": float(widest[1]),
            "widest_range": float(line_range.max()), "narrowest_range": float(line_range.min()),
            "gap_eq2_best": float(here["best AUC"] - here["Eq. (2) AUC"]),
            "best_gamma_min": float(best_table["best γ"].min()),
            "best_gamma_max": float(best_table["best γ"].max()),
            "auc_sweep_min": float(sweep.auc.min()), "auc_sweep_max": float(sweep.auc.max()),
            "n_lines": len(best_table), "n_at_edge": int(at_edge.sum()),
            "gamma_max": float(gammas.max())}, at_edge


def readings_table(readings):
    """The readings of the robustness study and what each changes (§4.4)."""
    return pd.DataFrame(
        {"change to the defaults": [E.READING_DESCRIPTIONS[r] for r in readings]},
        index=pd.Index(readings, name="reading"))
