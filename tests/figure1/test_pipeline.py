"""Tests of cossim.figure1.pipeline (Figure 1's pipeline) and cossim.figure1.plotting."""

import json

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal

import cossim
from cossim.figure1 import pipeline as E
from cossim.figure1.plotting import plot_figure1, plot_gamma_sweep, plot_heatmaps


@pytest.fixture(scope="module")
def small():
    """A small simulation and its Figure-1 result."""
    result = E.simulate_figure1(3000, 150, 3, seed=1, rank=12, lam1=2000.0, lam2=30.0)
    data = cossim.simulate(3000, 150, 3, seed=1)
    return data, result


def test_panel_names_and_order():
    assert E.PANELS == ("truth", "eq1_gamma0", "eq1_gamma0.5", "eq1_gamma1", "eq2")
    assert set(E.PANEL_TITLES) == set(E.PANELS)
    assert set(E.PANEL_SHORT_TITLES) == set(E.PANELS)


@pytest.mark.parametrize("integer", [True, False])
def test_figure1_spectrum_matches_dense_svd(integer):
    """Figure 1 takes σ and V from cossim.top_singular; on 0/1 and real-valued X
    (dense and sparse) they equal a dense SVD's, with the same sign convention."""
    rng = np.random.default_rng(0)
    dense = (rng.random((400, 60)) < 0.3).astype(float)
    if not integer:
        dense *= rng.gamma(2.0, size=dense.shape)
    labels = np.arange(60) % 3
    ref = cossim.top_singular(dense, 8, method="svd")
    for X in (sp.csr_matrix(dense), dense):
        result = E.run_figure1(X, labels, rank=8, lam1=50.0, lam2=2.0)
        assert_allclose(result.sigma, ref.sigma, rtol=1e-10)
        fast = cossim.top_singular(X, 8)
        assert_allclose(fast.V, ref.V, atol=1e-8)


def test_figure1_spectrum_sparse_path():
    """Very sparse X takes the sparse Gram product; same answer."""
    X = sp.random(500, 80, density=0.005, random_state=3, format="csr")
    ref = cossim.top_singular(X.toarray(), 5, method="svd")
    assert_allclose(cossim.top_singular(X, 5).sigma, ref.sigma, rtol=1e-9)


def test_panels_follow_their_definitions(small):
    data, result = small
    spectrum = cossim.top_singular(data.X, 12, method="svd")
    sigma, V = spectrum
    m = sigma**2 / (sigma**2 + 2000.0)
    expected = {
        "truth": (data.clusters[:, None] == data.clusters[None, :]).astype(float),
        "eq1_gamma0": cossim.cosine_similarity(V),
        "eq1_gamma0.5": cossim.cosine_similarity(V * np.sqrt(m)),
        "eq1_gamma1": cossim.cosine_similarity(V * m),
        "eq2": cossim.cosine_similarity(V * np.sqrt(np.clip(sigma - 30.0, 0, None))),
    }
    for name in E.PANELS:
        assert_allclose(result.similarities[name], expected[name], atol=1e-8, err_msg=name)
        assert_allclose(result.scores[name]["auc"],
                        cossim.cluster_auc(expected[name], data.clusters), atol=1e-6)
    assert result.scores["truth"]["auc"] == 1.0
    assert result.factor_rank["eq2"] == int(np.sum(sigma > 30.0))


def test_the_eq1_panels_are_one_model(small):
    """The three Eq. (1) panels have the same A Bᵀ (so the same loss) yet different cosines."""
    data, result = small
    spectrum = cossim.top_singular(data.X, 12)
    products = [cossim.eq1_factors(spectrum, 2000.0, g) for g in (0.0, 0.5, 1.0)]
    for A, B in products[1:]:
        assert_allclose(A @ B.T, products[0].A @ products[0].B.T, atol=1e-12)
    aucs = [result.scores[n]["auc"] for n in ("eq1_gamma0", "eq1_gamma0.5", "eq1_gamma1")]
    assert max(aucs) - min(aucs) > 0.01


def test_display_order(small):
    data, result = small
    order = result.order
    assert np.all(np.diff(data.clusters[order]) >= 0)
    for c in range(3):
        pop = data.popularity[order][data.clusters[order] == c]
        assert np.all(np.diff(pop) <= 0)
    assert_allclose(result.ordered("truth"),
                    result.similarities["truth"][np.ix_(order, order)])


