"""cossim.report.optimum: the exact Hessian, the curvature gap, and the distance bound."""

import numpy as np
import pytest

import cossim
from cossim.paper.models import gradient_from_products, gram_products
from cossim.report import optimum as O


def _setup(seed=0):
    X = cossim.simulate(150, 12, 3, seed=seed, max_items_per_user=6).X.toarray()
    X = X[:, X.sum(axis=0) > 0]
    return X, cossim.gram_matrix(X)


@pytest.mark.parametrize("which", ["eq1", "eq2"])
def test_hessian_vector_products_match_differences_of_gradients(which):
    """The gradient is a cubic polynomial: the central difference of gradients errs by
    (h²/6)·(third derivative), checked at two step sizes (error shrinks by 100)."""
    X, G = _setup()
    rng = np.random.default_rng(1)
    p, k = X.shape[1], 2
    A, B, dA, dB = rng.standard_normal((4, p, k))

    def grad(A_, B_):
        gA, gB = gradient_from_products(A_, B_, G @ B_, 1.5, which, gram_products(G, A_, B_))
        return np.concatenate([gA.ravel(), gB.ravel()])

    hA, hB = O.hessian_vector_products(G, A, B, 1.5, which, dA, dB)
    exact = np.concatenate([hA.ravel(), hB.ravel()])
    errs = []
    for h in (1e-2, 1e-3):
        fd = (grad(A + h * dA, B + h * dB) - grad(A - h * dA, B - h * dB)) / (2 * h)
        errs.append(np.abs(fd - exact).max())
    assert errs[1] <= errs[0] / 50 and errs[1] < 1e-6 * np.abs(exact).max()
    # stacked directions give the same result
    hA2, _ = O.hessian_vector_products(G, A, B, 1.5, which, np.stack([dA, dA]), np.stack([dB, dB]))
    np.testing.assert_array_equal(hA2[0], hA2[1])


def test_nullity_and_convergence_at_a_closed_form():
    X, G = _setup(1)
    spec = cossim.top_singular(X, 3)
    fit = cossim.eq2_factors(spec, 0.5)
    assert O.nullity("eq2", 3) == 3 and O.nullity("eq1", 3) == 9 and O.nullity("eq2", 3, 2) == 9
    conv = O.convergence(G, *fit, 0.5, "eq2", 3, cossim.gradient_eq2(X, *fit, 0.5))
    assert conv.mu > 100 * conv.null_top and conv.distance < 1e-10
    with pytest.raises(ValueError, match="curvature gap"):
        O.convergence(G, *fit, 0.5, "eq2", 1, cossim.gradient_eq2(X, *fit, 0.5))


def test_distance_bound_holds_for_a_perturbed_optimum():
    """Move Eq. (6) off its orbit by a known E: the bound from the gradient is at least the
    distance to the orbit (joint Procrustes residual). It may be larger, by up to the
    Hessian's condition number across the orbit: a bound, not an estimate."""
    from cossim.report.second_objective import _joint_procrustes

    X, G = _setup(2)
    spec = cossim.top_singular(X, 2)
    fit = cossim.eq2_factors(spec, 0.5)
    for seed in range(3):
        E = 1e-5 * np.random.default_rng(seed).standard_normal((2,) + fit.A.shape)
        A, B = fit.A + E[0], fit.B + E[1]
        conv = O.convergence(G, A, B, 0.5, "eq2", 1, cossim.gradient_eq2(X, A, B, 0.5))
        to_orbit = _joint_procrustes(fit, cossim.Factors(A, B))[1]
        assert to_orbit <= np.linalg.norm(E)
        assert conv.distance >= to_orbit


def test_cosine_shift_bounds():
    E = np.array([[3.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    assert O.cosine_shift_bound(E, 0.1) == pytest.approx(np.pi * 0.1)
    X = np.array([[1.0, 0.0], [1.0, 1.0]])
    assert O.user_cosine_shift_bound(X, np.eye(2), 0.2) == pytest.approx(np.pi * 0.2)
