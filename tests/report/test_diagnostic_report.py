import numpy as np

import cossim
from cossim.report import diagnostic_report as DR


def test_diagnose_all_and_tables():
    data = cossim.simulate(200, 20, 2, seed=0)
    spec = cossim.top_singular(data.X, 3)
    factors = {"sim, Eq. (1)": (data.X, cossim.eq1_factors(spec, 10.0, 0.5)),
               "sim, Eq. (2)": (data.X, cossim.eq2_factors(spec, 1.0))}
    reports = DR.diagnose_all(factors, np.linspace(0, 1, 3), 3)
    assert list(reports) == list(factors)
    direct = cossim.diagnose(np.asarray(data.X @ factors["sim, Eq. (1)"][1].A),
                             factors["sim, Eq. (1)"][1].B, gammas=np.linspace(0, 1, 3),
                             n_neighbours=3)
    assert reports["sim, Eq. (1)"].stable_fraction_mean == direct.stable_fraction_mean
    styler = DR.summary_table(reports, 3)
    assert styler.data.columns.nlevels == 2 and styler.data.shape == (14, 2)
    assert "γ-family: worst top-3 overlap with Q" in styler.data.index
    assert styler.data.loc["diagonal D: worst top-3 overlap"].iloc[0] == \
        reports["sim, Eq. (1)"].probes["diagonal"]["worst_overlap"]
    styler.to_html()
    titles = np.array([f"Movie {i} (1999)" for i in range(20)])
    pairs = DR.variable_pairs_table(reports["sim, Eq. (1)"], titles, n_pairs=2)
    assert pairs.data.shape == (2, 6)


def test_ledger_helpers():
    data = cossim.simulate(200, 20, 2, seed=0)
    spec = cossim.top_singular(data.X, 3)
    f = cossim.eq1_factors(spec, 10.0, 0.5)
    P = np.asarray(data.X @ f.A)
    report = cossim.diagnose(P, f.B, gammas=np.linspace(0, 1, 3), n_neighbours=3, n_probes=2)
    assert DR.overlap_resolution(report) == 1 / (20 * 3)
    assert DR.cosine_rounding(3) == 20 * np.finfo(float).eps
    assert DR.gap_at(report, 0.5) == report.cos_change_with_given[1]
    assert DR.probe_gain(report, "general") == \
        min(report.overlap_with_given) - report.probes["general"]["worst_overlap"]
    ratio = DR.worst_score_ratio({"a": report})
    assert ratio == max(report.max_score_change / report.score_change_bound,
                        report.probe_max_score_change / report.probe_score_change_bound)
    drop, wide = DR.stable_share_drop(report, P, f.B, np.linspace(-1, 2, 7))
    assert wide.gammas[0] == -1.0 and drop == report.stable_fraction_mean - wide.stable_fraction_mean
