"""Tests of cossim.beyond.negative_sampling: propensity weights, SGNS, popularity bias."""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose
from scipy.special import log_expit

import cossim
from cossim._validation import InvalidType, InvalidValue
from cossim.beyond import negative_sampling as ns
from cossim.linalg.similarity import top_n_from_similarity


@pytest.fixture(scope="module")
def small():
    rng = np.random.default_rng(0)
    X = (rng.random((60, 9)) < np.linspace(0.1, 0.7, 9)).astype(float)
    G = X.T @ X
    C = ns.cooccurrence(G)
    q = ns.negative_distribution(X, 0.75)
    A, B = 0.4 * rng.standard_normal((2, 9, 3))
    return X, G, C, q, A, B


def test_activity_weights_exact():
    X = np.array([[1, 0, 0], [1, 1, 0], [1, 1, 1], [0, 0, 0]], dtype=float)
    assert_allclose(ns.activity_weights(X, 1.0), [2.0, 1.0, 2.0 / 3.0, 0.0], rtol=1e-15)
    assert_allclose(ns.activity_weights(X, 0.0), [1.0, 1.0, 1.0, 0.0])
    assert_allclose(ns.activity_weights(sp.csr_matrix(X), 0.5), [2 ** 0.5, 1.0, (2 / 3) ** 0.5, 0.0])


def test_user_ips_equalises_each_users_total_weight(small):
    X = small[0]
    w = ns.activity_weights(X, 1.0)
    totals = w * X.sum(axis=1)
    active = X.sum(axis=1) > 0
    assert_allclose(totals[active], X.sum(axis=1)[active].mean(), rtol=1e-13)


def test_debiased_gram_matches_the_explicit_product(small):
    X, G = small[:2]
    wu = ns.activity_weights(X, 1.0)
    wi = cossim.propensity_weights(X, 1.0)
    expected = np.diag(wi) @ X.T @ np.diag(wu) @ X @ np.diag(wi)
    assert_allclose(ns.debiased_gram(X, 1.0, 1.0), expected, rtol=1e-12)
    assert_allclose(ns.debiased_gram(sp.csr_matrix(X), 1.0, 1.0), expected, rtol=1e-12)
    assert_allclose(ns.debiased_gram(X), G, rtol=1e-14)


def test_negative_distribution_exponents():
    X = np.array([[1, 1, 0, 0], [1, 1, 0, 0], [1, 0, 1, 0]], dtype=float)   # counts 3, 2, 1, 0 → floor 1
    assert_allclose(ns.negative_distribution(X, 0.0), np.full(4, 0.25))
    assert_allclose(ns.negative_distribution(X, 1.0), np.array([3, 2, 1, 1]) / 7)
    c = np.array([3, 2, 1, 1]) ** 0.75
    assert_allclose(ns.negative_distribution(X, 0.75), c / c.sum(), rtol=1e-14)


def test_cooccurrence_is_the_normalised_off_diagonal(small):
    G = small[1]
    C = ns.cooccurrence(G)
    assert np.all(np.diag(C) == 0) and C.sum() == pytest.approx(1.0, abs=1e-15)
    off = G - np.diag(np.diag(G))
    assert_allclose(C, off / off.sum(), rtol=1e-14)
    with pytest.raises(InvalidValue):
        ns.cooccurrence(-G)
    with pytest.raises(InvalidValue):
        ns.cooccurrence(np.diag([1.0, 2.0]))


def _brute_objective(C, q, A, B, n_neg, lam):
    S = A @ B.T
    c = C.sum(axis=1)
    total = 0.0
    for i in range(C.shape[0]):
        for j in range(C.shape[0]):
            total -= C[i, j] * np.log(1 / (1 + np.exp(-S[i, j])))
            total -= n_neg * c[i] * q[j] * np.log(1 / (1 + np.exp(S[i, j])))
    return total + lam * (np.sum(A**2) + np.sum(B**2))


