"""Every claim of Chapter 4 (Figure 1, §4) and of the landing page, broken on purpose.

Each test computes the claim's measured quantity with the chapter's own function,
shows that the check passes, breaks the input realistically (a wrong λ or γ, a
shuffled label, a different seed, a swapped panel, a wrong closed form) and shows
that the check fails. Figure 1's claims are about the paper's setting, so their
fixture simulates it once (20,000 × 1,000); the robustness claims use the runs
of the chapter's test parameters; the sweep uses a smaller data set.
"""

import json

import numpy as np
import pytest
from support.ledger import breaks

import cossim
from cossim import figure1 as E
from cossim.report import figure1_report as F1
from cossim.report import overview
from cossim.report.ledger import ClaimFailed, check

N_USERS, N_ITEMS, C, RANK, LAM1, LAM2 = 20_000, 1_000, 5, 50, 10_000.0, 100.0


@pytest.fixture(scope="module")
def paper():
    """The paper's setting: data, spectrum and Figure 1 (seed 0)."""
    data = cossim.simulate(N_USERS, N_ITEMS, C, seed=0)
    spectrum = cossim.top_singular(data.X, RANK)
    result = E.run_figure1(data.X, data.clusters, data.popularity, rank=RANK, lam1=LAM1,
                           lam2=LAM2)
    return data, spectrum, result


def _scores(result, key):
    return {name: result.scores[name][key] for name in E.PANELS}


# -- 4.1 the data -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def activity():
    """k_u of a simulation with 100 items (the law does not need the full catalogue)."""
    return cossim.simulate(N_USERS, 100, C, seed=0).items_per_user


def _discrete_draws(n_items, seed=0):
    """k_u drawn from P(k) ∝ k^(−1/2), the law the sampler was wrongly said to realise."""
    pmf = cossim.discrete_power_law(0.5, 1, n_items)
    return 1 + np.random.default_rng(seed).choice(n_items, size=N_USERS, p=pmf)


@breaks("ch4-ku-law-realised")
def test_ku_law_breaks_for_the_discrete_power_law(activity):
    law = F1.activity_law(activity, 100)
    check("ch4-ku-law-realised", measured=law["ks_realised"], at_most=law["noise"])
    wrong = F1.activity_law(_discrete_draws(100), 100)
    with pytest.raises(ClaimFailed):
        check("ch4-ku-law-realised", measured=wrong["ks_realised"], at_most=wrong["noise"])


@breaks("ch4-ku-not-discrete-power-law")
def test_not_discrete_breaks_when_k_u_follow_it(activity):
    law = F1.activity_law(activity, 100)
    check("ch4-ku-not-discrete-power-law", measured=law["ks_discrete"], at_least=law["noise"])
    wrong = F1.activity_law(_discrete_draws(100), 100)
    with pytest.raises(ClaimFailed):
        check("ch4-ku-not-discrete-power-law", measured=wrong["ks_discrete"],
              at_least=wrong["noise"])


@breaks("ch4-cluster-directions-kept")
def test_cluster_directions_break_with_a_wrong_lambda2(paper):
    sigma_c = paper[1].sigma[C - 1]
    check("ch4-cluster-directions-kept", measured=sigma_c, at_least=LAM2)
    with pytest.raises(ClaimFailed):  # λ₂ on the scale of σ² instead of σ
        check("ch4-cluster-directions-kept", measured=sigma_c, at_least=LAM2**2)


@breaks("ch4-capped-cluster-direction-lost")
def test_capped_direction_breaks_without_the_cap(paper):
    capped = cossim.simulate(N_USERS, N_ITEMS, C, seed=0,
                             **E.reading_kwargs("capped_activity", C, N_ITEMS))
    check("ch4-capped-cluster-direction-lost", at_most=LAM2,
          measured=cossim.top_singular(capped.X, C).sigma[C - 1])
    with pytest.raises(ClaimFailed):  # the default reading, no cap
        check("ch4-capped-cluster-direction-lost", measured=paper[1].sigma[C - 1], at_most=LAM2)


# -- 4.2 Figure 1 -------------------------------------------------------------------------

def _family(spectrum, wrong_exponent=0.0):
    """Eq. (1)'s members γ = 0, ½, 1; `wrong_exponent` ≠ 0 gives γ = 1 a wrong B = V m^(1+e)."""
    family = {g: cossim.eq1_factors(spectrum, LAM1, g) for g in (0.0, 0.5, 1.0)}
    if wrong_exponent:
        m = cossim.eq1_shrinkage(spectrum.sigma, LAM1)
        family[1.0] = family[1.0]._replace(B=family[1.0].B * m**wrong_exponent)
    return family


