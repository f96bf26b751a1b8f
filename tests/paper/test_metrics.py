"""Tests of cossim.paper.metrics: the cluster-recovery scores of Chapters 3 and 4."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from cossim import ClusterScores, cluster_auc, neighbour_purity, order_items


def brute_force_auc(S, labels):
    """P(score of a random same-label pair > that of a random other pair), ties ½."""
    p = len(labels)
    pos, neg = [], []
    for i in range(p):
        for j in range(i + 1, p):
            (pos if labels[i] == labels[j] else neg).append(S[i, j])
    pos, neg = np.array(pos), np.array(neg)
    wins = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return wins / (pos.size * neg.size)


def brute_force_purity(S, labels, n):
    p = len(labels)
    shares = []
    for i in range(p):
        others = [j for j in range(p) if j != i]
        # sort by decreasing similarity, ties by the smaller index
        nearest = sorted(others, key=lambda j: (-S[i, j], j))[:n]
        shares.append(np.mean([labels[j] == labels[i] for j in nearest]))
    return float(np.mean(shares))


@settings(max_examples=40, deadline=None)
@given(p=st.integers(4, 14), n_labels=st.integers(2, 3), seed=st.integers(0, 10_000),
       levels=st.integers(2, 5))
def test_auc_matches_pairwise_definition_with_ties(p, n_labels, seed, levels):
    rng = np.random.default_rng(seed)
    labels = np.arange(p) % n_labels  # every label used, some pairs positive, some negative
    rng.shuffle(labels)
    S = rng.integers(0, levels, size=(p, p)).astype(float)  # many ties
    S = (S + S.T) / 2
    # a ratio of pair counts: two correct computations agree to rounding (~1e-15), one
    # miscounted pair (or a tie not counted ½) moves it by ≥ 1/(2 n_pos n_neg) ≥ 1e-4 here
    assert_allclose(cluster_auc(S, labels), brute_force_auc(S, labels), rtol=1e-12)


def test_auc_reads_only_the_upper_triangle():
    rng = np.random.default_rng(0)
    labels = np.array([0, 0, 1, 1, 2, 2])
    S = rng.random((6, 6))
    T = np.triu(S, 1) + np.tril(rng.random((6, 6)))  # change the lower triangle only
    assert cluster_auc(S, labels) == cluster_auc(T, labels)


def test_auc_extremes():
    labels = np.array([0, 0, 0, 1, 1, 2])
    truth = (labels[:, None] == labels[None, :]).astype(float)
    assert cluster_auc(truth, labels) == 1.0
    assert cluster_auc(-truth, labels) == 0.0
    assert cluster_auc(np.ones((6, 6)), labels) == 0.5


def test_auc_is_invariant_to_monotone_maps():
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 3, size=30)
    S = rng.normal(size=(30, 30))
    assert_allclose(cluster_auc(S, labels), cluster_auc(np.exp(3 * S) - 1, labels), rtol=1e-12)


@settings(max_examples=30, deadline=None)
@given(p=st.integers(3, 12), n=st.integers(1, 11), seed=st.integers(0, 10_000))
def test_purity_matches_definition(p, n, seed):
    n = min(n, p - 1)
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, size=p)
    S = rng.integers(0, 3, size=(p, p)).astype(float)  # ties, not symmetric
    assert_allclose(neighbour_purity(S, labels, n), brute_force_purity(S, labels, n), rtol=1e-12)


def test_purity_excludes_the_item_itself():
    labels = np.array([0, 1, 2, 3])  # no two items share a label
    assert neighbour_purity(np.eye(4) * 10, labels, 1) == 0.0


def test_order_items():
    labels = np.array([1, 0, 1, 0, 0])
    popularity = np.array([0.1, 0.5, 0.9, 0.5, 0.7])
    order = order_items(labels, popularity)
    # label 0: items 4 (0.7), then 1 and 3 (0.5, tie kept in index order); label 1: 2, 0
    assert_array_equal(order, [4, 1, 3, 2, 0])


@pytest.mark.parametrize("call, error, match", [
    (lambda: cluster_auc(np.ones((3, 4)), [0, 1, 1]), ValueError, "square"),
    (lambda: cluster_auc(np.ones((3, 3)), [0, 1]), ValueError, "labels"),
    (lambda: cluster_auc(np.ones((3, 3)), [0, 0, 0]), ValueError, "labels"),
    (lambda: cluster_auc(np.ones((3, 3)), [0, 1, 2]), ValueError, "labels"),
    (lambda: cluster_auc(np.full((3, 3), np.nan), [0, 0, 1]), ValueError, "NaN"),
    (lambda: cluster_auc(np.ones((3, 3)), ["a", "b", "a"]), TypeError, "labels"),
    (lambda: neighbour_purity(np.ones((3, 3)), [0, 0, 1], 3), ValueError, "n_neighbours"),
    (lambda: neighbour_purity(np.ones((3, 3)), [0, 0, 1], 0), ValueError, "n_neighbours"),
    (lambda: neighbour_purity(np.ones((3, 3)), [0, 0, 1], 1.5), TypeError, "n_neighbours"),
    (lambda: order_items([0, 1], [1.0]), ValueError, "popularity"),
    (lambda: order_items([0, 1], [1.0, np.inf]), ValueError, "popularity"),
    (lambda: order_items([0.5, 1], [1.0, 2.0]), TypeError, "labels"),
])
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ------------------------------------------------------------ the one rank AUC

@settings(max_examples=40, deadline=None)
@given(m=st.integers(2, 40), seed=st.integers(0, 10_000), levels=st.integers(1, 4))
def test_rank_auc_counts_pairs_with_ties_as_half(m, seed, levels):
    from cossim.paper.metrics import rank_auc

    rng = np.random.default_rng(seed)
    scores = rng.integers(0, levels, m).astype(float)  # few levels: many ties
    positive = np.zeros(m, dtype=bool)
    positive[rng.choice(m, int(rng.integers(1, m)), replace=False)] = True
    pos, neg = scores[positive], scores[~positive]
    wins = sum((a > b) + 0.5 * (a == b) for a in pos for b in neg)
    assert_allclose(rank_auc(scores, positive), wins / (pos.size * neg.size), rtol=1e-12)


def test_rank_auc_is_behind_both_aucs():
    """cluster_auc and genre_auc are rank_auc of their pairs (one implementation)."""
    from cossim import genre_auc
    from cossim.paper.metrics import rank_auc

    rng = np.random.default_rng(1)
    S = rng.random((6, 6))
    labels = np.array([0, 0, 1, 1, 2, 2])
    iu, ju = np.triu_indices(6, k=1)
    assert cluster_auc(S, labels) == rank_auc(S[iu, ju], labels[iu] == labels[ju])
    genres = np.eye(3, dtype=bool)[labels]  # one genre per item: sharing = same label
    assert genre_auc(S, genres) == cluster_auc(S, labels)


@pytest.mark.parametrize("scores, positive, match", [
    (np.ones(3), np.ones(3, dtype=bool), "both positive and negative"),
    (np.ones(3), np.zeros(2, dtype=bool), "same length"),
])
def test_rank_auc_bad_input(scores, positive, match):
    from cossim.paper.metrics import rank_auc

    with pytest.raises(ValueError, match=match):
        rank_auc(scores, positive)


# ------------------------------------- same numbers as the former sort-based code

def _rankdata_auc(scores, positive):
    """The former rank_auc: mid-ranks from scipy.stats.rankdata, summed in float64."""
    from scipy.stats import rankdata

    n_pos = int(positive.sum())
    n_neg = positive.size - n_pos
    return float((rankdata(scores)[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


@pytest.mark.parametrize("seed", range(6))
def test_rank_auc_equals_the_rankdata_formula_bit_for_bit(seed):
    """Figure 1's printed AUCs must not move: equality, not closeness (ties, ±0, inf included)."""
    from cossim.paper.metrics import rank_auc

    rng = np.random.default_rng(seed)
    m = 5_000
    scores = rng.standard_normal(m) if seed % 2 else rng.integers(0, 7, m).astype(float)
    scores[rng.random(m) < 0.05] = np.inf
    scores[rng.random(m) < 0.05] = -0.0
    scores[rng.random(m) < 0.05] = 0.0
    positive = rng.random(m) < 0.2
    assert rank_auc(scores, positive) == _rankdata_auc(scores, positive)
    # the comparison can fail: one flipped label moves the AUC
    flipped = positive.copy()
    flipped[np.flatnonzero(positive)[0]] = False
    assert rank_auc(scores, flipped) != _rankdata_auc(scores, positive)


