"""cossim.linalg.gram: the one XᵀX of the package, and the eigenpairs of it."""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal

import cossim
from cossim.linalg import gram as gram_module
from cossim.linalg.gram import _eigh_top, gram_matrix


def test_public_name_is_the_one_implementation():
    assert cossim.gram_matrix is gram_matrix
    assert cossim.paper.optim.gram_matrix is gram_matrix


@pytest.mark.parametrize("sparse", [False, True])
def test_binary_data_is_exact_and_symmetric(sparse):
    """0/1 data: every entry of XᵀX is an integer count, computed exactly
    (float32 BLAS when exact, or the sparse product)."""
    rng = np.random.default_rng(0)
    X = (rng.random((300, 40)) < 0.2).astype(float)
    exact = (X.astype(np.int64).T @ X.astype(np.int64)).astype(float)
    G = gram_matrix(sp.csr_matrix(X) if sparse else X)
    assert G.dtype == np.float64
    assert_array_equal(G, exact)
    assert_array_equal(G, G.T)


def test_real_data_matches_product_to_rounding():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((200, 30))
    G = gram_matrix(X)
    ref = X.T @ X
    # each entry is a sum of n products: rounding error below n·eps·Σ|x_ui x_uj|
    bound = X.shape[0] * np.finfo(float).eps * (np.abs(X).T @ np.abs(X))
    assert np.all(np.abs(G - ref) <= bound)
    assert_array_equal(G, G.T)


def test_sparse_routes_agree():
    """A sparse X takes the sparse product or the dense blocks by cost; both give XᵀX."""
    very_sparse = sp.random(500, 50, density=0.01, random_state=3, format="csr")
    dense_enough = sp.random(500, 50, density=0.6, random_state=4, format="csr")
    for X in (very_sparse, dense_enough):
        assert_allclose(gram_matrix(X), (X.T @ X).toarray(), rtol=1e-12, atol=1e-12)


def test_float32_route_only_when_exact():
    assert gram_module._exact_in_float32(np.array([0.0, 1.0, 3.0]), 1000)
    assert not gram_module._exact_in_float32(np.array([0.5]), 10)        # not integers
    assert not gram_module._exact_in_float32(np.array([1.0, 2.0]), 2**23)  # sums reach 2²⁴


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="X contains NaN"):
        gram_matrix(np.array([[1.0, np.nan]]))
    with pytest.raises(TypeError, match="X has complex dtype"):
        gram_matrix(np.ones((2, 2), dtype=complex))


def test_eigh_top_gives_descending_sigma_and_eigenvectors():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((50, 8))
    sigma, V = _eigh_top(gram_matrix(X), 3)
    s = np.linalg.svd(X, compute_uv=False)
    assert_allclose(sigma, s[:3], rtol=1e-12)
    assert_allclose(V.T @ V, np.eye(3), atol=1e-12)
    assert_allclose(X.T @ X @ V, V * sigma**2, rtol=1e-10, atol=1e-10 * s[0] ** 2)
