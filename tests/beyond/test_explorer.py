"""Tests of cossim.beyond.explorer: frames over γ and the self-contained HTML slider."""

import base64
import re

import numpy as np
import pytest

import cossim
from cossim.beyond.explorer import explorer_frames, explorer_html, heatmap_png


@pytest.fixture(scope="module")
def frames():
    data = cossim.simulate(1500, 120, 4, seed=1)
    spec = cossim.top_singular(data.X, 8)
    order = cossim.order_items(data.clusters, data.popularity)
    return explorer_frames(data.X, spec, 500.0, data.clusters, order,
                           gammas=np.linspace(0, 1, 4), items=[0, 5], pixels=60)


def test_predictions_do_not_change_but_cosines_do(frames):
    assert frames.max_prediction_change < 1e-9
    assert len(frames.heatmaps) == 4 and frames.auc.shape == (4,)
    assert frames.heatmaps[0] != frames.heatmaps[-1]
    assert frames.neighbours[0].shape == (4, 5)


def test_heatmap_png_is_small_palette_png():
    S = np.random.default_rng(0).uniform(-1, 1, (300, 300))
    png = heatmap_png(S, pixels=100, boundaries=[150])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    from io import BytesIO

    from PIL import Image

    img = Image.open(BytesIO(png))
    assert img.mode == "P" and img.size == (100, 100)
    assert np.asarray(img)[50, 0] == 255  # boundary line


def test_html_is_self_contained(frames):
    page = explorer_html(frames, uid="t1")
    assert 'id="t1-slider"' in page and "<script>" in page
    assert not re.search(r'(src|href)="(https?:)?//', page)  # no external resource
    imgs = re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", page)
    assert all(base64.b64decode(b)[:4] == b"\x89PNG" for b in imgs)
    assert f"{frames.max_prediction_change:.1e}" in page
    assert len(page.encode()) < 3_000_000


def test_bad_input():
    data = cossim.simulate(300, 30, 3, seed=0)
    spec = cossim.top_singular(data.X, 3)
    order = np.arange(30)
    with pytest.raises(ValueError, match="order"):
        explorer_frames(data.X, spec, 1.0, data.clusters, order[:-1])
    with pytest.raises(ValueError, match="items"):
        explorer_frames(data.X, spec, 1.0, data.clusters, order, items=[99])
    with pytest.raises(ValueError, match="labels"):
        explorer_frames(data.X, spec, 1.0, data.clusters[:-1], order)


def test_html_labels_axes_and_colour_bar(frames):
    """Both heat-map axes and the colour bar carry a text label."""
    from cossim.beyond.explorer import AXIS_LABEL, COLOUR_LABEL

    page = explorer_html(frames, uid="t2")
    assert AXIS_LABEL == "item (sorted by cluster, then popularity)"
    assert page.count(AXIS_LABEL) == 2          # x and y axis
    assert "writing-mode:vertical-rl" in page   # the y label is vertical
    assert page.count(COLOUR_LABEL) == 1


def test_objective_matches_the_closed_form_optimum(frames):
    rel = np.abs(frames.objective - frames.optimum) / frames.optimum
    assert rel.max() < 1e-12


def test_optimum_and_tolerances_by_hand():
    import cossim
    from cossim.beyond import explorer as EX

    data = cossim.simulate(300, 30, 3, seed=1)
    spec = cossim.top_singular(data.X, 4)
    Xd = data.X.toarray()
    W = cossim.eq1_factors(spec, 50.0, 0.5)
    direct = np.sum((Xd - Xd @ W.A @ W.B.T) ** 2) + 50.0 * np.sum((W.A @ W.B.T) ** 2)
    np.testing.assert_allclose(EX.eq1_objective(data.X, W.A, W.B, 50.0), direct, rtol=1e-13)
    np.testing.assert_allclose(EX.eq1_optimum(data.X, spec, 50.0), direct, rtol=1e-12)
    wrong = cossim.eq1_factors(spec, 60.0, 0.5)
    assert EX.eq1_objective(data.X, wrong.A, wrong.B, 50.0) > direct * (1 + 1e-6)
    labels = np.array([0, 0, 1, 1, 1])
    assert EX.auc_resolution(labels) == 1 / (4 * 6)      # 4 same-label pairs, 6 others
    assert EX.prediction_tolerance(Xd, 4) == 2 * (4 + 30) * np.finfo(float).eps * \
        np.abs(Xd).sum(axis=1).max()
    auc = EX.auc_along(spec, 50.0, data.clusters, [0.0, 1.0])
    assert auc.shape == (2,) and auc[0] == cossim.cluster_auc(
        cossim.item_item_cosine(spec.V), data.clusters)
