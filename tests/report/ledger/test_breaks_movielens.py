"""Each claim of Chapter 7 holds on the chapter's test-size MovieLens case and fails when the input is broken.

The case is the one the book test runs (movies with at least 50 ratings, rank 20,
20 bootstrap resamples); the broken variants refit on fewer resamples.
"""

import numpy as np
import pytest
from support.ledger import breaks

import cossim
from cossim.beyond import movielens_bootstrap as MB
from cossim.beyond.movielens import load_movielens, similarity_choices
from cossim.report import movielens_report as MR
from cossim.report.ledger import ClaimFailed, check

K, LAM1, LAM2, NN, T = 20, 400.0, 10.0, 10, 0.5
G0, GH, G1, INV, EQ2, IPS, RAW = MB.CHOICES
MODELS = list(MB.CHOICES[:-1])


@pytest.fixture(scope="module")
def ml():
    return load_movielens(min_ratings=50)


@pytest.fixture(scope="module")
def pairs(ml):
    return cossim.genre_pairs(ml.genres)


def _boot(X, pairs, n_boot, **kw):
    return cossim.user_bootstrap(X, pairs, K, LAM1, LAM2, n_boot=n_boot, seed=0, min_jaccard=T,
                                 n_neighbours=NN, **kw)


@pytest.fixture(scope="module")
def boot(ml, pairs):
    return _boot(ml.X, pairs, 20)


@pytest.fixture(scope="module")
def shuffled(ml):
    """Genres misaligned with the movies (the genre table in another movie order)."""
    rows = np.random.default_rng(1).permutation(ml.genres.shape[0])
    G = ml.genres[rows]
    return G, cossim.genre_pairs(G)


@pytest.fixture(scope="module")
def shuffled_boot(ml, shuffled):
    return _boot(ml.X, shuffled[1], 5)


def _ignore_scaling(spectrum, lam, scaling=0.5):
    """A mistake: the rescaling D is dropped, every Eq. (1) choice is the symmetric split."""
    return cossim.eq1_factors(spectrum, lam, 0.5)


def _inverted_d(spectrum, lam, scaling=0.5):
    """A mistake: §2.3's D = dMat(σ)^−½ applied the wrong way round (Â and B̂ swapped)."""
    f = cossim.eq1_factors(spectrum, lam, scaling)
    return cossim.Factors(A=f.B, B=f.A) if scaling == "inv_sqrt_sigma" else f


@breaks("ch7-d-moves-neighbours")
def test_neighbours_move_breaks_when_the_rescaling_is_dropped(ml, pairs, boot, monkeypatch):
    bound = 1 - 1 / (ml.X.shape[1] * NN)
    name = ("top-n Jaccard", f"{G0} vs {G1}")
    check("ch7-d-moves-neighbours", measured=cossim.bootstrap_interval(boot, name).high, at_most=bound)
    monkeypatch.setattr(MB, "eq1_factors", _ignore_scaling)
    with pytest.raises(ClaimFailed):
        check("ch7-d-moves-neighbours", measured=cossim.bootstrap_interval(_boot(ml.X, pairs, 3), name).high,
              at_most=bound)


@breaks("ch7-inv-sqrt-near-eq2")
def test_inv_sqrt_near_eq2_breaks_when_d_is_inverted(ml, pairs, boot, monkeypatch):
    a, b = ("top-n Jaccard", f"{INV} vs {EQ2}"), ("top-n Jaccard", f"{G0} vs {G1}")
    check("ch7-inv-sqrt-near-eq2", measured=cossim.bootstrap_interval(boot, a, b).low, at_least=0.0)
    monkeypatch.setattr(MB, "eq1_factors", _inverted_d)
    with pytest.raises(ClaimFailed):
        check("ch7-inv-sqrt-near-eq2", measured=cossim.bootstrap_interval(_boot(ml.X, pairs, 5), a, b).low,
              at_least=0.0)


