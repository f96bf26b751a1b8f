"""Tests of cossim.report.discussion_report (Section 4.2's loops); the claims' quantities are
exercised on a small case in tests/report/ledger/test_breaks_discussion.py."""

import numpy as np
import pytest

from cossim.report import discussion_report as DR
from cossim.report import training_remedies_report as TR


@pytest.fixture(scope="module")
def data():
    return TR.simulated(600, 40, 3, 0, 4, 200.0)


def test_deep_rows_summarise_the_seeds(data):
    eig = DR.eigen(data, 20)
    runs = DR.deep_runs(eig, 4, 50.0, n_seeds=2, init_scale=0.3, max_iter=500)
    rows = DR.deep_rows(data, runs)
    assert [(r["depth"], r["seeds"]) for r in rows] == [(1, 2), (2, 2)]
    assert rows[0]["largest cosine gap between seeds"] == DR.seed_gaps(runs)[1]
    assert DR.fit_excess(eig, 50.0, 4, 1, runs[1]) >= -1e-9


def test_retrieval_rows_and_statistics(data):
    X_train, X_test, fits = DR.retrieval_fits(data, 5.0, share=0.2)
    assert list(fits) == list(DR.RETRIEVAL_MODELS)
    rows, per_user = DR.retrieval_rows(data, X_train, X_test, fits, top_n=5, n_neighbours=3)
    assert [r["model"] for r in rows] == list(DR.RETRIEVAL_MODELS)
    for r in rows:
        assert r["recall@5, dot"] == pytest.approx(per_user[r["model"]][0].mean())
    assert DR.dot_recall_range(per_user) == 0.0


def test_recall_z_exact():
    dot, cos = np.array([1.0, 0.5, 0.5, 1.0]), np.array([0.5, 0.5, 0.0, 0.5])
    diff = dot - cos
    assert DR.recall_z(dot, cos) == pytest.approx(diff.mean() / (diff.std(ddof=1) / 2))
    assert DR.recall_z(cos, cos) == 0.0
    assert DR.recall_z(cos + 0.5, cos) == np.inf
