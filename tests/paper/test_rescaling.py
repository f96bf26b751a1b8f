"""cossim.paper.rescaling: Eq. (4) as functions of D, and the paper's choices (a) and (b)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

import cossim
from cossim.report.models_report import eq4_errors
from cossim.report.tolerances import U, cosine_tolerance, gamma


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
    # the two routes differ by rounding only; eq4_errors gives each difference with its bound
    for name, (err, tol) in eq4_errors(X, A, B, d).items():
        assert err <= tol, name
    # ... and the bound is tight enough to see D applied the wrong way round
    wrong = eq4_errors(X, A, B, d, fit_d=cossim.rescale(A, B, 1 / d))
    assert all(err > tol for err, tol in wrong.values())


def test_eq4_depends_on_d():
    X, A, B, rng = model(1)
    d = np.array([1.0, 3.0, 0.3, 2.0])
    ones = np.ones(4)
    # every formula moves by more than the rounding of a cosine (item side) or of a user row
    for f, args in ((cossim.eq4_item_item, (B,)), (cossim.eq4_user_user, (X, A)),
                    (cossim.eq4_user_item, (X, A, B))):
        assert np.abs(f(*args, d) - f(*args, ones)).max() > max(t for _, t in eq4_errors(X, A, B, d).values())


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
    # entries: √m·d with d = √m or 1/√m, a few roundings (relative 4u)
    assert_allclose(a.B, spec.V, rtol=4 * U, atol=0)
    assert_allclose(a.A, spec.V * m, rtol=4 * U, atol=0)
    assert_allclose(b.A, spec.V, rtol=4 * U, atol=0)
    # cosines of length-8 rows, plus V's orthogonality error γ_p, plus the rows' own rounding
    tol = 2 * cosine_tolerance(8) + 2 * gamma(8) + 8 * U
    assert_allclose(cossim.item_item_cosine(a.B), np.eye(8), rtol=0, atol=tol)
    assert_allclose(cossim.user_user_cosine(X, b.A), cossim.cosine_similarity(X), rtol=0,
                    atol=tol + 4 * np.sqrt(8) * gamma(8))


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


# ------------------------------------------- exact cases, boundaries (issue 13, mutation testing)

def test_omega_from_gram_diagonal_by_hand():
    """1/√g for g > 0, 0 for a zero row (g = 0)."""
    from cossim.paper.rescaling import omega_from_gram_diagonal

    assert_allclose(omega_from_gram_diagonal([4.0, 0.0, 0.25]), [0.5, 0.0, 2.0], rtol=1e-15)


def test_eq4_is_evaluated_as_written_without_clipping():
    """B = [[6/7, 1]]: g = 85/49 and g·(1/√g)² rounds to 1 + 2⁻⁵²; the formula as written keeps
    it (the book compares this route with the normalise-first one), and equals Ω G Ω computed
    by hand in the same order."""
    B = np.array([[6 / 7, 1.0]])
    g = (B / np.ones(2) ** 2) @ B.T
    w = 1.0 / np.sqrt(g[0, 0])
    S = cossim.eq4_item_item(B, [1.0, 1.0])
    assert S[0, 0] == g[0, 0] * w * w == 1.0 + 2.0**-52
    X = np.array([[1.0]])
    assert cossim.eq4_user_user(X, B, [1.0, 1.0])[0, 0] == 1.0 + 2.0**-52


@pytest.mark.parametrize("call, match", [
    (lambda: cossim.eq4_item_item(np.ones(3), [1.0]), "^B must be 2-D"),
    (lambda: cossim.eq4_user_user(np.ones((4, 2)), np.ones((3, 1)), [1.0]), "^A has 3 rows, expected 2$"),
    (lambda: cossim.eq4_user_item(np.ones((4, 2)), np.ones((3, 1)), np.ones((3, 1)), [1.0]),
     "^A has 3 rows, expected 2$"),
    (lambda: cossim.eq4_user_item(np.ones((4, 3)), np.ones((3, 2)), np.ones((3, 3)), [1.0, 1.0]),
     "^B has 3 columns, expected 2$"),
])
def test_eq4_validation_messages(call, match):
    with pytest.raises(ValueError, match=match):
        call()