@breaks("ch7-gamma1-above-gamma0")
def test_gamma_order_breaks_when_gamma_is_applied_to_a(boot):
    check("ch7-gamma1-above-gamma0", measured=MR.lowest_low(boot, G1, G0, MB.MEASURES), at_least=0.0)
    with pytest.raises(ClaimFailed):        # γ on A instead of B: B = V m^(1−γ), the two ends swap
        check("ch7-gamma1-above-gamma0", measured=MR.lowest_low(boot, G0, G1, MB.MEASURES), at_least=0.0)


@breaks("ch7-gamma1-above-raw", "ch7-models-above-matched-chance")
def test_model_scores_break_with_misaligned_genres(boot, shuffled_boot):
    check("ch7-gamma1-above-raw", measured=MR.lowest_low(boot, G1, RAW, MB.MEASURES), at_least=0.0)
    check("ch7-models-above-matched-chance", measured=MR.lowest_score(boot, MODELS, MB.MEASURES[2:]),
          at_least=0.5)
    with pytest.raises(ClaimFailed):
        check("ch7-gamma1-above-raw", measured=MR.lowest_low(shuffled_boot, G1, RAW, MB.MEASURES), at_least=0.0)
    with pytest.raises(ClaimFailed):
        check("ch7-models-above-matched-chance",
              measured=MR.lowest_score(shuffled_boot, MODELS, MB.MEASURES[2:]), at_least=0.5)


@breaks("ch7-count-only-matched-half")
def test_count_only_half_breaks_with_misaligned_counts(ml, pairs, shuffled):
    check("ch7-count-only-matched-half", measured=MR.count_only_gap(ml.genres, pairs, T),
          at_most=MR.pairs_rounding(pairs))
    with pytest.raises(ClaimFailed):        # the product built from another movie order's genre counts
        check("ch7-count-only-matched-half", measured=MR.count_only_gap(shuffled[0], pairs, T),
              at_most=MR.pairs_rounding(pairs))


def _count_aucs(genres, pairs):
    best = cossim.best_count_similarity(pairs, cossim.positive_pairs(pairs, T))
    return {"AUC any": cossim.yardstick_auc(cossim.count_similarity(genres), pairs),
            "AUC strict": cossim.yardstick_auc(best, pairs, min_jaccard=T)}


@breaks("ch7-count-beats-models-plain")
def test_count_baseline_breaks_with_misaligned_counts(ml, pairs, boot, shuffled):
    check("ch7-count-beats-models-plain", measured=MR.count_margin(boot, _count_aucs(ml.genres, pairs), MODELS),
          at_least=0.0)
    G, wrong = shuffled                     # counts from another movie order, scored on the true pairs
    aucs = {"AUC any": cossim.yardstick_auc(cossim.count_similarity(G), pairs),
            "AUC strict": cossim.yardstick_auc(cossim.best_count_similarity(wrong, cossim.positive_pairs(wrong, T)),
                                               pairs, min_jaccard=T)}
    with pytest.raises(ClaimFailed):
        check("ch7-count-beats-models-plain", measured=MR.count_margin(boot, aucs, MODELS), at_least=0.0)


@breaks("ch7-random-at-chance")
def test_random_at_chance_breaks_when_the_baseline_is_not_random(ml, pairs):
    R = cossim.random_similarity(ml.X.shape[1], 0)
    check("ch7-random-at-chance", measured=MR.random_chance_z(R, pairs, T), at_most=3.0)
    leaky = R + cossim.raw_item_cosine(ml.X)                # noise added to a similarity, not noise alone
    with pytest.raises(ClaimFailed):
        check("ch7-random-at-chance", measured=MR.random_chance_z(leaky, pairs, T), at_most=3.0)


@breaks("ch7-ips-no-gain")
def test_ips_no_gain_breaks_against_the_wrong_unweighted_fit(boot):
    check("ch7-ips-no-gain", measured=MR.highest_high(boot, IPS, GH, MB.MEASURES[2:]), at_most=0.0)
    with pytest.raises(ClaimFailed):        # the weighted γ = ½ fit compared with the unweighted γ = 0 fit
        check("ch7-ips-no-gain", measured=MR.highest_high(boot, IPS, G0, MB.MEASURES[2:]), at_most=0.0)


