"""Figure 1 of the paper: item–item cosine similarities under five modelling choices.

The pipeline (paper, Section 4), for a users × items matrix X and item labels:

1. the top-k spectrum ``X = U Σ Vᵀ`` (σ of the uncentred X, values as given),
   from :func:`cossim.top_singular`;
2. five item–item similarity matrices ("panels"), in this order:

   ``truth``         1 if two items share a label, else 0;
   ``eq1_gamma0``    cos(B, B), B = V_k                (Eq. (1), the paper's case (a));
   ``eq1_gamma0.5``  cos(B, B), B = V_k dMat(m)^{1/2}  (Eq. (1), the split of Eq. (5));
   ``eq1_gamma1``    cos(B, B), B = V_k dMat(m)        (Eq. (1), the paper's case (b));
   ``eq2``           cos(B, B), B = V_k dMat(√(σ(1 − λ₂/σ)₊))  (Eq. (2), solution Eq. (6));

   with ``m_i = 1 / (1 + λ₁/σ_i²)``;
3. two cluster-recovery scores per panel (:mod:`cossim.metrics`): the ROC-AUC
   of the similarity over all item pairs i < j with same-label pairs as
   positives (ties count ½), and the mean share of each item's 10 most
   similar other items that carry its label;
4. the display order: by label, then by descending popularity.

Beyond the paper: :func:`robustness` repeats the pipeline over seeds and
alternative readings of the choices the paper leaves open, and
:func:`gamma_sweep` scores the whole family ``B = V_k dMat(m)^γ``.

The ``figure1`` command of ``python -m cossim`` runs the same pipeline on
simulated data or on the user's own matrix (:func:`add_figure1_parser`).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import numbers
from dataclasses import dataclass, field

import numpy as np

from .._validation import as_matrix, check_labels, check_lambda, check_rank
from ..paper.metrics import cluster_auc, neighbour_purity, order_items
from ..paper.models import eq1_factors, eq1_shrinkage, eq2_factors
from ..linalg.similarity import item_item_cosine
from ..paper.simulation import simulate
from ..linalg.spectrum import Spectrum, top_singular

__all__ = [
    "PANELS",
    "PANEL_TITLES",
    "PANEL_SHORT_TITLES",
    "PAPER_PARAMETERS",
    "READINGS",
    "MAX_ITEMS",
    "Figure1Result",
    "truth_similarity",
    "panel_similarities",
    "run_figure1",
    "simulate_figure1",
    "scores_table",
    "simulation_settings",
    "figure1_json",
    "reading_kwargs",
    "robustness",
    "robustness_summary",
    "panel_ranking",
    "gamma_sweep",
    "add_figure1_parser",
]

#: Panel names of Figure 1, in display order.
PANELS = ("truth", "eq1_gamma0", "eq1_gamma0.5", "eq1_gamma1", "eq2")

#: Panel titles (matplotlib mathtext). The paper's own titles are not in its
#: text; the three Eq. (1) panels are our reading: cases (a), (5) and (b) of §2.2.
PANEL_TITLES = {
    "truth": "truth: 1 if same cluster",
    "eq1_gamma0": "Eq. (1), $B = V_k$\n[case (a), $\\gamma = 0$]",
    "eq1_gamma0.5": "Eq. (1), $B = V_k\\,\\mathrm{dMat}(m)^{1/2}$\n[Eq. (5), $\\gamma = 1/2$]",
    "eq1_gamma1": "Eq. (1), $B = V_k\\,\\mathrm{dMat}(m)$\n[case (b), $\\gamma = 1$]",
    "eq2": "Eq. (2), $B$ of Eq. (6)\n[unique]",
}

#: Short panel titles (one line each) for figures at book width; the caption
#: names the cases: γ = 0 is case (a), γ = ½ Eq. (5), γ = 1 case (b).
PANEL_SHORT_TITLES = {
    "truth": "truth (same cluster)",
    "eq1_gamma0": "Eq. (1), γ = 0",
    "eq1_gamma0.5": "Eq. (1), γ = ½",
    "eq1_gamma1": "Eq. (1), γ = 1",
    "eq2": "Eq. (2)",
}

#: Plain-text description of each panel's B (written to figure1.json).
PANEL_DEFINITIONS = {
    "truth": "S[i,j] = 1 if label[i] == label[j] else 0",
    "eq1_gamma0": "cos(B,B), B = V_k (Eq. 1, case (a))",
    "eq1_gamma0.5": "cos(B,B), B = V_k dMat(m)^(1/2), m = 1/(1+lam1/sigma^2) (Eq. 1, Eq. 5)",
    "eq1_gamma1": "cos(B,B), B = V_k dMat(m), m = 1/(1+lam1/sigma^2) (Eq. 1, case (b))",
    "eq2": "cos(B,B), B = V_k dMat(sqrt(sigma*max(0,1-lam2/sigma))) (Eq. 2, Eq. 6)",
}

_PANEL_B = {
    "truth": "— (same cluster: 1, else 0)",
    "eq1_gamma0": "Eq. (1): V_k",
    "eq1_gamma0.5": "Eq. (1): V_k·dMat(m)^½",
    "eq1_gamma1": "Eq. (1): V_k·dMat(m)",
    "eq2": "Eq. (2): V_k·dMat(√(σ(1−λ₂/σ)₊))",
}

_EQ1_GAMMA = {"eq1_gamma0": 0.0, "eq1_gamma0.5": 0.5, "eq1_gamma1": 1.0}

#: The paper's full-scale setting (Section 4).
PAPER_PARAMETERS = {
    "n_users": 20_000, "n_items": 1_000, "n_clusters": 5,
    "rank": 50, "lam1": 10_000.0, "lam2": 100.0,
}

#: Largest number of items the figure-1 pipeline accepts: it holds five dense
#: p × p similarity matrices in memory.
MAX_ITEMS = 4000

#: Largest n·p the ``figure1`` command simulates (with k_u ≤ p about a third of
#: the entries are interactions).
MAX_SIMULATED_ENTRIES = 300_000_000

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


# --------------------------------------------------------------------------- panels


def truth_similarity(labels) -> np.ndarray:
    """The ``truth`` panel: ``S[i, j] = 1`` if items i and j share a label, else 0."""
    labels = check_labels(labels, np.asarray(labels).reshape(-1).shape[0])
    return (labels[:, None] == labels[None, :]).astype(np.float64)


def panel_similarities(spectrum, labels, lam1, lam2) -> dict:
    """The five item–item similarity matrices of Figure 1, in item order.

    Parameters
    ----------
    spectrum : Spectrum
        Top-k σ and V of X (k = its length).
    labels : array_like of int, shape (p,)
    lam1, lam2 : float
        λ of Eq. (1) (on the scale of σ²) and of Eq. (2) (on the scale of σ).

    Returns
    -------
    dict
        ``{name: S}`` for the names in :data:`PANELS`, each S of shape (p, p).
    """
    sigma, V = spectrum
    labels = check_labels(labels, V.shape[0])
    lam1 = check_lambda(lam1, "lam1")
    lam2 = check_lambda(lam2, "lam2")
    out = {"truth": truth_similarity(labels)}
    for name, gamma in _EQ1_GAMMA.items():
        out[name] = item_item_cosine(eq1_factors(spectrum, lam1, gamma).B)
    out["eq2"] = item_item_cosine(eq2_factors(spectrum, lam2).B)
    return out


def _panel_factor_rank(spectrum, lam1, lam2) -> dict:
    """Number of non-zero columns of B in each panel."""
    sigma = spectrum[0]
    m = eq1_shrinkage(sigma, lam1)
    eq1 = int(np.count_nonzero(m > 0))
    return {"truth": None, "eq1_gamma0": int(sigma.size), "eq1_gamma0.5": eq1,
            "eq1_gamma1": eq1, "eq2": int(np.count_nonzero(sigma > lam2))}


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
        raise TypeError(f"n_neighbours must be an integer, got {type(n_neighbours).__name__}")
    if not 1 <= n_neighbours <= p - 1:
        raise ValueError(f"n_neighbours must satisfy 1 <= n_neighbours <= {p - 1}, got {n_neighbours}")
    return int(n_neighbours)


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
        raise ValueError(f"X has {p} items; the figure-1 pipeline holds p × p matrices and "
                         f"accepts at most {MAX_ITEMS}")
    labels = check_labels(labels, p)
    if np.unique(labels).size < 2:
        raise ValueError("labels must contain at least two different labels")
    if np.unique(labels).size == p:
        raise ValueError("labels must put at least two items in the same group")
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
    sims = panel_similarities(spectrum, labels, lam1, lam2)
    scores = {name: {"auc": cluster_auc(S, labels),
                     "neighbour_purity": neighbour_purity(S, labels, n_neighbours)}
              for name, S in sims.items()}
    params = {
        "users": int(n), "items": int(p), "labels": int(np.unique(labels).size),
        "rank": rank, "lam1": lam1, "lam2": lam2, "neighbours": n_neighbours,
        "popularity": popularity_name,
    }
    params.update(parameters or {})
    return Figure1Result(sims, order, labels, scores, spectrum.sigma, params,
                         _panel_factor_rank(spectrum, lam1, lam2))


def simulate_figure1(n_users: int = 20_000, n_items: int = 1_000, n_clusters: int = 5, *,
                     seed: int = 0, rank: int = 50, lam1=10_000.0, lam2=100.0,
                     n_neighbours: int = 10, **simulate_kwargs) -> Figure1Result:
    """Simulate the paper's data (:func:`cossim.simulate`) and run :func:`run_figure1`.

    Items are ordered by true cluster, then by descending *baseline*
    popularity p_i, as in the paper. ``simulate_kwargs`` are passed to
    :func:`cossim.simulate` (the open choices; see :data:`READINGS`).
    """
    data = simulate(n_users, n_items, n_clusters, seed=seed, **simulate_kwargs)
    params = {"source": "simulated", "seed": int(seed), "clusters": int(n_clusters),
              "simulation": simulation_settings(**simulate_kwargs)}
    if params["simulation"]["max_items_per_user"] is None:
        params["simulation"]["max_items_per_user"] = int(n_items)
    if params["simulation"]["cluster_probs"] is None:
        params["simulation"]["cluster_probs"] = "uniform"
    result = run_figure1(data.X, data.clusters, data.popularity, rank=rank, lam1=lam1,
                         lam2=lam2, n_neighbours=n_neighbours, parameters=params)
    result.parameters["popularity"] = "baseline popularity p_i of the simulation"
    return result


def simulation_settings(**simulate_kwargs) -> dict:
    """Every open choice of :func:`cossim.simulate` as used: its defaults updated by the arguments."""
    import inspect

    settings = {}
    for name, par in inspect.signature(simulate).parameters.items():
        if par.kind is inspect.Parameter.KEYWORD_ONLY and name not in ("seed", "block_size"):
            settings[name] = par.default
    unknown = set(simulate_kwargs) - set(settings) - {"block_size"}
    if unknown:
        raise TypeError(f"unknown simulation settings: {sorted(unknown)}")
    settings.update({k: v for k, v in simulate_kwargs.items() if k != "block_size"})
    return {key: _jsonable(value) for key, value in sorted(settings.items())}


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

    rows = [{"panel": name, "item embeddings B": _PANEL_B[name],
             "AUC": result.scores[name]["auc"],
             f"top-{result.parameters['neighbours']} own-cluster share":
                 result.scores[name]["neighbour_purity"]}
            for name in PANELS]
    return pd.DataFrame(rows).set_index("panel")


def figure1_json(result: Figure1Result) -> str:
    """``figure1.json``: parameters and per-panel scores; byte-stable for equal input.

    Keys are sorted and floats rounded to 6 decimals; there are no
    timestamps, so two runs on the same input give identical bytes.
    """
    panels = []
    for name in PANELS:
        panels.append({
            "name": name,
            "definition": PANEL_DEFINITIONS[name],
            "auc": round(float(result.scores[name]["auc"]), 6),
            "neighbour_purity": round(float(result.scores[name]["neighbour_purity"]), 6),
            "nonzero_columns_of_B": result.factor_rank.get(name),
        })
    params = {key: _jsonable(value) for key, value in result.parameters.items()}
    params["top_singular_values"] = [round(float(s), 6) for s in result.sigma[:10]]
    doc = {"parameters": params, "panels": panels}
    return json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=True, allow_nan=False) + "\n"


# --------------------------------------------------------------------------- robustness


def reading_kwargs(reading: str, n_clusters: int = 5, n_items: int = 1000) -> dict:
    """Keyword arguments of :func:`cossim.simulate` for a named reading in :data:`READINGS`."""
    if reading not in READINGS:
        raise ValueError(f"reading must be one of {sorted(READINGS)}, got {reading!r}")
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
        raise ValueError("seeds and readings must be non-empty")
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
        Columns, in order (default: all of :data:`PANELS`).
    """
    if score not in ("auc", "neighbour_purity"):
        raise ValueError(f"score must be 'auc' or 'neighbour_purity', got {score!r}")
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


