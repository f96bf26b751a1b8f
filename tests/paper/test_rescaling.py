"""cossim.paper.rescaling: Eq. (4) as functions of D, and the paper's choices (a) and (b)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

import cossim


def model(seed=0, n=40, p=12, k=4):
    rng = np.random.default_rng(seed)
    X = (rng.random((n, p)) < 0.35).astype(float)
    A, B = cossim.fit_eq1(X, k, 2.0)
    return X, A, B, rng


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000))
def test_eq4_matches_direct_computation(seed):
    X, A, B, rng = model(seed % 50)
    d = np.exp(np.random.default_rng(seed).uniform(-2, 2, A.shape[1]))
    A_d, B_d = cossim.rescale(A, B, d)
    assert_allclose(cossim.eq4_item_item(B, d), cossim.item_item_cosine(B_d), atol=1e-12)
    assert_allclose(cossim.eq4_user_user(X, A, d), cossim.user_user_cosine(X, A_d), atol=1e-12)
    assert_allclose(cossim.eq4_user_item(X, A, B, d), cossim.user_item_cosine(X, A_d, B_d),
                    atol=1e-12)


def test_eq4_depends_on_d():
    X, A, B, rng = model(1)
    d = np.array([1.0, 3.0, 0.3, 2.0])
    ones = np.ones(4)
    for f, args in ((cossim.eq4_item_item, (B,)), (cossim.eq4_user_user, (X, A)),
                    (cossim.eq4_user_item, (X, A, B))):
        assert np.abs(f(*args, d) - f(*args, ones)).max() > 0.05


def test_zero_rows_give_zero():
    X, A, B, rng = model(2)
    B = B.copy()
    B[0] = 0
    S = cossim.eq4_item_item(B, np.ones(B.shape[1]))
    assert np.all(S[0] == 0) and np.all(np.isfinite(S))


def test_paper_choices_full_rank():
    X, _, _, _ = model(3, n=80, p=8, k=8)
    spec = cossim.top_singular(X)
    assert spec.sigma.min() > 0
    lam = 4.0
    sol = cossim.eq1_factors(spec, lam, "symmetric")
    m = cossim.eq1_shrinkage(spec.sigma, lam)
    a = cossim.rescale(*sol, cossim.paper_choice_d(spec.sigma, lam, "a"))
    b = cossim.rescale(*sol, cossim.paper_choice_d(spec.sigma, lam, "b"))
    assert_allclose(a.B, spec.V, atol=1e-13)
    assert_allclose(a.A, spec.V * m, atol=1e-13)
    assert_allclose(b.A, spec.V, atol=1e-13)
    assert_allclose(cossim.item_item_cosine(a.B), np.eye(8), atol=1e-12)
    assert_allclose(cossim.user_user_cosine(X, b.A), cossim.cosine_similarity(X), atol=1e-12)


def test_bad_input():
    X, A, B, _ = model()
    with pytest.raises(ValueError, match="d"):
        cossim.eq4_item_item(B, np.ones(3))
    with pytest.raises(ValueError, match="d"):
        cossim.eq4_user_user(X, A, np.array([1.0, 0.0, 1.0, 1.0]))
    with pytest.raises(ValueError, match="B"):
        cossim.eq4_user_item(X, A, B[:5], np.ones(4))
    with pytest.raises(ValueError, match="choice"):
        cossim.paper_choice_d([1.0, 2.0], 1.0, "c")
    with pytest.raises(ValueError, match="sigma"):
        cossim.paper_choice_d([1.0, 0.0], 1.0, "a")
    with pytest.raises(ValueError, match="lam"):
        cossim.paper_choice_d([1.0, 2.0], -1.0, "a")
