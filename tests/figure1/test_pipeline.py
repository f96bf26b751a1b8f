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


@pytest.fixture(scope="module")
def tiny():
    """80 users × 60 items, three labels: enough for the defaults (k = 50, 10 neighbours)."""
    rng = np.random.default_rng(11)
    X = (rng.random((80, 60)) < 0.3) * rng.gamma(2.0, size=(80, 60))
    return X, np.arange(60) % 3


def test_run_figure1_defaults_are_the_papers(tiny):
    """Without settings, run_figure1 uses the paper's k, λ₁, λ₂ and 10 neighbours, and records
    them with the sizes, the number of labels and where the popularity came from."""
    X, labels = tiny
    result = E.run_figure1(X, labels)
    paper = E.PAPER_PARAMETERS
    assert result.parameters == {"users": 80, "items": 60, "labels": 3, "rank": paper["rank"],
                                 "lam1": paper["lam1"], "lam2": paper["lam2"], "neighbours": 10,
                                 "popularity": "column sums of X"}
    assert result.sigma.shape == (paper["rank"],)
    spectrum = cossim.top_singular(X, paper["rank"])
    expected = E.panel_factors(spectrum, paper["lam1"], paper["lam2"])
    assert result.factor_rank == E.panel_factor_rank(expected)
    assert_allclose(result.similarities["eq2"], cossim.cosine_similarity(expected["eq2"]), atol=1e-12)
    for name in E.PANELS:
        assert result.scores[name]["neighbour_purity"] == \
            cossim.neighbour_purity(result.similarities[name], labels, 10), name


def test_run_figure1_records_what_it_was_given(tiny):
    """Given popularity, labels, n_neighbours and extra parameters reach the result: the labels
    as an int64 copy, the purity at the given number of neighbours (not the default 10)."""
    X, labels = tiny
    popularity = np.arange(60.0)[::-1]
    result = E.run_figure1(X, labels.tolist(), popularity, rank=4, lam1=3.0, lam2=0.5, n_neighbours=3,
                           parameters={"source": "test", "rank": "overridden"})
    assert result.parameters["popularity"] == "given"
    assert result.parameters["source"] == "test" and result.parameters["rank"] == "overridden"
    assert result.parameters["neighbours"] == 3 and result.parameters["labels"] == 3
    assert result.labels.dtype == np.int64
    assert_array_equal(result.labels, labels)
    assert_array_equal(result.order, cossim.order_items(labels, popularity))
    assert set(result.factor_rank) == set(E.PANELS) and result.factor_rank["truth"] is None
    assert result.factor_rank["eq1_gamma0"] == 4
    for name in E.PANELS:
        S = result.similarities[name]
        assert result.scores[name] == {"auc": cossim.cluster_auc(S, labels),
                                       "neighbour_purity": cossim.neighbour_purity(S, labels, 3)}
    # the purity at 3 neighbours differs from the default 10's on some panel
    assert any(result.scores[n]["neighbour_purity"] != cossim.neighbour_purity(result.similarities[n], labels, 10)
               for n in E.PANELS)


def test_n_neighbours_bounds(tiny):
    """1 ≤ n_neighbours ≤ p − 1 (every other item): both ends are accepted, 0 and p are not."""
    X, labels = tiny
    X, labels = X[:, :6], labels[:6]
    for k in (1, 5):
        assert E.run_figure1(X, labels, rank=2, n_neighbours=k).parameters["neighbours"] == k
    for k in (0, 6, 7):
        with pytest.raises(InvalidValue, match=rf"1 <= n_neighbours <= 5, got {k}"):
            E.run_figure1(X, labels, rank=2, n_neighbours=k)
    with pytest.raises(InvalidType, match="n_neighbours must be an integer, got float"):
        E.run_figure1(X, labels, rank=2, n_neighbours=2.0)


def test_bad_settings_are_refused_before_the_spectrum(tiny, monkeypatch):
    """Every setting is checked before the (expensive) top-k spectrum is computed, n_neighbours = p
    and p + 1 included (neighbour_purity would refuse them too, but only after the spectrum)."""
    X, labels = tiny

    def never(*args, **kwargs):
        raise AssertionError("the spectrum was computed before a bad setting was refused")

    monkeypatch.setattr(E, "top_singular", never)
    for kwargs in ({"n_neighbours": 60}, {"n_neighbours": 61}, {"n_neighbours": 0}, {"rank": 61},
                   {"lam1": -1.0}, {"lam2": np.inf}):
        with pytest.raises(InvalidValue):
            E.run_figure1(X, labels, **{"rank": 2, **kwargs})


def test_max_items_is_the_last_accepted_size(tiny, monkeypatch):
    """p = MAX_ITEMS is accepted, p = MAX_ITEMS + 1 is not (the bound lowered to 6 for the test)."""
    X, labels = tiny
    monkeypatch.setattr(E, "MAX_ITEMS", 6)
    assert E.run_figure1(X[:, :6], labels[:6], rank=2, n_neighbours=2).parameters["items"] == 6
    with pytest.raises(InvalidValue, match="X has 7 items.*at most 6"):
        E.run_figure1(X[:, :7], labels[:7], rank=2, n_neighbours=2)


