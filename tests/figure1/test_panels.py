"""Tests of cossim.figure1.panels: one record per panel of Figure 1."""

import dataclasses

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal

import cossim
from cossim._validation import InvalidValue
from cossim.figure1 import panels as P


def test_panel_names_and_order():
    assert P.PANELS == ("truth", "eq1_gamma0", "eq1_gamma0.5", "eq1_gamma1", "eq2")
    assert set(P.PANEL_TITLES) == set(P.PANELS)
    assert set(P.PANEL_SHORT_TITLES) == set(P.PANELS)
    assert cossim.PANELS == P.PANELS


def test_derived_tables_are_read_off_the_records():
    for record in P.PANEL_RECORDS:
        assert P.PANEL_TITLES[record.name] == record.title
        assert P.PANEL_SHORT_TITLES[record.name] == record.short_title
        assert P.PANEL_DEFINITIONS[record.name] == record.definition
        assert P.panel(record.name) is record
        assert record.definition.isascii()  # figure1.json and --help are ASCII
    with pytest.raises(InvalidValue, match="panel"):
        P.panel("eq3")


def test_records_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        P.PANEL_RECORDS[0].name = "other"


def test_gamma_field_matches_the_name_and_title():
    gammas = {r.name: r.gamma for r in P.PANEL_RECORDS}
    assert gammas == {"truth": None, "eq1_gamma0": 0.0, "eq1_gamma0.5": 0.5,
                      "eq1_gamma1": 1.0, "eq2": None}
    assert P.panel("truth").build_B is None
    for name in ("eq1_gamma0", "eq1_gamma0.5", "eq1_gamma1", "eq2"):
        assert P.panel(name).short_title.startswith("Eq. (1)" if "eq1" in name else "Eq. (2)")


@pytest.fixture(scope="module")
def spectrum():
    rng = np.random.default_rng(3)
    X = (rng.random((300, 40)) < 0.25).astype(float)
    return cossim.top_singular(X, 9, method="svd")


@pytest.mark.parametrize("lam1, lam2", [(50.0, 2.0), (0.0, 0.0), (1e4, 30.0)])
def test_each_record_builds_the_closed_form_B(spectrum, lam1, lam2):
    """B from the record equals cossim.eq1_factors (γ = 0, ½, 1) and cossim.eq2_factors (Eq. (6))."""
    expected = {
        "eq1_gamma0": cossim.eq1_factors(spectrum, lam1, "a").B,
        "eq1_gamma0.5": cossim.eq1_factors(spectrum, lam1, "symmetric").B,
        "eq1_gamma1": cossim.eq1_factors(spectrum, lam1, "b").B,
        "eq2": cossim.eq2_factors(spectrum, lam2).B,
    }
    sigma, V = spectrum
    m = sigma**2 / (sigma**2 + lam1)
    by_hand = {"eq1_gamma0": V, "eq1_gamma0.5": V * np.sqrt(m), "eq1_gamma1": V * m,
               "eq2": V * np.sqrt(sigma * np.clip(1 - lam2 / sigma, 0, None))}
    built = P.panel_factors(spectrum, lam1, lam2)
    assert list(built) == list(P.PANELS[1:])
    for record in P.PANEL_RECORDS[1:]:
        B = record.build_B(spectrum, lam1, lam2)
        assert_array_equal(B, expected[record.name], err_msg=record.name)
        # the same formula evaluated in another order: a few ε on entries ≤ √σ₁ (≈ 10 here)
        assert_allclose(B, by_hand[record.name], atol=1e-12, err_msg=record.name)
        assert_array_equal(built[record.name], B)


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
    # two SVD routes (Gram eigen-decomposition and LAPACK SVD) agree on V to ~ε σ₁²/gap²
    # (≈ 1e-11 here); cosines to 1e-8. The AUCs must agree to less than one swapped pair,
    # 1/(#same-cluster pairs × #cross pairs) ≈ 1.3e-6 on these 80 items, so atol 1e-6
    for name in P.PANELS:
        assert_allclose(result.similarities[name], expected[name], atol=1e-8, err_msg=name)
        assert_allclose(result.scores[name]["auc"],
                        cossim.cluster_auc(expected[name], data.clusters), atol=1e-6)
    assert result.scores["truth"]["auc"] == 1.0
    assert result.factor_rank["eq2"] == int(np.sum(sigma > 30.0))
    sims = P.panel_similarities(spectrum, data.clusters, 2000.0, 30.0)
    assert list(sims) == list(P.PANELS)
    for name in P.PANELS:
        assert_allclose(sims[name], expected[name], atol=1e-8, err_msg=name)


