"""Figure 1's pipeline (paper, Section 4): one data set, five panels, two scores each.

For a users × items matrix X and item labels:

1. the top-k spectrum ``X = U Σ Vᵀ`` (σ of the uncentred X, values as given),
   from :func:`cossim.top_singular`;
2. the five item–item similarity matrices of :mod:`cossim.figure1.panels`
   (the truth, three rescalings of Eq. (1)'s solution, Eq. (6)'s solution of Eq. (2));
3. two cluster-recovery scores per panel (:mod:`cossim.paper.metrics`): the
   ROC-AUC of the similarity over all item pairs i < j with same-label pairs
   as positives (ties count ½), and the mean share of each item's 10 most
   similar other items that carry its label;
4. the display order: by label, then by descending popularity.

:func:`figure1_json` writes the result as byte-stable JSON (what
``python -m cossim figure1`` saves); :func:`scores_table` as a table.
"""

from __future__ import annotations

import json
import numbers
from dataclasses import dataclass, field

import numpy as np

from .._validation import InvalidType, InvalidValue, as_matrix, check_labels, check_lambda, check_rank
from ..linalg.spectrum import top_singular
from ..paper.metrics import ClusterScores, order_items
from ..paper.simulation import SimulationSettings, simulate_with
from .panels import (
    PANEL_DEFINITIONS,
    PANEL_RECORDS,
    PANELS,
    panel_factor_rank,
    panel_factors,
    similarities_from_factors,
)

__all__ = [
    "PANELS",
    "PAPER_PARAMETERS",
    "MAX_ITEMS",
    "Figure1Result",
    "check_figure1_labels",
    "run_figure1",
    "simulate_figure1",
    "scores_table",
    "simulation_settings",
    "figure1_json",
]

#: The paper's full-scale setting (Section 4).
PAPER_PARAMETERS = {
    "n_users": 20_000, "n_items": 1_000, "n_clusters": 5,
    "rank": 50, "lam1": 10_000.0, "lam2": 100.0,
}

#: Largest number of items the figure-1 pipeline accepts: it holds five dense
#: p × p similarity matrices in memory.
MAX_ITEMS = 4000


@dataclass
class Figure1Result:
    """Everything Figure 1 shows, and its scores.

    Attributes
    ----------
    similarities : dict
        ``{panel name: p × p similarity}`` in the original item order.
    order : ndarray of int
        Display order of the items (by label, then descending popularity).
    labels : ndarray of int
        Item labels, original order.
    scores : dict
        ``{panel name: {"auc": float, "neighbour_purity": float}}``.
    sigma : ndarray
        The top-k singular values of X.
    parameters : dict
        Every setting needed to recompute the result (JSON-serialisable).
    factor_rank : dict
        ``{panel name: number of non-zero columns of B}`` (None for truth).
    """

    similarities: dict
    order: np.ndarray
    labels: np.ndarray
    scores: dict
    sigma: np.ndarray
    parameters: dict = field(default_factory=dict)
    factor_rank: dict = field(default_factory=dict)

    @property
    def names(self) -> tuple:
        return PANELS

    def ordered(self, name: str) -> np.ndarray:
        """Panel `name` with rows and columns in display order."""
        S = self.similarities[name]
        return S[np.ix_(self.order, self.order)]


def _check_n_neighbours(n_neighbours, p):
    if isinstance(n_neighbours, (bool, np.bool_)) or not isinstance(n_neighbours, numbers.Integral):
        raise InvalidType(f"n_neighbours must be an integer, got {type(n_neighbours).__name__}")
    if not 1 <= n_neighbours <= p - 1:
        raise InvalidValue(f"n_neighbours must satisfy 1 <= n_neighbours <= {p - 1}, got {n_neighbours}")
    return int(n_neighbours)


def check_figure1_labels(labels, p: int, name: str = "labels") -> np.ndarray:
    """Labels that make both scores defined: one per item, some pair equal, some pair different.

    The AUC needs positive pairs (same label) and negative pairs (different
    labels); an :class:`~cossim._validation.InvalidValue` otherwise.
    """
    labels = check_labels(labels, p, name)
    distinct = np.unique(labels).size
    if distinct < 2:
        raise InvalidValue(f"{name} must contain at least two different labels")
    if distinct == p:
        raise InvalidValue(f"{name} must put at least two items in the same group")
    return labels


def _score(similarities: dict, labels, n_neighbours: int) -> dict:
    """The two cluster-recovery scores of each panel (:func:`cossim.cluster_auc`,
    :func:`cossim.neighbour_purity`), with what depends on the labels alone computed once.

    `labels` and `n_neighbours` are checked by the caller; every S is a finite
    p × p float64 array built by :func:`similarities_from_factors`.
    """
    scores = ClusterScores(labels)
    return {name: {"auc": scores.auc(S), "neighbour_purity": scores.purity(S, n_neighbours)}
            for name, S in similarities.items()}


