"""Tests of cossim.beyond.movielens_bootstrap: refits from XᵀX, the paired bootstrap, its intervals."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

import cossim
from cossim.beyond import movielens_bootstrap as MB
from cossim.beyond.genre_yardsticks import genre_pairs, grid_aucs, positive_pairs, yardstick_auc
from cossim.beyond.movielens import load_movielens, neighbour_jaccard, neighbours_from_cosine, similarity_choices

K, LAM1, LAM2 = 8, 400.0, 10.0


@pytest.fixture(scope="module")
def small():
    ml = load_movielens(min_ratings=100)                      # about 150 movies
    return ml.X, ml.genres, genre_pairs(ml.genres)


def test_choices_from_gram_match_similarity_choices(small):
    X, _, _ = small
    S = MB.choices_from_gram(cossim.gram_matrix(X), X.shape[0], K, LAM1, LAM2)
    ref = similarity_choices(X, K, LAM1, LAM2)
    assert list(S) == list(MB.CHOICES)
    for name in MB.CHOICES[:-1]:
        assert_allclose(S[name], ref[name], atol=1e-10, err_msg=name)   # ARPACK vs LAPACK: rounding
    assert_allclose(S[MB.RAW], cossim.raw_item_cosine(X), atol=1e-14)


def test_top_n_matches_neighbours_from_cosine():
    S = cossim.cosine_similarity(np.random.default_rng(0).standard_normal((50, 5)))
    assert (MB.top_n(S, 7) == neighbours_from_cosine(S, 7)).all()


def test_statistics_agree_with_exact_scores(small):
    X, _, pairs = small
    G = cossim.gram_matrix(X)
    stats, bound = MB.genre_statistics(G, X.shape[0], pairs, K, LAM1, LAM2, n_neighbours=5)
    S = MB.choices_from_gram(G, X.shape[0], K, LAM1, LAM2)
    for name in MB.CHOICES:
        for measure, (t, m) in zip(MB.MEASURES, [(None, False), (0.5, False), (None, True), (0.5, True)]):
            exact = yardstick_auc(S[name], pairs, min_jaccard=t, count_matched=m)
            assert abs(stats[(measure, name)] - exact) <= bound + 1e-14
    assert bound < 2e-3
    assert set(k for k in stats if k[0] == "top-n Jaccard") == {
        ("top-n Jaccard", f"{a} vs {b}") for a, b in MB.STABILITY}


def test_bootstrap_is_seeded_and_resamples_users(small):
    X, _, pairs = small
    kw = dict(n_boot=2, n_neighbours=5)
    b1 = MB.user_bootstrap(X, pairs, K, LAM1, LAM2, seed=3, **kw)
    assert b1.replicates.shape == (2, len(b1.names))
    assert_allclose(b1.replicates, MB.user_bootstrap(X, pairs, K, LAM1, LAM2, seed=3, **kw).replicates, atol=0)
    assert not np.allclose(b1.replicates, MB.user_bootstrap(X, pairs, K, LAM1, LAM2, seed=4, **kw).replicates)
    stats, _ = MB.genre_statistics(cossim.gram_matrix(X), X.shape[0], pairs, K, LAM1, LAM2, n_neighbours=5)
    assert_allclose(b1.estimate, [stats[n] for n in b1.names], atol=0)
    rng = np.random.default_rng(3)                            # the first resample, drawn by hand
    Xb = X[rng.integers(0, X.shape[0], X.shape[0])]
    first, _ = MB.genre_statistics(cossim.gram_matrix(Xb), X.shape[0], pairs, K, LAM1, LAM2, n_neighbours=5)
    assert_allclose(b1.replicates[0], [first[n] for n in b1.names], atol=0)


def _reference_top_n(S, n):
    """Each row's top n by a partial sort of the whole row (the rule `top_n` must reproduce)."""
    T = np.array(S, dtype=np.float64)
    np.fill_diagonal(T, -np.inf)
    part = np.argpartition(-T, n - 1, axis=1)[:, :n]
    vals = np.take_along_axis(T, part, axis=1)
    return np.take_along_axis(part, np.lexsort((part, -vals), axis=1), axis=1)


def _reference_statistics(G, n_users, pairs, k, lam1, lam2, min_jaccard, n, bins):
    """`genre_statistics` computed the straightforward way, with the public functions one by one."""
    S = MB.choices_from_gram(G, n_users, k, lam1, lam2)
    labels = [positive_pairs(pairs), positive_pairs(pairs, min_jaccard)]
    stats, bound = {}, 0.0
    for name in MB.CHOICES:
        aucs, b = grid_aucs(S[name][pairs.rows, pairs.cols], labels, pairs.strata, bins=bins)
        bound = max(bound, b)
        for (i, j), measure in zip([(0, 0), (1, 0), (0, 1), (1, 1)], MB.MEASURES):
            stats[(measure, name)] = float(aucs[i, j])
    for a, b in MB.STABILITY:
        nb = neighbour_jaccard(_reference_top_n(S[a], n), _reference_top_n(S[b], n))
        stats[("top-n Jaccard", f"{a} vs {b}")] = float(nb.mean())
    return stats, bound


def _tied_data(seed):
    """Binary X with repeated and empty item columns (cosine ties, zero rows) and random genres."""
    rng = np.random.default_rng(seed)
    X = (rng.random((90, 150)) < 0.15).astype(float)
    X[:, 20:26] = X[:, [3]]                  # six copies of item 3: ties at the n-th neighbour
    X[:, 40] = 0.0                           # an item nobody consumed
    genres = rng.random((150, 5)) < 0.3
    genres[:, 0] |= ~genres.any(axis=1)
    return X, genre_pairs(genres)