def test_the_eq1_panels_are_one_model(small):
    """The three Eq. (1) panels have the same A Bᵀ (so the same loss) yet different cosines."""
    data, result = small
    spectrum = cossim.top_singular(data.X, 12)
    products = [cossim.eq1_factors(spectrum, 2000.0, g) for g in (0.0, 0.5, 1.0)]
    for A, B in products[1:]:  # entries ≤ 1, sums of 12 terms: rounding ~12ε ≈ 3e-15
        assert_allclose(A @ B.T, products[0].A @ products[0].B.T, atol=1e-12)
    aucs = [result.scores[n]["auc"] for n in ("eq1_gamma0", "eq1_gamma0.5", "eq1_gamma1")]
    # different cosines, different recovery: 0.01 is thousands of AUC steps (≈ 1.3e-6 each)
    assert max(aucs) - min(aucs) > 0.01


def test_factor_rank_counts_the_nonzero_columns_of_B():
    """X of rank 3 < k = 5: σ₄ = σ₅ = 0, and those components are 0 in every B (also in
    γ = 0's B = V_k, where eq1_factors zeroes them); λ₂ between σ₂ and σ₃ leaves two
    columns of Eq. (6)'s B."""
    rng = np.random.default_rng(0)
    X = sp.csr_matrix(rng.random((60, 3)) @ rng.random((3, 20)))
    spectrum = cossim.top_singular(X, 5, method="svd")
    sigma = spectrum.sigma
    assert np.count_nonzero(sigma) == 3
    lam2 = float(sigma[1] + sigma[2]) / 2
    factors = P.panel_factors(spectrum, 10.0, lam2)
    rank = P.panel_factor_rank(factors)
    assert rank == {"truth": None, "eq1_gamma0": 3, "eq1_gamma0.5": 3, "eq1_gamma1": 3, "eq2": 2}
    for name, B in factors.items():
        assert rank[name] == int(np.sum(np.linalg.norm(B, axis=0) > 0)), name


def test_truth_similarity():
    S = P.truth_similarity([0, 1, 0])
    assert_array_equal(S, [[1, 0, 1], [0, 1, 0], [1, 0, 1]])


def test_truth_similarity_is_float_and_validates_its_labels():
    """The truth panel is a float64 0/1 matrix (a cosine panel's dtype); labels that are not
    one flat integer vector are refused by their shape, a scalar included."""
    S = P.truth_similarity(np.array([2, 2, 5]))
    assert S.dtype == np.float64
    assert_array_equal(S, [[1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    for bad in (3, [[0, 1], [1, 0]]):
        with pytest.raises(InvalidValue, match="labels must be 1-D"):
            P.truth_similarity(bad)


def test_eq1_panel_builds_its_record(spectrum):
    """_eq1_panel (which builds the three Eq. (1) records) keeps every field in place and
    builds B = V_k dMat(m)^γ for its own γ (here γ = ¼, none of the records' values)."""
    fields = ("name", "title", "short", "formula", "source", "label")
    record = P._eq1_panel(0.25, *fields)
    assert (record.name, record.title, record.short_title, record.formula, record.source,
            record.embedding_label, record.gamma) == (*fields, 0.25)
    assert_array_equal(record.build_B(spectrum, 50.0, 2.0), cossim.eq1_factors(spectrum, 50.0, 0.25).B)
