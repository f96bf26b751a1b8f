"""Tests of cossim.beyond._fitting: packing parameter blocks and L-BFGS on them."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from cossim.beyond._fitting import lbfgs, pack, unpack


def test_pack_unpack_round_trip():
    blocks = [np.arange(6.0).reshape(2, 3), 2.5, np.ones(4)]
    theta = pack(blocks)
    assert theta.shape == (11,)
    out = unpack(theta, [(2, 3), (), (4,)])
    assert_allclose(out[0], blocks[0]) and out[1] == 2.5 and isinstance(out[1], float)
    assert_allclose(out[2], blocks[2])


def test_lbfgs_minimises_a_quadratic_over_blocks():
    target = np.array([[1.0, -2.0], [0.5, 3.0]])

    def value_and_grads(M, s):
        r = M - target
        return float(np.sum(r * r) + (s - 4.0) ** 2), [2 * r, 2 * (s - 4.0)]

    (M, s), info = lbfgs(value_and_grads, [np.zeros((2, 2)), 0.0], max_iter=100)
    assert_allclose(M, target, atol=1e-8) and s == pytest.approx(4.0, abs=1e-8)
    assert info.converged and info.objective < 1e-14 and info.grad_norm < 1e-6