def test_rank_auc_of_nan_scores_is_nan():
    from cossim.paper.metrics import rank_auc

    assert np.isnan(rank_auc(np.array([1.0, np.nan, 2.0]), np.array([True, False, True])))


@pytest.mark.parametrize("seed", range(6))
def test_purity_equals_the_sorted_neighbour_lists_bit_for_bit(seed):
    """neighbour_purity picks the same items as top_n_from_similarity (ties by smaller index)."""
    from cossim.linalg.similarity import top_n_from_similarity

    rng = np.random.default_rng(seed)
    p, n = 120, int(rng.integers(1, 30))
    labels = rng.integers(0, 4, p)
    S = rng.integers(-2, 3, (p, p)).astype(float) if seed % 2 else rng.standard_normal((p, p))
    S[rng.random((p, p)) < 0.2] = -0.0
    expected = float(np.mean(labels[top_n_from_similarity(S, n)] == labels[:, None]))
    assert neighbour_purity(S, labels, n) == expected


# ------------------------------------------- exact cases, boundaries (issue 13, mutation testing)

def test_sparse_similarity_is_rejected():
    S = sp.csr_matrix(np.eye(3))
    with pytest.raises(TypeError, match="S must be a dense array"):
        cluster_auc(S, [0, 0, 1])


