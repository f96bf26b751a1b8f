"""Chapter 8 (the diagnostic): run it on several sets of factors and tabulate.

:func:`cossim.diagnose` examines one pair of user and item factors; Chapter 8
runs it on four (simulated data and MovieLens, Eq. (1) and Eq. (2)) and shows
one table of its measures and the movie pairs whose cosine moves most.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import cossim

__all__ = ["diagnose_all", "summary_table", "variable_pairs_table"]


def diagnose_all(factors, gammas, n_neighbours):
    """:func:`cossim.diagnose` for every ``name: (X, factors)`` of `factors`.

    The users' factors are P = XA and the items' Q = B. Returns a dict name →
    :class:`cossim.DiagnosticReport`, in the order of `factors`.
    """
    reports = {}
    for name, (X, f) in factors.items():
        P, Q = np.asarray(X @ f.A), f.B        # users' and items' factors
        reports[name] = cossim.diagnose(P, Q, gammas=gammas, n_neighbours=n_neighbours)
    return reports


def summary_table(reports, n):
    """Chapter 8's table: one row per measure, one column per set of factors (styled).

    Column names ``"data, model"`` become a two-level header.
    """
    rows = {  # one row per measure, one column per set of factors
        "items": lambda r: int(r.n_items),
        "rank of the scores": lambda r: int(r.rank),
        f"min top-{n} overlap with Q, over γ": lambda r: min(r.overlap_with_given),
        "best-matching γ": lambda r: r.best_gamma_for_given,
        f"share of top-{n} kept for all γ": lambda r: r.stable_fraction_mean,
        f"top-{n} union size over γ (mean)": lambda r: r.union_size_mean,
        "largest cosine range of a pair":
            lambda r: r.most_variable_pairs[0]["cos_range"],
        "largest score change": lambda r: r.max_score_change,
    }
    columns = pd.MultiIndex.from_tuples([tuple(k.split(", ", 1)) for k in reports])
    summary = pd.DataFrame(
        [[f(r) for r in reports.values()] for f in rows.values()],
        index=list(rows), columns=columns, dtype=object)
    return (summary.style
            .format(lambda v: f"{v:d}" if isinstance(v, int) else f"{v:.3f}")
            .format("{:g}", subset=pd.IndexSlice[["best-matching γ"], :])
            .format("{:.1e}", subset=pd.IndexSlice[["largest score change"], :]))


def variable_pairs_table(report, titles, n_pairs=5):
    """The `n_pairs` item pairs whose cosine varies most over γ, with titles (styled)."""
    from cossim.beyond.movielens import short_title

    pairs = pd.DataFrame([{"movie i": short_title(titles[q["i"]]),
                           "movie j": short_title(titles[q["j"]]),
                           "min cos": q["cos_min"], "at γ": q["gamma_at_min"],
                           "max cos": q["cos_max"], "at γ ": q["gamma_at_max"]}
                          for q in report.most_variable_pairs[:n_pairs]])
    return pairs.style.format(precision=2).hide(axis="index")