@breaks("ch4-eq1-panels-same-product", "ch4-eq1-panels-same-loss")
def test_same_model_breaks_for_a_wrong_exponent(paper):
    data, spectrum, _ = paper
    product_gap, loss_gap = F1.family_loss_gap(data.X, _family(spectrum), LAM1)
    check("ch4-eq1-panels-same-product", measured=product_gap, at_most=1e-12)
    check("ch4-eq1-panels-same-loss", measured=loss_gap, at_most=1e-10)
    product_gap, loss_gap = F1.family_loss_gap(data.X, _family(spectrum, 0.01), LAM1)
    with pytest.raises(ClaimFailed):
        check("ch4-eq1-panels-same-product", measured=product_gap, at_most=1e-12)
    with pytest.raises(ClaimFailed):
        check("ch4-eq1-panels-same-loss", measured=loss_gap, at_most=1e-10)


@breaks("ch4-panel-rescaling-mild")
def test_mild_rescaling_breaks_at_full_rank(paper):
    data, spectrum, _ = paper
    check("ch4-panel-rescaling-mild", measured=F1.rescaling_spread(spectrum.sigma, LAM1),
          at_most=10.0)
    sigma_all = np.sqrt(np.clip(np.linalg.eigvalsh(cossim.gram_matrix(data.X)), 0, None))
    with pytest.raises(ClaimFailed):  # k = p: the paper's full-rank cases (a) and (b)
        check("ch4-panel-rescaling-mild", measured=F1.rescaling_spread(sigma_all, LAM1),
              at_most=10.0)


@breaks("ch4-eq1-panels-cosines-differ")
def test_cosines_differ_breaks_when_every_panel_is_gamma_half(paper):
    sims = paper[2].similarities
    names = ["eq1_gamma0", "eq1_gamma0.5", "eq1_gamma1"]
    check("ch4-eq1-panels-cosines-differ", measured=F1.max_pairwise_change(sims, names),
          at_least=0.5)
    same = {name: sims["eq1_gamma0.5"] for name in names}
    with pytest.raises(ClaimFailed):
        check("ch4-eq1-panels-cosines-differ", measured=F1.max_pairwise_change(same, names),
              at_least=0.5)


@breaks("ch4-eq2-cross-cluster-alike")
def test_cross_cluster_breaks_with_gamma1_in_place_of_eq2(paper):
    data, _, result = paper
    med = F1.median_cross(result, data.clusters)
    check("ch4-eq2-cross-cluster-alike", measured=med["eq2"] - med["eq1_gamma1"], at_least=0.2)
    swapped = type("R", (), {"similarities": {**result.similarities,
                                              "eq2": result.similarities["eq1_gamma1"]}})
    med = F1.median_cross(swapped, data.clusters)
    with pytest.raises(ClaimFailed):
        check("ch4-eq2-cross-cluster-alike", measured=med["eq2"] - med["eq1_gamma1"],
              at_least=0.2)


def _gradient(paper, name, popularity=None):
    data, _, result = paper
    pop = data.popularity if popularity is None else popularity
    return F1.popularity_gradient(result.similarities[name], data.clusters, pop)


@breaks("ch4-gamma0-popularity-gradient")
def test_popularity_gradient_breaks_with_shuffled_popularity(paper):
    rho, m = _gradient(paper, "eq1_gamma0")
    check("ch4-gamma0-popularity-gradient", measured=rho.max(), at_most=-3 / np.sqrt(m - 1))
    shuffled = np.random.default_rng(0).permutation(paper[0].popularity)
    rho, m = _gradient(paper, "eq1_gamma0", shuffled)
    with pytest.raises(ClaimFailed):
        check("ch4-gamma0-popularity-gradient", measured=rho.max(), at_most=-3 / np.sqrt(m - 1))


@breaks("ch4-gamma1-eq2-no-popularity-gradient")
def test_no_gradient_breaks_for_gamma0(paper):
    rho = {name: _gradient(paper, name) for name in ("eq1_gamma1", "eq2", "eq1_gamma0")}
    bound = 3 / np.sqrt(rho["eq2"][1] - 1)
    check("ch4-gamma1-eq2-no-popularity-gradient", at_most=bound,
          measured=max(np.abs(rho[n][0]).max() for n in ("eq1_gamma1", "eq2")))
    with pytest.raises(ClaimFailed):  # γ = 0 in place of γ = 1
        check("ch4-gamma1-eq2-no-popularity-gradient", at_most=bound,
              measured=max(np.abs(rho[n][0]).max() for n in ("eq1_gamma0", "eq2")))


# -- 4.3 scores ---------------------------------------------------------------------------