# --------------------------------------------------------------------------- γ sweep


def gamma_sweep(X, labels, gammas=None, lam1s=(1_000.0, 10_000.0, 100_000.0),
                ranks=(10, 50, 200), lam2=100.0, *, neighbour_purity_too: bool = False):
    """Score of ``cos(B, B)`` with ``B = V_k dMat(m)^γ`` over γ, λ₁ and k.

    All of these B solve Eq. (1) equally well (Eq. (3) with
    ``D = dMat(m)^{1/2−γ}``); the sweep shows how the cluster-recovery score
    depends on that arbitrary choice. For every k the Eq. (2) solution
    (Eq. (6), with `lam2`) is scored too, as a reference.

    Parameters
    ----------
    X : array_like or scipy.sparse matrix, shape (n, p)
    labels : array_like of int, shape (p,)
    gammas : array_like, optional
        Default: −1 to 2 in steps of 0.125.
    lam1s : sequence of float
    ranks : sequence of int
    lam2 : float
    neighbour_purity_too : bool
        Also compute the top-10 own-cluster share (slower).

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        The sweep (``rank, lam1, gamma, auc[, neighbour_purity]``) and the
        Eq. (2) reference (``rank, lam2, auc[, neighbour_purity]``).
    """
    import pandas as pd

    X = as_matrix(X, "X")
    p = X.shape[1]
    labels = check_labels(labels, p)
    gammas = np.round(np.arange(-1.0, 2.0 + 1e-9, 0.125), 6) if gammas is None \
        else np.asarray(gammas, dtype=np.float64).ravel()
    if gammas.size == 0 or not np.all(np.isfinite(gammas)):
        raise ValueError("gammas must be a non-empty array of finite numbers")
    ranks = [check_rank(k, p, "rank") for k in ranks]
    lam1s = [check_lambda(lam, "lam1") for lam in lam1s]
    lam2 = check_lambda(lam2, "lam2")
    full = top_singular(X, max(ranks))

    def score(B):
        S = item_item_cosine(B)
        row = {"auc": cluster_auc(S, labels)}
        if neighbour_purity_too:
            row["neighbour_purity"] = neighbour_purity(S, labels, 10)
        return row

    rows, ref = [], []
    for k in ranks:
        spectrum = Spectrum(full.sigma[:k], full.V[:, :k])
        for lam1 in lam1s:
            for gamma in gammas:
                rows.append({"rank": k, "lam1": lam1, "gamma": float(gamma),
                             **score(eq1_factors(spectrum, lam1, float(gamma)).B)})
        ref.append({"rank": k, "lam2": lam2, **score(eq2_factors(spectrum, lam2).B)})
    return pd.DataFrame(rows), pd.DataFrame(ref)


