"""Section 4.2 (the paper's discussion): deeper models over seeds, cosine against the dot product.

Fits linear autoencoders of depth 1 and 2 with weight decay on every factor
(:mod:`cossim.beyond.deep_model`) from several seeds, and compares cosine with
the dot product on item→item and user→item retrieval
(:mod:`cossim.beyond.retrieval`), on the simulated data of §4 and on
MovieLens. Every quantity a claim of the section compares with its threshold
is computed here (``tests/report/ledger/test_breaks_discussion.py``).
"""

from __future__ import annotations

import numpy as np

import cossim

from .training_remedies_report import Data, max_cosine_gap, one_blas_thread

__all__ = ["eigen", "deep_runs", "seed_gaps", "closed_form_gap", "fit_excess", "active_directions", "depth_gap",
           "local_minimum_fit", "deep_rows", "RETRIEVAL_MODELS", "retrieval_fits", "retrieval_rows", "recall_z",
           "dot_recall_range"]


@one_blas_thread
def eigen(data: Data, n_directions: int) -> cossim.EigenGram:
    """The `n_directions` leading eigen-directions of the data's XᵀX (:func:`cossim.top_directions`)."""
    return cossim.top_directions(cossim.eigen_gram(data.G), n_directions)


@one_blas_thread
def deep_runs(eig, k: int, lam: float, *, n_seeds: int, init_scale: float, max_iter: int,
              depths=(1, 2), seed: int = 0) -> dict:
    """Depth → list of DeepLinear fits from seeds ``seed, seed + 1, …`` (hidden width k)."""
    return {d: [cossim.fit_deep_linear(eig, k, lam, depth=d, hidden=k, seed=seed + s, init_scale=init_scale,
                                       max_iter=max_iter) for s in range(n_seeds)] for d in depths}


def seed_gaps(runs: dict) -> dict:
    """Depth → largest item–item cosine difference between two seeds."""
    return {d: max_cosine_gap([m.B for m in models]) for d, models in runs.items()}


@one_blas_thread
def closed_form_gap(eig, lam: float, k: int, depth: int, models, exponent: float | None = None) -> float:
    """Largest ``|cos(fit) − cos(V_k dMat(t^e))|`` over the fits, e = 1/(depth + 1) unless `exponent` is given."""
    t = cossim.balanced_optimum(eig.w, lam, k, depth)
    e = 1.0 / (depth + 1) if exponent is None else exponent
    S = cossim.item_item_cosine(np.asarray(eig.V)[:, :k] * t ** e)
    return max(float(np.max(np.abs(cossim.item_item_cosine(m.B) - S))) for m in models)


def fit_excess(eig, lam: float, k: int, depth: int, models) -> float:
    """Largest relative excess of the fits' objectives over the global optimum (:func:`cossim.balanced_value`)."""
    best = cossim.balanced_value(eig.w, lam, k, depth)
    return max(m.info.objective / best - 1.0 for m in models)


def active_directions(models, rtol: float = 1e-4) -> list:
    """Number of singular values of each fit's item embeddings above `rtol` times the largest."""
    out = []
    for m in models:
        s = np.linalg.svd(m.factors[-1], compute_uv=False)
        out.append(int(np.sum(s > rtol * s[0])) if s.size and s[0] > 0 else 0)
    return out


def depth_gap(runs: dict) -> float:
    """Largest item–item cosine difference between the first depth-1 and the first depth-2 fit."""
    return max_cosine_gap([runs[1][0].B, runs[2][0].B])


@one_blas_thread
def local_minimum_fit(eig, k: int, lam: float, *, depth: int, init_scale: float, max_iter: int, seed: int = 0):
    """One fit from `init_scale` (e.g. a small one), for :func:`fit_excess` and :func:`active_directions`."""
    return cossim.fit_deep_linear(eig, k, lam, depth=depth, hidden=k, seed=seed, init_scale=init_scale,
                                  max_iter=max_iter)


@one_blas_thread
def deep_rows(data: Data, runs: dict) -> list:
    """Table rows: data, depth, median and range over seeds of the score, iterations, converged share."""
    rows = []
    for depth, models in runs.items():
        scores = [data.score(cossim.item_item_cosine(m.B)) for m in models]
        rows.append({"data": data.name, "depth": depth, "seeds": len(models),
                     "score (median)": float(np.median(scores)), "score (range)": float(np.ptp(scores)),
                     "largest cosine gap between seeds": max_cosine_gap([m.B for m in models])})
    return rows


#: Models of the retrieval comparison: name → Eq. (1) at γ, or Eq. (2).
RETRIEVAL_MODELS = ("Eq. (1), γ = 0", "Eq. (1), γ = ½", "Eq. (1), γ = 1", "Eq. (2)")


@one_blas_thread
def retrieval_fits(data: Data, lam2: float, *, share: float, seed: int = 0):
    """Hold out a share of every user's items; fit Eq. (1) at three γ and Eq. (2) to the rest.

    Returns (X_train, X_test, fits) with fits: name → Factors.
    """
    X_train, X_test = cossim.holdout_split(data.X, share, seed=seed)
    spec = cossim.spectrum_from_gram(cossim.gram_matrix(X_train), data.spectrum.V.shape[1])
    fits = {name: cossim.eq1_factors(spec, data.lam1, g)
            for name, g in zip(RETRIEVAL_MODELS[:3], (0.0, 0.5, 1.0))}
    fits["Eq. (2)"] = cossim.eq2_factors(spec, lam2)
    return X_train, X_test, fits


@one_blas_thread
def retrieval_rows(data: Data, X_train, X_test, fits: dict, *, top_n: int, n_neighbours: int = 10):
    """Rows per model: recall@n, item–item AUC (the data's score) and popularity bias, by dot and by cosine.

    Also returns name → (per-user recalls by dot, by cosine) for :func:`recall_z`.
    """
    rows, per_user = [], {}
    for name, f in fits.items():
        U = np.asarray(X_train @ f.A)
        rec = {s: cossim.recall_at_k(X_train, X_test, U, f.B, top_n, score=s, per_user=True)
               for s in ("dot", "cosine")}
        per_user[name] = (rec["dot"], rec["cosine"])
        row = {"data": data.name, "model": name}
        for s in ("dot", "cosine"):
            S = cossim.item_similarity(f.B, s)
            row[f"recall@{top_n}, {s}"] = float(rec[s].mean())
            row[f"AUC, {s}"] = data.score(S)
            row[f"popularity bias, {s}"] = cossim.popularity_bias(S, data.popularity, n_neighbours)
        rows.append(row)
    return rows, per_user


def recall_z(dot, cosine) -> float:
    """Paired z-statistic of the mean recall difference (dot − cosine) over users."""
    diff = np.asarray(dot, dtype=np.float64) - np.asarray(cosine, dtype=np.float64)
    se = diff.std(ddof=1) / np.sqrt(diff.size)
    if se > 0:
        return float(diff.mean() / se)
    return 0.0 if diff.mean() == 0 else float(np.copysign(np.inf, diff.mean()))


def dot_recall_range(per_user: dict) -> float:
    """Largest difference of per-user dot-product recalls between the three Eq. (1) rescalings."""
    recalls = [per_user[name][0] for name in RETRIEVAL_MODELS[:3]]
    return max(float(np.max(np.abs(recalls[0] - r))) for r in recalls[1:])
