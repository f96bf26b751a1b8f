"""Is Figure 1's message robust to the choices the paper leaves open? (beyond the paper)

The paper does not give p_c, the exact power-law samplers, the law of the
users' cluster preferences or a bound on k_u (§4). :data:`READINGS` names
alternative readings of those choices; :func:`robustness` reruns the whole
pipeline of :func:`cossim.figure1.pipeline.simulate_figure1` over seeds ×
readings, and :func:`robustness_summary` / :func:`panel_ranking` condense the
scores.
"""

from __future__ import annotations

import numpy as np

from .._validation import InvalidValue
from .panels import PANELS
from .pipeline import simulate_figure1

__all__ = ["READINGS", "READING_DESCRIPTIONS", "reading_kwargs", "robustness",
           "robustness_summary", "panel_ranking"]

#: Alternative readings of the choices the paper leaves open, as changes to the
#: defaults of :func:`cossim.simulate`. ``"decreasing"`` for ``cluster_probs``
#: means p_c ∝ C, C−1, …, 1; ``"tenth"`` for ``max_items_per_user`` means p/10.
READINGS = {
    "default": {},
    "pareto_popularity": {"popularity_sampler": "pareto"},
    "zipf_popularity": {"popularity_sampler": "zipf"},
    "peaked_preferences": {"preference_concentration": 0.2},
    "unequal_clusters": {"cluster_probs": "decreasing"},
    "capped_activity": {"max_items_per_user": "tenth"},
}

#: One-line description of each reading (for tables).
READING_DESCRIPTIONS = {
    "default": "defaults of cossim.simulate",
    "pareto_popularity": "pᵢ ~ Pareto(β(c)): P(pᵢ > t) = t^(−β(c)), t ≥ 1",
    "zipf_popularity": "pᵢ = r^(−β(c)) for a random rank r within the cluster",
    "peaked_preferences": "pᵤ(c) ~ Dirichlet(0.2): most users favour one or two clusters",
    "unequal_clusters": "p(c) ∝ C, C−1, …, 1 instead of uniform",
    "capped_activity": "kᵤ ≤ p/10 (100 at paper scale) instead of kᵤ ≤ p",
}


def reading_kwargs(reading: str, n_clusters: int = 5, n_items: int = 1000) -> dict:
    """Keyword arguments of :func:`cossim.simulate` for a named reading in :data:`READINGS`."""
    if reading not in READINGS:
        raise InvalidValue(f"reading must be one of {sorted(READINGS)}, got {reading!r}")
    kwargs = dict(READINGS[reading])
    if kwargs.get("cluster_probs") == "decreasing":
        kwargs["cluster_probs"] = np.arange(n_clusters, 0, -1, dtype=np.float64)
    if kwargs.get("max_items_per_user") == "tenth":
        kwargs["max_items_per_user"] = max(1, n_items // 10)
    return kwargs


def robustness(seeds=range(5), readings=tuple(READINGS), *, n_users: int = 20_000,
               n_items: int = 1_000, n_clusters: int = 5, rank: int = 50,
               lam1=10_000.0, lam2=100.0, n_neighbours: int = 10):
    """Scores of every panel over seeds × readings of the paper's open choices.

    Returns
    -------
    pandas.DataFrame
        Long format: columns ``reading, seed, panel, auc, neighbour_purity``.
    """
    import pandas as pd

    seeds = list(seeds)
    readings = list(readings)
    if not seeds or not readings:
        raise InvalidValue("seeds and readings must be non-empty")
    rows = []
    for reading in readings:
        kwargs = reading_kwargs(reading, n_clusters, n_items)
        for seed in seeds:
            result = simulate_figure1(n_users, n_items, n_clusters, seed=seed, rank=rank,
                                      lam1=lam1, lam2=lam2, n_neighbours=n_neighbours, **kwargs)
            for name in PANELS:
                rows.append({"reading": reading, "seed": int(seed), "panel": name,
                             "auc": result.scores[name]["auc"],
                             "neighbour_purity": result.scores[name]["neighbour_purity"]})
    return pd.DataFrame(rows)


def robustness_summary(frame, score: str = "auc", digits: int = 3, panels=PANELS):
    """Mean ± sd (over seeds) of `score`, one row per reading, one column per panel.

    Each cell is one string ``"0.655 ± 0.005"`` (no-break spaces around ±).

    Parameters
    ----------
    frame : pandas.DataFrame
        From :func:`robustness`.
    score : {"auc", "neighbour_purity"}
    digits : int
        Decimals shown.
    panels : sequence of str
        Columns, in order (default: all of :data:`~cossim.figure1.panels.PANELS`).
    """
    if score not in ("auc", "neighbour_purity"):
        raise InvalidValue(f"score must be 'auc' or 'neighbour_purity', got {score!r}")
    panels = list(panels)
    grouped = frame.groupby(["reading", "panel"], sort=False)[score]
    mean = grouped.mean().unstack("panel")[panels]
    sd = grouped.std(ddof=1).unstack("panel")[panels]
    table = mean.copy().astype(object)
    for r in mean.index:
        for c in mean.columns:
            # no-break spaces: a cell never wraps inside "0.655 ± 0.005"
            table.loc[r, c] = f"{mean.loc[r, c]:.{digits}f}\u00a0±\u00a0{sd.loc[r, c]:.{digits}f}"
    return table


def panel_ranking(scores: dict, panels=PANELS[1:]) -> tuple:
    """Panels sorted by score, best first (ties keep the order of `panels`)."""
    return tuple(sorted(panels, key=lambda name: -scores[name]))
