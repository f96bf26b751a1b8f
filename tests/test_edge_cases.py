"""Edge cases of the core get a defined, finite answer; all dtypes and sparse agree."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

import cossim


def binary(seed, n, p, density):
    return (np.random.default_rng(seed).random((n, p)) < density).astype(float)


def all_finite(*arrays):
    return all(np.all(np.isfinite(a)) for a in arrays)


@pytest.mark.parametrize("fit, args", [(cossim.fit_eq1, (3, 2.0)), (cossim.fit_eq2, (3, 0.5))])
def test_zero_rows_and_columns(fit, args):
    X = binary(0, 12, 6, 0.4)
    X[3] = 0      # a user with no interactions
    X[:, 2] = 0   # an item nobody consumed
    A, B = fit(X, *args)
    assert all_finite(A, B)
    assert_allclose(B[2], 0, atol=1e-12)  # the unused item gets the zero embedding
    S = cossim.item_item_cosine(B)
    assert all_finite(S) and np.all(S[2] == 0)
    U = cossim.user_user_cosine(X, A)
    assert all_finite(U) and np.all(U[3] == 0)
    assert all_finite(cossim.user_item_cosine(X, A, B))


@pytest.mark.parametrize("n, p", [(1, 5), (7, 1), (1, 1)])
def test_single_user_or_single_item(n, p):
    X = np.ones((n, p))
    for scaling in ("a", "symmetric", "b", "inv_sqrt_sigma"):
        A, B = cossim.fit_eq1(X, 1, 1.0, scaling)
        assert all_finite(A, B)
        assert_allclose(A @ B.T, np.full((p, p), n * p / (n * p + 1.0) / p), atol=1e-12)
    A, B = cossim.fit_eq2(X, 1, 0.5)
    assert all_finite(A, B)


def test_rank_below_k_and_lambda_zero():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((10, 2)) @ rng.standard_normal((2, 6))  # rank 2
    for lam in (0.0, 1.0):
        for scaling in (-1.0, 0.0, 0.5, 1.0, 2.0, "inv_sqrt_sigma"):
            A, B = cossim.fit_eq1(X, 5, lam, scaling)
            assert all_finite(A, B)
            assert np.all(A[:, 2:] == 0) and np.all(B[:, 2:] == 0)
        A, B = cossim.fit_eq2(X, 5, lam)
        assert all_finite(A, B) and np.all(B[:, 2:] == 0)
    # λ = 0, full rank: Eq. (1) reproduces X exactly
    X = rng.standard_normal((10, 4))
    A, B = cossim.fit_eq1(X, 4, 0.0)
    assert_allclose(X @ A @ B.T, X, atol=1e-10)


def test_duplicate_items_get_identical_embeddings():
    X = binary(2, 30, 5, 0.5)
    X = np.hstack([X, X[:, [1]]])  # item 5 duplicates item 1
    for _A, B in (cossim.fit_eq1(X, 4, 1.0, "symmetric"), cossim.fit_eq2(X, 4, 0.3)):
        assert_allclose(B[5], B[1], atol=1e-10)
        assert_allclose(cossim.item_item_cosine(B)[1, 5], 1.0, atol=1e-10)


@pytest.mark.parametrize("convert", [
    lambda X: X.astype(bool), lambda X: X.astype(np.int32), lambda X: X.astype(np.int64),
    lambda X: X.astype(np.float32), sp.csr_matrix, sp.csc_matrix, sp.coo_matrix,
    lambda X: sp.csr_matrix(X.astype(np.float32)), lambda X: X.tolist(),
])
def test_dtypes_and_sparse_agree(convert):
    X = binary(3, 25, 8, 0.4)
    Xc = convert(X)
    for fit, args in ((cossim.fit_eq1, (4, 1.5, "symmetric")), (cossim.fit_eq2, (4, 0.5))):
        ref, got = fit(X, *args), fit(Xc, *args)
        assert_allclose(got.A, ref.A, atol=1e-10)
        assert_allclose(got.B, ref.B, atol=1e-10)
    assert_allclose(cossim.top_singular(Xc, 3).sigma, cossim.top_singular(X, 3).sigma, rtol=1e-12)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 30), p=st.integers(1, 12),
       density=st.floats(0.0, 1.0), lam=st.floats(0.0, 50.0), data=st.data())
def test_property_finite_and_d_invariant_predictions(seed, n, p, density, lam, data):
    """Over random shapes, ranks and sparsity patterns (all-zero X included): every
    member of the Eq. (1) family is finite and predicts the same XABᵀ; Eq. (2) is finite."""
    k = data.draw(st.integers(1, p))
    X = sp.csr_matrix(binary(seed, n, p, density))
    spec = cossim.top_singular(X, k)
    preds = []
    for scaling in (-1.0, 0.0, 0.5, 1.0, 2.0, "inv_sqrt_sigma"):
        A, B = cossim.eq1_factors(spec, lam, scaling)
        assert all_finite(A, B)
        preds.append(np.asarray(X @ A) @ B.T)
        assert all_finite(cossim.item_item_cosine(B))
    for P in preds[1:]:
        assert_allclose(P, preds[0], atol=1e-9 * (1 + np.abs(preds[0]).max()))
    A, B = cossim.eq2_factors(spec, lam)
    assert all_finite(A, B, cossim.item_item_cosine(B))
