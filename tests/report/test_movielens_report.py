import numpy as np
import pandas as pd
import pytest

import cossim
from cossim.report import movielens_report as MR


def test_genre_scores_and_neighbours_tables():
    rng = np.random.default_rng(0)
    import scipy.sparse as sp
    genres = sp.csr_matrix(np.array([[1, 0], [1, 0], [0, 1], [0, 1], [1, 0], [0, 1]]))
    S = cossim.item_item_cosine(rng.standard_normal((6, 3)))
    N = cossim.top_k_neighbours(rng.standard_normal((6, 3)), 2)
    table = MR.genre_scores({"x": S}, {"x": N}, genres, "jac")
    assert table.loc["x", "genre AUC"] == cossim.genre_auc(S, genres)
    assert list(table.columns) == ["genre AUC", "jac"] and list(table.index) == ["x"]
    titles = np.array([f"Movie {i} (2000)" for i in range(6)])
    fam = MR.famous_neighbours(titles, ["Movie 2 (2000)"], {"x": N}, ["x"], n=2)
    assert fam["Movie 2 (2000)"]["x"] == tuple(titles[N[2, :2]])
    html = MR.neighbours_table(fam).to_html()
    assert "<br>" in html and "font-size: 85%" in html


def test_stability_pair():
    st = pd.DataFrame({"choice 1": ["a", "a"], "choice 2": ["b", "c"], "v": [0.1, 0.2]})
    assert MR.stability_pair(st, "a", "c", "v") == 0.2


def _boot():
    from cossim.beyond.movielens_bootstrap import UserBootstrap
    rng = np.random.default_rng(0)
    names = [("AUC any", "a"), ("AUC any", "b"), ("AUC strict", "a"), ("AUC strict", "b")]
    reps = np.array([0.6, 0.55, 0.7, 0.7]) + 0.01 * rng.standard_normal((50, 4))
    return UserBootstrap(names, np.array([0.6, 0.55, 0.7, 0.7]), reps, 0.0, 0)


def test_interval_helpers_and_words():
    boot = _boot()
    table, ivs = MR.interval_table(boot, {"a − b": ("a", "b")}, ["AUC any", "AUC strict"], ["any", "strict"])
    assert list(table.columns) == ["any", "strict"] and table.loc["a − b", "any"].startswith("+0.050 [")
    assert MR.resolved_word(ivs, "a − b", ["AUC any", "AUC strict"]) == "1 of the 2"
    assert MR.resolved_word(ivs, "a − b", ["AUC any"]) == "all 1"
    assert MR.resolved_word(ivs, "a − b", ["AUC strict"]) == "none of the 1"
    iv = cossim.bootstrap_interval(boot, ("AUC any", "a"), ("AUC any", "b"))
    assert MR.lowest_low(boot, "a", "b", ["AUC any", "AUC strict"]) == min(
        iv.low, cossim.bootstrap_interval(boot, ("AUC strict", "a"), ("AUC strict", "b")).low)
    assert MR.count_margin(boot, {"AUC any": 0.7}, ["a", "b"]) == pytest.approx(
        0.7 - cossim.bootstrap_interval(boot, ("AUC any", "a")).high)
    assert MR.smallest_se(ivs.values()) == min(v.se for v in ivs.values())


def test_yardstick_table_rows_and_baselines():
    rng = np.random.default_rng(1)
    G = rng.random((30, 4)) < 0.4
    G[np.arange(30), rng.integers(0, 4, 30)] = True
    X = (rng.random((40, 30)) < 0.3).astype(float)
    pairs = cossim.genre_pairs(G)
    base = MR.baselines(X, G, seed=2)
    table = MR.yardstick_table(base, G, pairs, min_jaccard=0.5, n_neighbours=3)
    cols = MR.yardstick_columns(0.5, 3)
    assert list(table.columns) == cols and list(table.index) == list(base) + [MR.BEST_COUNT]
    S = base["raw item–item cosine of X"]
    assert table.loc["raw item–item cosine of X", cols[3]] == pytest.approx(
        cossim.yardstick_auc(S, pairs, min_jaccard=0.5, count_matched=True), abs=1e-14)
    assert table.loc["genre counts only: c_i · c_j", cols[2]] == pytest.approx(0.5, abs=1e-14)
    assert table.loc[MR.BEST_COUNT, cols[0]] >= table.loc["genre counts only: c_i · c_j", cols[0]] - 1e-14
    assert MR.count_only_gap(G, pairs, 0.5) < 1e-12
    assert MR.plain_matched_gap(table, ["random similarity"], [(cols[0], cols[2])]) == pytest.approx(
        abs(table.loc["random similarity", cols[0]] - table.loc["random similarity", cols[2]]))


def test_null_sd_and_changed_lists():
    positive = np.array([True] * 3 + [False] * 5)
    assert MR.auc_null_sd(positive) == pytest.approx(np.sqrt(9 / (12 * 15)))
    table = {"m": {"x": ("a", "b"), "y": ("a", "c")}, "n": {"x": ("a",), "y": ("a",)}}
    assert MR.changed_lists(table, ["x", "y"]) == 1
    assert MR.cosine_rounding(10) == pytest.approx(48 * np.finfo(float).eps)