@breaks("ch4-truth-panel-perfect")
def test_truth_breaks_with_shuffled_labels(paper):
    data, _, result = paper
    auc, purity = _scores(result, "auc"), _scores(result, "neighbour_purity")
    check("ch4-truth-panel-perfect", measured=min(auc["truth"], purity["truth"]), at_least=1.0)
    labels = np.random.default_rng(1).permutation(data.clusters)
    S = result.similarities["truth"]
    with pytest.raises(ClaimFailed):  # the truth scored against shuffled labels
        check("ch4-truth-panel-perfect", at_least=1.0,
              measured=min(cossim.cluster_auc(S, labels), cossim.neighbour_purity(S, labels, 10)))


@breaks("ch4-nearly-all-neighbours")
def test_nearly_all_breaks_with_shuffled_labels(paper):
    data, _, result = paper
    purity = _scores(result, "neighbour_purity")
    others = ["eq1_gamma0.5", "eq1_gamma1", "eq2"]
    check("ch4-nearly-all-neighbours", measured=min(purity[n] for n in others), at_least=0.95)
    labels = np.random.default_rng(2).permutation(data.clusters)
    shuffled = [cossim.neighbour_purity(result.similarities[n], labels, 10) for n in others]
    with pytest.raises(ClaimFailed):
        check("ch4-nearly-all-neighbours", measured=min(shuffled), at_least=0.95)


@breaks("ch4-gamma0-purity-lowest")
def test_purity_lowest_breaks_with_gamma1_in_place_of_gamma0(paper):
    purity = _scores(paper[2], "neighbour_purity")
    others = ["eq1_gamma0.5", "eq1_gamma1", "eq2"]
    check("ch4-gamma0-purity-lowest", at_least=0.05,
          measured=min(purity[n] for n in others) - purity["eq1_gamma0"])
    with pytest.raises(ClaimFailed):
        check("ch4-gamma0-purity-lowest", at_least=0.05,
              measured=min(purity[n] for n in others) - purity["eq1_gamma1"])


# -- 4.4 robustness -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def runs():
    """The robustness runs of the chapter's test parameters: 2 seeds × 2 readings, full scale."""
    return E.robustness(range(2), ["default", "capped_activity"], n_users=N_USERS,
                        n_items=N_ITEMS, n_clusters=C, rank=RANK, lam1=LAM1, lam2=LAM2)


def _swap(runs, a, b):
    """The runs with the labels of panels `a` and `b` exchanged (a mislabelled panel)."""
    out = runs.copy()
    out["panel"] = out.panel.replace({a: b, b: a})
    return out


def _stats(runs, paper):
    return F1.robustness_stats(runs, _scores(paper[2], "auc"))


@breaks("ch4-auc-increases-with-gamma-all-runs", "ch4-worst-is-gamma0-or-eq2")
def test_all_runs_claims_break_when_gamma0_and_gamma1_are_swapped(runs, paper):
    stats = _stats(runs, paper)
    check("ch4-auc-increases-with-gamma-all-runs", measured=stats["increasing"].mean(),
          at_least=1.0)
    check("ch4-worst-is-gamma0-or-eq2", at_least=1.0,
          measured=(stats["gamma0_worst"] | stats["eq2_worst"]).mean())
    stats = _stats(_swap(runs, "eq1_gamma0", "eq1_gamma1"), paper)
    with pytest.raises(ClaimFailed):
        check("ch4-auc-increases-with-gamma-all-runs", measured=stats["increasing"].mean(),
              at_least=1.0)
    with pytest.raises(ClaimFailed):
        check("ch4-worst-is-gamma0-or-eq2", at_least=1.0,
              measured=(stats["gamma0_worst"] | stats["eq2_worst"]).mean())


@breaks("ch4-auc-spread-all-runs")
def test_spread_breaks_when_every_eq1_panel_is_gamma_half(runs, paper):
    check("ch4-auc-spread-all-runs", measured=_stats(runs, paper)["spreads"].min(), at_least=0.1)
    same = runs.copy()
    half = same[same.panel == "eq1_gamma0.5"].set_index(["reading", "seed"]).auc
    for name in ("eq1_gamma0", "eq1_gamma1", "eq2"):  # every panel scored as γ = ½
        rows = same.panel == name
        same.loc[rows, "auc"] = half.loc[list(zip(same[rows].reading, same[rows].seed))].values
    with pytest.raises(ClaimFailed):
        check("ch4-auc-spread-all-runs", measured=_stats(same, paper)["spreads"].min(),
              at_least=0.1)


