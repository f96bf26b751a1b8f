"""Tests of cossim.beyond.training: gradient descent on Eq. (1) and Eq. (2)."""

import numpy as np
import pytest
import scipy.sparse as sp
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


# ---- issue 13: exact small cases that pin the loop, the step sizes and the reports

def _small(seed=7, n=12, p=5, k=2):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    A0, B0 = 0.5 * rng.standard_normal((2, p, k))
    return X, A0, B0


def _objective(X, A, B, lam, objective):
    return (cossim.objective_eq1 if objective == "eq1" else cossim.objective_eq2)(X, A, B, lam)


def _gradient(X, A, B, lam, objective):
    g = (cossim.gradient_eq1 if objective == "eq1" else cossim.gradient_eq2)(X, A, B, lam)
    return g.A, g.B


@pytest.mark.parametrize("objective", ["eq1", "eq2"])
def test_one_block_step_by_hand(objective):
    """One accepted step is A − ∇_A/L_A, B − ∇_B/L_B with L from block_lipschitz (docstring)."""
    X, A0, B0 = _small()
    lam = 0.8
    L_A, L_B = block_lipschitz(X.T @ X, A0, B0, lam, objective)
    dA, dB = _gradient(X, A0, B0, lam, objective)
    A1, B1 = A0 - dA / L_A, B0 - dB / L_B
    f0, f1 = _objective(X, A0, B0, lam, objective), _objective(X, A1, B1, lam, objective)
    assert f1 < f0                                  # the step is accepted
    run = gradient_descent(X, 2, lam, objective, n_steps=1, record_every=1, A0=A0, B0=B0)
    assert_allclose(run.A, A1, rtol=1e-12, atol=1e-14)
    assert_allclose(run.B, B1, rtol=1e-12, atol=1e-14)
    assert_allclose(run.history, [f0, f1], rtol=1e-12)
    assert run.n_steps == 1 and run.step_scale == 1.0 and not run.converged
    assert run.ratio == pytest.approx(L_B / L_A, rel=1e-12)           # the first step's ratio
    assert_allclose(run.imbalance0, A0.T @ A0 - run.ratio * B0.T @ B0, rtol=1e-12, atol=1e-14)
    assert_allclose(run.imbalance, A1.T @ A1 - run.ratio * B1.T @ B1, rtol=1e-10, atol=1e-13)
    assert np.isnan(run.drift_bound)


@pytest.mark.parametrize("objective", ["eq1", "eq2"])
def test_overshooting_steps_are_halved_then_recover_by_one_percent(objective):
    """With step_scale 64 the first tries overshoot: the scale is halved until the objective
    decreases, the step is taken with it, and the scale then grows by 1 %."""
    X, A0, B0 = _small(seed=3)
    lam = 0.4
    L_A, L_B = block_lipschitz(X.T @ X, A0, B0, lam, objective)
    dA, dB = _gradient(X, A0, B0, lam, objective)
    f0 = _objective(X, A0, B0, lam, objective)
    scale = 64.0
    while _objective(X, A0 - scale * dA / L_A, B0 - scale * dB / L_B, lam, objective) > f0:
        scale /= 2.0
    assert scale < 64.0                             # at least one halving
    run = gradient_descent(X, 2, lam, objective, n_steps=1, record_every=1, A0=A0, B0=B0, step_scale=64.0)
    assert_allclose(run.A, A0 - scale * dA / L_A, rtol=1e-12, atol=1e-14)
    assert_allclose(run.B, B0 - scale * dB / L_B, rtol=1e-12, atol=1e-14)
    assert run.step_scale == scale * 1.01


