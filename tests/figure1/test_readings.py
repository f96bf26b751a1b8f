"""Tests of cossim.figure1.readings: Figure 1 over seeds and readings of the open choices."""

import pytest
from numpy.testing import assert_allclose

import cossim
from cossim.figure1 import readings as R
from cossim.figure1.panels import PANELS
from cossim.paper.simulation import SimulationSettings


def test_readings_change_the_simulation():
    assert "default" in R.READINGS and len(R.READINGS) >= 4
    assert set(R.READING_DESCRIPTIONS) == set(R.READINGS)
    kwargs = R.reading_kwargs("unequal_clusters", 4)
    assert_allclose(kwargs["cluster_probs"], [4, 3, 2, 1])
    assert R.reading_kwargs("capped_activity", 5, 1000)["max_items_per_user"] == 100
    with pytest.raises(ValueError, match="reading"):
        R.reading_kwargs("nonsense")
    for name in R.READINGS:
        assert set(R.READINGS[name]) <= set(SimulationSettings.names()), name
        data = cossim.simulate(200, 30, 3, seed=0, **R.reading_kwargs(name, 3, 30))
        assert data.X.shape == (200, 30)


def test_robustness_table_shape():
    frame = R.robustness(seeds=[0, 1], readings=["default", "capped_activity"], n_users=600,
                         n_items=60, n_clusters=3, rank=6, lam1=500.0, lam2=10.0)
    assert len(frame) == 2 * 2 * len(PANELS)
    assert set(frame.columns) >= {"reading", "seed", "panel", "auc", "neighbour_purity"}
    table = R.robustness_summary(frame)
    assert list(table.columns) == list(PANELS)
    assert list(table.index) == ["default", "capped_activity"]
    mean = frame[(frame.reading == "default") & (frame.panel == "eq2")].auc.mean()
    sd = frame[(frame.reading == "default") & (frame.panel == "eq2")].auc.std(ddof=1)
    assert table.loc["default", "eq2"] == f"{mean:.3f}\u00a0±\u00a0{sd:.3f}"  # never wraps
    with pytest.raises(ValueError, match="score"):
        R.robustness_summary(frame, "precision")
    with pytest.raises(ValueError, match="non-empty"):
        R.robustness(seeds=[], n_users=600, n_items=60, n_clusters=3, rank=6)


def test_panel_ranking():
    scores = {"eq1_gamma0": 0.6, "eq1_gamma0.5": 0.8, "eq1_gamma1": 0.9, "eq2": 0.85}
    assert R.panel_ranking(scores) == ("eq1_gamma1", "eq2", "eq1_gamma0.5", "eq1_gamma0")
