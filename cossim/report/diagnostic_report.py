"""Chapter 8 (the diagnostic): run it on several sets of factors and tabulate.

:func:`cossim.diagnose` examines one pair of user and item factors; Chapter 8
runs it on four (simulated data and MovieLens, Eq. (1) and Eq. (2)) and shows
one table of its measures and the movie pairs whose cosine moves most.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import cossim

__all__ = ["diagnose_all", "summary_table", "variable_pairs_table", "cosine_rounding",
           "overlap_resolution", "worst_score_ratio", "gap_at", "probe_gain", "stable_share_drop"]


def diagnose_all(factors, gammas, n_neighbours, **kwargs):
    """:func:`cossim.diagnose` for every ``name: (X, factors)`` of `factors`.

    The users' factors are P = XA and the items' Q = B; `kwargs` go to
    :func:`cossim.diagnose` (``max_condition``, ``n_probes``, ``seed``). Returns a dict name →
    :class:`cossim.DiagnosticReport`, in the order of `factors`.
    """
    reports = {}
    for name, (X, f) in factors.items():
        P, Q = np.asarray(X @ f.A), f.B        # users' and items' factors
        reports[name] = cossim.diagnose(P, Q, gammas=gammas, n_neighbours=n_neighbours, **kwargs)
    return reports


def summary_table(reports, n):
    """Chapter 8's table: one row per measure, one column per set of factors (styled).

    Column names ``"data, model"`` become a two-level header.
    """
    rows = {  # one row per measure, one column per set of factors
        "items": lambda r: int(r.n_items),
        "rank of the scores": lambda r: int(r.rank),
        f"γ-family: worst top-{n} overlap with Q": lambda r: min(r.overlap_with_given),
        "γ-family: best-matching γ": lambda r: r.best_gamma_for_given,
        f"γ-family: best top-{n} overlap with Q": lambda r: r.best_overlap_with_given,
        "γ-family: cosine gap of the closest member": lambda r: r.min_cos_gap_to_family,
        f"γ-family: share of top-{n} kept for all γ": lambda r: r.stable_fraction_mean,
        "γ-family: largest cosine swing": lambda r: r.gamma_max_cos_swing,
        "γ-family: largest condition number": lambda r: max(r.gamma_condition),
        f"diagonal D: worst top-{n} overlap": lambda r: r.probes["diagonal"]["worst_overlap"],
        "diagonal D: largest cosine swing": lambda r: r.probes["diagonal"]["max_cos_swing"],
        f"general M: worst top-{n} overlap": lambda r: r.probes["general"]["worst_overlap"],
        "general M: largest cosine swing": lambda r: r.probes["general"]["max_cos_swing"],
        "largest score change": lambda r: max(r.max_score_change, r.probe_max_score_change),
    }
    columns = pd.MultiIndex.from_tuples([tuple(k.split(", ", 1)) for k in reports])
    summary = pd.DataFrame(
        [[f(r) for r in reports.values()] for f in rows.values()],
        index=list(rows), columns=columns, dtype=object)
    return (summary.style
            .format(lambda v: f"{v:d}" if isinstance(v, int) else f"{v:.3f}")
            .format("{:g}", subset=pd.IndexSlice[["γ-family: best-matching γ"], :])
            .format("{:.1e}", subset=pd.IndexSlice[["largest score change",
                                                    "γ-family: cosine gap of the closest member"],
                                                   :]))


def variable_pairs_table(report, titles, n_pairs=5):
    """The `n_pairs` item pairs whose cosine varies most over γ, with titles (styled)."""
    from cossim.beyond.movielens import short_title

    pairs = pd.DataFrame([{"movie i": short_title(titles[q["i"]]),
                           "movie j": short_title(titles[q["j"]]),
                           "min cos": q["cos_min"], "at γ": q["gamma_at_min"],
                           "max cos": q["cos_max"], "at γ ": q["gamma_at_max"]}
                          for q in report.most_variable_pairs[:n_pairs]])
    return pairs.style.format(precision=2).hide(axis="index")


EPS = float(np.finfo(np.float64).eps)


def cosine_rounding(k):
    """``4 (k + 2) ε``: two cosines of unit k-vectors, each within ``2 (k + 2) ε`` of exact."""
    return 4.0 * (int(k) + 2) * EPS


def overlap_resolution(report):
    """``1 / (p n)``: the smallest change of a mean top-n overlap (one neighbour of one item)."""
    return 1.0 / (report.n_items * report.n_neighbours)


def worst_score_ratio(reports):
    """Largest score change over γ and probes, in units of its rounding bound, over `reports`."""
    ratios = []
    for r in reports.values():
        ratios.append(r.max_score_change / r.score_change_bound)
        if r.probes:
            ratios.append(r.probe_max_score_change / r.probe_score_change_bound)
    return max(ratios)


def gap_at(report, gamma):
    """Largest cosine change between the given Q and the member γ (which must be on the grid)."""
    return report.cos_change_with_given[report.gammas.index(float(gamma))]


def probe_gain(report, kind):
    """Worst γ-family overlap minus worst overlap of the `kind` probes (> 0: probes go further)."""
    return min(report.overlap_with_given) - report.probes[kind]["worst_overlap"]


def stable_share_drop(report, P, Q, wide):
    """Stable share of `report` (its γ grid) minus that over the `wide` γ grid, and the wide report."""
    wide_report = cossim.diagnose(P, Q, gammas=wide, n_neighbours=report.n_neighbours, n_pairs=0,
                                  n_probes=0)
    return report.stable_fraction_mean - wide_report.stable_fraction_mean, wide_report