@pytest.mark.parametrize("seed", [0, 1])
def test_statistics_and_bootstrap_equal_the_reference_exactly(seed):
    """The fast path (plans, kernels, resampled Gram) gives the straightforward numbers bit for bit."""
    X, pairs = _tied_data(seed)
    args, kw = (5, 40.0, 3.0), dict(min_jaccard=0.5, n_neighbours=4, bins=64)
    ref = _reference_statistics(cossim.gram_matrix(X), 90, pairs, *args, 0.5, 4, 64)
    assert MB.genre_statistics(cossim.gram_matrix(X), 90, pairs, *args, **kw) == ref
    boot = MB.user_bootstrap(X, pairs, *args, n_boot=3, seed=seed, **kw)
    rng, reps, bound = np.random.default_rng(seed), [], ref[1]
    for _ in range(3):
        stats, b = _reference_statistics(cossim.gram_matrix(X[rng.integers(0, 90, 90)]), 90, pairs, *args, 0.5, 4, 64)
        reps.append([stats[name] for name in boot.names])
        bound = max(bound, b)
    assert boot.names == list(ref[0])
    assert np.array_equal(boot.estimate, [ref[0][name] for name in boot.names])
    assert np.array_equal(boot.replicates, reps) and boot.bin_error == bound and boot.seed == seed
    assert not np.array_equal(boot.replicates[0], boot.replicates[1])


def test_top_n_equals_the_partial_sort_with_ties():
    X, _ = _tied_data(0)
    S = MB.choices_from_gram(cossim.gram_matrix(X), 90, 5, 40.0, 3.0)["Eq. (1), γ = 0"]
    for n in (1, 4, 6, 7):
        assert np.array_equal(MB.top_n(S, n), _reference_top_n(S, n))


def test_interval_by_hand():
    reps = np.column_stack([np.arange(101.0), np.arange(101.0) * 0.5])
    boot = MB.UserBootstrap([("m", "a"), ("m", "b")], np.array([60.0, 20.0]), reps, 0.0, 0)
    iv = MB.bootstrap_interval(boot, ("m", "a"), level=0.9)
    se = np.std(np.arange(101.0), ddof=1)
    assert iv.estimate == 60.0 and iv.se == pytest.approx(se, rel=1e-12)
    assert (iv.low, iv.high) == pytest.approx((60 - 1.6448536269514722 * se, 60 + 1.6448536269514722 * se), rel=1e-12)
    assert (iv.pct_low, iv.pct_high) == pytest.approx((5.0, 95.0), abs=1e-12) and iv.shift == pytest.approx(-10.0)
    d = MB.bootstrap_interval(boot, ("m", "a"), ("m", "b"), level=0.9)     # paired: a − b per replicate
    assert d.estimate == 40.0 and d.se == pytest.approx(se / 2, rel=1e-12)
    assert (d.pct_low, d.pct_high) == pytest.approx((2.5, 47.5), abs=1e-12) and d.shift == pytest.approx(-15.0)
    with pytest.raises(ValueError, match="not a bootstrap score"):
        MB.bootstrap_interval(boot, ("m", "c"))
    with pytest.raises(ValueError, match="level"):
        MB.bootstrap_interval(boot, ("m", "a"), level=1.0)
    with pytest.raises(ValueError, match="2 bootstrap replicates"):
        MB.bootstrap_interval(boot._replace(replicates=reps[:1]), ("m", "a"))


def test_prediction_gap_residual_and_overlap_by_dense_formulas():
    rng = np.random.default_rng(1)
    X = (rng.random((40, 12)) < 0.3).astype(float)
    spec = cossim.top_singular(X, 4)
    f1, f2 = cossim.eq1_factors(spec, 5.0, 0.5), cossim.eq2_factors(spec, 0.5)
    P1, P2 = X @ f1.A @ f1.B.T, X @ f2.A @ f2.B.T
    assert MB.relative_prediction_gap(X, f1, f2) == pytest.approx(np.linalg.norm(P1 - P2) / np.linalg.norm(P1),
                                                                  rel=1e-10)
    assert MB.relative_prediction_gap(X, f1, cossim.eq1_factors(spec, 5.0, 0.0)) < 1e-7   # √ε accuracy
    assert MB.relative_residual(X, f1) == pytest.approx(np.linalg.norm(X - P1) / np.linalg.norm(X), rel=1e-12)
    assert MB.recommendation_overlap(X, f1, f1, 3) == 1.0
    ov = MB.recommendation_overlap(X, f1, f2, 3)
    masked = [np.where(X == 0, P, -np.inf) for P in (P1, P2)]
    by_hand = np.mean([len(set(np.argsort(-a)[:3]) & set(np.argsort(-b)[:3])) / 3 for a, b in zip(*masked)])
    assert ov == pytest.approx(by_hand, abs=1e-12)


def test_bad_input(small):
    X, _, pairs = small
    with pytest.raises(ValueError, match="binary"):
        MB.user_bootstrap(X * 2.0, pairs, K, LAM1, LAM2, n_boot=1)
    with pytest.raises(ValueError, match="n_boot"):
        MB.user_bootstrap(X, pairs, K, LAM1, LAM2, n_boot=0)
    with pytest.raises(ValueError, match="cover"):
        MB.user_bootstrap(X[:, :-1], pairs, K, LAM1, LAM2, n_boot=1)
    with pytest.raises(ValueError, match="n_users"):
        MB.choices_from_gram(cossim.gram_matrix(X), 0, K, LAM1, LAM2)
    with pytest.raises(ValueError, match="unconsumed"):
        MB.recommendation_overlap(np.ones((3, 4)), (np.eye(4), np.eye(4)), (np.eye(4), np.eye(4)), 2)