@breaks("ch4-panel-order-varies", "ch4-eq2-beats-gamma1-some-not-all")
def test_order_claims_break_for_a_single_run(runs, paper):
    stats = _stats(runs, paper)
    n_runs, n_beats = stats["glued"]["n_runs"], stats["glued"]["n_eq2_beats_b"]
    check("ch4-panel-order-varies", measured=stats["glued"]["n_orders"], at_least=2)
    check("ch4-eq2-beats-gamma1-some-not-all", measured=min(n_beats, n_runs - n_beats),
          at_least=1)
    one = _stats(runs[(runs.seed == 0) & (runs.reading == "default")], paper)  # one seed only
    with pytest.raises(ClaimFailed):
        check("ch4-panel-order-varies", measured=one["glued"]["n_orders"], at_least=2)
    n_runs, n_beats = one["glued"]["n_runs"], one["glued"]["n_eq2_beats_b"]
    with pytest.raises(ClaimFailed):
        check("ch4-eq2-beats-gamma1-some-not-all", measured=min(n_beats, n_runs - n_beats),
              at_least=1)


# -- 4.5 the γ sweep ----------------------------------------------------------------------

SWEEP_LAM1S, SWEEP_LAM2 = [2_500.0, 25_000.0], 50.0


@pytest.fixture(scope="module")
def sweep_data():
    return cossim.simulate(5_000, 500, C, seed=0)


_SWEEPS = {}


def _sweep(data, gammas):
    key = tuple(gammas)
    if key not in _SWEEPS:  # the same sweep serves several tests
        _SWEEPS[key] = E.gamma_sweep(data.X, data.clusters, gammas, SWEEP_LAM1S, [10], SWEEP_LAM2)
    sweep, ref = _SWEEPS[key]
    table = F1.best_gamma_table(sweep, ref)
    here = table.loc[(10, SWEEP_LAM1S[0])]
    at_edge = table["best γ"] == gammas.max()
    return table, here, at_edge


GRID = np.round(np.arange(-1.0, 2.0 + 1e-9, 0.25), 6)
HALF_GRID = GRID[GRID <= 0.5]  # a grid cut at the symmetric split


@breaks("ch4-sweep-best-gamma-above-half", "ch4-sweep-largest-lam1-peaks-inside")
def test_sweep_claims_break_on_a_grid_cut_at_one_half(sweep_data):
    table, _, at_edge = _sweep(sweep_data, GRID)
    largest = at_edge.index.get_level_values("lam1") == max(SWEEP_LAM1S)
    check("ch4-sweep-best-gamma-above-half", measured=table["best γ"].min(), at_least=0.75)
    check("ch4-sweep-largest-lam1-peaks-inside", measured=at_edge[largest].sum(), at_most=0)
    table, _, at_edge = _sweep(sweep_data, HALF_GRID)
    with pytest.raises(ClaimFailed):
        check("ch4-sweep-best-gamma-above-half", measured=table["best γ"].min(), at_least=0.75)
    with pytest.raises(ClaimFailed):
        check("ch4-sweep-largest-lam1-peaks-inside", measured=at_edge[largest].sum(), at_most=0)


@breaks("ch4-sweep-best-beats-gamma0", "ch4-sweep-eq2-below-best")
def test_best_claims_break_on_a_grid_without_positive_gamma(sweep_data):
    table, here, _ = _sweep(sweep_data, GRID)
    check("ch4-sweep-best-beats-gamma0", at_least=0.0005,
          measured=(table["best AUC"] - table["AUC at γ = 0"]).min())
    check("ch4-sweep-eq2-below-best", measured=here["best AUC"] - here["Eq. (2) AUC"],
          at_least=0.0005)
    table, here, _ = _sweep(sweep_data, GRID[GRID <= 0.0])
    with pytest.raises(ClaimFailed):
        check("ch4-sweep-best-beats-gamma0", at_least=0.0005,
              measured=(table["best AUC"] - table["AUC at γ = 0"]).min())
    with pytest.raises(ClaimFailed):
        check("ch4-sweep-eq2-below-best", measured=here["best AUC"] - here["Eq. (2) AUC"],
              at_least=0.0005)


@breaks("ch4-sweep-eq2-above-gamma0")
def test_eq2_above_gamma0_breaks_with_lambda2_on_the_scale_of_sigma_squared(sweep_data):
    _, here, _ = _sweep(sweep_data, GRID)
    check("ch4-sweep-eq2-above-gamma0", measured=here["Eq. (2) AUC"] - here["AUC at γ = 0"],
          at_least=0.0005)
    sigma = cossim.top_singular(sweep_data.X, 10).sigma
    wrong = cossim.eq2_factors(cossim.top_singular(sweep_data.X, 10), 0.5 * (sigma[0] + sigma[1]))
    eq2_auc = cossim.cluster_auc(cossim.item_item_cosine(wrong.B), sweep_data.clusters)
    with pytest.raises(ClaimFailed):  # λ₂ so large that one direction is left
        check("ch4-sweep-eq2-above-gamma0", measured=eq2_auc - here["AUC at γ = 0"],
              at_least=0.0005)


