"""Tests of cossim.beyond.negative_sampling: propensity weights, SGNS, popularity bias."""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose
from scipy.special import log_expit

import cossim
from cossim._validation import InvalidType, InvalidValue
from cossim.beyond import negative_sampling as ns


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
    (lambda s: ns.fit_sgns(s[2], s[3], 0), InvalidValue),
    (lambda s: ns.popularity_bias(np.eye(3), [1.0, 2.0]), InvalidValue),
    (lambda s: ns.popularity_bias(np.eye(3), [1.0, 2.0, 3.0], top_share=0.0), InvalidValue),
])
def test_bad_input(small, call, error):
    with pytest.raises(error):
        call(small)