# --------------------------------------------------------------------------- CLI

_HELP = """\
Figure 1 of Steck, Ekanadham & Kallus (2024): item-item cosine similarity of
the same data under five modelling choices, with cluster-recovery scores.

Data. Without --data: simulated as in the paper's Section 4 (cossim.simulate
with its documented defaults; n = --users, p = --items, C = --clusters,
--seed; every setting is recorded in figure1.json under
parameters.simulation). With --data X.npz --labels y.npy: X is a users x
items matrix saved with scipy.sparse.save_npz, values used as given (not
centred or binarised); y.npy holds one integer label per item (np.save, no
pickles).

Model. sigma, V_k = top-k singular values / right singular vectors of X
(k = --rank), m_i = 1 / (1 + lam1 / sigma_i^2). Panels, in this order:
  truth         S[i,j] = 1 if label[i] == label[j], else 0
  eq1_gamma0    cos(B,B), B = V_k                    Eq. (1), case (a)
  eq1_gamma0.5  cos(B,B), B = V_k dMat(m)^(1/2)      Eq. (1), Eq. (5)
  eq1_gamma1    cos(B,B), B = V_k dMat(m)            Eq. (1), case (b)
  eq2           cos(B,B), B = V_k dMat(sqrt(sigma * max(0, 1 - lam2/sigma)))
                                                     Eq. (2), Eq. (6)
cos(B,B)[i,j] = <b_i, b_j> / (|b_i| |b_j|); an all-zero row b_i gives 0.

Scores per panel. auc: ROC-AUC of S[i,j] over all item pairs i < j, pairs
with label[i] == label[j] positive, ties counted 1/2 (Mann-Whitney with mid-
ranks). neighbour_purity: for each item, the share of its --neighbours most
similar other items (ties broken by the smaller index) with its own label,
averaged over items.

Display. Items sorted by label, then by descending popularity (simulated:
the baseline popularity p_i; --data: the column sums of X), ties by index.
One colour scale for all panels: viridis on [-1, 1].

Output. DIR/figure1.png and DIR/figure1.json = {"parameters": {...},
"panels": [{"name": ..., "auc": ..., "neighbour_purity": ...,
"nonzero_columns_of_B": ..., "definition": ...}, ...]} with keys sorted
and floats rounded to 6 decimals (identical bytes for identical input).
Bad input: exit status 2, one line on stderr, no files written.
"""


