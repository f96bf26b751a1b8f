import numpy as np
import pandas as pd

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
