"""Tests of cossim.beyond.retrieval: hold-out split, recall@n, dot against cosine."""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose

import cossim
from cossim._validation import InvalidValue
from cossim.beyond import retrieval as rt


@pytest.fixture(scope="module")
def data():
    return cossim.simulate(400, 40, 3, seed=0).X


def test_holdout_split_partitions_every_user(data):
    train, test = rt.holdout_split(data, 0.25, seed=3)
    X = (data != 0).astype(float)
    assert (train + test != X).nnz == 0 and train.multiply(test).nnz == 0
    m = np.diff(X.tocsr().indptr)
    held = np.asarray(test.sum(axis=1)).ravel()
    expected = np.where(m >= 2, np.clip(np.rint(0.25 * m), 1, m - 1), 0)
    assert_allclose(held, expected)
    again = rt.holdout_split(data, 0.25, seed=3)[1]
    assert (again != test).nnz == 0
    assert (rt.holdout_split(data, 0.25, seed=4)[1] != test).nnz > 0


def test_recall_exact_small_case():
    train = sp.csr_matrix(np.array([[1, 0, 0, 0], [0, 1, 0, 0]], dtype=float))
    test = sp.csr_matrix(np.array([[0, 1, 1, 0], [0, 0, 0, 1]], dtype=float))
    U = np.array([[1.0], [1.0]])
    B = np.array([[9.0], [3.0], [1.0], [2.0]])       # dot ranks items 0 > 1 > 3 > 2
    # user 0: item 0 is training, top-2 = {1, 3}: 1 hit of min(2, 2) → ½; user 1: top-2 = {0, 3} → 1
    assert rt.recall_at_k(train, test, U, B, 2) == pytest.approx(0.75)
    assert_allclose(rt.recall_at_k(train, test, U, B, 2, per_user=True), [0.5, 1.0])


def test_cosine_ranks_like_the_dot_product_of_normalised_items(data):
    train, test = rt.holdout_split(data, 0.2, seed=0)
    fit = cossim.fit_eq1(train, 4, 200.0)
    U = np.asarray(train @ fit.A)
    Bn = fit.B / np.linalg.norm(fit.B, axis=1, keepdims=True)
    assert_allclose(rt.recall_at_k(train, test, U, fit.B, 5, score="cosine", per_user=True),
                    rt.recall_at_k(train, test, 3.0 * U, Bn, 5, score="dot", per_user=True))
    # the dot product is the same for every rescaling D; the cosine is not
    d = np.array([0.2, 1.0, 3.0, 5.0])
    assert rt.recall_at_k(train, test, U * d, fit.B / d, 5) == rt.recall_at_k(train, test, U, fit.B, 5)
    assert rt.recall_at_k(train, test, U * d, fit.B / d, 5, score="cosine") != pytest.approx(
        rt.recall_at_k(train, test, U, fit.B, 5, score="cosine"), abs=1e-6)


def test_item_similarity():
    B = np.array([[3.0, 0.0], [1.0, 1.0]])
    assert_allclose(rt.item_similarity(B, "dot"), [[9.0, 3.0], [3.0, 2.0]])
    assert_allclose(rt.item_similarity(B), [[1.0, 2 ** -0.5], [2 ** -0.5, 1.0]])


@pytest.mark.parametrize("call", [
    lambda X: rt.holdout_split(X, 0.0),
    lambda X: rt.holdout_split(X, 1.5),
    lambda X: rt.item_similarity(np.ones((3, 2)), "angle"),
    lambda X: rt.recall_at_k(X, X[:10], np.ones((400, 2)), np.ones((40, 2))),
    lambda X: rt.recall_at_k(X, X, np.ones((400, 2)), np.ones((40, 3))),
    lambda X: rt.recall_at_k(X, X, np.ones((400, 2)), np.ones((40, 2)), 40),
    lambda X: rt.recall_at_k(X, 0 * X, np.ones((400, 2)), np.ones((40, 2))),
])
def test_bad_input(data, call):
    with pytest.raises(InvalidValue):
        call(data)


def test_block_recall_overwrites_its_scores_with_the_values_of_the_plain_expressions():
    # training items masked to −inf and the list taken from −scores: the same recalls as the plain
    # np.where/negation expressions, including tied scores (rounded) and users with no test item
    rng = np.random.default_rng(2)
    X = sp.csr_matrix((rng.random((40, 30)) < 0.3).astype(float))
    X_train, X_test = cossim.holdout_split(X, 0.3, seed=1)
    scores = np.round(rng.standard_normal((40, 30)), 1)
    plain = np.where(X_train.toarray() > 0, -np.inf, scores)
    top = np.argpartition(-plain, 4, axis=1)[:, :5]
    test = X_test.toarray() > 0
    hits, n_test = np.take_along_axis(test, top, axis=1).sum(axis=1), test.sum(axis=1)
    expected = hits[n_test > 0] / np.minimum(5, n_test[n_test > 0])
    assert np.array_equal(rt._block_recall(scores.copy(), X_train, X_test, 5), expected)