def test_run_figure1_on_own_data_sorts_by_column_sum():
    rng = np.random.default_rng(5)
    X = sp.csr_matrix((rng.random((300, 40)) < 0.2).astype(float))
    labels = rng.integers(0, 4, size=40)
    result = E.run_figure1(X, labels, rank=5, lam1=50.0, lam2=5.0)
    sums = np.asarray(X.sum(axis=0)).ravel()
    assert_array_equal(result.order, cossim.order_items(labels, sums))
    assert result.parameters["popularity"] == "column sums of X"


def test_json_is_stable_and_complete(small):
    _, result = small
    text = E.figure1_json(result)
    again = E.figure1_json(E.simulate_figure1(3000, 150, 3, seed=1, rank=12, lam1=2000.0,
                                              lam2=30.0))
    assert text == again
    doc = json.loads(text)
    assert set(doc) == {"parameters", "panels"}
    assert [p["name"] for p in doc["panels"]] == list(E.PANELS)
    for panel in doc["panels"]:
        assert 0.0 <= panel["auc"] <= 1.0 and 0.0 <= panel["neighbour_purity"] <= 1.0
        assert panel["auc"] == round(result.scores[panel["name"]]["auc"], 6)
    params = doc["parameters"]
    assert params["users"] == 3000 and params["items"] == 150 and params["rank"] == 12
    assert params["lam1"] == 2000.0 and params["lam2"] == 30.0 and params["seed"] == 1
    assert params["simulation"]["max_items_per_user"] == 150
    assert params["simulation"]["popularity_sampler"] == "power"


def test_readings_change_the_simulation():
    assert "default" in E.READINGS and len(E.READINGS) >= 4
    kwargs = E.reading_kwargs("unequal_clusters", 4)
    assert_allclose(kwargs["cluster_probs"], [4, 3, 2, 1])
    assert E.reading_kwargs("capped_activity", 5, 1000)["max_items_per_user"] == 100
    with pytest.raises(ValueError, match="reading"):
        E.reading_kwargs("nonsense")
    for name in E.READINGS:
        data = cossim.simulate(200, 30, 3, seed=0, **E.reading_kwargs(name, 3, 30))
        assert data.X.shape == (200, 30)


def test_robustness_table_shape():
    frame = E.robustness(seeds=[0, 1], readings=["default", "capped_activity"], n_users=600,
                         n_items=60, n_clusters=3, rank=6, lam1=500.0, lam2=10.0)
    assert len(frame) == 2 * 2 * len(E.PANELS)
    assert set(frame.columns) >= {"reading", "seed", "panel", "auc", "neighbour_purity"}
    table = E.robustness_summary(frame)
    assert list(table.columns) == list(E.PANELS)
    assert list(table.index) == ["default", "capped_activity"]
    mean = frame[(frame.reading == "default") & (frame.panel == "eq2")].auc.mean()
    sd = frame[(frame.reading == "default") & (frame.panel == "eq2")].auc.std(ddof=1)
    assert table.loc["default", "eq2"] == f"{mean:.3f}\u00a0±\u00a0{sd:.3f}"  # never wraps
    with pytest.raises(ValueError, match="score"):
        E.robustness_summary(frame, "precision")


def test_panel_ranking():
    scores = {"eq1_gamma0": 0.6, "eq1_gamma0.5": 0.8, "eq1_gamma1": 0.9, "eq2": 0.85}
    assert E.panel_ranking(scores) == ("eq1_gamma1", "eq2", "eq1_gamma0.5", "eq1_gamma0")


def test_gamma_sweep_contains_the_panels(small):
    data, result = small
    sweep, ref = E.gamma_sweep(data.X, data.clusters, gammas=[0.0, 0.5, 1.0],
                               lam1s=(2000.0,), ranks=(6, 12), lam2=30.0)
    assert len(sweep) == 2 * 3 and len(ref) == 2
    at = sweep[(sweep["rank"] == 12)].set_index("gamma")["auc"]
    for gamma, name in ((0.0, "eq1_gamma0"), (0.5, "eq1_gamma0.5"), (1.0, "eq1_gamma1")):
        assert_allclose(at[gamma], result.scores[name]["auc"], atol=1e-9)
    assert_allclose(ref[ref["rank"] == 12]["auc"].iloc[0], result.scores["eq2"]["auc"], atol=1e-9)


