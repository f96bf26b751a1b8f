"""cossim.linalg.dense: the dense LAPACK SVD route and its padding when rank < k."""

import numpy as np
from numpy.testing import assert_allclose, assert_array_equal

from cossim.linalg.dense import _by_dense_svd, _pad_svd


def test_dense_svd_matches_numpy():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 6))
    sigma, V = _by_dense_svd(X, 4)
    _, s, Vt = np.linalg.svd(X, full_matrices=False)
    assert_array_equal(sigma, s[:4])
    assert_array_equal(V, Vt[:4].T)


def test_fewer_rows_than_k_pads_with_an_orthonormal_complement():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((2, 5))
    sigma, V = _by_dense_svd(X, 4)
    assert sigma.shape == (4,) and V.shape == (5, 4)
    assert np.all(sigma[:2] > 0) and np.all(sigma[2:] == 0)
    assert_allclose(V.T @ V, np.eye(4), atol=1e-12)


def test_noise_level_singular_values_become_exact_zeros():
    s = np.array([1.0, 1e-17, 0.0])
    sigma, _ = _pad_svd(s, np.eye(3), 3, 3, 3)
    assert_array_equal(sigma, [1.0, 0.0, 0.0])
