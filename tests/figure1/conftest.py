"""A small simulation and its Figure-1 result, shared by the tests of cossim.figure1."""

import pytest

import cossim
from cossim.figure1.pipeline import simulate_figure1


@pytest.fixture(scope="session")
def small():
    """3000 users, 150 items, 3 clusters: the data and its Figure-1 result."""
    result = simulate_figure1(3000, 150, 3, seed=1, rank=12, lam1=2000.0, lam2=30.0)
    data = cossim.simulate(3000, 150, 3, seed=1)
    return data, result