def test_objective_matches_a_loop(small):
    _, _, C, q, A, B = small
    assert_allclose(ns.sgns_objective(C, q, A, B, 5, 0.3), _brute_objective(C, q, A, B, 5, 0.3), rtol=1e-13)


@pytest.mark.parametrize("lam", [0.0, 0.05])
def test_gradient_matches_finite_differences(small, lam):
    _, _, C, q, A, B = small
    gA, gB = ns.sgns_gradient(C, q, A, B, 5, lam)
    rng = np.random.default_rng(1)
    for _ in range(3):
        EA, EB = rng.standard_normal((2,) + A.shape)
        h = 1e-6
        fd = (ns.sgns_objective(C, q, A + h * EA, B + h * EB, 5, lam)
              - ns.sgns_objective(C, q, A - h * EA, B - h * EB, 5, lam)) / (2 * h)
        assert_allclose(np.sum(gA * EA) + np.sum(gB * EB), fd, rtol=1e-7, atol=1e-9)


def test_rescaling_is_free_without_decay_and_not_with_it(small):
    _, _, C, q, A, B = small
    d = np.array([0.5, 2.0, 3.0])
    f0 = ns.sgns_objective(C, q, A, B, 5, 0.0)
    assert abs(ns.sgns_objective(C, q, A * d, B / d, 5, 0.0) - f0) <= 1e-14 * abs(f0)
    f1 = ns.sgns_objective(C, q, A, B, 5, 0.1)
    assert abs(ns.sgns_objective(C, q, A * d, B / d, 5, 0.1) - f1) > 1e-3 * f1


def test_pair_losses_exact():
    A = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    B = np.array([[0.5, 0.0], [0.0, 1.0], [-1.0, 1.0]])
    pairs = np.array([[0, 1], [2, 0]])
    negatives = np.array([[2, 2], [1, 0]])
    expected = [-(log_expit(0.0) + 2 * log_expit(1.0)),
                -(log_expit(0.5) + log_expit(-1.0) + log_expit(-0.5))]
    assert_allclose(ns.sgns_pair_losses(A, B, pairs, negatives), expected, rtol=1e-15)
    assert ns.sgns_sampled_loss(A, B, pairs, negatives, 0.1) == pytest.approx(
        np.mean(expected) + 0.1 * (np.sum(A**2) + np.sum(B**2)), rel=1e-15)


def test_sampled_loss_is_unbiased_for_the_objective(small):
    _, _, C, q, A, B = small
    rng = np.random.default_rng(5)
    m = 200_000
    pairs = ns.sample_pairs(C, m, rng)
    negatives = rng.choice(C.shape[0], size=(m, 5), p=q)
    losses = ns.sgns_pair_losses(A, B, pairs, negatives)
    se = losses.std(ddof=1) / np.sqrt(m)
    assert abs(losses.mean() - ns.sgns_objective(C, q, A, B, 5, 0.0)) < 4 * se
    # negatives drawn uniformly instead of ∝ q: far off
    wrong = ns.sgns_pair_losses(A, B, pairs, rng.choice(C.shape[0], size=(m, 5)))
    assert abs(wrong.mean() - ns.sgns_objective(C, q, A, B, 5, 0.0)) > 10 * se


def test_sample_pairs_follow_c(small):
    C = small[2]
    pairs = ns.sample_pairs(C, 100_000, np.random.default_rng(0))
    counts = np.zeros_like(C)
    np.add.at(counts, (pairs[:, 0], pairs[:, 1]), 1)
    assert np.all(counts[C == 0] == 0)
    assert_allclose(counts / 100_000, C, atol=5 * np.sqrt(C.max() / 100_000))