def test_rank_auc_positive_flags_may_be_0_1_integers():
    """`positive` is read as booleans: 0/1 integers are flags, not indices."""
    from cossim.paper.metrics import rank_auc

    # by hand: positives score 3 and 1, negatives 2 and 0: wins 2 + 1 = 3 of 4 pairs
    assert rank_auc([3.0, 2.0, 1.0, 0.0], [1, 0, 1, 0]) == 0.75


def test_rank_auc_compares_scores_in_float64():
    """Integer scores are ranked as float64, the dtype of every similarity: 2^53 and 2^53 + 1
    round to the same float64 and tie (AUC ½)."""
    from cossim.paper.metrics import rank_auc

    assert rank_auc(np.array([2**53, 2**53 + 1]), [False, True]) == 0.5


def test_auc_messages_name_the_missing_pairs():
    from cossim.paper.metrics import rank_auc

    with pytest.raises(ValueError, match="^labels must give both positive and negative pairs$"):
        rank_auc([1.0, 2.0], [True, True])
    with pytest.raises(ValueError, match="^labels must give both same-label and different-label pairs$"):
        cluster_auc(np.eye(3), [0, 1, 2])


def test_neighbour_purity_by_hand_and_default_of_ten():
    """Eleven items in cluster 0 (similarity 1 within), one in cluster 1. With 10 neighbours each
    cluster-0 item finds 10 of 10 in its cluster, the lone item 0 of 10: purity 11/12; with 11
    neighbours the cluster-0 items find 10 of 11: purity 10/12."""
    labels = np.array([0] * 11 + [1])
    S = (labels[:, None] == labels[None, :]).astype(float)
    assert_allclose(neighbour_purity(S, labels), 11 / 12, rtol=1e-15)
    assert_allclose(neighbour_purity(S, labels, 11), 10 / 12, rtol=1e-15)


def test_order_items_unsigned_popularity_descends():
    """Counts of an unsigned dtype are still ordered by descending popularity (no wrap-around)."""
    order = order_items([0, 0, 0], np.array([1, 3, 2], dtype=np.uint8))
    assert_array_equal(order, [1, 2, 0])