def test_fixed_ratio_step_and_drift_by_hand():
    X, A0, B0 = _small(seed=11)
    lam, rho = 0.6, 0.3
    L_A, L_B = block_lipschitz(X.T @ X, A0, B0, lam, "eq1")
    eta_A = 0.5 * min(1.0 / L_A, rho / L_B)
    eta_B = eta_A / rho
    dA, dB = _gradient(X, A0, B0, lam, "eq1")
    run = gradient_descent(X, 2, lam, "eq1", n_steps=1, A0=A0, B0=B0, steps="ratio", ratio=rho,
                           step_scale=0.5)
    assert_allclose(run.A, A0 - eta_A * dA, rtol=1e-12, atol=1e-14)
    assert_allclose(run.B, B0 - eta_B * dB, rtol=1e-12, atol=1e-14)
    drift = eta_A * np.linalg.norm(eta_A * dA.T @ dA - eta_B * dB.T @ dB)
    assert run.drift_bound == pytest.approx(drift, rel=1e-10)
    assert_allclose(run.imbalance0, A0.T @ A0 - rho * B0.T @ B0, rtol=1e-12, atol=1e-14)
    # the default ratio is L_B / L_A at the start
    default = gradient_descent(X, 2, lam, "eq1", n_steps=1, A0=A0, B0=B0, steps="ratio")
    assert default.ratio == pytest.approx(L_B / L_A, rel=1e-12)
    # Eq. (2) conserves nothing: no drift bound, even with a fixed ratio
    assert np.isnan(gradient_descent(X, 2, lam, "eq2", n_steps=1, A0=A0, B0=B0, steps="ratio",
                                     ratio=rho).drift_bound)
    with pytest.raises(ValueError, match="ratio"):
        gradient_descent(X, 2, lam, "eq1", n_steps=1, steps="ratio", ratio=0.0)


def test_step_sizes_exact():
    from cossim.beyond.training import _step_sizes

    assert _step_sizes(2.0, 8.0, 1.0, None) == (0.5, 0.125)
    assert _step_sizes(2.0, 8.0, 0.5, 0.3) == (0.5 * 0.3 / 8.0, 0.5 * 0.3 / 8.0 / 0.3)   # B's 1/L binds
    assert _step_sizes(2.0, 8.0, 1.0, 10.0) == (0.5, 0.05)                                 # A's 1/L binds
    tiny = np.finfo(np.float64).tiny
    assert _step_sizes(0.0, 4.0, 1.0, None) == (1.0 / tiny, 0.25)                           # L = 0: B = 0
    assert _step_sizes(4.0, 0.0, 1.0, None) == (0.25, 1.0 / tiny)
    assert _step_sizes(0.0, 0.0, 1.0, 2.0) == (1.0 / tiny, 0.5 / tiny)


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # ratio L_B / L_A = 0/0
def test_zero_factors_are_a_fixed_point_of_eq1():
    """A = B = 0 is a stationary point of Eq. (1) (both L are 0): every step is accepted and moves
    nothing; with tol > 0 the run stops at the first record, with tol = 0 it runs every step."""
    X, _, _ = _small()
    zero = np.zeros((5, 2))
    run = gradient_descent(X, 2, 1.0, "eq1", n_steps=7, record_every=3, A0=zero, B0=zero)
    assert run.n_steps == 7 and not run.converged and np.all(run.A == 0) and np.all(run.B == 0)
    assert_allclose(run.history, np.full(3, np.sum(X * X)), rtol=1e-14)   # steps 0, 3, 6
    stop = gradient_descent(X, 2, 1.0, "eq1", n_steps=7, record_every=3, A0=zero, B0=zero, tol=1e-9)
    assert stop.n_steps == 3 and stop.converged and len(stop.history) == 2
    # X = 0: f = 0 and the relative test is against the smallest normal number: converged even
    # when tol · tiny underflows to 0
    nothing = gradient_descent(np.zeros((3, 5)), 2, 1.0, "eq1", n_steps=4, A0=zero, B0=zero,
                               record_every=1, tol=1e-300)
    assert nothing.converged and nothing.n_steps == 1


def test_convergence_stops_at_the_first_small_relative_change():
    X = _data(n=60, p=10)
    tol = 1e-6
    run = gradient_descent(X, 2, 5.0, "eq1", seed=2, n_steps=5000, record_every=4, tol=tol)
    h = run.history
    assert run.converged and run.n_steps == 4 * (len(h) - 1) < 5000
    change = np.abs(np.diff(h)) / np.abs(h[1:])
    assert change[-1] <= tol and np.all(change[:-1] > tol)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the overflow is the point
def test_a_run_that_cannot_decrease_stops_after_40_halvings():
    """An objective that overflows is never finite, so every step is rejected; the scale is halved
    until it is below 1e-12 (2⁻⁴⁰ ≈ 9.1e-13) and the run stops with no step."""
    X, _, B0 = _small()
    A0 = np.full((5, 2), 1e160)
    run = gradient_descent(X, 2, 1.0, "eq1", n_steps=10, A0=A0, B0=B0)
    assert run.n_steps == 0 and run.step_scale == 2.0 ** -40 and len(run.history) == 1
    assert np.all(run.A == A0)