def test_check_figure1_labels_names_in_every_message():
    with pytest.raises(InvalidValue, match="^labels must contain at least two different"):
        E.check_figure1_labels(np.zeros(5, dtype=int), 5)
    with pytest.raises(InvalidValue, match="^labels must put at least two items in the same group"):
        E.check_figure1_labels([0, 1, 2], 3)
    with pytest.raises(InvalidValue, match="^--labels has length 2, expected 3"):
        E.check_figure1_labels([0, 0], 3, "--labels")


def test_simulate_figure1_defaults_and_wiring(monkeypatch):
    """simulate_figure1's defaults are the paper's setting and block size 2048, passed on to the
    simulation and the pipeline; the simulation is replaced by a small one (the wiring, not the data)."""
    calls = []
    real = E.simulate_with

    def small(settings, n_users, n_items, n_clusters, *, seed, block_size):
        calls.append((n_users, n_items, n_clusters, seed, block_size))
        return real(settings, 120, 60, 3, seed=seed, block_size=block_size)

    monkeypatch.setattr(E, "simulate_with", small)
    result = E.simulate_figure1()
    paper = E.PAPER_PARAMETERS
    assert calls == [(paper["n_users"], paper["n_items"], paper["n_clusters"], 0, 2048)]
    params = result.parameters
    assert {k: params[k] for k in ("source", "seed", "clusters", "rank", "lam1", "lam2", "neighbours",
                                   "popularity")} == \
        {"source": "simulated", "seed": 0, "clusters": paper["n_clusters"], "rank": paper["rank"],
         "lam1": paper["lam1"], "lam2": paper["lam2"], "neighbours": 10,
         "popularity": "baseline popularity p_i of the simulation"}
    assert params["simulation"]["max_items_per_user"] == paper["n_items"]
    calls.clear()
    result = E.simulate_figure1(100, 60, 3, seed=2, rank=3, lam1=1.0, lam2=0.1, n_neighbours=4, block_size=16)
    assert calls == [(100, 60, 3, 2, 16)]
    assert result.parameters["neighbours"] == 4 and result.parameters["rank"] == 3
    data = real(SimulationSettings(), 120, 60, 3, seed=2, block_size=16)
    assert_allclose(result.scores["eq2"]["neighbour_purity"],
                    cossim.neighbour_purity(result.similarities["eq2"], data.clusters, 4), rtol=0)


def _hand_built(sigma, auc=0.5):
    scores = {name: {"auc": auc, "neighbour_purity": 0.1234564 + i / 10} for i, name in enumerate(E.PANELS)}
    params = {"vector": np.array([0.12345678, 2.0]), "count": np.int64(3), "pair": (np.float32(0.5), 1),
              "x": 0.98765432, "name": "λ₁"}
    return E.Figure1Result({}, np.arange(3), np.array([0, 0, 1]), scores, np.asarray(sigma), params,
                           {"truth": None, "eq1_gamma0": 2, "eq1_gamma0.5": 2, "eq1_gamma1": 2, "eq2": 1})


def test_figure1_json_of_a_hand_built_result():
    """Every number rounded to 6 decimals (NumPy scalars and arrays made plain), the first ten σ
    only, sorted keys, two-space indent, ASCII only, and no NaN."""
    sigma = [11.0 - i + 1e-7 * (i + 4) for i in range(11)]  # 11.0000004, 10.0000005, ...
    text = E.figure1_json(_hand_built(sigma))
    doc = json.loads(text)
    assert doc["parameters"] == {"vector": [0.123457, 2.0], "count": 3, "pair": [0.5, 1], "x": 0.987654,
                                 "name": "λ₁", "top_singular_values": [11.0, 10.000001, 9.000001, 8.000001,
                                                                      7.000001, 6.000001, 5.000001, 4.000001,
                                                                      3.000001, 2.000001]}
    assert type(doc["parameters"]["count"]) is int and type(doc["parameters"]["vector"][1]) is float
    assert [p["neighbour_purity"] for p in doc["panels"]] == [0.123456, 0.223456, 0.323456, 0.423456, 0.523456]
    assert [p["nonzero_columns_of_B"] for p in doc["panels"]] == [None, 2, 2, 2, 1]
    assert text.isascii() and '"name": "\\u03bb\\u2081"' in text
    assert text.endswith("}\n") and text.startswith('{\n  "panels": [\n    {\n      "auc": 0.5,\n')

    def sorted_keys(pairs):
        assert [k for k, _ in pairs] == sorted(k for k, _ in pairs)
        return dict(pairs)

    json.loads(text, object_pairs_hook=sorted_keys)
    with pytest.raises(ValueError, match="Out of range float"):
        E.figure1_json(_hand_built(sigma, auc=np.nan))
