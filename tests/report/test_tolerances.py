"""cossim.report.tolerances: the rounding bounds hold on real evaluations and are not vacuous."""

import numpy as np
import pytest

import cossim
from cossim.report import tolerances as T


def test_gamma():
    assert T.gamma(0) == 0
    assert T.gamma(10) == pytest.approx(10 * T.U, rel=1e-12)
    with pytest.raises(ValueError):
        T.gamma(2**60)


def _problem(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((40, 8))
    A, B = rng.standard_normal((2, 8, 3))
    return X, A, B


@pytest.mark.parametrize("which", ["eq1", "eq2"])
def test_value_tolerance_covers_two_routes(which):
    """The X route and the Gram route of the same objective differ by rounding only."""
    from cossim.paper.models import objective_from_gram

    X, A, B = _problem()
    f = (cossim.objective_eq1 if which == "eq1" else cossim.objective_eq2)(X, A, B, 2.0)
    g = objective_from_gram(X.T @ X, A, B, 2.0, which)
    tol = T.value_tolerance(X, A, B, 2.0, which)
    assert abs(f - g) <= tol < 1e-6 * abs(f)


def test_gradient_tolerance_is_met_at_a_closed_form_and_missed_with_lambda_off():
    X = (np.random.default_rng(1).random((60, 10)) < 0.4).astype(float)
    spec = cossim.top_singular(X, 4)
    fit = cossim.eq1_factors(spec, 3.0, 0.5)
    tol = T.gradient_tolerance(X, *fit, 3.0, "eq1")
    assert max(np.abs(g).max() for g in cossim.gradient_eq1(X, *fit, 3.0)) <= tol
    off = cossim.eq1_factors(spec, 3.0 * (1 + 1e-4), 0.5)
    assert max(np.abs(g).max() for g in cossim.gradient_eq1(X, *off, 3.0)) > tol


def test_cosine_and_prediction_tolerances():
    X, A, B = _problem(2)
    d = np.array([0.5, 2.0, 3.0])
    A_d, B_d = cossim.rescale(A, B, d)
    diff = np.abs(X @ A_d @ B_d.T - X @ A @ B.T)
    assert diff.max() <= T.prediction_tolerance(X, A_d, B_d)
    assert np.all(diff <= T.product_tolerance(X, np.abs(A_d), np.abs(B_d).T))
    assert T.prediction_tolerance(X, A_d, B_d) >= T.product_tolerance(X, A_d, B_d.T).max()
    from cossim.linalg.similarity import cosine_from_gram

    S = cossim.item_item_cosine(B)          # normalise rows, then multiply
    S2 = cosine_from_gram(B @ B.T, clip=False)  # multiply, then normalise by the diagonal
    assert np.abs(S - S2).max() <= 2 * T.cosine_tolerance(3)
    assert T.embedding_cosine_tolerance(X, A) >= T.cosine_tolerance(3)


def test_singular_vector_tolerance():
    X = (np.random.default_rng(3).random((80, 12)) < 0.35).astype(float)
    delta = T.singular_vector_tolerance(X, 5)
    V1 = cossim.top_singular(X, 5).V
    V2 = np.linalg.svd(X)[2][:5].T
    V2 = V2 * np.sign(np.sum(V1 * V2, axis=0))
    assert np.abs(V1 - V2).max() <= delta < 1e-8
    assert T.singular_vector_tolerance(np.eye(3), 1) == np.inf       # σ₁ = σ₂: no unique vector
