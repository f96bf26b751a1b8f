"""Section 3.2 (remedies during training): the fit-and-score loops and the measured quantities.

The section fits, on the simulated data of §4 and on MovieLens, the
training-time versions of the paper's remedies 1 and 3b
(:mod:`cossim.beyond.normalised_training`, :mod:`cossim.beyond.negative_sampling`)
and checks its claims with the ledger. Every quantity a claim compares with
its threshold is computed here, so that the tests can compute it on a small
case and break it (``tests/report/ledger/test_breaks_training_remedies.py``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

import cossim

__all__ = ["Data", "simulated", "movielens", "STARTS", "unit_item_starts", "unit_item_fits", "eq1_optimum",
           "unit_item_rows", "min_objective_change", "max_cosine_gap", "TOWERS", "tower_checks",
           "WEIGHTINGS", "ips_rows", "sgns_fits", "sgns_rows", "expectation_z", "sgns_free_d",
           "gamma_range", "score_range", "popularity_z", "table", "one_blas_thread"]

def one_blas_thread(func):
    """Run `func` with one BLAS/LAPACK thread.

    On the book's shared 2-core machine, two OpenBLAS threads competing with
    other processes made a rank-50 eigen-decomposition of a 1,000 × 1,000 Gram
    matrix take 9.8 s instead of 0.2 s (measured); every helper of this
    section therefore runs single-threaded.
    """
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with threadpool_limits(limits=1, user_api="blas"):
            return func(*args, **kwargs)
    return wrapper


#: Starts of the unit-item fits: two Eq. (1) rescalings and a random matrix.
STARTS = ("γ = 0", "γ = 1", "random")


class Data(NamedTuple):
    """One data set of the section: X, XᵀX and its top spectrum, the score, popularity, Eq. (1)'s λ."""

    name: str
    X: object
    G: np.ndarray
    spectrum: cossim.Spectrum
    score: Callable
    score_name: str
    popularity: np.ndarray
    lam1: float


def _data(name, X, score, score_name, rank, lam1) -> Data:
    G = cossim.gram_matrix(X)
    return Data(name, X, G, cossim.spectrum_from_gram(G, rank), score, score_name, _popularity(X), float(lam1))


def _popularity(X) -> np.ndarray:
    return np.asarray((X != 0).sum(axis=0)).ravel().astype(np.float64)


@one_blas_thread
def simulated(n_users, n_items, n_clusters, seed, rank, lam1) -> Data:
    """The §4 simulation, scored by :func:`cossim.cluster_auc` against the true clusters."""
    sim = cossim.simulate(n_users, n_items, n_clusters, seed=seed)
    labels = sim.clusters
    return _data("simulated", sim.X, lambda S: cossim.cluster_auc(S, labels), "cluster AUC", rank, lam1)


@one_blas_thread
def movielens(min_ratings, rank, lam1) -> Data:
    """MovieLens (:func:`cossim.load_movielens`), scored by :func:`cossim.genre_auc`."""
    ml = cossim.load_movielens(min_ratings=min_ratings)
    genres = ml.genres
    return _data("MovieLens", ml.X, lambda S: cossim.genre_auc(S, genres), "genre AUC", rank, lam1)


# --------------------------------------------------------------------------
# Remedy 1: unit-norm items and normalised towers
# --------------------------------------------------------------------------

def unit_item_starts(data: Data, seed: int = 0) -> dict:
    """Start B of each unit-item fit (:data:`STARTS`): Eq. (1) at γ = 0 and 1, and a Gaussian matrix."""
    spec = data.spectrum
    return dict(zip(STARTS, [cossim.eq1_factors(spec, data.lam1, 0.0).B, cossim.eq1_factors(spec, data.lam1, 1.0).B,
                             np.random.default_rng(seed).standard_normal(spec.V.shape)]))


@one_blas_thread
def unit_item_fits(data: Data, max_iter: int, seed: int = 0) -> dict:
    """Fit the unit-item model from the starts :data:`STARTS`; name → UnitItemModel."""
    starts = unit_item_starts(data, seed)
    return dict(zip(STARTS, cossim.fit_unit_items(data.G, data.lam1, list(starts.values()), max_iter=max_iter)))


@one_blas_thread
def eq1_optimum(data: Data) -> float:
    """Eq. (1)'s optimal value at this rank and λ: a lower bound for every unit-item model."""
    A, B = cossim.eq1_factors(data.spectrum, data.lam1, 0.5)
    return cossim.objective_eq1_gram(data.G, A, B, data.lam1)