def test_fit_decreases_and_is_deterministic(small):
    _, _, C, q, _, _ = small
    m1 = ns.fit_sgns(C, q, 3, max_iter=200, lam=1e-3)
    m2 = ns.fit_sgns(C, q, 3, max_iter=200, lam=1e-3)
    assert_allclose(m1.A, m2.A) and m1.info.objective == m2.info.objective
    start = ns._pmi_start(C, q, 3, 5)
    assert m1.info.objective < ns.sgns_objective(C, q, *start, 5, 1e-3)
    assert m1.info.objective == pytest.approx(ns.sgns_objective(C, q, m1.A, m1.B, 5, 1e-3), rel=1e-14)
    gA, gB = ns.sgns_gradient(C, q, m1.A, m1.B, 5, 1e-3)
    assert max(np.abs(gA).max(), np.abs(gB).max()) < 1e-6
    rand = ns.fit_sgns(C, q, 3, init="random", seed=1, max_iter=400, lam=1e-3)
    assert rand.info.objective == pytest.approx(m1.info.objective, rel=1e-6)


def test_pmi_start_is_the_entrywise_minimiser_at_full_rank(small):
    _, _, C, q, _, _ = small
    p = C.shape[0]
    A, B = ns._pmi_start(C, q, p, 5)
    S = A @ B.T
    ratio = C / (5 * np.outer(C.sum(axis=1), q))
    pos = ratio > 0
    assert_allclose(S[pos], np.log(ratio[pos]), atol=1e-10)
    # the derivative of the expected loss in s_ij vanishes there (where C_ij > 0)
    dS = 5 * np.outer(C.sum(axis=1), q) / (1 + np.exp(-S)) - C / (1 + np.exp(S))
    assert np.abs(dS[pos]).max() < 1e-14


def test_popularity_bias_exact():
    pop = np.arange(10, 0, -1, dtype=float)           # item 0 most popular
    S = np.tile(pop, (10, 1))                          # every item prefers the popular ones
    # head = items 0, 1; their 2 neighbours: the other head item and item 2 → ½; the rest → 1
    assert ns.popularity_bias(S, pop, n_neighbours=2, top_share=0.2) == pytest.approx(0.9)
    assert ns.popularity_bias(-S, pop, n_neighbours=2, top_share=0.2) == pytest.approx(0.0)


@pytest.mark.parametrize("call, error", [
    (lambda s: ns.activity_weights(np.zeros((2, 3))), InvalidValue),
    (lambda s: ns.activity_weights(s[0], -1.0), InvalidValue),
    (lambda s: ns.negative_distribution(s[0], "3/4"), InvalidType),
    (lambda s: ns.sgns_objective(s[2], s[3][:-1], s[4], s[5]), InvalidValue),
    (lambda s: ns.sgns_objective(s[2], s[3] * 2, s[4], s[5]), InvalidValue),
    (lambda s: ns.sgns_objective(s[2], s[3], s[4], s[5][:, :2]), InvalidValue),
    (lambda s: ns.sgns_objective(s[2], s[3], s[4], s[5], n_neg=0), InvalidValue),
    (lambda s: ns.sgns_objective(s[2], s[3], s[4], s[5], lam=-1.0), InvalidValue),
    (lambda s: ns.sample_pairs(s[2], 10, 0), InvalidType),
    (lambda s: ns.sgns_pair_losses(s[4], s[5], np.array([[0, 99]]), np.array([[0]])), InvalidValue),
    (lambda s: ns.sgns_pair_losses(s[4], s[5], np.array([[0.0, 1.0]]), np.array([[0]])), InvalidType),
    (lambda s: ns.fit_sgns(s[2], s[3], 3, init="zeros"), InvalidValue),
    (lambda s: ns.fit_sgns(s[2], s[3], 2, init=(s[4], s[5])), InvalidValue),
    (lambda s: ns.fit_sgns(s[2][:, :5], s[3], 2), InvalidValue),
    (lambda s: ns.fit_sgns(s[2], s[3], 0), InvalidValue),
    (lambda s: ns.popularity_bias(np.eye(3), [1.0, 2.0]), InvalidValue),
    (lambda s: ns.popularity_bias(np.eye(3), [1.0, 2.0, 3.0], top_share=0.0), InvalidValue),
])
def test_bad_input(small, call, error):
    with pytest.raises(error):
        call(small)


# ---- issue 13: asymmetric C, defaults, boundaries and exact small cases

