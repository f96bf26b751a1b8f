"""Each claim of Section 4.2 (the paper's discussion) holds on a small case and fails when broken."""

import numpy as np
import pytest
from support.ledger import breaks

import cossim
from cossim.report import discussion_report as DR
from cossim.report import training_remedies_report as TR
from cossim.report.ledger import ClaimFailed, check

RANK, LAM1, LAM2, WD = 10, 1_000.0, 30.0, 900.0
ML_RANK, ML_LAM1, ML_LAM2, ML_WD = 50, 400.0, 10.0, 100.0


@pytest.fixture(scope="module")
def sim():
    return TR.simulated(2_000, 200, 5, 0, RANK, LAM1)


@pytest.fixture(scope="module")
def sim_runs(sim):
    eig = DR.eigen(sim, 100)
    return eig, DR.deep_runs(eig, RANK, WD, n_seeds=3, init_scale=0.1, max_iter=2_000)


@pytest.fixture(scope="module")
def ml_runs():
    ml = TR.movielens(20, ML_RANK, ML_LAM1)
    eig = DR.eigen(ml, 100)
    return eig, DR.deep_runs(eig, ML_RANK, ML_WD, n_seeds=3, init_scale=0.1, max_iter=2_000, depths=(2,))


@pytest.fixture(scope="module")
def retrieval(sim):
    X_train, X_test, fits = DR.retrieval_fits(sim, LAM2, share=0.2)
    rows, per_user = DR.retrieval_rows(sim, X_train, X_test, fits, top_n=20)
    return X_train, X_test, fits, rows, per_user


@breaks("disc-deep1-unique")
def test_deep1_unique_breaks_with_the_wrong_exponent(sim_runs):
    eig, runs = sim_runs
    check("disc-deep1-unique", measured=DR.closed_form_gap(eig, WD, RANK, 1, runs[1]), at_most=1e-2)
    with pytest.raises(ClaimFailed):      # exponent 1/3 (the two-layer one) for the one-layer model
        check("disc-deep1-unique", measured=DR.closed_form_gap(eig, WD, RANK, 1, runs[1], exponent=1 / 3),
              at_most=1e-2)


@breaks("disc-deep2-sim-seeds-agree")
def test_deep2_seeds_agree_breaks_when_one_seed_has_another_lambda(sim_runs):
    eig, runs = sim_runs
    check("disc-deep2-sim-seeds-agree", measured=DR.seed_gaps(runs)[2], at_most=1e-2)
    other = DR.deep_runs(eig, RANK, WD / 4, n_seeds=1, init_scale=0.1, max_iter=2_000, depths=(2,))
    mixed = {2: runs[2][:2] + other[2]}
    with pytest.raises(ClaimFailed):
        check("disc-deep2-sim-seeds-agree", measured=DR.seed_gaps(mixed)[2], at_most=1e-2)


@breaks("disc-deep2-seeds-move")
def test_deep2_seeds_move_breaks_when_the_seed_is_repeated(ml_runs):
    _, runs = ml_runs
    check("disc-deep2-seeds-move", measured=DR.seed_gaps(runs)[2], at_least=0.1)
    with pytest.raises(ClaimFailed):
        check("disc-deep2-seeds-move", measured=DR.seed_gaps({2: [runs[2][0]] * 3})[2], at_least=0.1)


@breaks("disc-deep2-flat")
def test_deep2_flat_breaks_from_a_tiny_start(ml_runs):
    eig, runs = ml_runs
    check("disc-deep2-flat", measured=DR.fit_excess(eig, ML_WD, ML_RANK, 2, runs[2]), at_most=1e-2)
    tiny = DR.deep_runs(eig, ML_RANK, ML_WD, n_seeds=1, init_scale=0.003, max_iter=2_000, depths=(2,))
    with pytest.raises(ClaimFailed):
        check("disc-deep2-flat", measured=DR.fit_excess(eig, ML_WD, ML_RANK, 2, tiny[2]), at_most=1e-2)


@breaks("disc-depth-moves-cosines")
def test_depth_moves_cosines_breaks_when_both_are_one_layer(sim_runs):
    _, runs = sim_runs
    check("disc-depth-moves-cosines", measured=DR.depth_gap(runs), at_least=0.05)
    with pytest.raises(ClaimFailed):
        check("disc-depth-moves-cosines", measured=DR.depth_gap({1: runs[1], 2: runs[1][1:]}), at_least=0.05)


@breaks("disc-small-init-local-minimum")
def test_small_init_breaks_for_the_convex_one_layer_model(sim_runs):
    eig, _ = sim_runs
    kw = {"init_scale": 0.003, "max_iter": 2_000}

    def excess(depth):
        return DR.fit_excess(eig, WD, RANK, depth, [DR.local_minimum_fit(eig, RANK, WD, depth=depth, **kw)])

    check("disc-small-init-local-minimum", measured=excess(2), at_least=0.01)
    with pytest.raises(ClaimFailed):
        check("disc-small-init-local-minimum", measured=excess(1), at_least=0.01)


@breaks("disc-dot-recall-d-free")
def test_dot_recall_d_free_breaks_for_the_cosine(retrieval):
    per_user = retrieval[4]
    check("disc-dot-recall-d-free", measured=DR.dot_recall_range(per_user), at_most=1e-12)
    cosine_only = {name: (cos, dot) for name, (dot, cos) in per_user.items()}   # scores swapped
    with pytest.raises(ClaimFailed):
        check("disc-dot-recall-d-free", measured=DR.dot_recall_range(cosine_only), at_most=1e-12)


@breaks("disc-dot-beats-cosine-recall")
def test_dot_beats_cosine_breaks_when_the_scores_are_swapped(retrieval):
    per_user = retrieval[4]
    check("disc-dot-beats-cosine-recall", measured=min(DR.recall_z(*p) for p in per_user.values()), at_least=3.0)
    with pytest.raises(ClaimFailed):
        check("disc-dot-beats-cosine-recall", measured=min(DR.recall_z(c, d) for d, c in per_user.values()),
              at_least=3.0)


@breaks("disc-cosine-beats-dot-items")
def test_cosine_beats_dot_breaks_for_the_wrong_model(retrieval):
    rows = {r["model"]: r for r in retrieval[3]}
    gain = rows["Eq. (2)"]["AUC, cosine"] - rows["Eq. (2)"]["AUC, dot"]
    check("disc-cosine-beats-dot-items", measured=gain, at_least=0.005)
    wrong = rows["Eq. (1), γ = ½"]["AUC, cosine"] - rows["Eq. (1), γ = ½"]["AUC, dot"]   # Eq. (1), not (2)
    with pytest.raises(ClaimFailed):
        check("disc-cosine-beats-dot-items", measured=wrong, at_least=0.005)


@breaks("disc-dot-neighbours-popular")
def test_dot_neighbours_popular_breaks_with_shuffled_popularity(sim, retrieval):
    fits = retrieval[2]
    slots = sim.X.shape[1] * 10

    def z(popularity):
        out = []
        for f in fits.values():
            bias = [cossim.popularity_bias(cossim.item_similarity(f.B, s), popularity) for s in ("dot", "cosine")]
            out.append(TR.popularity_z(bias[0], bias[1], slots))
        return min(out)

    check("disc-dot-neighbours-popular", measured=z(sim.popularity), at_least=3.0)
    shuffled = np.random.default_rng(0).permutation(sim.popularity)
    with pytest.raises(ClaimFailed):
        check("disc-dot-neighbours-popular", measured=z(shuffled), at_least=3.0)
