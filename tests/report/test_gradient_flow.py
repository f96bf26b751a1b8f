"""cossim.report.gradient_flow: the corrected flow law and its conserved quantities."""

import numpy as np

import cossim
from cossim.report import gradient_flow as F


def _setup():
    X = cossim.simulate(120, 15, 3, seed=1).X
    X = X[:, np.flatnonzero(np.asarray(X.sum(axis=0)).ravel() > 0)]
    rng = np.random.default_rng(2)
    A0, B0 = 0.1 * rng.standard_normal((X.shape[1], 2)), rng.standard_normal((X.shape[1], 2))
    L = 2 * (cossim.top_singular(X, 1).sigma[0] ** 2 + 4.0) * np.linalg.norm(B0, 2) ** 2
    return X, A0, B0, 4.0, 1e-2 / L


def test_the_law_is_symmetric_and_the_one_sided_expression_is_not():
    rng = np.random.default_rng(0)
    A, B, = rng.standard_normal((2, 5, 3))
    grad_W = rng.standard_normal((5, 5))
    law = F.flow_derivative(A, B, grad_W)
    np.testing.assert_array_equal(law, law.T)
    wrong = F.one_sided_derivative(A, B, grad_W)
    assert np.abs(wrong - wrong.T).max() > 0.1
    np.testing.assert_allclose((wrong + wrong.T) / 2, law, rtol=0, atol=1e-13 * np.abs(law).max())


def test_shared_rate_conserves_the_difference_and_halving_the_step_halves_the_drift():
    X, A0, B0, lam, eta = _setup()
    a = F.euler_flow(X, A0, B0, lam, eta, 200)
    b = F.euler_flow(X, A0, B0, lam, eta / 2, 400)         # same time, half the step
    assert a.derivative_ratio <= 1 and a.drift <= a.drift_bound
    assert b.drift <= b.drift_bound
    assert a.second_order_residual <= a.second_order_tol
    assert 0.4 <= b.drift / a.drift <= 0.6                 # O(η): the drift halves
    assert a.travel > 100 * a.drift and a.value_drop > 0


def test_separate_rates_conserve_the_weighted_difference_only():
    X, A0, B0, lam, eta = _setup()
    r = F.euler_flow(X, A0, B0, lam, eta, 200, step_B=3 * eta)
    assert r.drift <= r.drift_bound < r.unweighted_drift
    assert r.second_order_residual <= r.second_order_tol < r.unweighted_residual
    bad = F.euler_flow(X, A0, B0, lam, eta, 50, law=F.one_sided_derivative)
    assert bad.derivative_ratio > 1
