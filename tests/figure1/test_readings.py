"""Tests of cossim.figure1.readings: Figure 1 over seeds and readings of the open choices."""

from types import SimpleNamespace

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import cossim
from cossim.figure1 import readings as R
from cossim.figure1.panels import PANELS
from cossim.figure1.pipeline import PAPER_PARAMETERS
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


def test_reading_kwargs_defaults_are_the_paper_scale():
    """Without sizes, a reading is resolved at the paper's scale (C = 5 clusters, p = 1000 items);
    p(c) ∝ C, …, 1 is a float vector, and the p/10 cap is at least one item."""
    probs = R.reading_kwargs("unequal_clusters")["cluster_probs"]
    assert probs.dtype == np.float64
    assert_array_equal(probs, [5.0, 4.0, 3.0, 2.0, 1.0])
    assert R.reading_kwargs("capped_activity")["max_items_per_user"] == 100
    assert R.reading_kwargs("capped_activity", 3, 9)["max_items_per_user"] == 1  # 9 // 10 = 0 → 1
    assert R.reading_kwargs("capped_activity", 3, 29)["max_items_per_user"] == 2
    assert R.reading_kwargs("default") == {}


def test_robustness_passes_every_setting_to_the_pipeline(monkeypatch):
    """robustness() calls simulate_figure1 once per reading × seed with its own sizes, λs, k,
    n_neighbours and the reading's keyword arguments; the defaults are the paper's setting
    (5 seeds, every reading). The pipeline is replaced by a recorder (the wiring, not the numbers)."""
    calls = []

    def recorder(n_users, n_items, n_clusters, **kwargs):
        calls.append(((n_users, n_items, n_clusters), kwargs))
        return SimpleNamespace(scores={name: {"auc": 0.5 + len(calls) / 1000, "neighbour_purity": len(calls) / 100}
                                       for name in PANELS})

    monkeypatch.setattr(R, "simulate_figure1", recorder)
    frame = R.robustness()
    paper = PAPER_PARAMETERS
    assert len(calls) == len(R.READINGS) * 5 and len(frame) == len(calls) * len(PANELS)
    expected = [(reading, seed) for reading in R.READINGS for seed in range(5)]
    assert [(kw.get("seed"), args) for args, kw in calls] == \
        [(seed, (paper["n_users"], paper["n_items"], paper["n_clusters"])) for _, seed in expected]
    for (_, kw), (reading, _) in zip(calls, expected):
        resolved = R.reading_kwargs(reading, paper["n_clusters"], paper["n_items"])
        assert {k: v for k, v in kw.items() if k in ("rank", "lam1", "lam2", "n_neighbours")} == \
            {"rank": paper["rank"], "lam1": paper["lam1"], "lam2": paper["lam2"], "n_neighbours": 10}
        assert set(kw) == {"seed", "rank", "lam1", "lam2", "n_neighbours", *resolved}
        for key, value in resolved.items():
            assert_array_equal(kw[key], value)
    first = frame[(frame.reading == "default") & (frame.seed == 0) & (frame.panel == "eq2")]
    assert_allclose(first[["auc", "neighbour_purity"]].to_numpy(), [[0.501, 0.01]], rtol=0)
    calls.clear()
    R.robustness(seeds=[7], readings=["unequal_clusters"], n_users=50, n_items=40, n_clusters=3,
                 rank=4, lam1=2.0, lam2=3.0, n_neighbours=5)
    (args, kw), = calls
    assert args == (50, 40, 3)
    assert {k: v for k, v in kw.items() if k != "cluster_probs"} == \
        {"seed": 7, "rank": 4, "lam1": 2.0, "lam2": 3.0, "n_neighbours": 5}
    assert_array_equal(kw["cluster_probs"], [3.0, 2.0, 1.0])


def test_robustness_summary_of_neighbour_purity():
    """The summary of the other score reads that column: mean ± sd over the seeds."""
    import pandas as pd

    frame = pd.DataFrame({"reading": ["r"] * 2, "seed": [0, 1], "panel": ["eq2"] * 2,
                          "auc": [0.9, 0.9], "neighbour_purity": [0.25, 0.75]})
    table = R.robustness_summary(frame, "neighbour_purity", digits=2, panels=["eq2"])
    assert table.loc["r", "eq2"] == "0.50\u00a0±\u00a00.35"  # sd of {¼, ¾} = ½/√2 = 0.354