@pytest.mark.parametrize("labels, popularity, error, match", [
    (3, [1.0], ValueError, "^labels must be 1-D, got shape \\(\\)$"),
    ([[0, 1]], [1.0, 2.0], ValueError, "^labels must be 1-D"),
    ([0, 1], ["a", "b"], TypeError, "^popularity must be a 1-D array of real numbers$"),
    ([0, 1], [1.0], ValueError, "^popularity has shape \\(1,\\), expected \\(2,\\) \\(one per item\\)$"),
    ([0, 1], [1.0, np.nan], ValueError, "^popularity contains NaN or inf$"),
])
def test_order_items_bad_input_messages(labels, popularity, error, match):
    with pytest.raises(error, match=match):
        order_items(labels, popularity)


@pytest.mark.parametrize("scores, positive, match", [
    (np.ones((2, 2)), np.ones((2, 2), dtype=bool), "^scores and positive must be 1-D of the same length, "
                                                   "got shapes \\(2, 2\\) and \\(2, 2\\)$"),
])
def test_rank_auc_shape_message(scores, positive, match):
    from cossim.paper.metrics import rank_auc

    with pytest.raises(ValueError, match=match):
        rank_auc(scores, positive)


def test_square_message():
    with pytest.raises(ValueError, match="^S must be square \\(items × items\\), got shape \\(3, 4\\)$"):
        cluster_auc(np.ones((3, 4)), [0, 1, 1])


# ------------------------------------------- the scores of many S against one set of labels

def _truth_like(labels, rng):
    """0/1 same-label matrix with some rows perturbed: rows of many tied maxima and rows of few."""
    S = (labels[:, None] == labels[None, :]).astype(float)
    noisy = rng.random(len(labels)) < 0.3
    S[noisy] += rng.standard_normal((noisy.sum(), len(labels))) * 0.1
    return S


@pytest.mark.parametrize("seed", range(6))
def test_cluster_scores_equal_the_straightforward_scores_bit_for_bit(seed):
    """ClusterScores (labels' pairs and mask computed once, used for several S) gives
    cluster_auc's rankdata formula over the upper triangle and the purity of the sorted
    neighbour lists, exactly, for 0/1 matrices (groups larger and smaller than n), mixed
    rows, integer ties and continuous values."""
    from cossim.linalg.similarity import top_n_from_similarity
    rng = np.random.default_rng(seed)
    p = 90
    labels = rng.integers(0, 3 + seed, p)
    scores = ClusterScores(labels)
    iu, ju = np.triu_indices(p, 1)
    for S in (_truth_like(labels, rng), rng.integers(-2, 3, (p, p)).astype(float),
              rng.standard_normal((p, p)), (labels[:, None] == labels[None, :]).astype(float)):
        auc = _rankdata_auc(S[iu, ju], labels[iu] == labels[ju])
        assert scores.auc(S) == auc == cluster_auc(S, labels)
        for n in (1, 5, 17, p - 1):
            expected = float(np.mean(labels[top_n_from_similarity(S, n)] == labels[:, None]))
            assert scores.purity(S, n) == expected == neighbour_purity(S, labels, n)


def test_cluster_scores_messages():
    with pytest.raises(ValueError, match="^labels must give both same-label and different-label pairs$"):
        ClusterScores(np.zeros(4, dtype=int)).auc(np.eye(4))
    scores = ClusterScores([0, 0, 1, 1])
    with pytest.raises(ValueError, match=r"^S has shape \(3, 3\), expected \(4, 4\) \(one row and column per label\)$"):
        scores.auc(np.eye(3))
    with pytest.raises(ValueError, match=r"^S must be square \(items × items\), got shape \(4, 3\)$"):
        scores.purity(np.ones((4, 3)), 1)
    with pytest.raises(ValueError, match="^S contains NaN or inf$"):
        scores.auc(np.full((4, 4), np.nan))
    with pytest.raises(ValueError, match="^n_neighbours must satisfy"):
        scores.purity(np.eye(4), 4)
    with pytest.raises(ValueError, match="^labels must be 1-D"):
        ClusterScores(np.zeros((2, 2), dtype=int))