def _asymmetric(p=5, k=2, seed=3):
    """An asymmetric positive-pair distribution (row sums ≠ column sums) and factors."""
    rng = np.random.default_rng(seed)
    C = rng.random((p, p)) ** 3
    np.fill_diagonal(C, 0.0)
    C /= C.sum()
    q = rng.random(p)
    A, B = 0.5 * rng.standard_normal((2, p, k))
    return C, q / q.sum(), A, B


def test_objective_and_gradient_with_an_asymmetric_c():
    """The negatives of pair (i, j) are weighted by i's row sum c_i = Σ_j C_ij, not the column sum."""
    C, q, A, B = _asymmetric()
    assert np.abs(C.sum(axis=1) - C.sum(axis=0)).max() > 0.05
    assert_allclose(ns.sgns_objective(C, q, A, B, 3, 0.2), _brute_objective(C, q, A, B, 3, 0.2), rtol=1e-13)
    gA, gB = ns.sgns_gradient(C, q, A, B, 3, 0.2)
    EA, EB = np.random.default_rng(0).standard_normal((2,) + A.shape)
    h = 1e-6
    fd = (ns.sgns_objective(C, q, A + h * EA, B + h * EB, 3, 0.2)
          - ns.sgns_objective(C, q, A - h * EA, B - h * EB, 3, 0.2)) / (2 * h)
    assert_allclose(np.sum(gA * EA) + np.sum(gB * EB), fd, rtol=1e-7)
    # the shifted PMI of the start uses the same c_i
    A0, B0 = ns._pmi_start(C, q, 5, 3)
    ratio = C / (3 * np.outer(C.sum(axis=1), q))
    off = ~np.eye(5, dtype=bool)
    assert_allclose((A0 @ B0.T)[off], np.log(ratio[off]), atol=1e-10)


def test_defaults_are_five_negatives_and_no_decay(small):
    _, _, C, q, A, B = small
    assert ns.sgns_objective(C, q, A, B) == ns.sgns_objective(C, q, A, B, 5, 0.0)
    for g, ref in zip(ns.sgns_gradient(C, q, A, B), ns.sgns_gradient(C, q, A, B, 5, 0.0)):
        assert np.array_equal(g, ref)
    pairs, negatives = np.array([[0, 1]]), np.array([[2]])
    assert ns.sgns_sampled_loss(A, B, pairs, negatives) == ns.sgns_pair_losses(A, B, pairs, negatives)[0]
    default = ns.fit_sgns(C, q, 3)
    explicit = ns.fit_sgns(C, q, 3, n_neg=5, lam=1e-6, init="pmi", max_iter=100, tol=1e-13)
    assert np.array_equal(default.A, explicit.A) and default.info == explicit.info
    assert default.info.n_iter == 100                   # the iteration limit binds here
    assert ns.fit_sgns(C, q, 3, n_neg=4).info.objective != default.info.objective
    assert ns.fit_sgns(C, q, 3, lam=1e-3).info.objective != default.info.objective


def test_random_start_is_a_seeded_gaussian_of_std_0_1(small):
    _, _, C, q, _, _ = small
    A0, B0 = 0.1 * np.random.default_rng(0).standard_normal((2, 9, 3))
    for kwargs in ({}, {"seed": 0}):
        rand = ns.fit_sgns(C, q, 3, init="random", max_iter=1, **kwargs)
        pair = ns.fit_sgns(C, q, 3, init=(A0, B0), max_iter=1)
        assert np.array_equal(rand.A, pair.A) and np.array_equal(rand.B, pair.B)
    pmi = ns.fit_sgns(C, q, 3, max_iter=1)
    assert not np.allclose(pmi.A, ns.fit_sgns(C, q, 3, init="random", max_iter=1).A)
    assert pmi.info.n_iter == 1
    with pytest.raises(InvalidValue, match="max_iter"):
        ns.fit_sgns(C, q, 3, max_iter=0)
    with pytest.raises(InvalidValue, match="tol"):
        ns.fit_sgns(C, q, 3, tol=-1.0)
    with pytest.raises(InvalidValue, match="init"):
        ns.fit_sgns(C, q, 3, init=(A0,))
    with pytest.raises(InvalidValue, match="init"):
        ns.fit_sgns(C, q, 3, init=[A0, B0])