def test_gamma_sweep_default_grid():
    rng = np.random.default_rng(0)
    X = rng.random((100, 20))
    sweep, _ = E.gamma_sweep(X, np.arange(20) % 2, lam1s=(1.0,), ranks=(3,))
    assert_allclose(sorted(sweep["gamma"].unique()), np.arange(-1, 2.0001, 0.125))


@pytest.mark.parametrize("call, error, match", [
    (lambda: E.run_figure1(np.ones((5, 4)), [0, 0, 1], rank=2), ValueError, "labels"),
    (lambda: E.run_figure1(np.ones((5, 4)), [0, 0, 0, 0], rank=2), ValueError, "labels"),
    (lambda: E.run_figure1(np.ones((5, 4)), [0, 1, 2, 3], rank=2), ValueError, "labels"),
    (lambda: E.run_figure1(np.ones((5, 4)), [0, 0, 1, 1], rank=9), ValueError, "rank"),
    (lambda: E.run_figure1(np.ones((5, 4)), [0, 0, 1, 1], rank=2, lam1=-1), ValueError, "lam1"),
    (lambda: E.run_figure1(np.ones((5, 4)), [0, 0, 1, 1], rank=2, lam2=np.nan), ValueError, "lam2"),
    (lambda: E.run_figure1(np.full((5, 4), np.nan), [0, 0, 1, 1], rank=2), ValueError, "NaN"),
    (lambda: E.run_figure1(np.ones((5, 4)), [0, 0, 1, 1], rank=2, n_neighbours=4), ValueError,
     "n_neighbours"),
    (lambda: E.run_figure1(np.ones((2, E.MAX_ITEMS + 1)), np.arange(E.MAX_ITEMS + 1) % 2),
     ValueError, "at most"),
    (lambda: E.gamma_sweep(np.ones((5, 4)), [0, 0, 1, 1], gammas=[np.inf], ranks=(2,)),
     ValueError, "gammas"),
    (lambda: E.simulate_figure1(100, 20, 2, seed=0, rank=3, colour="red"), TypeError, "colour"),
])
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ---------------------------------------------------------------- plotting


def test_figure1_plot_shares_one_colour_scale(small):
    _, result = small
    for nrows in (1, 2):  # the paper's single row, and the 2 × 3 grid
        fig = plot_figure1(result, nrows=nrows)
        images = [ax.images[0] for ax in fig.axes if ax.images]
        assert len(images) == 5
        for image in images:
            assert image.get_clim() == (-1.0, 1.0)
            assert image.get_cmap().name == "viridis"
        titles = [ax.get_title() for ax in fig.axes if ax.images]
        assert "truth" in titles[0] and "Eq. (2)" in titles[4]
        assert "γ = 0" in titles[1] and "γ = ½" in titles[2] and "γ = 1" in titles[3]
        for name, title in zip(E.PANELS, titles):  # second line: the panel's AUC
            assert title.split("\n")[1] == f"AUC {result.scores[name]['auc']:.2f}"
        colorbars = [ax for ax in fig.axes if not ax.images and ax.get_ylabel()]
        assert any("cosine" in ax.get_ylabel() for ax in colorbars)
    with pytest.raises(ValueError, match="nrows"):
        plot_figure1(result, nrows=6)


def test_heatmaps_reject_non_uniform_colormaps():
    with pytest.raises(ValueError, match="cmap"):
        plot_heatmaps([np.eye(3)], ["x"], cmap="RdBu_r")
    with pytest.raises(ValueError, match="shape"):
        plot_heatmaps([np.eye(3), np.eye(4)], ["a", "b"])


def test_gamma_sweep_plot(small):
    data, _ = small
    sweep, ref = E.gamma_sweep(data.X, data.clusters, gammas=[-1.0, 0.0, 1.0, 2.0],
                               lam1s=(100.0, 2000.0), ranks=(6, 12), lam2=30.0)
    fig = plot_gamma_sweep(sweep, ref)
    assert len([ax for ax in fig.axes if ax.lines]) == 2
    assert "gamma" in fig.axes[0].get_xlabel()


def test_scores_table_and_png(small):
    from cossim.figure1.plotting import figure_png

    _, result = small
    table = E.scores_table(result)
    assert list(table.index) == list(E.PANELS)
    assert_allclose(table["AUC"].to_numpy(), [result.scores[n]["auc"] for n in E.PANELS])
    png = figure_png(plot_figure1(result), dpi=40)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
