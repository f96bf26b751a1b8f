"""cossim.paper.symbolic: the SymPy proofs and derivations of Sections 2.1–2.3."""

import numpy as np
import pytest
import sympy as sp

from cossim import symbolic
from cossim.paper.symbolic import lam, sigma


def test_eq1_invariant_under_rescaling_for_several_sizes():
    for n, p, k in [(1, 1, 1), (2, 3, 2), (2, 2, 3)]:
        assert symbolic.eq1_rescaling_difference(n, p, k) == 0


def test_rotation_invariance_of_both_objectives():
    assert symbolic.eq1_rotation_difference(2, 2) == 0
    assert symbolic.eq2_rotation_difference(2, 2) == 0


def test_rotation_check_can_fail():
    """The reduction modulo c² + s² − 1 does not make everything vanish."""
    X, A, B = symbolic.symbolic_matrices(1, 2, 2)
    R, constraint, gens = symbolic.rotation_2d()
    # a shear is not a rotation: the Eq. (2) value changes
    shear = sp.Matrix([[1, gens[0]], [0, 1]])
    diff = sp.expand(symbolic.eq2_objective(X, A * shear, B * shear)
                     - symbolic.eq2_objective(X, A, B))
    _, rem = sp.reduced(diff, [constraint], *gens)
    assert sp.simplify(rem) != 0


def test_eq2_not_invariant_under_rescaling():
    res = symbolic.eq2_rescaling_difference(2, 2, 2)
    assert res.residual == 0
    assert sp.simplify(res.difference) != 0
    # numerical spot check of the compact formula
    X, A, B = symbolic.symbolic_matrices(2, 2, 2)
    rng = np.random.default_rng(0)
    subs = {s: float(rng.standard_normal()) for s in res.difference.free_symbols if s != lam}
    subs[lam] = 0.7
    for s in list(subs):
        if s.name.startswith("d_"):
            subs[s] = 1.5
    np.testing.assert_allclose(float(res.difference.subs(subs)), float(res.compact.subs(subs)),
                               rtol=1e-10)


def test_eq2_counterexample_numbers():
    ce = symbolic.eq2_counterexample(2)
    assert ce.before == 2 and ce.after == sp.Rational(17, 4)
    assert symbolic.eq2_counterexample(1).after == 2
    with pytest.raises(ValueError, match="d"):
        symbolic.eq2_counterexample(0)


def test_eq1_scalar_minimiser():
    s = symbolic.eq1_scalar_minimiser()
    assert sp.simplify(s.minimiser - 1 / (1 + lam / sigma**2)) == 0
    assert s.curvature.subs({sigma: 1, lam: 1}) > 0
    # numeric: grid minimum of σ²(1-w)² + λw² at σ=2, λ=3
    w = np.linspace(-1, 2, 300001)
    f = 4 * (1 - w) ** 2 + 3 * w**2
    np.testing.assert_allclose(w[np.argmin(f)], 4 / 7, atol=1e-5)


def test_eq1_decoupling_and_truncation():
    assert symbolic.eq1_decoupling_identity(2) == 0
    c, dc = symbolic.eq1_truncation_score()
    vals = [float(c.subs({sigma: s, lam: 2.0})) for s in (0.5, 1, 2, 4)]
    assert vals == sorted(vals)
    assert float(dc.subs({sigma: 0.3, lam: 5.0})) > 0


def test_eq2_scalar_solution_and_eq6():
    sol = symbolic.eq2_scalar_solution()
    assert sp.simplify(sol.gain - (sigma - lam) ** 2) == 0
    assert sol.product.subs({sigma: 5, lam: 2}) == 3
    assert sol.product.subs({sigma: 2, lam: 5}) == 0
    assert sol.magnitude.subs({sigma: 6, lam: 2}) == 2
    eq6 = symbolic.eq6_from_scalar()
    assert eq6["a_diff"] == 0 and eq6["b_diff"] == 0
    # numeric: compare with brute-force minimisation of g
    p = np.linspace(-3, 3, 1501)
    P, Q = np.meshgrid(p, p)
    for s, lam_ in ((4.0, 1.0), (1.0, 2.0)):
        G = (s - P * Q) ** 2 + lam_ * (P**2 + Q**2)
        i = np.unravel_index(np.argmin(G), G.shape)
        np.testing.assert_allclose(abs(P[i]), np.sqrt(max(s - lam_, 0)), atol=0.01)


def test_eq2_rescaled_optimum_excess():
    excess, d = symbolic.eq2_rescaled_optimum_excess()
    assert excess.subs(d, 1) == 0
    assert float(excess.subs({d: 2, sigma: 3, lam: 1})) == pytest.approx(1 * 2 * (2 - 0.5) ** 2,
                                                                          rel=1e-12)


@pytest.mark.parametrize("bad, exc", [(0, ValueError), (5, ValueError), (1.5, TypeError),
                                      ("2", TypeError)])
def test_bad_sizes(bad, exc):
    with pytest.raises(exc, match="n"):
        symbolic.symbolic_matrices(bad, 2, 2)
