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
    assert styler.data.columns.nlevels == 2 and styler.data.shape == (8, 2)
    assert "min top-3 overlap with Q, over γ" in styler.data.index
    styler.to_html()
    titles = np.array([f"Movie {i} (1999)" for i in range(20)])
    pairs = DR.variable_pairs_table(reports["sim, Eq. (1)"], titles, n_pairs=2)
    assert pairs.data.shape == (2, 6)
