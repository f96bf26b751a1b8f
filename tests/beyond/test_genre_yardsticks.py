"""Tests of cossim.beyond.genre_yardsticks: pair labels, count-matched AUC, baselines."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

import cossim
from cossim.beyond import genre_yardsticks as GY
from cossim.beyond.movielens import genre_jaccard_at_k, neighbours_from_cosine
from cossim.paper.metrics import rank_auc

# items: 0 = {a}, 1 = {a, b}, 2 = {b}, 3 = {c}
G4 = np.array([[1, 0, 0], [1, 1, 0], [0, 1, 0], [0, 0, 1]])


def _random_genres(p, g, seed):
    rng = np.random.default_rng(seed)
    G = rng.random((p, g)) < 0.3
    G[np.arange(p), rng.integers(0, g, p)] = True          # every item has a genre
    return G


def test_genre_pairs_by_hand():
    pairs = GY.genre_pairs(G4)
    assert pairs.rows.tolist() == [0, 0, 0, 1, 1, 2] and pairs.cols.tolist() == [1, 2, 3, 2, 3, 3]
    assert_allclose(pairs.jaccard, [0.5, 0, 0, 0.5, 0, 0], atol=0)
    assert pairs.counts.tolist() == [1, 2, 1, 1]
    s = pairs.strata                                          # {1, 2} for (0, 1), (1, 2), (1, 3); else {1, 1}
    assert s[0] == s[3] == s[4] and s[1] == s[2] == s[5] and s[0] != s[1]
    assert GY.positive_pairs(pairs).tolist() == [True, False, False, True, False, False]
    assert GY.positive_pairs(pairs, 0.5).tolist() == [True, False, False, True, False, False]
    assert not GY.positive_pairs(pairs, 0.6).any()


def test_matched_auc_by_hand():
    scores = np.array([0.9, 0.1, 0.5, 0.3, 0.5, 0.2])
    positive = np.array([True, False, False, True, False, True])
    strata = np.array([0, 0, 0, 1, 1, 1])
    # stratum 0: 1 pos (0.9) over 2 neg -> 2 of 2; stratum 1: pos 0.3 and 0.2 vs neg 0.5 -> 0 of 2
    assert GY.matched_auc(scores, positive, strata) == pytest.approx(2 / 4)
    assert GY.matched_auc(scores, positive) == pytest.approx(rank_auc(scores, positive))
    ties = np.array([1.0, 1.0, 0.0, 1.0, 1.0, 1.0])          # pos/neg tie in both strata
    assert GY.matched_auc(ties, positive, strata) == pytest.approx((1.5 + 1.0) / 4)


def test_yardstick_auc_agrees_with_genre_auc_and_is_rank_invariant():
    G = _random_genres(40, 5, 0)
    S = cossim.cosine_similarity(np.random.default_rng(1).standard_normal((40, 4)))
    pairs = GY.genre_pairs(G)
    assert GY.yardstick_auc(S, pairs) == pytest.approx(cossim.genre_auc(S, G), abs=1e-15)
    for kw in ({}, {"min_jaccard": 0.5}, {"count_matched": True}, {"min_jaccard": 0.5, "count_matched": True}):
        assert GY.yardstick_auc(S**3 * 2 + 1, pairs, **kw) == pytest.approx(GY.yardstick_auc(S, pairs, **kw),
                                                                            abs=1e-15)


def test_count_only_similarities_score_one_half_when_matched():
    G = _random_genres(60, 6, 2)
    pairs = GY.genre_pairs(G)
    product = GY.count_similarity(G)
    for t in (None, 0.5):
        best = GY.best_count_similarity(pairs, GY.positive_pairs(pairs, t))
        for S in (product, best):
            assert GY.yardstick_auc(S, pairs, min_jaccard=t, count_matched=True) == pytest.approx(0.5, abs=1e-14)
        # the stratum positive rate is the best plain AUC among functions of the counts
        assert GY.yardstick_auc(best, pairs, min_jaccard=t) >= GY.yardstick_auc(product, pairs, min_jaccard=t) - 1e-14
        assert GY.yardstick_auc(best, pairs, min_jaccard=t) > 0.5


def test_grid_auc_within_its_bound_and_exact_on_ties():
    rng = np.random.default_rng(3)
    scores = np.tanh(rng.standard_normal(5000))
    positive = rng.random(5000) < 0.5 + 0.2 * scores
    strata = rng.integers(0, 4, 5000)
    for st in (None, strata):
        exact = GY.matched_auc(scores, positive, st)
        auc, bound = GY.binned_auc(scores, positive, st, bins=256)
        assert abs(auc - exact) <= bound and 0 < bound < 0.01
    tied = np.round(scores, 1)                                # 21 distinct values, each its own cell
    auc, bound = GY.binned_auc(tied, positive, strata, bins=2**14)
    assert bound == 0 and auc == pytest.approx(GY.matched_auc(tied, positive, strata), abs=1e-14)
    aucs, _ = GY.grid_aucs(scores, [positive, ~positive], strata)
    assert_allclose(aucs[0] + aucs[1], [1.0, 1.0], atol=1e-12)   # swapping the labels mirrors the AUC


def test_random_similarity_is_seeded_and_symmetric():
    R = GY.random_similarity(30, seed=4)
    assert_allclose(R, R.T, atol=0)
    assert np.all(np.diag(R) == 0)
    assert_allclose(R, GY.random_similarity(30, seed=4), atol=0)
    assert not np.allclose(R, GY.random_similarity(30, seed=5))


def test_raw_item_cosine_by_hand():
    X = np.array([[1, 1, 0], [1, 0, 0], [0, 1, 1]], dtype=float)
    S = GY.raw_item_cosine(X)
    assert_allclose(S[0, 1], 1 / (np.sqrt(2) * np.sqrt(2)), atol=1e-15)
    assert S[0, 2] == 0.0
    assert_allclose(S[1, 2], 1 / np.sqrt(2), atol=1e-15)


def test_expected_genre_jaccard_handles_ties():
    G = _random_genres(30, 4, 6)
    S = cossim.cosine_similarity(np.random.default_rng(7).standard_normal((30, 3)))
    assert GY.expected_genre_jaccard_at_k(S, G, 3) == pytest.approx(
        genre_jaccard_at_k(neighbours_from_cosine(S, 3), G), abs=1e-14)
    pairs = GY.genre_pairs(G)
    J = np.zeros((30, 30))
    J[pairs.rows, pairs.cols] = pairs.jaccard
    J = J + J.T
    flat = np.ones((30, 30))                                  # every neighbour ties: the mean Jaccard
    assert GY.expected_genre_jaccard_at_k(flat, G, 3) == pytest.approx(J.sum() / (30 * 29), abs=1e-14)


def test_bad_input():
    with pytest.raises(ValueError, match="min_jaccard"):
        GY.positive_pairs(GY.genre_pairs(G4), 0.0)
    with pytest.raises(ValueError, match="two items"):
        GY.genre_pairs(np.array([[1, 0], [0, 0]]))
    with pytest.raises(ValueError, match="finite"):
        GY.matched_auc([np.nan, 1.0], [True, False])
    with pytest.raises(ValueError, match="strata"):
        GY.matched_auc([0.0, 1.0], [True, False], [0, -1])
    with pytest.raises(ValueError, match="one length"):
        GY.matched_auc([0.0, 1.0], [True])
    with pytest.raises(ValueError, match="both positive and negative"):
        GY.matched_auc([0.0, 1.0], [True, False], [0, 1])
    with pytest.raises(ValueError, match="cover"):
        GY.yardstick_auc(np.eye(3), GY.genre_pairs(G4))
    with pytest.raises(ValueError, match="bins"):
        GY.binned_auc([0.0, 1.0], [True, False], bins=0)
    with pytest.raises(ValueError, match="per pair"):
        GY.best_count_similarity(GY.genre_pairs(G4), [1.0])
    with pytest.raises(ValueError, match="n_neighbours"):
        GY.expected_genre_jaccard_at_k(np.eye(4), G4, 4)


def test_exact_aucs_match_per_stratum_rank_sums():
    rng = np.random.default_rng(8)
    scores = np.round(rng.standard_normal(3000), 2)            # many ties
    labels = [rng.random(3000) < 0.4, rng.random(3000) < 0.1]
    strata = rng.integers(0, 5, 3000)
    aucs = GY.exact_aucs(scores, labels, strata)
    for i, lab in enumerate(labels):
        assert aucs[i, 0] == pytest.approx(rank_auc(scores, lab), abs=1e-14)
        num = den = 0.0
        for s in range(5):
            m = strata == s
            n1, n0 = lab[m].sum(), (~lab[m]).sum()
            num += rank_auc(scores[m], lab[m]) * n1 * n0
            den += n1 * n0
        assert aucs[i, 1] == pytest.approx(num / den, abs=1e-14)