@breaks("ch7-remedy2-is-gamma1")
def test_remedy2_breaks_with_a_different_lambda(ml):
    X = ml.X[:, :120]
    spec = cossim.top_singular(X, 8)
    gamma1 = cossim.item_item_cosine(cossim.eq1_factors(spec, LAM1, 1.0).B)
    tol = MR.cosine_rounding(X.shape[1])

    def gap(lam):
        f = cossim.eq1_factors(spec, lam, 0.5)
        return float(np.abs(cossim.projected_item_cosine(f.A, f.B) - gamma1).max())
    check("ch7-remedy2-is-gamma1", measured=gap(LAM1), at_most=tol)
    assert np.abs(similarity_choices(X, 8, LAM1, LAM2)["remedy 2: items as rows of BAᵀ"] - gamma1).max() <= tol
    with pytest.raises(ClaimFailed):
        check("ch7-remedy2-is-gamma1", measured=gap(1.2 * LAM1), at_most=tol)


@breaks("ch7-famous-lists-change")
def test_famous_lists_break_when_one_choice_is_shown_twice(ml):
    choices = similarity_choices(ml.X, K, LAM1, LAM2, remedies=False)
    nb = {n: MB.top_n(S, 5) for n, S in choices.items()}
    titles = ml.items["title"].to_numpy()
    present = ["Toy Story (1995)", "Pulp Fiction (1994)"]
    table = MR.famous_neighbours(titles, present, nb, [G0, G1, EQ2])
    check("ch7-famous-lists-change", measured=MR.changed_lists(table, [G0, G1, EQ2]), at_least=1)
    same = MR.famous_neighbours(titles, present, nb, [G1, G1])
    with pytest.raises(ClaimFailed):
        check("ch7-famous-lists-change", measured=MR.changed_lists(same, [G1, G1]), at_least=1)


@breaks("ch7-predictions-close")
def test_predictions_close_breaks_with_eq1s_lambda_in_eq2(ml):
    spec = cossim.top_singular(ml.X, K)
    f1, f2 = cossim.eq1_factors(spec, LAM1, 0.5), cossim.eq2_factors(spec, LAM2)
    check("ch7-predictions-close", measured=MR.prediction_ratio(ml.X, f1, f2), at_most=1.0)
    with pytest.raises(ClaimFailed):        # Eq. (2) fitted with Eq. (1)'s λ (the two λ mixed up)
        check("ch7-predictions-close", measured=MR.prediction_ratio(ml.X, f1, cossim.eq2_factors(spec, LAM1)),
              at_most=1.0)


@breaks("ch7-grid-auc-accurate")
def test_grid_auc_breaks_on_a_coarse_grid(ml, pairs, boot):
    S = MB.choices_from_gram(cossim.gram_matrix(ml.X), ml.X.shape[0], K, LAM1, LAM2)
    rows = {name: S[name] for name in MB.CHOICES}
    table = MR.yardstick_table(rows, ml.genres, pairs, min_jaccard=T, n_neighbours=NN)
    cols = MR.yardstick_columns(T, NN)[:4]
    se = min(cossim.bootstrap_interval(boot, (m, a), (m, b)).se for m in MB.MEASURES
             for a, b in [(G1, G0), (G1, EQ2), (IPS, GH), (G1, RAW)])
    check("ch7-grid-auc-accurate", measured=MR.grid_vs_exact(boot, table, list(MB.CHOICES), MB.MEASURES, cols),
          at_most=0.01 * se)
    coarse = _boot(ml.X, pairs, 1, bins=64)
    with pytest.raises(ClaimFailed):
        check("ch7-grid-auc-accurate", measured=MR.grid_vs_exact(coarse, table, list(MB.CHOICES), MB.MEASURES, cols),
              at_most=0.01 * se)
