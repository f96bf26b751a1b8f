"""Chapter 6 (training dynamics): how far gradient descent ends from the closed forms.

The chapter trains Eq. (1) and Eq. (2) by gradient descent from several random
starts; these helpers measure the distances to the closed-form solutions and
draw the run-against-run scatter of item–item cosines.
"""

from __future__ import annotations

import numpy as np

import cossim
from cossim.beyond.training import gradient_descent, item_item_cosine_diff, relative_error

__all__ = ["training_errors", "plot_run_scatter", "lambda_tolerances", "imbalance_change",
           "offdiag_share", "drift_ratio", "init_scale_effect"]


def training_errors(X, runs1, runs2, ref1, ref2):
    """Largest relative errors of the trained runs against the closed forms (Chapter 6).

    Parameters
    ----------
    X : matrix, shape (n, p)
    runs1, runs2 : list of TrainingRun
        Gradient-descent runs of Eq. (1) and of Eq. (2).
    ref1, ref2 : Factors
        The closed forms, Eq. (5) and Eq. (6).

    Returns
    -------
    dict
        ``err1_W`` and ``err1_pred`` (Eq. (1): product ABᵀ and predictions XABᵀ),
        ``err2_pred``, ``err2_gram`` (BBᵀ, the rotation-free part of B) and
        ``err2_W`` for Eq. (2).
    """
    W1, W2 = ref1.A @ ref1.B.T, ref2.A @ ref2.B.T
    return {
        "err1_W": max(relative_error(r.A @ r.B.T, W1) for r in runs1),
        "err1_pred": max(relative_error(X @ (r.A @ r.B.T), X @ W1) for r in runs1),
        "err2_pred": max(relative_error(X @ (r.A @ r.B.T), X @ W2) for r in runs2),
        "err2_gram": max(relative_error(r.B @ r.B.T, ref2.B @ ref2.B.T) for r in runs2),
        "err2_W": max(relative_error(r.A @ r.B.T, W2) for r in runs2),
    }


def _closed_form(X, spectrum, lam, objective):
    f = cossim.eq1_factors(spectrum, lam, 0.5) if objective == "eq1" else cossim.eq2_factors(spectrum, lam)
    W = f.A @ f.B.T
    return {"W": W, "pred": X @ W, "gram": f.B @ f.B.T}


def lambda_tolerances(X, spectrum, lam, objective, rel):
    """Half the relative change of the closed form when λ is off by the factor ``1 + rel``.

    A check ``error ≤ tolerance`` at these values tells λ from ``λ(1 + rel)``:
    a run that converged to the closed form of the wrong λ fails it.

    Returns
    -------
    dict
        ``W`` (product ABᵀ), ``pred`` (predictions XABᵀ), ``gram`` (BBᵀ).
    """
    a = _closed_form(X, spectrum, lam, objective)
    b = _closed_form(X, spectrum, lam * (1.0 + rel), objective)
    return {key: 0.5 * relative_error(b[key], a[key]) for key in a}


def imbalance_change(runs):
    """Smallest and largest ``‖C_T − C_0‖_F / ‖C_0‖_F`` over runs, ``C = AᵀA − ρ BᵀB``."""
    r = [np.linalg.norm(x.imbalance - x.imbalance0) / np.linalg.norm(x.imbalance0) for x in runs]
    return float(min(r)), float(max(r))


def offdiag_share(B, V):
    """``‖offdiag(M)‖_F / ‖M‖_F`` for ``M = VᵀBBᵀV``: 0 when B = V D R (D diagonal, R orthogonal)."""
    M = V.T @ B
    M = M @ M.T
    return float(np.linalg.norm(M - np.diag(np.diag(M))) / np.linalg.norm(M))


def drift_ratio(X, k, lam, *, seed=0, n_steps=300, init_scale=1.0, factor=4, step_scale=1.0):
    """How the change of ``C = AᵀA − ρBᵀB`` scales with the step (Eq. (1), fixed-ratio steps).

    Runs ``steps="ratio"`` at `step_scale` for `n_steps` steps and at
    ``step_scale/factor`` for ``factor · n_steps`` steps (about the same flow
    time).

    Returns
    -------
    dict
        ``drift_full`` and ``drift_small`` (``‖C_T − C_0‖_F / ‖C_0‖_F``), their
        ``ratio`` (≈ 1/factor if the change is first order in the step) and
        ``bound_ok`` (each change is at most its accumulated ``drift_bound``).
    """
    out = {}
    for name, scale, n in (("full", step_scale, n_steps), ("small", step_scale / factor, factor * n_steps)):
        r = gradient_descent(X, k, lam, "eq1", seed=seed, n_steps=n, init_scale=init_scale,
                             steps="ratio", step_scale=scale)
        c0 = np.linalg.norm(r.imbalance0)
        out[f"drift_{name}"] = float(np.linalg.norm(r.imbalance - r.imbalance0) / c0)
        out[f"bound_{name}"] = float(r.drift_bound / c0)
    out["ratio"] = out["drift_small"] / out["drift_full"]
    return out


def init_scale_effect(X, k, lam, reference_runs, scales, *, n_seeds, seed=0, init_scale=1.0, **kwargs):
    """Mean |Δcos| between the run of each seed at init scale ``c · init_scale`` and at ``init_scale``.

    Parameters
    ----------
    reference_runs : list of TrainingRun
        Eq. (1) runs with seeds ``seed, seed + 1, …`` at `init_scale`.
    scales : sequence of float
        The factors c.

    Returns
    -------
    ndarray, shape (len(scales), n_seeds)
        Mean over item pairs of ``|cos_c(i, j) − cos_1(i, j)|``.
    """
    base = np.asarray(init_scale, dtype=float)
    out = np.empty((len(scales), n_seeds))
    for a, c in enumerate(scales):
        for s in range(n_seeds):
            r = gradient_descent(X, k, lam, "eq1", seed=seed + s, init_scale=tuple(np.atleast_1d(c * base))
                                 if base.ndim else c * float(base), **kwargs)
            out[a, s] = item_item_cosine_diff(r.B, reference_runs[s].B)
    return out


def plot_run_scatter(runs1, runs2, p):
    """Figure ``fig_gd_scatter``: item–item cosines of run 1 against run 2, per objective."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9, 4.2), constrained_layout=True)
    iu = np.triu_indices(p, k=1)
    for ax, runs, title in ((axes[0], runs1, "Eq. (1): product penalty"),
                            (axes[1], runs2, "Eq. (2): separate penalties")):
        s0 = cossim.item_item_cosine(runs[0].B)[iu]
        s1 = cossim.item_item_cosine(runs[1].B)[iu]
        hb = ax.hexbin(s0, s1, gridsize=60, bins="log", cmap="viridis",
                       extent=(-1, 1, -1, 1), mincnt=1)
        ax.plot([-1, 1], [-1, 1], color="0.5", lw=0.8)
        ax.set(title=title, xlabel="cosine, run 1", ylabel="cosine, run 2",
               xlim=(-1, 1), ylim=(-1, 1), aspect="equal")
    fig.colorbar(hb, ax=axes, label="item pairs per hexagon (log scale)")
    return fig