def test_initial_factors_from_the_seed():
    """A₀ then B₀ from one generator, entries N(0, scale²/p); a pair gives each its scale."""
    from cossim.beyond.training import _initial_factors

    p, k = 6, 2
    rng = np.random.default_rng(4)
    A_ref = rng.standard_normal((p, k)) * 0.5 / np.sqrt(p)
    B_ref = rng.standard_normal((p, k)) * 3.0 / np.sqrt(p)
    A, B = _initial_factors(p, k, 4, (0.5, 3.0), None, None)
    assert np.array_equal(A, A_ref) and np.array_equal(B, B_ref)
    A, B = _initial_factors(p, k, 4, 2.0, None, None)
    assert_allclose(A, 4.0 * A_ref, rtol=1e-15) and assert_allclose(B, B_ref / 1.5, rtol=1e-15)
    # a given A₀ draws nothing: B₀ is then the first draw
    A_given = np.arange(12.0).reshape(p, k)
    A, B = _initial_factors(p, k, 4, (0.5, 0.5), A_given, None)
    assert np.array_equal(A, A_given) and A is not A_given
    assert_allclose(B, A_ref, rtol=1e-15)
    run = gradient_descent(_data(n=20, p=6), 2, 1.0, n_steps=1, seed=4, init_scale=(0.5, 3.0), steps="ratio",
                           ratio=1.0)
    assert_allclose(run.imbalance0, A_ref.T @ A_ref - B_ref.T @ B_ref, rtol=1e-12)


@pytest.mark.parametrize("init_scale, match", [
    (0.0, "init_scale"), ((1.0, -1.0), "init_scale"), (("a", "b"), "positive number or a pair"),
    ((1.0, 2.0, 3.0), "positive number or a pair"), (np.ones((2, 2)), "positive number or a pair"),
])
def test_init_scale_is_checked(init_scale, match):
    with pytest.raises(ValueError, match=match):
        gradient_descent(_data(n=20, p=6), 2, 1.0, n_steps=1, init_scale=init_scale)


def test_boundaries_of_the_arguments():
    X, A0, B0 = _small()
    run = gradient_descent(X, 2, 0.0, n_steps=1, record_every=1, tol=0.0, A0=A0, B0=B0)
    assert run.n_steps == 1 and len(run.history) == 2
    with pytest.raises(ValueError, match="record_every"):
        gradient_descent(X, 2, 1.0, record_every=0)
    with pytest.raises(ValueError, match=r"^B0 has shape \(5, 1\), expected \(5, 2\)"):
        gradient_descent(X, 2, 1.0, A0=A0, B0=B0[:, :1])
    with pytest.raises(ValueError, match=r"^A0 has shape \(4, 2\), expected \(5, 2\)"):
        gradient_descent(X, 2, 1.0, A0=A0[:4], B0=B0)
    with pytest.raises(TypeError, match="A0 must be a dense array"):
        gradient_descent(X, 2, 1.0, A0=sp.csr_matrix(A0), B0=B0)
    with pytest.raises(TypeError, match="B0 must be a dense array"):
        gradient_descent(X, 2, 1.0, A0=A0, B0=sp.csr_matrix(B0))
    with pytest.raises(ValueError, match="steps"):
        gradient_descent(X, 2, 1.0, steps="adam")
    # `ratio` is ignored by block steps
    block = gradient_descent(X, 2, 1.0, n_steps=2, A0=A0, B0=B0, ratio=0.3)
    assert np.array_equal(block.A, gradient_descent(X, 2, 1.0, n_steps=2, A0=A0, B0=B0).A)


def test_sparse_data_gives_the_dense_run():
    X = _data(n=30, p=8)
    X[np.abs(X) < 1.0] = 0.0
    dense = gradient_descent(X, 2, 3.0, "eq2", n_steps=20)
    sparse = gradient_descent(sp.csr_matrix(X), 2, 3.0, "eq2", n_steps=20)
    assert_allclose(sparse.A, dense.A, rtol=1e-10, atol=1e-13)


