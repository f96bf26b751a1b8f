"""Chapter 7 (MovieLens): the tables of genre scores, stability and famous movies' neighbours.

The chapter compares several equally justified item–item cosine similarities
on MovieLens; these helpers build the tables it shows from the similarity
matrices and their top-n neighbour lists.
"""

from __future__ import annotations

from html import escape

import numpy as np
import pandas as pd

import cossim
from cossim.beyond.movielens import short_title

__all__ = ["genre_scores", "stability_pair", "famous_neighbours", "neighbours_table"]


def genre_scores(choices, neighbours, genres, jaccard_column):
    """Genre AUC and genre-Jaccard of the top-n neighbours, one row per similarity choice."""
    return pd.DataFrame({
        "genre AUC": {n: cossim.genre_auc(S, genres) for n, S in choices.items()},
        jaccard_column: {n: cossim.genre_jaccard_at_k(neighbours[n], genres) for n in choices},
    })


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