@one_blas_thread
def unit_item_rows(data: Data, fits: dict, optimum: float, seed: int = 0) -> list:
    """One row per fit: data, start, score at the start and after the fit, excess over Eq. (1), iterations."""
    starts = unit_item_starts(data, seed)
    return [{"data": data.name, "start": name, "score at start": data.score(cossim.item_item_cosine(starts[name])),
             "score": data.score(cossim.item_item_cosine(f.B)),
             "excess over Eq. (1) optimum": f.info.objective / optimum - 1.0,
             "iterations": f.info.n_iter} for name, f in fits.items()]


@one_blas_thread
def min_objective_change(data: Data, fit, ds) -> float:
    """Smallest relative change of the unit-item objective under the rescalings ``(AD, BD⁻¹)`` of `ds`."""
    check = cossim.rescaling_check(lambda A, B: cossim.objective_unit_items(data.G, A, B, fit.lam),
                                   lambda A, B: cossim.item_item_cosine(B), fit.A, fit.B, ds)
    return float(check.objective_change.min())


@one_blas_thread
def max_cosine_gap(embeddings) -> float:
    """Largest ``|cos_r(i, j) − cos_s(i, j)|`` over pairs of embeddings r ≠ s and item pairs."""
    S = [cossim.item_item_cosine(B) for B in embeddings]
    return max(float(np.max(np.abs(S[r] - S[s]))) for r in range(len(S)) for s in range(r))


#: Two-tower variants: name → (user normalisation, unit items?, gain?).
TOWERS = {"unit user · unit item": ("unit", True, False),
          "layer norm with gain · unit item": ("layer", True, True),
          "layer norm with gain · raw item": ("layer", False, True)}


@one_blas_thread
def tower_checks(data: Data, n_fit_users: int, max_iter: int, ds, seed: int = 0) -> dict:
    """Fit each of :data:`TOWERS` (from Eq. (1) at γ = ½) and run the rescaling check.

    The towers are trained on `n_fit_users` users drawn with `seed` (all if
    there are fewer); the check evaluates the loss on the same users.
    Returns name → (TwoTower, RescalingCheck).
    """
    n = data.X.shape[0]
    users = np.sort(np.random.default_rng(seed).choice(n, min(n, n_fit_users), replace=False))
    X = data.X[users]
    A0, B0 = cossim.eq1_factors(data.spectrum, data.lam1, 0.5)
    out = {}
    for name, (user_norm, item_norm, gain) in TOWERS.items():
        model = cossim.fit_two_tower(X, A0.shape[1], user_norm=user_norm, item_norm=item_norm, gain=gain,
                                     init=(A0, B0), max_iter=max_iter)
        out[name] = (model, cossim.two_tower_rescaling_check(X, model, ds))
    return out


# --------------------------------------------------------------------------
# Remedy 3b: propensity weights and negative sampling
# --------------------------------------------------------------------------

#: Weightings of the data: name → (user power, item power) of :func:`cossim.debiased_gram`.
WEIGHTINGS = {"none": (0.0, 0.0), "users": (1.0, 0.0), "items": (0.0, 1.0), "users and items": (1.0, 1.0)}


def _weighted_grams(data: Data) -> dict:
    """The Gram matrix of each weighting, with one new product XᵀdMat(w_U)X for the user weights."""
    G_user = cossim.debiased_gram(data.X, 1.0, 0.0)
    w = cossim.propensity_weights(data.X, 1.0)
    outer = w[:, None] * w[None, :]
    return {"none": data.G, "users": G_user, "items": data.G * outer, "users and items": G_user * outer}


@one_blas_thread
def ips_rows(data: Data, n_neighbours: int = 10):
    """Eq. (1) at γ = ½ fitted to each weighting; rows and the weighted Gram matrices.

    λ₁ is scaled by the ratio of total energies ``tr G_w / tr G`` (as in Chapter 3).
    Each row holds the score and :func:`cossim.popularity_bias` of the item cosines.
    """
    grams = _weighted_grams(data)
    ref = float(np.trace(data.G))
    rows = []
    for name, G in grams.items():
        spec = data.spectrum if name == "none" else cossim.spectrum_from_gram(G, data.spectrum.V.shape[1])
        S = cossim.item_item_cosine(cossim.eq1_factors(spec, data.lam1 * np.trace(G) / ref, 0.5).B)
        rows.append({"data": data.name, "weighting": name, "score": data.score(S),
                     "popularity bias": cossim.popularity_bias(S, data.popularity, n_neighbours)})
    return rows, grams


