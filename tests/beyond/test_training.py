"""Tests of cossim.beyond.training: gradient descent on Eq. (1) and Eq. (2)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

import cossim
from cossim.beyond.training import (
    block_lipschitz,
    cosine_spread,
    gradient_descent,
    relative_error,
    train_runs,
)
from cossim.paper.models import gradient_from_products, gram_products, objective_from_gram


def _data(n=300, p=30, seed=0):
    rng = np.random.default_rng(seed)
    # a low-rank signal plus noise, with distinct singular values
    L = rng.standard_normal((n, 3)) @ (rng.standard_normal((3, p)) * [[3.0], [2.5], [2.0]])
    return L + 0.3 * rng.standard_normal((n, p))


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from(["eq1", "eq2"]))
def test_gradients_and_objective_match_models(seed, objective):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((15, 6))
    A, B = rng.standard_normal((6, 2)), rng.standard_normal((6, 2))
    G = cossim.gram_matrix(X)
    dA, dB = gradient_from_products(A, B, G @ B, 0.7, objective, gram_products(G, A, B))
    ref = (cossim.gradient_eq1 if objective == "eq1" else cossim.gradient_eq2)(X, A, B, 0.7)
    assert_allclose(dA, ref.A, rtol=1e-9, atol=1e-9)
    assert_allclose(dB, ref.B, rtol=1e-9, atol=1e-9)
    f = (cossim.objective_eq1 if objective == "eq1" else cossim.objective_eq2)(X, A, B, 0.7)
    assert_allclose(objective_from_gram(G, A, B, 0.7, objective), f, rtol=1e-9)


def test_eq1_reaches_closed_form_and_objective_never_increases():
    X = _data()
    lam = 2000.0
    run = gradient_descent(X, 3, lam, "eq1", seed=1, n_steps=2000)
    ref = cossim.fit_eq1(X, 3, lam)
    assert relative_error(run.A @ run.B.T, ref.A @ ref.B.T) < 1e-6
    assert np.all(np.diff(run.history) <= 1e-13 * run.history[0])
    assert_allclose(run.history[-1], cossim.objective_eq1(X, ref.A, ref.B, lam), rtol=1e-9)


def test_eq2_reaches_closed_form():
    X = _data()
    lam = 20.0
    run = gradient_descent(X, 3, lam, "eq2", seed=1, n_steps=4000, init_scale=0.1)
    ref = cossim.fit_eq2(X, 3, lam)
    # Eq. (2) converges slowly in A's directions of small σ; the predictions
    # XABᵀ and the item Gram matrix BBᵀ (rotation-invariant) are what converge
    assert relative_error(X @ run.A @ run.B.T, X @ ref.A @ ref.B.T) < 2e-2
    assert relative_error(run.B @ run.B.T, ref.B @ ref.B.T) < 2e-3
    assert np.all(np.diff(run.history) <= 1e-13 * run.history[0])


def test_eq1_runs_differ_eq2_runs_agree():
    X = _data()
    r1 = train_runs(X, 3, 2000.0, "eq1", n_runs=3, n_steps=2000)
    r2 = train_runs(X, 3, 20.0, "eq2", n_runs=3, n_steps=4000, init_scale=0.1)
    s1 = cosine_spread([r.B for r in r1], n_neighbours=5)
    s2 = cosine_spread([r.B for r in r2], n_neighbours=5)
    assert s1["max_abs_diff"] > 0.05
    assert s2["max_abs_diff"] < 5e-3
    assert s2["mean_topk_overlap"] > s1["mean_topk_overlap"]


def test_same_seed_same_result():
    X = _data()
    a = gradient_descent(X, 2, 10.0, "eq1", seed=3, n_steps=50)
    b = gradient_descent(X, 2, 10.0, "eq1", seed=3, n_steps=50)
    assert_allclose(a.A, b.A, rtol=0, atol=0)


def test_cosine_spread_identical_runs():
    B = np.random.default_rng(0).standard_normal((12, 3))
    s = cosine_spread([B, 2 * B], n_neighbours=3)
    assert s["max_abs_diff"] < 1e-12 and s["mean_topk_overlap"] == 1.0


@pytest.mark.parametrize("kwargs, exc, match", [
    ({"objective": "eq3"}, ValueError, "objective"),
    ({"n_steps": 0}, ValueError, "n_steps"),
    ({"init_scale": -1.0}, ValueError, "init_scale"),
    ({"step_scale": 0.0}, ValueError, "step_scale"),
    ({"lam": -1.0}, ValueError, "lam"),
    ({"k": 99}, ValueError, "k"),
    ({"A0": np.ones((4, 4))}, ValueError, "A0"),
    ({"tol": -1.0}, ValueError, "tol"),
    ({"record_every": 1.5}, TypeError, "record_every"),
    ({"init_scale": (1.0, 2.0, 3.0)}, ValueError, "init_scale"),
])
def test_bad_input(kwargs, exc, match):
    X = _data(n=20, p=8)
    args = {"k": 2, "lam": 1.0}
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        gradient_descent(X, **args)


def test_bad_data():
    with pytest.raises(ValueError, match="NaN"):
        gradient_descent(np.full((4, 3), np.nan), 1, 1.0)
    with pytest.raises(ValueError, match="at least 2"):
        cosine_spread([np.ones((3, 2))])


@pytest.mark.parametrize("objective", ["eq1", "eq2"])
def test_block_lipschitz_bounds_the_gradient_change(objective):
    """L_A, L_B are Lipschitz constants of each block: moving one block by a
    random direction changes that block's gradient by at most L times as much,
    with equality along the top eigenvector (the constants are exact)."""
    rng = np.random.default_rng(5)
    X = rng.standard_normal((40, 7))
    G = cossim.gram_matrix(X)
    A, B = rng.standard_normal((7, 3)), rng.standard_normal((7, 3))
    lam = 0.9
    L_A, L_B = block_lipschitz(G, A, B, lam, objective)
    grad = cossim.gradient_eq1 if objective == "eq1" else cossim.gradient_eq2
    for _ in range(5):
        E = rng.standard_normal(A.shape)
        dA = grad(X, A + E, B, lam).A - grad(X, A, B, lam).A
        dB = grad(X, A, B + E, lam).B - grad(X, A, B, lam).B
        assert np.linalg.norm(dA) <= L_A * np.linalg.norm(E) * (1 + 1e-12)
        assert np.linalg.norm(dB) <= L_B * np.linalg.norm(E) * (1 + 1e-12)


def test_block_lipschitz_rejects_bad_objective():
    G = np.eye(3)
    with pytest.raises(ValueError, match="objective must be one of 'eq1', 'eq2'"):
        block_lipschitz(G, np.ones((3, 1)), np.ones((3, 1)), 1.0, "eq3")


def _hessian_top(f, x0, h=1e-4):
    """Largest eigenvalue of the Hessian of a quadratic f at x0 by central differences."""
    n = x0.size
    H = np.empty((n, n))
    for i in range(n):
        e = np.zeros(n)
        e[i] = h
        H[:, i] = (f(x0 + e) - f(x0 - e)) / (2 * h)
    return np.linalg.eigvalsh(0.5 * (H + H.T))[-1]


@pytest.mark.parametrize("objective", ["eq1", "eq2"])
def test_block_lipschitz_equals_the_top_hessian_eigenvalue(objective):
    from cossim.paper.models import gradient_from_products, gram_products

    rng = np.random.default_rng(4)
    X = rng.standard_normal((12, 5))
    G, lam = X.T @ X, 3.0
    A, B = rng.standard_normal((5, 2)), rng.standard_normal((5, 2))
    L_A, L_B = block_lipschitz(G, A, B, lam, objective)

    def grad(a, b):
        a, b = a.reshape(5, 2), b.reshape(5, 2)
        return gradient_from_products(a, b, G @ b, lam, objective, gram_products(G, a, b))

    top_A = _hessian_top(lambda a: grad(a, B.ravel())[0].ravel(), A.ravel())
    top_B = _hessian_top(lambda b: grad(A.ravel(), b)[1].ravel(), B.ravel())
    np.testing.assert_allclose([L_A, L_B], [top_A, top_B], rtol=1e-6)


def test_fixed_ratio_steps_change_the_imbalance_only_by_second_order_terms():
    X = np.random.default_rng(5).standard_normal((40, 8))
    run = gradient_descent(X, 3, 2.0, "eq1", n_steps=200, steps="ratio", ratio=0.3, step_scale=0.5)
    assert run.ratio == 0.3
    change = np.linalg.norm(run.imbalance - run.imbalance0)
    assert change <= run.drift_bound * (1 + 1e-9) + 1e-12
    block = gradient_descent(X, 3, 2.0, "eq1", n_steps=5)
    assert np.isnan(block.drift_bound)
    with pytest.raises(cossim._validation.InvalidValue):
        gradient_descent(X, 3, 2.0, "eq1", n_steps=5, steps="adam")
