"""Tests of cossim.figure1.plotting: Figure 1's heat maps and the γ-sweep plot."""

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from cossim.figure1.panels import PANEL_RECORDS, PANELS
from cossim.figure1.plotting import figure_png, plot_figure1, plot_gamma_sweep, plot_heatmaps
from cossim.figure1.sweep import gamma_sweep


def test_figure1_plot_shares_one_colour_scale(small):
    _, result = small
    for nrows in (1, 2):  # the paper's single row, and the 2 × 3 grid
        fig = plot_figure1(result, nrows=nrows)
        images = [ax.images[0] for ax in fig.axes if ax.images]
        assert len(images) == 5
        for image in images:
            assert image.get_clim() == (-1.0, 1.0)
            assert image.get_cmap().name == "viridis"
        titles = [ax.get_title() for ax in fig.axes if ax.images]
        assert "truth" in titles[0] and "Eq. (2)" in titles[4]
        assert "γ = 0" in titles[1] and "γ = ½" in titles[2] and "γ = 1" in titles[3]
        for name, title in zip(PANELS, titles, strict=True):  # second line: the panel's AUC
            assert title.split("\n")[1] == f"AUC {result.scores[name]['auc']:.2f}"
        colorbars = [ax for ax in fig.axes if not ax.images and ax.get_ylabel()]
        assert any("cosine" in ax.get_ylabel() for ax in colorbars)
    with pytest.raises(ValueError, match="nrows"):
        plot_figure1(result, nrows=6)


def test_figure1_titles_are_the_records_short_titles(small):
    _, result = small
    fig = plot_figure1(result, show_scores=False)
    titles = [ax.get_title() for ax in fig.axes if ax.images]
    assert titles == [record.short_title for record in PANEL_RECORDS]


def test_heatmaps_reject_non_uniform_colormaps():
    with pytest.raises(ValueError, match="cmap"):
        plot_heatmaps([np.eye(3)], ["x"], cmap="RdBu_r")
    with pytest.raises(ValueError, match="shape"):
        plot_heatmaps([np.eye(3), np.eye(4)], ["a", "b"])


def test_gamma_sweep_plot(small):
    data, _ = small
    sweep, ref = gamma_sweep(data.X, data.clusters, gammas=[-1.0, 0.0, 1.0, 2.0],
                             lam1s=(100.0, 2000.0), ranks=(6, 12), lam2=30.0)
    fig = plot_gamma_sweep(sweep, ref)
    assert len([ax for ax in fig.axes if ax.lines]) == 2
    assert "gamma" in fig.axes[0].get_xlabel()


def test_png(small):
    _, result = small
    png = figure_png(plot_figure1(result), dpi=40)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert figure_png(plot_figure1(result), dpi=40) == png  # no timestamp in the bytes


def _savefig_png(fig, dpi, **kwargs):
    """matplotlib's own path: savefig runs the layout in a draw of its own, then draws."""
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None}, **kwargs)
    return buffer.getvalue()


@pytest.mark.parametrize("nrows, dpi", [(1, 40), (2, 55)])
def test_png_has_the_bytes_of_a_plain_savefig(small, nrows, dpi):
    """figure_png skips resampling the images in the layout draw; the output must not change."""
    _, result = small
    fig = plot_figure1(result, nrows=nrows)
    engine = fig.get_layout_engine()
    assert figure_png(fig, dpi=dpi) == _savefig_png(plot_figure1(result, nrows=nrows), dpi)
    assert fig.get_layout_engine() is engine  # restored
    # the comparison can fail: another dpi gives other bytes
    assert figure_png(plot_figure1(result, nrows=nrows), dpi=dpi + 1) != _savefig_png(fig, dpi)


def test_png_compress_level_keeps_the_pixels(small):
    import io

    from PIL import Image

    _, result = small
    fast = figure_png(plot_figure1(result), dpi=40, compress_level=1)
    default = figure_png(plot_figure1(result), dpi=40)
    assert fast != default
    assert_array_equal(np.asarray(Image.open(io.BytesIO(fast))), np.asarray(Image.open(io.BytesIO(default))))
