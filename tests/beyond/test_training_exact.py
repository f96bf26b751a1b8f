"""gradient_descent's loop against the straightforward loop: every number bit-identical.

The loop of :func:`cossim.beyond.training._descend` forms the Lipschitz constants and
the gradient once per point, stacks the two k × k spectra into one ``eigvalsh`` call
and skips ``AᵀA`` on Eq. (2) steps; the reference below recomputes all of it at every
step with separate calls, as the plain formulas read. Results must be equal, not close.
"""

import numpy as np
import pytest

from cossim.beyond.training import _lipschitz, gradient_descent
from cossim.linalg.gram import gram_matrix
from cossim.paper.models import gradient_from_products, gram_products


def _objective(x2, B, lam, which, prod):
    rec = x2 - 2.0 * float(np.sum(prod.GA * B)) + float(np.sum(prod.AtGA * prod.BtB))
    if which == "eq1":
        return rec + lam * float(np.sum(prod.AtA * prod.BtB))
    return rec + lam * (float(np.trace(prod.AtGA)) + float(np.sum(B * B)))


def _lipschitz_plain(s2, lam, which, prod):
    nB = np.linalg.eigvalsh(prod.BtB)[-1]
    if which == "eq1":
        return 2.0 * (s2 + lam) * nB, 2.0 * np.linalg.eigvalsh(prod.AtGA + lam * prod.AtA)[-1]
    return 2.0 * s2 * (nB + lam), 2.0 * (np.linalg.eigvalsh(prod.AtGA)[-1] + lam)


def _reference(X, A, B, lam, which, n_steps, step_scale, tol, record_every, ratio):
    """The loop as first written: everything recomputed at every step, rejected or not."""
    tiny = np.finfo(np.float64).tiny
    G = gram_matrix(X)
    x2 = float(np.trace(G))
    s2 = np.sqrt(max(float(np.linalg.eigvalsh(G)[-1]), 0.0)) ** 2
    scale, prod = step_scale, gram_products(G, A, B)
    L_A, L_B = _lipschitz_plain(s2, lam, which, prod)
    rho = float(ratio) if ratio is not None else L_B / L_A
    C0 = prod.AtA - rho * prod.BtB
    drift = 0.0 if (ratio is not None and which == "eq1") else np.nan
    f = _objective(x2, B, lam, which, prod)
    history, f_rec, t = [f], f, 0
    while t < n_steps:
        L_A, L_B = _lipschitz_plain(s2, lam, which, prod)
        dA, dB = gradient_from_products(A, B, G @ B, lam, which, prod)
        if ratio is None:
            eta_A, eta_B = scale / max(L_A, tiny), scale / max(L_B, tiny)
        else:
            eta_A = scale * min(1.0 / max(L_A, tiny), ratio / max(L_B, tiny))
            eta_B = eta_A / ratio
        A_new, B_new = A - eta_A * dA, B - eta_B * dB
        prod_new = gram_products(G, A_new, B_new)
        f_new = _objective(x2, B_new, lam, which, prod_new)
        if not np.isfinite(f_new) or f_new > f + 1e-13 * abs(f):
            scale /= 2.0
            if scale < 1e-12:
                break
            continue
        if drift == drift:
            drift += eta_A * float(np.linalg.norm(eta_A * (dA.T @ dA) - eta_B * (dB.T @ dB)))
        A, B, f, prod = A_new, B_new, f_new, prod_new
        t += 1
        scale = min(step_scale, scale * 1.01)
        if t % record_every == 0:
            history.append(f)
            if tol > 0 and abs(f_rec - f) <= tol * max(abs(f), tiny):
                break
            f_rec = f
    return A, B, np.asarray(history), t, scale, rho, C0, prod.AtA - rho * prod.BtB, drift


@pytest.mark.parametrize("which,lam", [("eq1", 4.0), ("eq1", 0.0), ("eq2", 3.0), ("eq2", 0.0)])
@pytest.mark.parametrize("steps", ["block", "ratio"])
@pytest.mark.parametrize("step_scale", [1.0, 6.0])
def test_gradient_descent_equals_the_plain_loop_bit_for_bit(which, lam, steps, step_scale):
    rng = np.random.default_rng(7)
    X = rng.poisson(0.4, (120, 25)).astype(float)
    A0 = rng.standard_normal((25, 4)) * 0.1
    B0 = rng.standard_normal((25, 4))
    ratio = None
    if steps == "ratio":
        G = gram_matrix(X)
        s2 = max(float(np.linalg.eigvalsh(G)[-1]), 0.0)
        L_A, L_B = _lipschitz_plain(s2, lam, which, gram_products(G, A0, B0))
        ratio = L_B / L_A
    run = gradient_descent(X, 4, lam, which, A0=A0, B0=B0, n_steps=400, step_scale=step_scale,
                           record_every=3, steps=steps)
    ref = _reference(X, A0, B0, lam, which, 400, step_scale, 0.0, 3, ratio)
    got = (run.A, run.B, run.history, run.n_steps, run.step_scale, run.ratio, run.imbalance0,
           run.imbalance, run.drift_bound)
    for name, a, b in zip(("A", "B", "history", "n_steps", "step_scale", "ratio", "imbalance0",
                           "imbalance", "drift"), got, ref):
        assert np.array_equal(a, b, equal_nan=True), name
    if step_scale > 1.0:  # the overshooting start must have exercised rejected steps
        assert run.step_scale < step_scale or run.history.size > 1


def test_tol_stop_equals_the_plain_loop():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((80, 20))
    A0, B0 = rng.standard_normal((2, 20, 3))
    for which in ("eq1", "eq2"):
        run = gradient_descent(X, 3, 2.0, which, A0=A0, B0=B0, n_steps=5000, tol=1e-7, record_every=4)
        ref = _reference(X, A0, B0, 2.0, which, 5000, 1.0, 1e-7, 4, None)
        assert run.n_steps == ref[3] < 5000
        assert np.array_equal(run.history, ref[2]) and np.array_equal(run.B, ref[1])


@pytest.mark.parametrize("which", ["eq1", "eq2"])
def test_stacked_lipschitz_equals_separate_eigvalsh_calls(which):
    rng = np.random.default_rng(11)
    for _ in range(20):
        G = rng.standard_normal((30, 30))
        G = G @ G.T
        A, B = rng.standard_normal((2, 30, 5)) * rng.uniform(0.01, 10.0, 2)[:, None, None]
        prod = gram_products(G, A, B)
        got = _lipschitz(3.7, 0.9, which, prod)
        want = _lipschitz_plain(3.7, 0.9, which, prod)
        assert got == want and type(got[0]) is type(want[0])
        buf = np.full((2, 5, 5), np.nan)  # a reused buffer: stale content must not matter
        assert _lipschitz(3.7, 0.9, which, prod, buf) == want