def test_block_lipschitz_with_a_given_sigma_and_small_spectra():
    """sigma_max replaces σ₁ (its square enters); for G with σ₁² < 1 (and G = 0) the formulas hold."""
    rng = np.random.default_rng(8)
    X = 0.05 * rng.standard_normal((10, 4))           # σ₁² well below 1
    G = X.T @ X
    A, B = rng.standard_normal((2, 4, 3))              # k = 3: ‖BᵀB‖₂ is the last of three eigenvalues
    s2 = np.linalg.eigvalsh(G)[-1]
    nB = np.linalg.norm(B, 2) ** 2
    lam = 0.3
    assert_allclose(block_lipschitz(G, A, B, lam, "eq1"),
                    [2 * (s2 + lam) * nB, 2 * np.linalg.eigvalsh(A.T @ G @ A + lam * A.T @ A)[-1]], rtol=1e-12)
    assert_allclose(block_lipschitz(G, A, B, lam, "eq2"),
                    [2 * s2 * (nB + lam), 2 * (np.linalg.eigvalsh(A.T @ G @ A)[-1] + lam)], rtol=1e-12)
    for objective in ("eq1", "eq2"):
        assert_allclose(block_lipschitz(G, A, B, lam, objective, sigma_max=np.sqrt(s2)),
                        block_lipschitz(G, A, B, lam, objective), rtol=1e-12)
    L_B = 2 * np.linalg.eigvalsh(A.T @ G @ A + lam * A.T @ A)[-1]
    assert_allclose(block_lipschitz(G, A, B, lam, "eq1", sigma_max=3.0), [2 * (9.0 + lam) * nB, L_B], rtol=1e-12)
    assert_allclose(block_lipschitz(np.zeros((4, 4)), A, B, lam, "eq1"),
                    [2 * lam * nB, 2 * lam * np.linalg.norm(A, 2) ** 2], rtol=1e-12)
    assert block_lipschitz(G, A, B, lam, "eq2", sigma_max=0.0)[0] == 0.0
    with pytest.raises(ValueError, match="sigma_max"):
        block_lipschitz(G, A, B, lam, "eq1", sigma_max=-0.1)
    with pytest.raises(ValueError, match="^B has 1 columns"):
        block_lipschitz(G, A, B[:, :1], lam, "eq1")
    with pytest.raises(ValueError, match="^A has 3 rows"):
        block_lipschitz(G, A[:3], B, lam, "eq1")
    with pytest.raises(ValueError, match="^B has 3 rows"):
        block_lipschitz(G, A, B[:3], lam, "eq1")
    with pytest.raises(ValueError, match="G must be square"):
        block_lipschitz(G[:, :3], A, B, lam, "eq1")
    with pytest.raises(TypeError, match="G must be a dense array"):
        block_lipschitz(sp.csr_matrix(G), A, B, lam, "eq1")


def test_train_runs_are_consecutive_seeds():
    X = _data(n=20, p=6)
    runs = train_runs(X, 2, 1.0, "eq2", n_runs=2, seed=5, n_steps=3, init_scale=0.3)
    for r, run in enumerate(runs):
        ref = gradient_descent(X, 2, 1.0, "eq2", seed=5 + r, n_steps=3, init_scale=0.3)
        assert np.array_equal(run.A, ref.A) and np.array_equal(run.B, ref.B)
    assert len(train_runs(X, 2, 1.0, n_runs=1, n_steps=1)) == 1
    # defaults: Eq. (1), five runs from seeds 0, …, 4
    default = train_runs(X, 2, 1.0, n_steps=2)
    assert len(default) == 5
    for r, run in enumerate(default):
        assert np.array_equal(run.A, gradient_descent(X, 2, 1.0, "eq1", seed=r, n_steps=2).A)
    with pytest.raises(ValueError, match="n_runs"):
        train_runs(X, 2, 1.0, n_runs=0)


def _cos(B):
    N = B / np.linalg.norm(B, axis=1, keepdims=True)
    return N @ N.T


def test_cosine_spread_exact():
    """Three runs of four items, by hand: pairs (1, 0), (2, 0), (2, 1) of runs, items i < j."""
    B1 = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, -1.0]])
    B2 = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, -2.0]])
    B3 = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [-1.0, 1.0]])
    runs = [B1, B2, B3]
    iu = np.triu_indices(4, k=1)
    d = np.concatenate([np.abs(_cos(runs[r])[iu] - _cos(runs[s])[iu]) for r in range(3) for s in range(r)])
    N = [np.argsort(-(_cos(B) - 2 * np.eye(4)), axis=1, kind="stable")[:, :1] for B in runs]
    per_pair = [np.mean([len(set(N[r][i]) & set(N[s][i])) for i in range(4)]) for r in range(3) for s in range(r)]
    out = cosine_spread(runs, n_neighbours=1)
    assert out["max_abs_diff"] == pytest.approx(d.max(), rel=1e-14)
    assert out["mean_abs_diff"] == pytest.approx(d.mean(), rel=1e-14)
    assert out["mean_topk_overlap"] == pytest.approx(np.mean(per_pair), rel=1e-14)
    assert out["min_topk_overlap"] == pytest.approx(min(per_pair), rel=1e-14)
    assert min(per_pair) < np.mean(per_pair) < max(per_pair)
    with pytest.raises(ValueError, match="same number of rows"):
        cosine_spread([B1, B1[:3]], n_neighbours=1)