def test_pmi_start_is_the_truncated_svd_of_the_shifted_pmi(small):
    """For k < p: A Bᵀ is the best rank-k approximation of the shifted PMI, A and B share √σ."""
    _, _, C, q, _, _ = small
    p = C.shape[0]
    ratio = C / (5 * np.outer(C.sum(axis=1), q))
    S = np.where(ratio > 0, np.log(np.where(ratio > 0, ratio, 1.0)), np.log(ratio[ratio > 0].min()))
    U, s, Vt = np.linalg.svd(S)
    for k in (2, p - 2, p - 1):
        A, B = ns._pmi_start(C, q, k, 5)
        assert A.shape == B.shape == (p, k)
        assert_allclose(A @ B.T, (U[:, :k] * s[:k]) @ Vt[:k], atol=1e-10)
        assert_allclose(np.linalg.norm(A, axis=0), np.sqrt(s[:k]), rtol=1e-10)
        assert_allclose(np.linalg.norm(B, axis=0), np.sqrt(s[:k]), rtol=1e-10)


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # 0/0 in the PMI
def test_pmi_start_without_positive_pairs_is_zero():
    A, B = ns._pmi_start(np.zeros((4, 4)), np.full(4, 0.25), 3, 5)
    assert np.all(A @ B.T == 0)


def test_negative_distribution_does_not_overflow_for_a_large_beta():
    X = np.array([[1, 1, 0], [1, 1, 0], [1, 0, 1]], dtype=float)    # counts 3, 2, 1
    q = ns.negative_distribution(X, 400.0)                            # 3⁴⁰⁰ · 3⁴⁰⁰ would overflow
    assert_allclose(q, np.array([1.0, (2 / 3) ** 400, (1 / 3) ** 400]) / (1 + (2 / 3) ** 400 + (1 / 3) ** 400),
                    rtol=1e-12, atol=0)
    assert_allclose(ns.negative_distribution(sp.csr_matrix(X), -1.0), np.array([2, 3, 6]) / 11, rtol=1e-14)


def test_cooccurrence_accepts_zero_off_diagonal_entries():
    G = np.array([[2.0, 0.0, 1.0], [0.0, 1.0, 3.0], [1.0, 3.0, 5.0]])
    assert_allclose(ns.cooccurrence(G), np.array([[0, 0, 1], [0, 0, 3], [1, 3, 0]]) / 8, rtol=1e-15)
    with pytest.raises(InvalidValue, match="^G must be square"):
        ns.cooccurrence(np.ones((2, 3)))
    with pytest.raises(InvalidType, match="^G must be a dense array"):
        ns.cooccurrence(sp.csr_matrix(G))
    with pytest.raises(InvalidValue, match="G must be non-negative"):
        ns.cooccurrence(G - np.eye(3) * 1.5)                          # one negative diagonal entry
    with pytest.raises(InvalidValue, match="no off-diagonal mass"):
        ns.cooccurrence(np.diag([1.0, 2.0]))
    # off-diagonal mass below 1 is mass: C is normalised to sum 1
    small_mass = np.array([[1.0, 0.25], [0.25, 1.0]])
    assert_allclose(ns.cooccurrence(small_mass), [[0.0, 0.5], [0.5, 0.0]], rtol=1e-15)