def _positive_int(name):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be an integer, got {text!r}") from None
        if value < 1:
            raise argparse.ArgumentTypeError(f"{name} must be >= 1, got {value}")
        return value
    return parse


def _non_negative_int(name):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be an integer, got {text!r}") from None
        if value < 0:
            raise argparse.ArgumentTypeError(f"{name} must be >= 0, got {value}")
        return value
    return parse


def _non_negative_float(name):
    def parse(text):
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a number, got {text!r}") from None
        if not np.isfinite(value) or value < 0:
            raise argparse.ArgumentTypeError(f"{name} must be finite and >= 0, got {text}")
        return value
    return parse


def add_figure1_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``python -m cossim figure1`` (called by :mod:`cossim.commands`)."""
    parser = subparsers.add_parser(
        "figure1", help="Figure 1 of the paper (simulated data, or your own X and labels)",
        description=_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, metavar="DIR",
                        help="output folder (created if missing)")
    parser.add_argument("--data", metavar="X.npz", help="users x items matrix (scipy.sparse.save_npz)")
    parser.add_argument("--labels", metavar="y.npy", help="one integer label per item (numpy.save)")
    parser.add_argument("--users", type=_positive_int("--users"), default=None,
                        help="simulated users n (default 20000)")
    parser.add_argument("--items", type=_positive_int("--items"), default=None,
                        help=f"simulated items p (default 1000, at most {MAX_ITEMS})")
    parser.add_argument("--clusters", type=_positive_int("--clusters"), default=None,
                        help="simulated clusters C (default 5)")
    parser.add_argument("--seed", type=_non_negative_int("--seed"), default=None,
                        help="seed of the simulation (default 0)")
    parser.add_argument("--rank", type=_positive_int("--rank"), default=50,
                        help="rank k of both fits (default 50)")
    parser.add_argument("--lam1", type=_non_negative_float("--lam1"), default=10_000.0,
                        help="lambda of Eq. (1) (default 10000)")
    parser.add_argument("--lam2", type=_non_negative_float("--lam2"), default=100.0,
                        help="lambda of Eq. (2) (default 100)")
    parser.add_argument("--neighbours", type=_positive_int("--neighbours"), default=10,
                        help="neighbours per item for neighbour_purity (default 10)")
    parser.set_defaults(func=run_figure1_command)
    return parser


def _sha256(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _load_user_data(data_path, labels_path):
    """Read --data and --labels; every problem becomes a one-line CLIError."""
    import scipy.sparse as sp

    from ..cli.main import CLIError

    try:
        X = sp.load_npz(data_path)
    except FileNotFoundError:
        raise CLIError(f"--data {data_path}: no such file") from None
    except Exception as exc:  # BadZipFile, KeyError, ValueError, ...
        raise CLIError(f"--data {data_path} is not a scipy.sparse .npz file "
                       f"({type(exc).__name__})") from None
    try:
        y = np.load(labels_path, allow_pickle=False)
    except FileNotFoundError:
        raise CLIError(f"--labels {labels_path}: no such file") from None
    except Exception as exc:
        raise CLIError(f"--labels {labels_path} is not a .npy array without pickles "
                       f"({type(exc).__name__})") from None
    if not isinstance(y, np.ndarray):
        raise CLIError(f"--labels {labels_path} must hold one array, got an archive")
    try:
        X = as_matrix(X, "--data")
        y = check_labels(y, X.shape[1], "--labels")
    except (TypeError, ValueError) as exc:
        raise CLIError(str(exc)) from None
    return X, y


def run_figure1_command(args) -> None:
    """Body of ``python -m cossim figure1``: compute first, then write both files atomically."""
    from pathlib import Path

    from ..cli.main import CLIError, atomic_write, ensure_output_dir

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise CLIError(f"--out {out} exists and is not a directory")
    common = dict(rank=args.rank, lam1=args.lam1, lam2=args.lam2, n_neighbours=args.neighbours)
    if args.data is not None or args.labels is not None:
        if args.data is None or args.labels is None:
            raise CLIError("--data and --labels must be given together")
        given = [flag for flag, value in (("--users", args.users), ("--items", args.items),
                                          ("--clusters", args.clusters), ("--seed", args.seed))
                 if value is not None]
        if given:
            raise CLIError(f"{', '.join(given)} only apply to simulated data, not with --data")
        X, y = _load_user_data(args.data, args.labels)
        if X.shape[1] > MAX_ITEMS:
            raise CLIError(f"--data has {X.shape[1]} items; figure1 accepts at most {MAX_ITEMS}")
        try:
            check_rank(args.rank, X.shape[1], "--rank")
        except ValueError as exc:
            raise CLIError(str(exc)) from None
        params = {"source": "file", "data_sha256": _sha256(args.data),
                  "labels_sha256": _sha256(args.labels)}
        result = run_figure1(X, y, None, parameters=params, **common)
    else:
        n_users = 20_000 if args.users is None else args.users
        n_items = 1_000 if args.items is None else args.items
        n_clusters = 5 if args.clusters is None else args.clusters
        seed = 0 if args.seed is None else args.seed
        if n_items < 2:
            raise CLIError(f"--items must be >= 2, got {n_items}")
        if n_items > MAX_ITEMS:
            raise CLIError(f"--items must be <= {MAX_ITEMS}, got {n_items}")
        if not 2 <= n_clusters < n_items:
            raise CLIError(f"--clusters must satisfy 2 <= C < items ({n_items}), got {n_clusters}")
        if args.rank > n_items:
            raise CLIError(f"--rank must satisfy 1 <= rank <= items ({n_items}), got {args.rank}")
        if n_users * n_items > MAX_SIMULATED_ENTRIES:
            raise CLIError(f"--users x --items must be <= {MAX_SIMULATED_ENTRIES:.0e} (about a third "
                           f"of the entries are interactions), got {n_users * n_items:.2e}")
        if args.neighbours > n_items - 1:
            raise CLIError(f"--neighbours must be <= items - 1 ({n_items - 1}), got {args.neighbours}")
        result = simulate_figure1(n_users, n_items, n_clusters, seed=seed, **common)

    from .plotting import figure_png, plot_figure1

    png = figure_png(plot_figure1(result), dpi=110)
    text = figure1_json(result)
    out = ensure_output_dir(out)
    with atomic_write(out / "figure1.png", "wb") as handle:
        handle.write(png)
    with atomic_write(out / "figure1.json", "w") as handle:
        handle.write(text)
