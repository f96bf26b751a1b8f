"""cossim.linalg.similarity: cosine matrices of Eq. (4), the Ω normaliser, blockwise neighbours."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

import cossim


def test_row_normalize_unit_rows_and_zero_rows_stay_zero():
    E = np.array([[3.0, 4.0], [0.0, 0.0], [-1.0, 0.0]])
    N = cossim.row_normalize(E)
    assert_allclose(N, [[0.6, 0.8], [0.0, 0.0], [-1.0, 0.0]], atol=1e-15)


def test_cosine_of_zero_vector_is_zero_not_nan():
    E = np.array([[1.0, 0.0], [0.0, 0.0]])
    S = cossim.cosine_similarity(E)
    assert_allclose(S, [[1.0, 0.0], [0.0, 0.0]], atol=0)


def test_cosine_matches_definition_and_is_clipped():
    rng = np.random.default_rng(0)
    E, F = rng.standard_normal((7, 3)), rng.standard_normal((5, 3))
    S = cossim.cosine_similarity(E, F)
    ref = (E @ F.T) / np.outer(np.linalg.norm(E, axis=1), np.linalg.norm(F, axis=1))
    assert_allclose(S, ref, atol=1e-14)
    assert np.all(np.abs(cossim.cosine_similarity(E)) <= 1.0)


def test_three_similarities_follow_eq4_as_functions_of_D():
    """Eq. (4): with (ÂD, B̂D⁻¹) the three cosine matrices equal the closed expressions."""
    rng = np.random.default_rng(1)
    X = (rng.random((30, 8)) < 0.4).astype(float)
    A, B = cossim.fit_eq1(X, 4, 2.0)
    d = rng.uniform(0.3, 3.0, 4)
    A_d, B_d = cossim.rescale(A, B, d)
    D = np.diag(d)
    omega_b = np.diag(1 / np.linalg.norm(B @ np.linalg.inv(D), axis=1))
    XA = X @ A
    norms = np.linalg.norm(XA @ D, axis=1)
    omega_a = np.diag(np.where(norms > 0, 1 / np.where(norms > 0, norms, 1), 0))
    D_inv2 = np.linalg.inv(D) @ np.linalg.inv(D)
    assert_allclose(cossim.item_item_cosine(B_d), omega_b @ B @ D_inv2 @ B.T @ omega_b, atol=1e-12)
    assert_allclose(cossim.user_user_cosine(X, A_d), omega_a @ XA @ D @ D @ XA.T @ omega_a, atol=1e-12)
    assert_allclose(cossim.user_item_cosine(X, A_d, B_d), omega_a @ XA @ B.T @ omega_b, atol=1e-12)


def test_rescaling_changes_cosine_but_not_dot_product():
    rng = np.random.default_rng(2)
    X = (rng.random((40, 10)) < 0.3).astype(float)
    A, B = cossim.fit_eq1(X, 5, 1.0)
    A_d, B_d = cossim.rescale(A, B, [4.0, 1.0, 0.25, 2.0, 0.5])
    assert_allclose(X @ A_d @ B_d.T, X @ A @ B.T, atol=1e-12)
    assert np.abs(cossim.item_item_cosine(B_d) - cossim.item_item_cosine(B)).max() > 0.05


def test_sparse_input_equals_dense():
    rng = np.random.default_rng(3)
    X = (rng.random((20, 6)) < 0.3).astype(float)
    A = rng.standard_normal((6, 3))
    assert_allclose(cossim.user_user_cosine(sp.csr_matrix(X), A), cossim.user_user_cosine(X, A),
                    atol=1e-14)
    assert_allclose(cossim.cosine_similarity(sp.csr_matrix(X)), cossim.cosine_similarity(X),
                    atol=1e-14)


@pytest.mark.parametrize("block_size", [1, 3, 7, 100])
def test_top_k_neighbours_matches_brute_force(block_size):
    rng = np.random.default_rng(4)
    E = rng.standard_normal((23, 4))
    nn = cossim.top_k_neighbours(E, 5, block_size=block_size)
    S = cossim.cosine_similarity(E)
    np.fill_diagonal(S, -np.inf)
    assert np.array_equal(nn, np.argsort(-S, axis=1, kind="stable")[:, :5])
    assert not np.any(nn == np.arange(23)[:, None])


def test_top_k_neighbours_ties_break_by_index():
    E = np.array([[1.0, 0.0], [1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    assert np.array_equal(cossim.top_k_neighbours(E, 2), [[1, 2], [0, 2], [0, 1], [0, 1]])


@pytest.mark.parametrize("call, exc, msg", [
    (lambda: cossim.item_item_cosine(np.ones(3)), ValueError, "B must be 2-D"),
    (lambda: cossim.item_item_cosine(np.array([[np.nan, 1.0]])), ValueError, "B contains NaN"),
    (lambda: cossim.user_user_cosine(np.ones((3, 4)), np.ones((5, 2))), ValueError, "A has 5 rows"),
    (lambda: cossim.user_item_cosine(np.ones((3, 4)), np.ones((4, 2)), np.ones((4, 3))),
     ValueError, "B has 3 columns"),
    (lambda: cossim.cosine_similarity(np.ones((3, 4)), np.ones((3, 5))), ValueError, "columns"),
    (lambda: cossim.cosine_similarity(np.ones((2, 2), dtype=complex)), TypeError, "complex"),
    (lambda: cossim.top_k_neighbours(np.ones((4, 2)), 4), ValueError, "n_neighbours"),
    (lambda: cossim.top_k_neighbours(np.ones((4, 2)), 0), ValueError, "n_neighbours"),
    (lambda: cossim.top_k_neighbours(np.ones((4, 2)), 1, block_size=0), ValueError, "block_size"),
])
def test_bad_input(call, exc, msg):
    with pytest.raises(exc, match=msg):
        call()


# ------------------------------------------------- Ω and top-n from a given S

def test_inverse_norms_and_unit_rows():
    from cossim.linalg.similarity import inverse_norms, unit_rows

    assert_array_equal(inverse_norms([4.0, 0.0, -1e-18]), [0.5, 0.0, 0.0])
    E = np.array([[3.0, 4.0], [0.0, 0.0]])
    En, inv = unit_rows(E)
    assert_array_equal(inv, [0.2, 0.0])
    # Ω multiplies by the reciprocal norm (3 · 0.2 = 0.6000000000000001, not 3/5)
    assert_array_equal(En, E * np.array([[0.2], [0.0]]))
    assert_allclose(En, [[0.6, 0.8], [0.0, 0.0]], rtol=1e-15)
    assert_array_equal(cossim.row_normalize(E), En)  # one Ω


def test_cosine_from_gram_equals_cosine_of_embeddings():
    from cossim.linalg.similarity import cosine_from_gram

    rng = np.random.default_rng(3)
    E = rng.standard_normal((9, 4))
    E[2] = 0.0
    C = cosine_from_gram(E @ E.T)
    assert_allclose(C, cossim.cosine_similarity(E), atol=1e-14)
    assert np.all(C[2] == 0) and np.all(np.abs(C) <= 1)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), p=st.integers(2, 12), levels=st.integers(2, 5))
def test_top_n_from_similarity_matches_a_full_sort(seed, p, levels):
    """Against a plain Python sort by (−similarity, index): ties by the smaller index."""
    from cossim.linalg.similarity import top_n_from_similarity

    rng = np.random.default_rng(seed)
    S = rng.integers(0, levels, (p, p)).astype(float)  # few levels: many ties
    n = int(rng.integers(1, p))
    got = top_n_from_similarity(S, n)
    for i in range(p):
        want = sorted((j for j in range(p) if j != i), key=lambda j: (-S[i, j], j))[:n]
        assert list(got[i]) == want


def test_top_n_from_similarity_rows_and_blocks():
    from cossim.linalg.similarity import top_n_from_similarity

    rng = np.random.default_rng(4)
    B = rng.standard_normal((30, 3))
    S = cossim.cosine_similarity(B)
    full = top_n_from_similarity(S, 4)
    items = np.array([7, 2, 29])
    assert_array_equal(top_n_from_similarity(S[items], 4, self_index=items), full[items])
    block = top_n_from_similarity(S[10:20], 4, self_index=np.arange(10, 20))
    assert_array_equal(block, full[10:20])
    # the embedding route and the S route agree, ties included
    assert_array_equal(cossim.top_k_neighbours(B, 4), full)
    E = np.array([[1.0, 0.0], [1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    assert_array_equal(top_n_from_similarity(cossim.cosine_similarity(E), 2),
                       cossim.top_k_neighbours(E, 2))


@pytest.mark.parametrize("call, exc, msg", [
    (lambda f: f(np.ones((3, 4)), 1), ValueError, "S must be square"),
    (lambda f: f(np.ones((3, 3)), 3), ValueError, "n_neighbours must satisfy 1 <= n_neighbours <= 2"),
    (lambda f: f(np.ones((3, 3)), 1.0), TypeError, "n_neighbours must be an integer"),
    (lambda f: f(np.ones((2, 3)), 1, self_index=[0, 3]), ValueError, "self_index"),
])
def test_top_n_from_similarity_bad_input(call, exc, msg):
    from cossim.linalg.similarity import top_n_from_similarity

    with pytest.raises(exc, match=msg):
        call(top_n_from_similarity)


def test_neighbour_overlap_and_shared_neighbours():
    from cossim.linalg.similarity import neighbour_overlap, shared_neighbours

    N1 = np.array([[1, 2, 3], [0, 2, 3]])
    N2 = np.array([[3, 1, 0], [1, 2, 3]])
    assert_array_equal(shared_neighbours(N1, N2), [[True, False, True], [False, True, True]])
    assert_array_equal(neighbour_overlap(N1, N2), [2 / 3, 2 / 3])
    assert_array_equal(neighbour_overlap(N1, N1), [1.0, 1.0])
    with pytest.raises(ValueError, match="same shape"):
        neighbour_overlap(N1, N2[:, :2])


# ------------------------------------------- exact cases, boundaries (issue 13, mutation testing)

def test_inverse_norms_exact_values_any_input_dtype():
    """Ω = g^(-1/2) for g > 0, also for 0 < g < 1 and g = 1, and integer input gives float output."""
    from cossim.linalg.similarity import inverse_norms

    out = inverse_norms([4, 1, 0])  # integers: no truncation of 1/2 to 0
    assert out.dtype == np.float64
    assert_array_equal(out, [0.5, 1.0, 0.0])
    assert_array_equal(inverse_norms([0.25, 1.0, 0.0]), [2.0, 1.0, 0.0])


@pytest.mark.parametrize("sparse", [False, True])
def test_row_norms_by_hand(sparse):
    E = np.array([[3.0, 4.0], [0.0, 0.0], [-1.0, 0.0], [1.0, 1.0]])
    got = cossim.row_norms(sp.csr_matrix(E) if sparse else E)
    assert_allclose(got, [5.0, 0.0, 1.0, np.sqrt(2.0)], rtol=1e-15, atol=0)
    with pytest.raises(ValueError, match="E contains NaN"):
        cossim.row_norms(np.array([[np.nan, 1.0]]))


def test_cosine_from_gram_clips_rounding_both_ways_only_when_asked():
    """G = [[3, −3], [−3, 3]]: 3·(1/√3)² rounds to 1 + 2⁻⁵², so the unclipped cosines leave [−1, 1]
    by one rounding step, on both sides; clip=True (the default) brings them back exactly."""
    from cossim.linalg.similarity import cosine_from_gram

    G = np.array([[3.0, -3.0], [-3.0, 3.0]])
    raw = cosine_from_gram(G, clip=False)
    eps = np.finfo(float).eps
    assert_allclose(raw, [[1.0, -1.0], [-1.0, 1.0]], rtol=0, atol=2 * eps)
    assert raw[0, 0] > 1.0 and raw[0, 1] < -1.0  # IEEE: correctly rounded sqrt and division
    assert_array_equal(cosine_from_gram(G), [[1.0, -1.0], [-1.0, 1.0]])


def test_cosine_similarity_stays_in_the_closed_interval():
    """Rows e and −e, e = (1, 1, 1): the raw dot products of the unit rows round past ±1."""
    E = np.array([[1.0, 1.0, 1.0], [-1.0, -1.0, -1.0]])
    S = cossim.cosine_similarity(E)
    assert S.max() <= 1.0 and S.min() >= -1.0
    assert_allclose(S, [[1.0, -1.0], [-1.0, 1.0]], rtol=0, atol=2 * np.finfo(float).eps)
    S2 = cossim.cosine_similarity(E, -E)
    assert S2.max() <= 1.0 and S2.min() >= -1.0


@pytest.mark.parametrize("call, msg", [
    (lambda: cossim.user_item_cosine(np.ones((3, 4)), np.ones((5, 2)), np.ones((4, 2))), "A has 5 rows, expected 4"),
    (lambda: cossim.user_item_cosine(np.ones((3, 4)), np.ones((4, 2)), np.ones((3, 2))), "B has 3 rows, expected 4"),
    (lambda: cossim.user_item_cosine(np.ones((3, 4)), np.ones((4, 2)), np.ones((4, 3))),
     "B has 3 columns, expected 2"),
    (lambda: cossim.top_k_neighbours(np.ones(3)), "E must be 2-D"),
])
def test_user_item_and_neighbour_inputs_are_named(call, msg):
    with pytest.raises(ValueError, match=msg):
        call()


def _spy_blocks(monkeypatch):
    from cossim.linalg import similarity

    calls = []
    real = similarity._top_n_block

    def spy(En, En32, start, stop, n, margin):
        calls.append((start, stop))
        return real(En, En32, start, stop, n, margin)

    monkeypatch.setattr(similarity, "_top_n_block", spy)
    return calls


@pytest.mark.parametrize("entries, block", [(10, 1), (50, 2), (10_000, 23)])
def test_top_k_neighbours_default_blocks_follow_the_memory_budget(monkeypatch, entries, block):
    """Default block = max(1, min(p, TOPK_BLOCK_ENTRIES // p)) rows, consecutive, covering each row once."""
    from cossim.linalg import similarity

    monkeypatch.setattr(similarity, "TOPK_BLOCK_ENTRIES", entries)
    calls = _spy_blocks(monkeypatch)
    E = np.random.default_rng(5).standard_normal((23, 3))
    nn = cossim.top_k_neighbours(E, 4)
    starts = list(range(0, 23, block))
    assert calls == [(s, min(s + block, 23)) for s in starts]
    S = cossim.cosine_similarity(E)
    assert_array_equal(nn, similarity.top_n_from_similarity(S, 4))


def test_top_k_neighbours_given_block_size_is_used(monkeypatch):
    calls = _spy_blocks(monkeypatch)
    cossim.top_k_neighbours(np.random.default_rng(6).standard_normal((10, 2)), 3, block_size=4)
    assert calls == [(0, 4), (4, 8), (8, 10)]


def test_neighbour_lists_default_size_boundaries_and_dtype():
    """Default 10 neighbours; n = 1 and n = p − 1 are allowed; indices are int64."""
    from cossim.linalg.similarity import top_n_from_similarity

    rng = np.random.default_rng(7)
    E = rng.standard_normal((12, 3))
    S = cossim.cosine_similarity(E)
    full = np.argsort(-np.where(np.eye(12, dtype=bool), -np.inf, S), axis=1, kind="stable")[:, :11]
    for got in (cossim.top_k_neighbours(E), top_n_from_similarity(S)):
        assert got.dtype == np.int64 and got.shape == (12, 10)
        assert_array_equal(got, full[:, :10])
    for n in (1, 11):
        assert_array_equal(cossim.top_k_neighbours(E, n), full[:, :n])
        assert_array_equal(top_n_from_similarity(S, n), full[:, :n])
    with pytest.raises(ValueError, match="n_neighbours must satisfy 1 <= n_neighbours <= 11"):
        cossim.top_k_neighbours(E, 12)


def test_top_k_neighbours_exact_where_float32_misorders_near_ties():
    """200 nearly parallel rows: cosines within a few float32 steps of 1, so the float32 pass
    misorders neighbours; the float64 re-scoring of every candidate within the margin restores
    the exact order (the margin must cover the float32 error, or the true n-th is lost)."""
    rng = np.random.default_rng(11)
    E = rng.standard_normal(3) + 1e-3 * rng.standard_normal((200, 3))
    En = cossim.row_normalize(E)
    S = En @ En.T
    np.fill_diagonal(S, -np.inf)
    exact = np.argsort(-S, axis=1, kind="stable")[:, :5]
    En32 = En.astype(np.float32)
    S32 = En32 @ En32.T
    np.fill_diagonal(S32, -np.inf)
    assert np.any(np.argsort(-S32, axis=1, kind="stable")[:, :5] != exact)  # float32 alone is wrong
    assert_array_equal(cossim.top_k_neighbours(E, 5), exact)
    assert_array_equal(cossim.top_k_neighbours(E, 5, block_size=7), exact)


def test_most_similar_first_is_stable_on_long_rows_with_ties():
    """Rows of 300 values in three levels: ties go to the smaller index (an unstable sort fails)."""
    from cossim.linalg.similarity import top_n_from_similarity

    rng = np.random.default_rng(8)
    S = rng.integers(0, 3, (4, 300)).astype(float)
    got = top_n_from_similarity(S, 299, self_index=np.arange(4))
    for i in range(4):
        want = sorted((j for j in range(300) if j != i), key=lambda j: (-S[i, j], j))
        assert list(got[i]) == want


@pytest.mark.parametrize("self_index, msg", [
    ([0, 1, 2], "self_index must hold one column index in range\\(3\\) per row of S"),  # length m + 1
    ([[0], [1]], "self_index"),        # 2-D
    ([0.0, 1.0], "self_index"),        # not integers
    ([0, -1], "self_index"),           # below 0
    ([0, 3], "self_index"),            # = p
])
def test_top_n_from_similarity_self_index_boundaries(self_index, msg):
    from cossim.linalg.similarity import top_n_from_similarity

    S = np.arange(6.0).reshape(2, 3)
    with pytest.raises(ValueError, match=msg):
        top_n_from_similarity(S, 1, self_index=self_index)
    # the largest valid index, p − 1, is accepted
    assert_array_equal(top_n_from_similarity(S, 2, self_index=[2, 2]), [[1, 0], [1, 0]])


def test_top_n_from_similarity_rejects_sparse_and_names_it():
    from cossim.linalg.similarity import top_n_from_similarity

    with pytest.raises(TypeError, match="S must be a dense array"):
        top_n_from_similarity(sp.csr_matrix(np.eye(3)), 1)


def test_neighbour_overlap_rejects_one_dimensional_lists():
    from cossim.linalg.similarity import neighbour_overlap

    with pytest.raises(ValueError, match="N1 and N2 must be 2-D of the same shape"):
        neighbour_overlap(np.array([1, 2]), np.array([1, 2]))


def test_top_k_neighbours_rescores_only_the_near_candidates(monkeypatch):
    """Well-separated cosines: the float32 pass keeps exactly the n best of each row (the margin is a
    few float32 rounding steps, not a share of the row), so the float64 re-scoring stays O(n)."""
    from cossim.linalg import similarity

    widths = []
    real = similarity._most_similar_first
    monkeypatch.setattr(similarity, "_most_similar_first", lambda S: widths.append(S.shape[1]) or real(S))
    E = np.random.default_rng(12).standard_normal((50, 4))
    S = cossim.cosine_similarity(E)
    np.fill_diagonal(S, -np.inf)
    top4 = np.sort(S, axis=1)[:, -4:]
    assert np.min(np.diff(top4, axis=1)) > 1e-4  # no near ties among the 4 best of any row
    cossim.top_k_neighbours(E, 3, block_size=10)
    assert widths == [3] * 5


def test_top_k_neighbours_candidate_pass_is_float32_with_the_documented_margin(monkeypatch):
    """Each block gets the float64 unit rows, their float32 copy, and the margin 4·(k + 4)·2⁻²⁴."""
    from cossim.linalg import similarity

    seen = []
    real = similarity._top_n_block

    def spy(En, En32, start, stop, n, margin):
        seen.append((En.dtype, En32.dtype, margin))
        return real(En, En32, start, stop, n, margin)

    monkeypatch.setattr(similarity, "_top_n_block", spy)
    cossim.top_k_neighbours(np.random.default_rng(13).standard_normal((9, 5)), 2, block_size=4)
    assert seen == [(np.float64, np.float32, 4.0 * (5 + 4) * 2.0**-24)] * 3


def test_top_n_block_candidates_include_the_margin_boundary():
    """An entry whose float32 similarity is exactly t − margin is a candidate, one below it is not.

    Row 0's float32 similarities are 1, 0.5, 0.25 (n = 1: t = 1; margin 0.5: the cut is 0.5). Its
    float64 rows are made to disagree (scores 0, 0.5, 1), so the result shows which entries were
    re-scored: item 2, at the cut, beats item 1; item 3, below the cut, would beat both.
    """
    from cossim.linalg.similarity import _top_n_block

    En32 = np.array([[1.0, 0.0], [1.0, 0.0], [0.5, 0.0], [0.25, 0.0]], dtype=np.float32)
    En = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.0], [1.0, 0.0]])
    assert_array_equal(_top_n_block(En, En32, 0, 1, 1, 0.5), [[2]])