def test_q_and_n_neg_are_checked(small):
    _, _, C, q, A, B = small
    with pytest.raises(InvalidValue, match="^q must be a 1-D array of at least 9"):
        ns.sgns_objective(C, q[:-1] / q[:-1].sum(), A, B)
    negative = q.copy()
    negative[:2] += [0.5, -0.5]
    with pytest.raises(InvalidValue, match="^q must be finite and non-negative"):
        ns.sgns_objective(C, negative, A, B)
    with pytest.raises(InvalidValue, match="^C must be square"):
        ns.sgns_objective(C[:, :8], q, A, B)
    with pytest.raises(InvalidValue, match="^A has 8 rows, expected 9"):
        ns.sgns_objective(C, q, A[:8], B)
    with pytest.raises(InvalidValue, match="^A has 10 rows, expected 9"):
        ns.sgns_objective(C, q, np.vstack([A, A[:1]]), B)
    with pytest.raises(InvalidValue, match="^B has 10 rows, expected 9"):
        ns.sgns_objective(C, q, A, np.vstack([B, B[:1]]))
    with pytest.raises(InvalidValue, match="^B has 2 columns, expected 3"):
        ns.sgns_gradient(C, q, A, B[:, :2])
    with pytest.raises(InvalidValue, match="^n_neg must satisfy"):
        ns.sgns_objective(C, q, A, B, n_neg=0)
    with pytest.raises(InvalidValue, match="probability vector"):
        ns.sgns_objective(C, np.append(q, 0.0), A, B)                  # one entry too many, sum 1
    with pytest.raises(InvalidValue, match="probability vector"):
        ns.sgns_objective(C, q * (1 + 1e-8), A, B)
    assert ns.sgns_objective(C, q * (1 + 1e-12), A, B) == pytest.approx(ns.sgns_objective(C, q, A, B), rel=1e-11)
    assert np.isfinite(ns.sgns_objective(C, q, A, B, n_neg=1e-3))


