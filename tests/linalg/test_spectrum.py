"""cossim.linalg.spectrum: exact top-k singular values / vectors for dense and sparse X."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

import cossim


def random_data(seed, n=60, p=15, density=0.3):
    rng = np.random.default_rng(seed)
    return (rng.random((n, p)) < density) * rng.uniform(0.5, 2.0, (n, p))


@pytest.mark.parametrize("method", ["gram", "svd", "iterative", "auto"])
def test_matches_lapack_svd(method):
    X = random_data(0)
    k = 6
    spec = cossim.top_singular(X, k, method=method)
    _, s, Vt = np.linalg.svd(X, full_matrices=False)
    assert_allclose(spec.sigma, s[:k], rtol=1e-10)
    # same subspace, same orientation up to the sign convention
    assert_allclose(np.abs(spec.V.T @ Vt[:k].T), np.eye(k), atol=1e-8)


def test_sparse_equals_dense():
    X = random_data(1, density=0.1)
    dense = cossim.top_singular(X, 5)
    sparse = cossim.top_singular(sp.csr_matrix(X), 5)
    assert_allclose(sparse.sigma, dense.sigma, rtol=1e-12)
    assert_allclose(sparse.V, dense.V, atol=1e-10)


def test_sign_convention_is_deterministic_and_documented():
    X = random_data(2)
    spec = cossim.top_singular(X, 4)
    flipped = cossim.top_singular(-X, 4)  # same V up to sign per column
    assert_allclose(spec.V, flipped.V, atol=1e-10)
    idx = np.argmax(np.abs(spec.V), axis=0)
    assert np.all(spec.V[idx, np.arange(4)] > 0)


def test_descending_and_orthonormal():
    spec = cossim.top_singular(random_data(3), 15)
    assert np.all(np.diff(spec.sigma) <= 0)
    assert_allclose(spec.V.T @ spec.V, np.eye(15), atol=1e-10)


def test_rank_deficient_gives_exact_zeros():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((30, 3)) @ rng.standard_normal((3, 10))
    for method in ("gram", "svd"):
        spec = cossim.top_singular(X, 10, method=method)
        assert np.all(spec.sigma[3:] == 0.0), method
        assert np.all(spec.sigma[:3] > 0)
        assert_allclose(spec.V.T @ spec.V, np.eye(10), atol=1e-8)


def test_default_rank_is_p():
    spec = cossim.top_singular(random_data(5, p=7))
    assert spec.sigma.shape == (7,) and spec.V.shape == (7, 7)


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 25), p=st.integers(1, 12), seed=st.integers(0, 10_000),
    data=st.data(),
)
def test_property_gram_matches_svd(n, p, seed, data):
    """Random shapes, including n < p and n = 1: Gram path equals LAPACK."""
    k = data.draw(st.integers(1, p))
    X = np.random.default_rng(seed).standard_normal((n, p))
    gram = cossim.top_singular(X, k, method="gram")
    ref = cossim.top_singular(X, k, method="svd")
    scale = max(ref.sigma[0], 1.0)
    assert_allclose(gram.sigma, ref.sigma, atol=1e-6 * scale)
    # projector onto the span of well-separated leading vectors agrees
    s = ref.sigma
    gap_ok = [i for i in range(k) if s[i] > 1e-3 * scale
              and (i == 0 or s[i - 1] - s[i] > 1e-3 * scale)
              and (i + 1 >= len(s) or s[i] - s[i + 1] > 1e-3 * scale)]
    for i in gap_ok:
        assert_allclose(np.abs(gram.V[:, i] @ ref.V[:, i]), 1.0, atol=1e-6)


@pytest.mark.parametrize("bad, exc, word", [
    (np.array([[1.0, np.nan], [0.0, 1.0]]), ValueError, "NaN"),
    (np.array([[1.0, np.inf], [0.0, 1.0]]), ValueError, "NaN or inf"),
    (np.ones(3), ValueError, "2-D"),
    (np.ones((0, 3)), ValueError, "empty"),
    (np.ones((2, 2), dtype=complex), TypeError, "complex"),
    (np.array([[object()]]), TypeError, "object"),
    ("abc", TypeError, "X"),
])
def test_bad_input_is_named(bad, exc, word):
    with pytest.raises(exc, match=word):
        cossim.top_singular(bad, 1)


@pytest.mark.parametrize("k", [0, -1, 4])
def test_rank_out_of_range(k):
    with pytest.raises(ValueError, match="k must satisfy"):
        cossim.top_singular(np.ones((3, 3)), k)


def test_rank_wrong_type_and_method():
    with pytest.raises(TypeError, match="k must be an integer"):
        cossim.top_singular(np.ones((3, 3)), 1.5)
    with pytest.raises(ValueError, match="method"):
        cossim.top_singular(np.ones((3, 3)), 1, method="magic")