def run_figure1(X, labels, popularity=None, *, rank: int = 50, lam1=10_000.0, lam2=100.0,
                n_neighbours: int = 10, parameters: dict | None = None) -> Figure1Result:
    """Figure 1's pipeline on a users × items matrix X with item labels.

    Parameters
    ----------
    X : array_like or scipy.sparse matrix, shape (n, p)
        Values used as given (not centred, not binarised).
    labels : array_like of int, shape (p,)
        Item labels (the "true clusters"); at least one pair of items must
        share a label and one pair must differ.
    popularity : array_like, shape (p,), optional
        Sort key within a label (descending). Default: the column sums of X.
    rank : int
        k of both fits. Paper: 50.
    lam1, lam2 : float
        λ of Eq. (1) and Eq. (2). Paper: 10⁴ and 100.
    n_neighbours : int
        Neighbours per item for :func:`cossim.neighbour_purity`. Default 10.
    parameters : dict, optional
        Extra entries for ``result.parameters`` (e.g. the simulation settings).

    Returns
    -------
    Figure1Result
    """
    X = as_matrix(X, "X")
    n, p = X.shape
    if p > MAX_ITEMS:
        raise InvalidValue(f"X has {p} items; the figure-1 pipeline holds p × p matrices and "
                           f"accepts at most {MAX_ITEMS}")
    labels = check_figure1_labels(labels, p)
    rank = check_rank(rank, p, "rank")
    lam1 = check_lambda(lam1, "lam1")
    lam2 = check_lambda(lam2, "lam2")
    n_neighbours = _check_n_neighbours(n_neighbours, p)
    if popularity is None:
        popularity = np.asarray(X.sum(axis=0)).ravel()
        popularity_name = "column sums of X"
    else:
        popularity_name = "given"
    order = order_items(labels, popularity)
    spectrum = top_singular(X, rank)
    factors = panel_factors(spectrum, lam1, lam2)
    sims = similarities_from_factors(factors, labels)
    params = {
        "users": int(n), "items": int(p), "labels": int(np.unique(labels).size),
        "rank": rank, "lam1": lam1, "lam2": lam2, "neighbours": n_neighbours,
        "popularity": popularity_name,
    }
    params.update(parameters or {})
    return Figure1Result(sims, order, labels, _score(sims, labels, n_neighbours), spectrum.sigma,
                         params, panel_factor_rank(factors))


def simulate_figure1(n_users: int = 20_000, n_items: int = 1_000, n_clusters: int = 5, *,
                     seed: int = 0, rank: int = 50, lam1=10_000.0, lam2=100.0,
                     n_neighbours: int = 10, **simulate_kwargs) -> Figure1Result:
    """Simulate the paper's data (:func:`cossim.simulate`) and run :func:`run_figure1`.

    Items are ordered by true cluster, then by descending *baseline*
    popularity p_i, as in the paper. ``simulate_kwargs`` are the open choices
    of :class:`cossim.paper.simulation.SimulationSettings` (see
    :data:`cossim.figure1.readings.READINGS`), and optionally ``block_size``.
    """
    block_size = simulate_kwargs.pop("block_size", 2048)
    settings = SimulationSettings.from_kwargs(**simulate_kwargs)
    data = simulate_with(settings, n_users, n_items, n_clusters, seed=seed, block_size=block_size)
    params = {"source": "simulated", "seed": int(seed), "clusters": int(n_clusters),
              "simulation": _settings_json(settings, n_items)}
    result = run_figure1(data.X, data.clusters, data.popularity, rank=rank, lam1=lam1,
                         lam2=lam2, n_neighbours=n_neighbours, parameters=params)
    result.parameters["popularity"] = "baseline popularity p_i of the simulation"
    return result


def simulation_settings(**simulate_kwargs) -> dict:
    """Every open choice of :func:`cossim.simulate` as used: its defaults updated by the arguments.

    Read from :class:`~cossim.paper.simulation.SimulationSettings`; keys
    sorted, values JSON-ready (floats rounded to 6 decimals). ``block_size``
    (memory, not a modelling choice) is accepted and left out.
    """
    simulate_kwargs.pop("block_size", None)
    settings = SimulationSettings.from_kwargs(**simulate_kwargs)
    return {key: _jsonable(value) for key, value in sorted(settings.as_dict().items())}


def _settings_json(settings: SimulationSettings, n_items: int) -> dict:
    """``parameters.simulation`` of figure1.json: the settings, the p-dependent defaults named."""
    out = simulation_settings(**settings.as_dict())
    if out["max_items_per_user"] is None:
        out["max_items_per_user"] = int(n_items)
    if out["cluster_probs"] is None:
        out["cluster_probs"] = "uniform"
    return out


def _jsonable(value):
    if isinstance(value, np.ndarray):
        return [_jsonable(v) for v in value.tolist()]
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return round(float(value), 6)
    return value


def scores_table(result: Figure1Result):
    """The score table of Figure 1 as a pandas DataFrame (one row per panel)."""
    import pandas as pd

    purity = f"top-{result.parameters['neighbours']} own-cluster share"
    rows = [{"panel": p.name, "item embeddings B": p.embedding_label,
             "AUC": result.scores[p.name]["auc"],
             purity: result.scores[p.name]["neighbour_purity"]}
            for p in PANEL_RECORDS]
    return pd.DataFrame(rows).set_index("panel")


def figure1_json(result: Figure1Result) -> str:
    """``figure1.json``: parameters and per-panel scores; byte-stable for equal input.

    Keys are sorted and floats rounded to 6 decimals; there are no
    timestamps, so two runs on the same input give identical bytes. The text
    is ASCII (json's default escapes every other character) and holds no NaN.
    """
    panels = [{
        "name": name,
        "definition": PANEL_DEFINITIONS[name],
        "auc": round(float(result.scores[name]["auc"]), 6),
        "neighbour_purity": round(float(result.scores[name]["neighbour_purity"]), 6),
        "nonzero_columns_of_B": result.factor_rank.get(name),
    } for name in PANELS]
    params = {key: _jsonable(value) for key, value in result.parameters.items()}
    params["top_singular_values"] = [round(float(s), 6) for s in result.sigma[:10]]
    doc = {"parameters": params, "panels": panels}
    return json.dumps(doc, sort_keys=True, indent=2, allow_nan=False) + "\n"
