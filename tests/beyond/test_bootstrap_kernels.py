"""Tests of cossim.beyond._bootstrap_kernels: each fast kernel equals its reference bit for bit.

The bootstrap of Chapter 7 promises the same numbers as the straightforward
computation, so these tests compare with ``np.array_equal`` / ``==`` (atol 0),
on inputs built to reach every branch: exact ties, scores outside [low, high],
cells holding one repeated value, nested and crossing labels, rows whose
n-th and (n+1)-th neighbours tie, zero rows, NaN.
"""

import numpy as np
import pytest

import cossim
from cossim.beyond import _bootstrap_kernels as BK
from cossim.beyond.genre_yardsticks import grid_aucs
from cossim.beyond.movielens import neighbour_jaccard


def _scores_labels(seed, m=3000):
    rng = np.random.default_rng(seed)
    scores = np.tanh(rng.standard_normal(m)) * 1.05          # a few outside [-1, 1]: the end cells
    scores[: m // 5] = np.round(scores[: m // 5], 2)          # exact ties, some cells of one repeated value
    strata = rng.integers(0, 5, m)
    jac = rng.random(m) * (rng.random(m) < 0.6)
    labels = [jac > 0, jac >= 0.5, rng.random(m) < 0.3]       # nested, and one crossing both
    return scores, labels, strata


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("bins", [7, 64, 2**14])
def test_planned_grid_aucs_equal_grid_aucs_exactly(seed, bins):
    scores, labels, strata = _scores_labels(seed)
    for st in (strata, None):
        for labs in (labels[:2], labels):
            plan = BK.grid_plan(labs, st, scores.size, bins=bins)
            for s in (scores, -scores, np.sort(scores)):        # one plan, many score vectors
                aucs, bound = BK.planned_grid_aucs(s, plan)
                ref, ref_bound = grid_aucs(s, labs, st, bins=bins)
                assert np.array_equal(aucs, ref) and bound == ref_bound and type(bound) is float


def test_planned_grid_aucs_can_fail():
    """A plan of other labels (or other strata) gives other numbers: the equality above is not vacuous."""
    scores, labels, strata = _scores_labels(0)
    ref, _ = grid_aucs(scores, labels[:2], strata, bins=64)
    wrong = BK.grid_plan([labels[0], labels[2]], strata, scores.size, bins=64)
    assert not np.array_equal(BK.planned_grid_aucs(scores, wrong)[0], ref)
    shuffled = BK.grid_plan(labels[:2], np.roll(strata, 1), scores.size, bins=64)
    assert not np.array_equal(BK.planned_grid_aucs(scores, shuffled)[0][:, 1], ref[:, 1])


def test_planned_grid_aucs_raise_as_grid_aucs():
    scores, labels, strata = _scores_labels(0)
    plan = BK.grid_plan(labels[:2], strata, scores.size)
    with pytest.raises(ValueError, match="finite"):
        BK.planned_grid_aucs(np.where(scores > 0.9, np.nan, scores), plan)
    with pytest.raises(ValueError, match="one length"):
        BK.planned_grid_aucs(scores[:-1], plan)
    with pytest.raises(ValueError, match="both positive and negative"):
        BK.planned_grid_aucs(scores, BK.grid_plan([np.ones(scores.size, bool)], strata, scores.size))
    with pytest.raises(ValueError, match="non-negative"):
        BK.grid_plan(labels[:2], -strata, scores.size)
    with pytest.raises(ValueError, match="bins"):
        BK.grid_plan(labels[:2], strata, scores.size, bins=0)


def _matrix_with_ties(seed, p=400, k=4):
    rng = np.random.default_rng(seed)
    E = rng.standard_normal((p, k))
    E[10:20] = E[0]                                  # 11 identical rows: cosine ties at every place
    E[30] = 0.0                                      # a zero row: a constant row of 0s
    E[40:43] = E[41]                                 # a tie of three
    S = cossim.cosine_similarity(E)
    np.fill_diagonal(S, -np.inf)
    return S


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("n", [1, 3, 10, 14])
def test_top_n_rows_equal_the_partial_sort(seed, n):
    T = _matrix_with_ties(seed)
    ref = BK.top_n_by_partition(T, n)
    assert np.array_equal(BK.top_n_rows(T.copy(), n), ref)
    R = np.round(T, 1)                               # many ties at the n-th place
    assert np.array_equal(BK.top_n_rows(R, n), BK.top_n_by_partition(R, n))
    N = T.copy()
    N[5, 7] = np.nan                                 # NaN: the partial sort's own rule
    assert np.array_equal(BK.top_n_rows(N, n), BK.top_n_by_partition(N, n))
    small = T[:9, :9].copy()                         # chunks of one column: the partial sort
    assert np.array_equal(BK.top_n_rows(small, min(n, 8)), BK.top_n_by_partition(small, min(n, 8)))


def test_top_n_rows_tie_rows_keep_the_partial_sorts_choice():
    """A row tying at the n-th place gets the partial sort's choice, which is not the first columns."""
    T = _matrix_with_ties(0)
    out = BK.top_n_rows(T, 5)
    assert np.all(T[0, out[0]] == T[0].max())        # item 0: ten items tie with it at the top
    assert np.array_equal(out[0], BK.top_n_by_partition(T[:1], 5)[0])
    assert not np.array_equal(out[0], np.arange(10, 15))


def test_top_n_rows_sorts_candidates_without_the_partial_sort(monkeypatch):
    """Without ties or NaN no row takes the fallback: the candidate sort itself is what the tests above check."""
    S = cossim.cosine_similarity(np.random.default_rng(5).standard_normal((300, 6)))
    np.fill_diagonal(S, -np.inf)
    ref = BK.top_n_by_partition(S, 10)

    def refuse(T, n):
        raise AssertionError("fallback used")
    monkeypatch.setattr(BK, "top_n_by_partition", refuse)
    assert np.array_equal(BK.top_n_rows(S, 10), ref)


def test_resampled_gram_equals_gram_of_the_resample():
    rng = np.random.default_rng(0)
    X = (rng.random((70, 25)) < 0.3).astype(float)
    for seed in range(3):
        draws = np.random.default_rng(seed).integers(0, 70, 70)
        G = BK.resampled_gram(X.astype(np.float32), draws)
        assert G.dtype == np.float64 and np.array_equal(G, cossim.gram_matrix(X[draws]))
    assert not np.array_equal(BK.resampled_gram(X.astype(np.float32), draws[::-1] % 69), cossim.gram_matrix(X[draws]))


def test_mean_jaccard_equals_neighbour_jaccard():
    rng = np.random.default_rng(0)
    N1 = np.array([rng.permutation(30)[:6] for _ in range(50)])
    N2 = np.array([rng.permutation(30)[:6] for _ in range(50)])
    assert BK.mean_jaccard(N1, N2) == float(neighbour_jaccard(N1, N2).mean())
    assert BK.mean_jaccard(N1, N1) == 1.0