@breaks("ch4-sweep-some-lines-peak-at-edge")
def test_edge_claim_breaks_for_the_largest_lambda_alone(sweep_data):
    _, _, at_edge = _sweep(sweep_data, GRID)
    check("ch4-sweep-some-lines-peak-at-edge", at_least=1,
          measured=min(at_edge.sum(), len(at_edge) - at_edge.sum()))
    inside = at_edge[at_edge.index.get_level_values("lam1") == max(SWEEP_LAM1S)]
    with pytest.raises(ClaimFailed):  # a sweep over the largest λ₁ only
        check("ch4-sweep-some-lines-peak-at-edge", at_least=1,
              measured=min(inside.sum(), len(inside) - inside.sum()))


# -- 4.6 the command ----------------------------------------------------------------------

@breaks("ch4-cli-reproduces-scores")
def test_cli_scores_break_for_another_seed():
    small = dict(n_users=400, n_items=60, n_clusters=3, rank=5, lam1=50.0, lam2=5.0)
    result = E.simulate_figure1(seed=0, **small)
    doc = json.loads(E.figure1_json(result))
    auc, purity = _scores(result, "auc"), _scores(result, "neighbour_purity")
    check("ch4-cli-reproduces-scores", measured=F1.json_score_gap(doc, auc, purity), at_most=5e-7)
    other = json.loads(E.figure1_json(E.simulate_figure1(seed=1, **small)))
    with pytest.raises(ClaimFailed):
        check("ch4-cli-reproduces-scores", measured=F1.json_score_gap(other, auc, purity),
              at_most=5e-7)


# -- the landing page ---------------------------------------------------------------------

@breaks("index-same-product")
def test_index_product_breaks_for_a_wrong_closed_form(paper, monkeypatch):
    _, spectrum, result = paper
    product, gap, _ = overview.family_gaps(spectrum, LAM1, result.similarities)
    check("index-same-product", measured=gap / max(1.0, np.abs(product).max()), at_most=1e-12)
    right = cossim.eq1_factors

    def wrong(spectrum, lam, gamma):  # B = V m^γ with m^1.01 in place of m at γ = 1
        f = right(spectrum, lam, gamma)
        return f._replace(B=f.B * cossim.eq1_shrinkage(spectrum.sigma, lam) ** (0.01 * gamma))

    monkeypatch.setattr(cossim, "eq1_factors", wrong)
    product, gap, _ = overview.family_gaps(spectrum, LAM1, result.similarities)
    with pytest.raises(ClaimFailed):
        check("index-same-product", measured=gap / max(1.0, np.abs(product).max()), at_most=1e-12)


@breaks("index-cosines-differ", "index-auc-differs")
def test_index_differences_break_when_every_member_is_gamma_half(paper):
    _, spectrum, result = paper
    _, _, cosine_gap = overview.family_gaps(spectrum, LAM1, result.similarities)
    auc = [result.scores[name]["auc"] for name in overview.EQ1_PANELS]
    check("index-cosines-differ", measured=cosine_gap, at_least=0.1)
    check("index-auc-differs", measured=max(auc) - min(auc), at_least=0.02)
    same = {name: result.similarities["eq1_gamma0.5"] for name in overview.EQ1_PANELS}
    _, _, cosine_gap = overview.family_gaps(spectrum, LAM1, same)
    auc = [cossim.cluster_auc(same[name], result.labels) for name in overview.EQ1_PANELS]
    with pytest.raises(ClaimFailed):
        check("index-cosines-differ", measured=cosine_gap, at_least=0.1)
    with pytest.raises(ClaimFailed):
        check("index-auc-differs", measured=max(auc) - min(auc), at_least=0.02)


@breaks("index-auc-above-chance")
def test_index_chance_breaks_for_a_sign_error(paper):
    result = paper[2]
    fitted = [name for name in E.PANELS if name != "truth"]
    check("index-auc-above-chance", measured=min(result.scores[n]["auc"] for n in fitted),
          at_least=0.5)
    flipped = [cossim.cluster_auc(-result.similarities[n], result.labels) for n in fitted]
    with pytest.raises(ClaimFailed):  # −cos in place of cos
        check("index-auc-above-chance", measured=min(flipped), at_least=0.5)