def test_nth_largest_other_equals_a_sort_of_each_row():
    """The rows done by their tied maxima and the rows partitioned, against a full sort."""
    from cossim.linalg.similarity import _nth_largest_other

    rng = np.random.default_rng(4)
    p = 50
    S = rng.integers(0, 4, (p, p)).astype(float)  # maxima tied many times in some rows
    S[::3] = rng.standard_normal((len(S[::3]), p))  # and a single maximum in others
    S[7, :] = 9.0  # a row whose largest entry is its own: excluded
    S[7, 8:] = 1.0
    off = np.where(np.eye(p, dtype=bool), -np.inf, S)
    for n in (1, 2, 6, 20, p - 1):
        assert_array_equal(_nth_largest_other(S, n), np.sort(off, axis=1)[:, p - n])


@pytest.mark.parametrize("seed", range(4))
def test_nearest_mask_marks_the_sets_of_top_n_from_similarity(seed):
    """The mask holds exactly the neighbour lists of top_n_from_similarity: rows of tied
    maxima, integer ties at the n-th value and continuous rows."""
    rng = np.random.default_rng(seed)
    p = 60
    for S in (rng.integers(0, 3, (p, p)).astype(float), rng.standard_normal((p, p)),
              np.ones((p, p))):
        for n in (1, 4, 17, p - 1):
            expected = np.zeros((p, p), dtype=bool)
            np.put_along_axis(expected, cossim.linalg.similarity.top_n_from_similarity(S, n), True, axis=1)
            assert_array_equal(cossim.nearest_mask(S, n), expected)


@pytest.mark.parametrize(("S", "n", "msg"), [
    (np.ones((3, 4)), 1, r"^S must be square \(items × items\), got shape \(3, 4\)$"),
    (np.full((3, 3), np.nan), 1, "^S contains NaN or inf$"),
    (np.eye(3), 3, "^n_neighbours must satisfy"),
    (np.eye(3), 0, "^n_neighbours must satisfy"),
])
def test_nearest_mask_bad_input(S, n, msg):
    with pytest.raises(ValueError, match=msg):
        cossim.nearest_mask(S, n)