@one_blas_thread
def sgns_fits(data: Data, grams: dict, betas, *, n_neg: float, lam: float, max_iter: int,
              user_beta: float = 0.75) -> dict:
    """SGNS for each β without user weights, and at `user_beta` with them; (weighting, β) → SGNSModel."""
    plan = [("none", float(b)) for b in betas] + [("users", float(user_beta))]
    out = {}
    for weighting, beta in plan:
        C = cossim.cooccurrence(grams[weighting])
        q = cossim.negative_distribution(data.X, beta)
        k = data.spectrum.V.shape[1]
        out[(weighting, beta)] = cossim.fit_sgns(C, q, k, n_neg=n_neg, lam=lam, max_iter=max_iter)
    return out


@one_blas_thread
def sgns_rows(data: Data, fits: dict, n_neighbours: int = 10) -> list:
    """Table rows: score and popularity bias of the input (A) and output (B) embeddings of each fit."""
    rows = []
    for (weighting, beta), m in fits.items():
        row = {"data": data.name, "user weights": weighting, "β": beta}
        for side, E in (("input A", m.A), ("output B", m.B)):
            S = cossim.item_item_cosine(E)
            row[f"score, {side}"] = data.score(S)
            row[f"popularity bias, {side}"] = cossim.popularity_bias(S, data.popularity, n_neighbours)
        rows.append(row)
    return rows


@one_blas_thread
def expectation_z(C, q_model, q_draw, A, B, n_neg: int, n_pairs: int, seed: int = 0) -> float:
    """``|mean sampled loss − expected loss| / standard error`` for one Monte Carlo draw.

    Pairs are drawn ∝ C and negatives ∝ `q_draw`; the expectation uses
    `q_model`. With ``q_draw = q_model`` the statistic is about |N(0, 1)|.
    """
    rng = np.random.default_rng(seed)
    pairs = cossim.sample_pairs(C, n_pairs, rng)
    negatives = rng.choice(C.shape[0], size=(n_pairs, int(n_neg)), p=q_draw)
    losses = cossim.sgns_pair_losses(A, B, pairs, negatives)
    expected = cossim.sgns_objective(C, q_model, A, B, n_neg, 0.0)
    return float(abs(losses.mean() - expected) / (losses.std(ddof=1) / np.sqrt(n_pairs)))


@one_blas_thread
def sgns_free_d(C, q, model, ds, *, n_neg: float, lam: float):
    """:func:`cossim.rescaling_check` of the SGNS objective with weight decay `lam` at a fitted model."""
    return cossim.rescaling_check(lambda A, B: cossim.sgns_objective(C, q, A, B, n_neg, lam),
                                  lambda A, B: cossim.item_item_cosine(B), model.A, model.B, ds)


@one_blas_thread
def gamma_range(data: Data) -> float:
    """Range of the score of Eq. (1)'s item cosines between γ = 0 and γ = 1 (the free D's effect)."""
    scores = [data.score(cossim.item_item_cosine(cossim.eq1_factors(data.spectrum, data.lam1, g).B))
              for g in (0.0, 1.0)]
    return float(abs(scores[1] - scores[0]))


def popularity_z(high: float, low: float, n_slots: int) -> float:
    """Difference of two popularity biases in binomial standard errors.

    ``(high − low) / √((high(1 − high) + low(1 − low)) / n_slots)``, with
    ``n_slots = p · n_neighbours`` neighbour slots each counted as an
    independent draw (a rough scale: neighbour lists are correlated).
    """
    se = np.sqrt((high * (1.0 - high) + low * (1.0 - low)) / n_slots)
    if se > 0:
        return float((high - low) / se)
    return 0.0 if high == low else float(np.copysign(np.inf, high - low))


def score_range(rows: list, column: str = "score") -> float:
    """Range (max − min) of one column over table rows."""
    values = [r[column] for r in rows]
    return float(max(values) - min(values))


def table(rows) -> pd.DataFrame:
    """Rows as a DataFrame (the section styles it)."""
    return pd.DataFrame(rows)
