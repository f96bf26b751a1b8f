"""Tests of cossim.figure1.pipeline: Figure 1's pipeline, its scores and figure1.json."""

import json

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal

import cossim
from cossim._validation import InvalidType, InvalidValue
from cossim.figure1 import pipeline as E
from cossim.figure1.sweep import gamma_sweep
from cossim.paper.simulation import SimulationSettings


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
        # σ from XᵀX loses half the digits only for tiny σ; here σ_8/σ_1 ≈ 0.1, so ~1e-14
        # relative; V agrees to ~ε σ₁²/gap² ≈ 1e-11. A sign flip or a wrong column fails both
        assert_allclose(result.sigma, ref.sigma, rtol=1e-10)
        fast = cossim.top_singular(X, 8)
        assert_allclose(fast.V, ref.V, atol=1e-8)


def test_figure1_spectrum_sparse_path():
    """Very sparse X takes the sparse Gram product; same answer."""
    X = sp.random(500, 80, density=0.005, random_state=3, format="csr")
    ref = cossim.top_singular(X.toarray(), 5, method="svd")
    assert_allclose(cossim.top_singular(X, 5).sigma, ref.sigma, rtol=1e-9)  # as above, sparse path


def test_display_order(small):
    data, result = small
    order = result.order
    assert np.all(np.diff(data.clusters[order]) >= 0)
    for c in range(3):
        pop = data.popularity[order][data.clusters[order] == c]
        assert np.all(np.diff(pop) <= 0)
    assert_allclose(result.ordered("truth"),
                    result.similarities["truth"][np.ix_(order, order)])
    assert result.names == E.PANELS


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


def test_json_panels_carry_the_record_definitions(small):
    from cossim.figure1.panels import PANEL_RECORDS

    doc = json.loads(E.figure1_json(small[1]))
    assert [(p["name"], p["definition"]) for p in doc["panels"]] == \
        [(r.name, r.definition) for r in PANEL_RECORDS]


def test_settings_record_round_trips_into_figure1_json():
    """parameters.simulation is the SimulationSettings record, defaults resolved by name."""
    kwargs = {"popularity_sampler": "zipf", "preference_concentration": 0.25,
              "cluster_probs": [3.0, 1.0], "max_items_per_user": 7}
    result = E.simulate_figure1(300, 30, 2, seed=4, rank=3, lam1=10.0, lam2=1.0, **kwargs)
    stored = json.loads(E.figure1_json(result))["parameters"]["simulation"]
    assert set(stored) == set(SimulationSettings.names())
    rebuilt = SimulationSettings(**{k: tuple(v) if isinstance(v, list) and k == "exponent_range"
                                    else v for k, v in stored.items()})
    assert rebuilt == SimulationSettings(exponent_range=(0.25, 1.5), **kwargs)
    # and the record rebuilt from the JSON reproduces the data of the run
    again = E.simulate_figure1(300, 30, 2, seed=4, rank=3, lam1=10.0, lam2=1.0,
                               **rebuilt.as_dict())
    assert E.figure1_json(again) == E.figure1_json(result)
    defaults = json.loads(E.figure1_json(E.simulate_figure1(300, 30, 2, rank=3)))
    sim = defaults["parameters"]["simulation"]
    assert sim["cluster_probs"] == "uniform" and sim["max_items_per_user"] == 30
    assert {k: v for k, v in sim.items() if k not in ("cluster_probs", "max_items_per_user")} \
        == {k: (list(v) if isinstance(v, tuple) else v)
            for k, v in SimulationSettings().as_dict().items()
            if k not in ("cluster_probs", "max_items_per_user")}


def test_simulation_settings_reads_the_record():
    settings = E.simulation_settings()
    assert list(settings) == sorted(SimulationSettings.names())
    assert settings["user_exponent"] == 0.5 and settings["exponent_range"] == [0.25, 1.5]
    assert E.simulation_settings(user_exponent=0.75, block_size=16)["user_exponent"] == 0.75
    with pytest.raises(InvalidType, match="colour"):
        E.simulation_settings(colour="red")


def test_scores_table(small):
    _, result = small
    table = E.scores_table(result)
    assert list(table.index) == list(E.PANELS)
    assert_allclose(table["AUC"].to_numpy(), [result.scores[n]["auc"] for n in E.PANELS])
    assert table.loc["eq1_gamma0", "item embeddings B"] == "Eq. (1): V_k"
    assert_allclose(table["top-10 own-cluster share"].to_numpy(),
                    [result.scores[n]["neighbour_purity"] for n in E.PANELS])


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
    (lambda: gamma_sweep(np.ones((5, 4)), [0, 0, 1, 1], gammas=[np.inf], ranks=(2,)),
     ValueError, "gammas"),
    (lambda: E.simulate_figure1(100, 20, 2, seed=0, rank=3, colour="red"), TypeError, "colour"),
])
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize("call, error", [
    (lambda: E.run_figure1(np.ones((5, 4)), [0, 0, 0, 0], rank=2), InvalidValue),
    (lambda: E.run_figure1(np.ones((5, 4)), [0, 1, 2, 3], rank=2), InvalidValue),
    (lambda: E.run_figure1(np.ones((5, 4)), [0, 0, 1, 1], rank=2, n_neighbours=4), InvalidValue),
    (lambda: E.run_figure1(np.ones((5, 4)), [0, 0, 1, 1], rank=2, n_neighbours=1.5), InvalidType),
    (lambda: E.run_figure1(np.ones((2, E.MAX_ITEMS + 1)), np.arange(E.MAX_ITEMS + 1) % 2),
     InvalidValue),
    (lambda: E.simulate_figure1(100, 20, 2, seed=0, rank=3, colour="red"), InvalidType),
])
def test_caller_mistakes_are_marked_as_such(call, error):
    """Bad arguments raise the _validation classes, which the CLI reports as exit status 2."""
    with pytest.raises(error):
        call()


def test_check_figure1_labels_names_the_option():
    with pytest.raises(InvalidValue, match="--labels must contain at least two different"):
        E.check_figure1_labels(np.zeros(5, dtype=int), 5, "--labels")
    assert_array_equal(E.check_figure1_labels([1, 1, 2], 3), [1, 1, 2])