def test_item_item_cosine_diff_and_relative_error_exact():
    from cossim.beyond.training import item_item_cosine_diff

    B1 = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    B2 = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    # cosines (0,1), (0,2), (1,2): B1 0, ½√2, ½√2; B2 ½√2, 0, ½√2
    assert item_item_cosine_diff(B1, B2) == pytest.approx(np.sqrt(2) / 3, rel=1e-14)
    with pytest.raises(ValueError, match="same number of rows"):
        item_item_cosine_diff(B1, B2[:2])
    assert relative_error([[3.0, 4.0]], [[0.0, 5.0]]) == pytest.approx(np.sqrt(10) / 5, rel=1e-15)
    assert relative_error(np.array([1, 2]), np.array([1, 1])) == pytest.approx(1 / np.sqrt(2), rel=1e-15)
    with pytest.raises(ValueError, match="shape"):
        relative_error(np.ones(3), np.ones(2))
    for bad in ([[1 + 2j]], "ab"):            # read as float64: neither is a real number
        with pytest.raises((TypeError, ValueError)):
            relative_error(bad, [[1.0]])
        with pytest.raises((TypeError, ValueError)):
            relative_error([[1.0]], bad)


def test_default_run():
    """Defaults: Eq. (1), seed 0, 3000 block steps of scale 1 from N(0, 1/p) factors, tol 0, a record
    every 10 steps."""
    X = _data(n=15, p=5)
    run = gradient_descent(X, 2, 1.0)
    explicit = gradient_descent(X, 2, 1.0, "eq1", seed=0, n_steps=3000, init_scale=1.0, step_scale=1.0,
                                tol=0.0, record_every=10, steps="block")
    assert run.n_steps == 3000 and len(run.history) == 301 and not run.converged
    assert np.array_equal(run.A, explicit.A) and np.array_equal(run.history, explicit.history)


def test_rounding_increases_at_the_optimum_are_accepted():
    """At the closed-form optimum a step changes f only by rounding (≈ ε|f|); the test
    f_new > f + 1e-13|f| accepts it, so no step is rejected and the scale stays 1."""
    X = 30.0 * np.random.default_rng(0).standard_normal((40, 8))   # f ≈ 1.4e5: rounding ≫ 1e-13 / f
    ref = cossim.fit_eq1(X, 3, 900.0)
    run = gradient_descent(X, 3, 900.0, n_steps=40, record_every=1, A0=ref.A, B0=ref.B)
    assert run.n_steps == 40 and run.step_scale == 1.0
    assert np.ptp(run.history) <= 1e-13 * run.history[0]
    assert np.any(np.diff(run.history) > 0)          # some steps did raise f by rounding


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_the_halving_stops_below_1e_12_not_at_it():
    """From step_scale 2e-12 the first halving gives exactly 1e-12, which is still tried."""
    X, _, B0 = _small()
    run = gradient_descent(X, 2, 1.0, "eq1", n_steps=3, A0=np.full((5, 2), 1e160), B0=B0, step_scale=2e-12)
    assert 2e-12 / 2 == 1e-12 and run.n_steps == 0 and run.step_scale == 5e-13


@pytest.mark.filterwarnings("error::DeprecationWarning")
def test_no_deprecated_numpy_call():
    X, A0, B0 = _small()
    for steps in ("block", "ratio"):
        gradient_descent(X, 2, 1.0, n_steps=4, record_every=2, tol=1e-300, A0=A0, B0=B0, steps=steps)


def test_cosine_spread_default_neighbours():
    runs = list(np.random.default_rng(1).standard_normal((2, 12, 3)))
    assert cosine_spread(runs) == cosine_spread(runs, n_neighbours=10)
    assert cosine_spread(runs) != cosine_spread(runs, n_neighbours=11)
