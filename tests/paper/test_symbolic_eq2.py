"""cossim.paper.symbolic_eq2: the scalar problem of Eq. (2) solved on both branches, Eq. (6), λ = 0, balance."""

import numpy as np
import sympy as sp

from cossim import symbolic
from cossim.paper.symbolic import lam, sigma


def test_all_five_roots_and_their_conditions_are_derived():
    sol = symbolic.eq2_scalar_solution()
    assert len(sol.roots) == 5
    real = [c for c in sol.conditions if c is not sp.false]
    assert len(real) == 2 and all(c == (sigma > lam) for c in real)
    assert sol.threshold_condition == (sigma > lam)
    assert sp.simplify(sol.gain - (sigma - lam) ** 2) == 0
    assert set(sol.hessian_eigenvalues_origin) == {2 * lam - 2 * sigma, 2 * lam + 2 * sigma}
    assert sol.stationary_points[-1] == {k: 0 for k in sol.stationary_points[-1]}


def test_the_product_is_the_soft_threshold_on_both_branches():
    sol = symbolic.eq2_scalar_solution()
    assert sol.soft_threshold_residual == 0
    for s_val, l_val, expected in ((5, 2, 3), (2, 5, 0), (3, 3, 0)):
        assert sol.product.subs({sigma: s_val, lam: l_val}) == expected
    assert sol.magnitude.subs({sigma: 6, lam: 2}) == 2


def test_a_different_penalty_gives_a_different_threshold():
    """Weight decay written λ(p² + q²)/2 thresholds at λ/2: the residual must not vanish."""
    sol = symbolic.eq2_scalar_solution(penalty=sp.Rational(1, 2))
    assert sol.threshold_condition == (sigma > lam / 2)
    assert symbolic.nonzero_terms(sol.soft_threshold_residual) > 0


def test_eq6_on_both_branches():
    eq6 = symbolic.eq6_from_scalar()
    assert eq6["a_diff"] == (0, 0) and eq6["b_diff"] == (0, 0)
    bad = symbolic.eq6_from_scalar(penalty=sp.Rational(1, 2))
    assert any(r != 0 for r in (*bad["a_diff"], *bad["b_diff"]))


def test_brute_force_agrees_with_the_derived_magnitude():
    """Grid minimum of g against |p| = √((σ − λ)₊). With spacing h the grid minimum lies within
    r = h·√(μ_max/(2μ_min)) of the minimiser (μ the Hessian eigenvalues there)."""
    p = np.linspace(-3, 3, 1501)
    h = p[1] - p[0]
    P, Q = np.meshgrid(p, p)
    for s, lam_ in ((4.0, 1.0), (1.0, 2.0)):
        G = (s - P * Q) ** 2 + lam_ * (P**2 + Q**2)
        i = np.unravel_index(np.argmin(G), G.shape)
        x = np.sqrt(max(s - lam_, 0))
        mu = np.linalg.eigvalsh([[2 * x * x + 2 * lam_, 4 * x * x - 2 * s],
                                 [4 * x * x - 2 * s, 2 * x * x + 2 * lam_]])
        assert abs(abs(P[i]) - x) <= h * np.sqrt(mu[-1] / (2 * mu[0]))


def test_lambda_zero_has_a_curve_of_minimisers():
    free = symbolic.eq2_scalar_lambda_zero()
    assert any(len(r) == 1 for r in free.roots)             # p = σ/q: a curve, not a point
    assert free.value_on_curve == 0 and free.rescaling_difference == 0
    with_penalty = symbolic.eq2_scalar_lambda_zero(penalty=1)
    assert with_penalty.value_on_curve is None
    assert symbolic.nonzero_terms(with_penalty.rescaling_difference) > 0


def test_balance_identity_and_its_failure_for_unequal_weights():
    assert all(e == 0 for e in symbolic.eq2_balance_identity(1, 2, 2))
    assert any(e != 0 for e in symbolic.eq2_balance_identity(1, 2, 2, weights=(1, 2)))


def test_rescaled_optimum_excess_exactly():
    excess, d = symbolic.eq2_rescaled_optimum_excess()
    assert excess.subs(d, 1) == 0 and excess.subs(d, -1) == 0
    assert sp.simplify(excess - lam * (sigma - lam) * (d - 1 / d) ** 2) == 0
    assert excess.subs({d: 2, sigma: 3, lam: 1}) == sp.Rational(9, 2)