def test_sample_pairs_is_one_categorical_draw(small):
    C = small[2]
    pairs = ns.sample_pairs(C, 7, np.random.default_rng(9))
    flat = np.random.default_rng(9).choice(C.size, size=7, p=C.ravel() / C.sum())
    assert pairs.shape == (7, 2)
    assert np.array_equal(pairs, np.column_stack([flat // C.shape[0], flat % C.shape[0]]))
    assert ns.sample_pairs(C, 1, np.random.default_rng(0)).shape == (1, 2)
    # C need not sum to 1: the draw is ∝ C
    assert np.array_equal(ns.sample_pairs(3.0 * C, 7, np.random.default_rng(9)), pairs)
    with pytest.raises(InvalidValue, match="^n_pairs must satisfy"):
        ns.sample_pairs(C, 0, np.random.default_rng(0))
    with pytest.raises(InvalidType, match="rng must be a numpy.random.Generator"):
        ns.sample_pairs(C, 3, 0)
    with pytest.raises(InvalidValue, match="^C must be square"):
        ns.sample_pairs(C[:, :5], 3, np.random.default_rng(0))


@pytest.mark.parametrize("pairs, negatives, error, match", [
    (np.array([0, 1]), np.array([[2]]), InvalidValue, "pairs must be"),
    (np.array([[0, 1, 2]]), np.array([[2]]), InvalidValue, "pairs must be"),
    (np.array([[0, 1]]), np.array([2]), InvalidValue, "pairs must be"),
    (np.array([[0, 1]]), np.array([[2], [1]]), InvalidValue, "pairs must be"),
    (np.zeros((0, 2), dtype=int), np.zeros((0, 1), dtype=int), InvalidValue, "m >= 1"),
    (np.array([[0, -1]]), np.array([[2]]), InvalidValue, "^pairs holds"),
    (np.array([[0, 3]]), np.array([[2]]), InvalidValue, "^pairs holds"),
    (np.array([[0, 1]]), np.array([[3]]), InvalidValue, "^negatives holds"),
    (np.array([[0, 1]]), np.array([[-1]]), InvalidValue, "^negatives holds"),
    (np.array([[0, 1]]), np.array([[1.0]]), InvalidType, "^negatives must hold integer"),
    (np.array([[0.0, 1.0]]), np.array([[1]]), InvalidType, "^pairs must hold integer"),
])
def test_pair_losses_input_is_checked(pairs, negatives, error, match):
    A = B = np.ones((3, 2))
    with pytest.raises(error, match=match):
        ns.sgns_pair_losses(A, B, pairs, negatives)


def test_pair_losses_without_negatives_and_at_the_last_item():
    A = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    B = np.array([[0.5, 0.0], [0.0, 1.0], [-1.0, 1.0]])
    none = ns.sgns_pair_losses(A, B, np.array([[2, 2]]), np.zeros((1, 0), dtype=int))
    assert_allclose(none, [-log_expit(0.0)], rtol=1e-15)
    last = ns.sgns_pair_losses(A, B, np.array([[1, 2]]), np.array([[2, 0]]))
    assert_allclose(last, [-(log_expit(2.0) + log_expit(-2.0) + log_expit(0.0))], rtol=1e-15)


def test_popularity_bias_rounds_the_head_up_and_breaks_ties_by_index():
    pop = np.arange(10, 0, -1, dtype=float)
    S = np.tile(pop, (10, 1))
    # top_share 0.15 of 10 items: a head of ⌈1.5⌉ = 2 items, as for 0.2
    assert ns.popularity_bias(S, pop, n_neighbours=2, top_share=0.15) == pytest.approx(0.9)
    assert ns.popularity_bias(S, pop, n_neighbours=2, top_share=1.0) == 1.0
    # defaults: 10 neighbours, a head of ⌈0.1 · 20⌉ = 2; each item's 10 most similar include both
    # head items except for the head items themselves (each has 1 of the other)
    pop20 = np.arange(20, 0, -1, dtype=float)
    S20 = np.tile(pop20, (20, 1))
    assert ns.popularity_bias(S20, pop20) == pytest.approx((18 * 2 + 2 * 1) / 200)
    # tied popularity: the head is the smaller indices
    tied = np.ones(10)
    assert ns.popularity_bias(S, tied, n_neighbours=2, top_share=0.2) == pytest.approx(0.9)
    with pytest.raises(InvalidValue, match="popularity has 11 entries, expected 10"):
        ns.popularity_bias(S, np.ones(11))
    with pytest.raises(InvalidValue, match="^popularity must be a 1-D array of at least 10"):
        ns.popularity_bias(S, np.ones(9))
    # ties among more than 16 items: the head is still the smallest indices (a stable sort)
    rng = np.random.default_rng(1)                    # (an unstable sort picks other tied items here)
    pop40 = rng.integers(0, 3, 40).astype(float)
    S40 = rng.standard_normal((40, 40))
    head = np.zeros(40, dtype=bool)
    head[sorted(range(40), key=lambda i: (-pop40[i], i))[:8]] = True
    top = np.argsort(-(S40 - 1e9 * np.eye(40)), axis=1, kind="stable")[:, :5]
    assert ns.popularity_bias(S40, pop40, n_neighbours=5, top_share=0.2) == pytest.approx(head[top].mean(), rel=1e-15)
    with pytest.raises(InvalidValue, match="^top_share must satisfy"):
        ns.popularity_bias(S, pop, n_neighbours=2, top_share=1.01)
    with pytest.raises(InvalidValue, match="^top_share must satisfy"):
        ns.popularity_bias(S, pop, n_neighbours=2, top_share=0.0)


def test_activity_weights_default_power_and_messages():
    X = np.array([[1, 0, 0], [1, 1, 0], [1, 1, 1], [0, 0, 0]], dtype=float)
    assert np.array_equal(ns.activity_weights(X), ns.activity_weights(X, 1.0))
    with pytest.raises(InvalidValue, match="X has no non-zero entry"):
        ns.activity_weights(np.zeros((2, 3)))
    with pytest.raises(InvalidType, match="^beta must be a real number"):
        ns.negative_distribution(X, "3/4")


def test_fit_sgns_messages(small):
    _, _, C, q, A, B = small
    with pytest.raises(InvalidValue, match="^init has 3 columns, expected k=2"):
        ns.fit_sgns(C, q, 2, init=(A, B))
    with pytest.raises(InvalidValue, match="^A has 8 rows, expected 9"):
        ns.fit_sgns(C, q, 3, init=(A[:8], B[:8]))
    with pytest.raises(InvalidType, match="^C must be a dense array"):
        ns.fit_sgns(sp.csr_matrix(C), q, 3)
    with pytest.raises(InvalidValue, match="^C must be square"):
        ns.fit_sgns(C[:, :5], q, 2)
    with pytest.raises(InvalidValue, match="^n_neg must satisfy"):
        ns.fit_sgns(C, q, 2, n_neg=0.0)
    with pytest.raises(InvalidValue, match="^q must be finite and non-negative"):
        ns.fit_sgns(C, -q, 2)
    with pytest.raises(InvalidValue, match="^k must"):
        ns.fit_sgns(C, q, 10)


def test_pmi_start_solver_by_rank(small):
    """k < p − 1: ARPACK (svds) from the constant unit start; k ≥ p − 1: LAPACK's dense SVD."""
    import scipy.sparse.linalg

    _, _, C, q, _, _ = small
    p = C.shape[0]
    ratio = C / (5 * np.outer(C.sum(axis=1), q))
    positive = ratio > 0
    S = np.full(C.shape, np.log(ratio[positive].min()))
    S[positive] = np.log(ratio[positive])
    k = p - 2
    U, s, Vt = scipy.sparse.linalg.svds(S, k=k, v0=np.full(p, 1.0 / np.sqrt(p)))
    order = np.argsort(s)[::-1]
    A, B = ns._pmi_start(C, q, k, 5)
    assert np.array_equal(A, U[:, order] * np.sqrt(s[order])) and np.array_equal(B, Vt[order].T * np.sqrt(s[order]))
    U, s, Vt = np.linalg.svd(S)
    for k in (p - 1, p):
        A, B = ns._pmi_start(C, q, k, 5)
        assert np.array_equal(A, U[:, :k] * np.sqrt(s[:k])) and np.array_equal(B, Vt[:k].T * np.sqrt(s[:k]))


def test_pair_losses_factor_checks():
    A = B = np.ones((3, 2))
    pairs, negatives = np.array([[0, 1]]), np.array([[2]])
    with pytest.raises(InvalidValue, match="^B has 4 rows, expected 3"):
        ns.sgns_pair_losses(A, np.ones((4, 2)), pairs, negatives)
    with pytest.raises(InvalidValue, match="^B has 3 columns, expected 2"):
        ns.sgns_sampled_loss(A, np.ones((3, 3)), pairs, negatives)
    with pytest.raises(InvalidType, match="^A must be a dense array"):
        ns.sgns_pair_losses(sp.csr_matrix(A), B, pairs, negatives)
    with pytest.raises(InvalidType, match="^B must be a dense array"):
        ns.sgns_pair_losses(A, sp.csr_matrix(B), pairs, negatives)


@pytest.mark.parametrize("ties", [False, True])
def test_popularity_bias_equals_the_mean_over_sorted_neighbour_lists_exactly(ties):
    # the partition-based count must give every bit of the plain definition: the head share of
    # the lists of top_n_from_similarity (stable sort, ties by the smaller index)
    rng = np.random.default_rng(5)
    for _ in range(40):
        p = int(rng.integers(3, 40))
        S = rng.standard_normal((p, p))
        S = np.round(S) if ties else S
        pop = rng.integers(0, 4, p).astype(float)
        n, share = int(rng.integers(1, p)), float(rng.uniform(0.05, 1.0))
        head = np.isin(np.arange(p), np.argsort(-pop, stable=True)[:int(np.ceil(share * p))])
        plain = float(head[top_n_from_similarity(S, n)].mean())
        assert ns.popularity_bias(S, pop, n, share) == plain


def test_popularity_bias_rejects_a_bad_neighbour_count():
    with pytest.raises(InvalidValue, match="n_neighbours"):
        ns.popularity_bias(np.eye(3), [1.0, 2.0, 3.0], n_neighbours=3)
