import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import cossim
from cossim.report.toy_report import nearest, plot_toy_rescaling, toy_checks


def test_nearest_skips_self_and_breaks_ties_by_index():
    S = np.array([[1.0, 0.5, 0.5], [0.5, 1.0, 0.9], [0.5, 0.9, 1.0]])
    assert nearest(S, 0) == 1 and nearest(S, 1) == 2 and nearest(S, 2) == 1
    assert S[0, 0] == 1.0                           # the input is not modified


def test_plot_toy_rescaling_labels_every_item():
    B = np.array([[1.0, 1.0], [3.0, 1.0], [0.0, 1.0]])
    fig = plot_toy_rescaling(B, B * [2.0, 0.5])
    texts = [t.get_text() for t in fig.axes[0].texts if t.get_text()]   # arrows are empty annotations
    assert texts == ["item 1 (45°)", "item 2 (18°)", "item 3 (90°)"]
    plt.close(fig)


def test_toy_checks_measure_the_chapter_claims():
    B = np.array([[1.0, 1.0], [3.0, 1.0], [1.0, 2.0], [0.0, 1.0]])
    X = np.array([[1, 0, 0, 0], [0, 1, 1, 0], [1, 0, 0, 1]])
    out = toy_checks(X, B, B, *cossim.rescale(B, B, np.array([0.5, 2.0])))
    assert out["score_change"] <= out["score_tol"]
    assert out["item_cos_change"] > out["cos_tol"] and out["nn_reversal"] > out["cos_tol"]
    assert out["nn_before"] != out["nn_after"] and out["user_cos_change"] > out["user_cos_tol"]
