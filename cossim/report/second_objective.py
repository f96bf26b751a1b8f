"""Chapter 2.3 (the second objective, Eq. (2)): the measured quantities of its claims, and a figure.

The chapter checks the soft threshold of Eq. (6) by brute force
(:func:`grid_gap`), checks by optimiser runs that Eq. (2)'s solution is unique
up to a rotation while Eq. (1)'s is not (:func:`uniqueness_runs`,
:func:`run_checks`), checks the degenerate cases of the uniqueness theorem
(:func:`lambda_zero_checks`: λ = 0; :func:`null_space_checks`: X without full
column rank), compares Eq. (1)'s item cosines under two rescalings with those
of Eq. (2), and draws the three similarity matrices. The ``*_checks``
functions return each measured quantity with its tolerance.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import cossim

from .optimum import convergence, nullity
from .tolerances import U, cosine_tolerance, embedding_cosine_tolerance, gamma, value_tolerance

__all__ = ["grid_product", "grid_gap", "uniqueness_runs", "format_uniqueness", "procrustes",
           "run_checks", "lambda_zero_checks", "null_directions", "null_space_checks",
           "switched_off_max", "rotation_checks", "analog_checks", "compare_to_eq2", "plot_eq2_vs_analog"]

#: Short column names of the uniqueness table as shown.
SHORT = {"relative value gap": "value gap (rel.)",
         "max |Δ item–item cosine|": "max |Δ item cos|",
         "max |Δ user–user cosine|": "max |Δ user cos|"}


def _grid_min(sigma, lam, p_grid, q_grid):
    P, Q = np.meshgrid(p_grid, q_grid)
    G = (sigma - P * Q) ** 2 + lam * (P**2 + Q**2)
    i = np.unravel_index(np.argmin(G), G.shape)
    return P[i], Q[i]


def grid_product(sigma, lam, grid=None):
    """The product p·q at the grid minimum of the scalar Eq. (2), (σ − pq)² + λ(p² + q²).

    Two passes: the grid (default 1201 points on [−3, 3] in each of p and q,
    spacing h), then the same number of points on ±2h around the first
    minimum. Returns ``(pq, h_fine)``, h_fine the spacing of the second pass.
    Chapter 2.3 compares pq with the soft threshold (σ − λ)₊ of Eq. (6).
    """
    grid = np.linspace(-3, 3, 1201) if grid is None else np.asarray(grid)
    h = grid[1] - grid[0]
    p0, q0 = _grid_min(sigma, lam, grid, grid)
    fine = np.linspace(-2 * h, 2 * h, grid.size)
    p1, q1 = _grid_min(sigma, lam, p0 + fine, q0 + fine)
    return p1 * q1, fine[1] - fine[0]


def grid_gap(sigma, lam, claimed, grid=None):
    """``|grid minimum's pq − claimed|`` and the bound the grid spacing allows.

    A grid point nearest the true minimiser x* lies within ``h/√2``; the grid
    minimum x_g does at least as well, so ``½μ_min‖x_g − x*‖² ≤ ½μ_max h²/2``
    (μ the Hessian eigenvalues at x*: ``[[2q² + 2λ, 4pq − 2σ], [·, 2p² + 2λ]]``),
    ``‖x_g − x*‖ ≤ r = h√(μ_max/(2μ_min))``, and
    ``|p_g q_g − p*q*| ≤ (|p*| + |q*|) r + r²``. x* is the soft-threshold point
    ``p = q = √((σ − λ)₊)`` of Eq. (6). Returns ``(gap, bound)``.
    """
    pq, h = grid_product(sigma, lam, grid)
    x = np.sqrt(max(sigma - lam, 0.0))
    H = np.array([[2 * x * x + 2 * lam, 4 * x * x - 2 * sigma],
                  [4 * x * x - 2 * sigma, 2 * x * x + 2 * lam]])
    mu = np.linalg.eigvalsh(H)
    r = h * np.sqrt(mu[-1] / (2 * mu[0]))
    return abs(pq - claimed), 2 * x * r + r * r


def uniqueness_runs(X, rank, closed, lams, seed, n_starts):
    """Minimise Eq. (1) and Eq. (2) from `n_starts` random starts; compare with the closed forms.

    Parameters
    ----------
    X : matrix, shape (n, p)
    rank : int
    closed : dict
        ``"Eq. (1)"`` and ``"Eq. (2)"`` → closed-form :class:`cossim.Factors`.
    lams : dict
        The same keys → λ.
    seed, n_starts : int
        Start s uses seed ``seed + 1 + s``.

    Returns
    -------
    table : DataFrame
        Indexed by (objective, start): relative value gap to the closed form,
        and the largest change of an item–item and of a user–user cosine.
    runs : dict
        Objective → list of optimiser results.
    """
    minimise = {"Eq. (1)": (cossim.minimize_eq1, cossim.objective_eq1),
                "Eq. (2)": (cossim.minimize_eq2, cossim.objective_eq2)}
    rows, runs = [], {}
    for name, (fn, objective) in minimise.items():
        F, lam = closed[name], lams[name]
        S_closed = cossim.item_item_cosine(F.B)
        U_closed = cossim.user_user_cosine(X, F.A)
        runs[name] = []
        for s in range(n_starts):
            r = fn(X, rank, lam, seed=seed + 1 + s)
            runs[name].append(r)
            S_run = cossim.item_item_cosine(r.factors.B)
            U_run = cossim.user_user_cosine(X, r.factors.A)
            gap = abs(r.value - objective(X, *F, lam)) / r.value
            rows.append({"objective": name, "start": s + 1,
                         "relative value gap": gap,
                         "max |Δ item–item cosine|": np.abs(S_run - S_closed).max(),
                         "max |Δ user–user cosine|": np.abs(U_run - U_closed).max()})
    return pd.DataFrame(rows).set_index(["objective", "start"]), runs


def format_uniqueness(table):
    """The uniqueness table as shown: short column names, one significant digit."""
    return table.rename(columns=SHORT).map(lambda v: f"{v:.1e}")


def procrustes(Bc, Br):
    """Orthogonal Procrustes: the rotation R minimising ‖Bc R − Br‖ and its relative error."""
    U_, _, Vt_ = np.linalg.svd(Bc.T @ Br)
    R = U_ @ Vt_
    return R, np.abs(Bc @ R - Br).max() / np.abs(Bc).max()


def _joint_procrustes(closed, factors):
    """Rotation R minimising ‖[Â; B̂]R − [A; B]‖_F, and that Frobenius residual."""
    C = np.vstack([closed.A, closed.B])
    F = np.vstack([factors.A, factors.B])
    U_, _, Vt_ = np.linalg.svd(C.T @ F)
    R = U_ @ Vt_
    return R, float(np.linalg.norm(C @ R - F))


def _cosine_ratio(S_run, S_ref, rows, dist):
    """Largest ``|ΔS_ij| / ((π/2)·dist·(1/rows_i + 1/rows_j))`` over pairs with non-zero rows."""
    live = rows > 0
    bound = (np.pi / 2) * dist * (1 / rows[live][:, None] + 1 / rows[live][None, :])
    return float((np.abs(S_run - S_ref)[np.ix_(live, live)] / bound).max())


def run_checks(X, runs, closed, lam, which):
    """Each optimiser run against the closed form, with the bounds its convergence allows.

    For a run with distance bound δ to the solution set
    (:func:`~cossim.report.optimum.convergence`), a cosine of two item rows
    b_i, b_j moves by at most ``(π/2)δ(1/‖b_i‖ + 1/‖b_j‖)`` (user rows: ``δ‖x_u‖``
    in place of δ). Returns a dict of per-run lists:

    * ``value_gap``/``value_bound``;
    * ``item_ratio``/``user_ratio``: the largest cosine change against the
      closed form's, over that pair's bound (≤ 1: the same cosines; ≫ 1: different);
    * ``rot_resid``/``distance``: Frobenius residual of the best joint rotation
      ``[Â; B̂]R`` (orthogonal Procrustes) against δ;
    * ``balance``/``balance_bound``: ``max|(XA)ᵀXA − BᵀB|`` and what δ allows
      (``2δ(‖X‖₂‖XA‖₂ + ‖B‖₂) + δ²(‖X‖₂² + 1)``);
    * ``M_dev``/``M_bound``: ``‖MᵀM − I‖₂`` for the least-squares M with
      ``ÂM ≈ A_run``, and what δ allows a rotation (``δ/σ_min(Â)`` for M's error).
    """
    G = cossim.gram_matrix(X)
    Xd = X.toarray() if hasattr(X, "toarray") else np.asarray(X)
    gradient = cossim.gradient_eq1 if which == "eq1" else cossim.gradient_eq2
    objective = cossim.objective_eq1 if which == "eq1" else cossim.objective_eq2
    k = closed.A.shape[1]
    f_closed = objective(X, *closed, lam)
    S_ref, U_ref = cossim.item_item_cosine(closed.B), cossim.user_user_cosine(X, closed.A)
    x2 = np.linalg.norm(Xd, 2)
    s_min = np.linalg.svd(closed.A, compute_uv=False)[-1]
    out = {key: [] for key in ("value_gap", "value_bound", "item_ratio", "user_ratio", "rot_resid",
                               "distance", "balance", "balance_bound", "M_dev", "M_bound")}
    for r in runs:
        A, B = r.factors
        conv = convergence(G, A, B, lam, which, nullity(which, k), gradient(X, A, B, lam))
        dist = conv.distance
        rounding = max(value_tolerance(X, A, B, lam, which), value_tolerance(X, *closed, lam, which))
        out["value_gap"].append(abs(r.value - f_closed))
        out["value_bound"].append(conv.value_gap + rounding)
        out["item_ratio"].append(_cosine_ratio(cossim.item_item_cosine(B), S_ref,
                                               np.linalg.norm(closed.B, axis=1), dist))
        users = np.linalg.norm(Xd @ closed.A, axis=1) / np.linalg.norm(Xd, axis=1).clip(1e-300)
        out["user_ratio"].append(_cosine_ratio(cossim.user_user_cosine(X, A), U_ref, users, dist))
        out["rot_resid"].append(_joint_procrustes(closed, r.factors)[1])
        out["distance"].append(dist)
        P = Xd @ A
        out["balance"].append(float(np.abs(P.T @ P - B.T @ B).max()))
        out["balance_bound"].append(2 * dist * (x2 * np.linalg.norm(P, 2) + np.linalg.norm(B, 2))
                                    + dist**2 * (x2**2 + 1))
        M = np.linalg.lstsq(closed.A, A, rcond=None)[0]
        dM = dist / s_min
        out["M_dev"].append(float(np.linalg.norm(M.T @ M - np.eye(k), 2)))
        out["M_bound"].append(2 * dM * np.linalg.norm(M, 2) + dM**2)
    return out


def lambda_zero_checks(X, k, lam, M, N=None):
    """The degenerate case λ = 0 of Eq. (2), against λ > 0, under ``(A, B) → (AM, BN)``.

    With ``N = M⁻ᵀ`` (default) the product ``AMNᵀBᵀ = ABᵀ`` is unchanged. At
    λ = 0, Eq. (2) is ``‖X − XABᵀ‖²`` and the map keeps the value of Eq. (6)'s
    λ = 0 solution; at λ > 0 it raises the value of Eq. (6) unless M is orthogonal.

    Returns
    -------
    dict
        ``zero_change``/``zero_tol`` (|value change| at λ = 0, rounding bound);
        ``cos_change``/``cos_tol`` (largest item–item or user–user cosine change
        at λ = 0, rounding bound); ``pos_increase``/``pos_tol`` (value increase
        at λ, rounding bound).
    """
    M = np.asarray(M, dtype=float)
    N = np.linalg.inv(M).T if N is None else np.asarray(N, dtype=float)
    spec = cossim.top_singular(X, k)
    out = {}
    for name, lam_ in (("zero", 0.0), ("pos", lam)):
        F = cossim.eq2_factors(spec, lam_)
        F_M = cossim.Factors(F.A @ M, F.B @ N)
        f, f_M = cossim.objective_eq2(X, *F, lam_), cossim.objective_eq2(X, *F_M, lam_)
        tol = max(value_tolerance(X, *F, lam_, "eq2"), value_tolerance(X, *F_M, lam_, "eq2"))
        out[name] = (F, F_M, f_M - f, tol)
    F, F_M, change, tol = out["zero"]
    item = np.abs(cossim.item_item_cosine(F_M.B) - cossim.item_item_cosine(F.B)).max()
    user = np.abs(cossim.user_user_cosine(X, F_M.A) - cossim.user_user_cosine(X, F.A)).max()
    cos_tol = 2 * max(cosine_tolerance(k), embedding_cosine_tolerance(X, F.A),
                      embedding_cosine_tolerance(X, F_M.A))
    return {"zero_change": abs(change), "zero_tol": tol, "cos_change": float(max(item, user)),
            "cos_tol": cos_tol, "pos_increase": out["pos"][2], "pos_tol": out["pos"][3]}


def null_directions(X, k, rng, scale=1.0):
    """A p×k matrix N with XN = 0 (columns in X's null space), Frobenius norm `scale`.

    Built from the right singular vectors of X whose singular values are below
    ``p·u·σ₁`` (numerically zero), with Gaussian coefficients.
    """
    Xd = X.toarray() if hasattr(X, "toarray") else np.asarray(X)
    _, s, Vt = np.linalg.svd(Xd)
    s = np.r_[s, np.zeros(Vt.shape[0] - s.size)]
    basis = Vt[s <= Xd.shape[1] * np.finfo(float).eps * s[0]].T
    if basis.shape[1] == 0:
        raise ValueError("X has full column rank: its null space is {0}")
    N = basis @ rng.standard_normal((basis.shape[1], k))
    return N * (scale / np.linalg.norm(N))


def null_space_checks(X, k, lam, N):
    """Eq. (6) against ``(Â + N, B̂)`` for a shift N (in the chapter XN = 0).

    Returns
    -------
    dict
        ``value_change``/``value_tol``; ``cos_change``/``cos_tol`` (largest
        user–user or user–item cosine change; item–item cannot change, B is
        the same); ``A_change`` (‖N‖_F) and ``W_change`` (largest change of
        ``ABᵀ``) with ``W_tol``, the rounding of ``|Â||B̂|ᵀ`` — what the
        shift does to the parts of the model Eq. (2) does not pin down.
    """
    F = cossim.fit_eq2(X, k, lam)
    F_N = cossim.Factors(F.A + N, F.B)
    f, f_N = cossim.objective_eq2(X, *F, lam), cossim.objective_eq2(X, *F_N, lam)
    tol = max(value_tolerance(X, *F, lam, "eq2"), value_tolerance(X, *F_N, lam, "eq2"))
    uu = np.abs(cossim.user_user_cosine(X, F_N.A) - cossim.user_user_cosine(X, F.A)).max()
    ui = np.abs(cossim.user_item_cosine(X, *F_N) - cossim.user_item_cosine(X, *F)).max()
    cos_tol = 2 * max(embedding_cosine_tolerance(X, F.A), embedding_cosine_tolerance(X, F_N.A))
    W_tol = float(2 * cosine_tolerance(k) * (np.abs(F_N.A) @ np.abs(F.B).T).max())
    return {"value_change": abs(f_N - f), "value_tol": tol, "cos_change": float(max(uu, ui)),
            "cos_tol": cos_tol, "A_change": float(np.linalg.norm(N)),
            "W_change": float(np.abs(F_N.A @ F.B.T - F.A @ F.B.T).max()), "W_tol": W_tol}


def switched_off_max(fit, sigma, lam):
    """Largest |entry| of the columns of Â and B̂ whose σ ≤ λ (0 when there are none)."""
    off = np.asarray(sigma) <= lam
    return float(max(np.abs(fit.A[:, off]).max(initial=0.0), np.abs(fit.B[:, off]).max(initial=0.0)))


def rotation_checks(X, fit, R, lam):
    """Eq. (2)'s value and item–item cosines at `fit` and at ``(AR, BR)``.

    Returns ``value_gap``/``value_tol`` (rounding bound of two evaluations) and
    ``cos_gap``/``cos_tol``: the rotated rows ``b_i R`` carry a relative error
    up to ``γ_k·√k`` (``‖|b_i||R|‖ ≤ ‖b_i‖‖R‖_F``), which moves a cosine by at
    most twice that per row, plus the rounding of the cosines themselves.
    """
    k = fit.A.shape[1]
    F_R = cossim.Factors(fit.A @ R, fit.B @ R)
    f, f_R = cossim.objective_eq2(X, *fit, lam), cossim.objective_eq2(X, *F_R, lam)
    tol = max(value_tolerance(X, *fit, lam, "eq2"), value_tolerance(X, *F_R, lam, "eq2"))
    gap = np.abs(cossim.item_item_cosine(F_R.B) - cossim.item_item_cosine(fit.B)).max()
    return {"value_gap": abs(f_R - f), "value_tol": tol, "cos_gap": float(gap),
            "cos_tol": 4 * np.sqrt(k) * gamma(k) + 2 * cosine_tolerance(k)}


def analog_checks(X, spectrum, lam, sym, analog):
    """Eq. (1)'s analogue of Eq. (6) against Eq. (5) rescaled by ``D = dMat(σ^{-1/2})``.

    Returns ``rescale_gap``/``rescale_tol`` (largest entry difference of the two
    factor pairs, against a few roundings of each entry) and
    ``value_gap``/``value_tol`` (Eq. (1) values of `analog` and `sym`, against
    the rounding bound).
    """
    R = cossim.rescale(*sym, 1 / np.sqrt(spectrum.sigma))
    gap = max(np.abs(R.A - analog.A).max(), np.abs(R.B - analog.B).max())
    scale = max(np.abs(analog.A).max(), np.abs(analog.B).max())
    f_a, f_s = cossim.objective_eq1(X, *analog, lam), cossim.objective_eq1(X, *sym, lam)
    tol = max(value_tolerance(X, *analog, lam, "eq1"), value_tolerance(X, *sym, lam, "eq1"))
    return {"rescale_gap": float(gap), "rescale_tol": float(8 * U * scale),
            "value_gap": abs(f_a - f_s), "value_tol": tol}


def compare_to_eq2(S1_analog, S1_sym, S2, pair, clusters):
    """Table of Chapter 2.3: Eq. (1)'s item cosines under two rescalings against Eq. (2)'s.

    Mean absolute difference and correlation over the item pairs `pair` (a
    boolean p×p mask), and the cluster AUC of each matrix.
    """
    compare = pd.DataFrame({
        "solution": ["Eq. (1) by 1/√σᵢ", "Eq. (1) split (5)", "Eq. (2)"],
        "mean |Δ cos|": [np.abs(S1_analog - S2)[pair].mean(),
                         np.abs(S1_sym - S2)[pair].mean(), 0.0],
        "correlation": [np.corrcoef(S1_analog[pair], S2[pair])[0, 1],
                        np.corrcoef(S1_sym[pair], S2[pair])[0, 1], 1.0],
        "cluster AUC": [cossim.cluster_auc(S, clusters) for S in (S1_analog, S1_sym, S2)],
    }).set_index("solution")
    compare.index.name = None
    return compare


def plot_eq2_vs_analog(panels, show):
    """Figure ``fig_eq2_vs_analog``: item–item cosine heat maps, one per (title, S) in `panels`."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(7.6, 3.0), constrained_layout=True)
    for ax, (title, S) in zip(axes, panels):
        im = ax.imshow(S[np.ix_(show, show)], cmap="viridis", vmin=-1, vmax=1,
                       interpolation="nearest")
        ax.set_title(title, fontsize=14)
        ax.set_xlabel("item", fontsize=13)
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0].set_ylabel("item", fontsize=13)
    cb = fig.colorbar(im, ax=axes, shrink=0.9, aspect=20)
    cb.set_label("cosine similarity", fontsize=13)
    cb.ax.tick_params(labelsize=12)
    return fig
