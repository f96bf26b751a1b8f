"""Tests of cossim.report.training_remedies_report (Section 3.2's loops); the claims' quantities are
exercised on a small case in tests/report/ledger/test_breaks_training_remedies.py."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from threadpoolctl import threadpool_info

import cossim
from cossim.report import training_remedies_report as TR


@pytest.fixture(scope="module")
def data():
    return TR.simulated(600, 40, 3, 0, 4, 200.0)


def test_data_holds_the_gram_matrix_and_its_spectrum(data):
    assert_allclose(data.G, cossim.gram_matrix(data.X))
    assert data.spectrum.V.shape == (40, 4)
    assert_allclose(data.popularity, np.asarray((data.X != 0).sum(axis=0)).ravel())
    assert 0.5 < data.score(cossim.item_item_cosine(data.spectrum.V)) <= 1.0


def test_unit_item_rows_and_gaps(data):
    fits = TR.unit_item_fits(data, 30, 0)
    assert list(fits) == list(TR.STARTS)
    rows = TR.unit_item_rows(data, fits, TR.eq1_optimum(data))
    assert [r["start"] for r in rows] == list(TR.STARTS)
    assert all(r["excess over Eq. (1) optimum"] >= -1e-12 for r in rows)
    B = fits["γ = 1"].B
    assert TR.max_cosine_gap([B, 3.0 * B]) == pytest.approx(0.0, abs=1e-12)


def test_ips_rows_cover_every_weighting(data):
    rows, grams = TR.ips_rows(data, 5)
    assert [r["weighting"] for r in rows] == list(TR.WEIGHTINGS)
    assert_allclose(grams["users and items"], cossim.debiased_gram(data.X, 1.0, 1.0), rtol=1e-12)
    assert TR.score_range(rows) == pytest.approx(max(r["score"] for r in rows) - min(r["score"] for r in rows))


def test_popularity_z_exact():
    assert TR.popularity_z(0.3, 0.1, 100) == pytest.approx(0.2 / np.sqrt((0.21 + 0.09) / 100))
    assert TR.popularity_z(0.0, 0.0, 10) == 0.0
    assert TR.popularity_z(1.0, 0.0, 10) == np.inf


def test_helpers_run_on_one_blas_thread():
    seen = []

    @TR.one_blas_thread
    def probe():
        seen.extend(i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas")
        return 7

    assert probe() == 7 and seen and all(n == 1 for n in seen)
