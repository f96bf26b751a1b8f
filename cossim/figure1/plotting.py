"""Figures of Chapter 4: the heat maps of Figure 1 and the γ sweep.

Conventions: one colour scale shared by all heat maps, shown by one colour
bar; a perceptually uniform, colour-blind-safe colormap ("viridis" by
default); each panel's title names the modelling choice. The functions build
a :class:`matplotlib.figure.Figure` directly (no pyplot state), so they work
the same in a notebook and in the headless command-line tool.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np
from matplotlib.figure import Figure

from .._validation import InvalidValue
from .panels import PANEL_RECORDS, PANELS

__all__ = ["plot_heatmaps", "plot_figure1", "plot_gamma_sweep", "figure_png", "UNIFORM_COLORMAPS"]

#: Perceptually uniform, colour-blind-safe colormaps accepted by the plots.
UNIFORM_COLORMAPS = ("viridis", "cividis", "magma", "inferno", "plasma")


def _check_cmap(cmap: str) -> str:
    if cmap not in UNIFORM_COLORMAPS:
        raise InvalidValue(f"cmap must be one of {UNIFORM_COLORMAPS} (perceptually uniform), "
                         f"got {cmap!r}")
    return cmap


def _check_heatmaps(matrices, titles, vmin, vmax, nrows) -> tuple:
    """Square matrices of one size, one title each, a valid colour range and grid."""
    matrices = [np.asarray(M) for M in matrices]
    titles = list(titles)
    if not matrices or len(matrices) != len(titles):
        raise InvalidValue("matrices and titles must be non-empty and of equal length")
    p = matrices[0].shape[0]
    for M in matrices:
        if M.shape != (p, p):
            raise InvalidValue(f"every matrix must have shape ({p}, {p}), got {M.shape}")
    if not vmin < vmax:
        raise InvalidValue(f"need vmin < vmax, got {vmin}, {vmax}")
    n = len(matrices)
    if isinstance(nrows, bool) or not isinstance(nrows, int) or not 1 <= nrows <= n:
        raise InvalidValue(f"nrows must be an integer between 1 and {n}, got {nrows!r}")
    return matrices, titles


def _heatmap(ax, M, title, cmap, vmin, vmax, title_size, ticks):
    """One panel; `ticks` (group boundaries) or None. Returns the image for the colour bar."""
    image = ax.imshow(M, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="antialiased",
                      origin="upper")
    ax.set_title(title, fontsize=title_size)
    if ticks is not None:
        ax.set_xticks(ticks)
        ax.set_yticks(ticks)
        ax.set_xticklabels([])
        ax.set_yticklabels([])
    ax.tick_params(length=3)
    return image


def plot_heatmaps(matrices, titles, *, group_sizes=None, vmin: float = -1.0, vmax: float = 1.0,
                  cmap: str = "viridis", panel_size: float = 3.0,
                  colorbar_label: str = "item–item cosine similarity",
                  axis_label: str = "items (sorted)", title_size: float = 10,
                  nrows: int = 1, label_size: float | None = None) -> Figure:
    """Square heat maps in a grid (default: one row), one shared colour scale, one colour bar.

    Parameters
    ----------
    matrices : sequence of ndarray, each (p, p)
        Already in display order.
    titles : sequence of str
        One per matrix.
    group_sizes : sequence of int, optional
        Sizes of consecutive groups (clusters) along the axes; their
        boundaries become the axis ticks.
    vmin, vmax : float
        The shared colour scale (default [−1, 1], the range of a cosine).
    cmap : str
        One of :data:`UNIFORM_COLORMAPS`.
    panel_size : float
        Width of one panel in inches.
    colorbar_label, axis_label : str
        Labels of the colour bar and of the (shared) item axes.
    title_size : float
        Font size of the panel titles.
    nrows : int
        Rows of the grid; the panels fill it row by row, unused cells stay empty.
    label_size : float, optional
        Font size of the axis and colour-bar labels and of the colour-bar
        ticks (default: one point below `title_size`).

    Returns
    -------
    matplotlib.figure.Figure
    """
    cmap = _check_cmap(cmap)
    matrices, titles = _check_heatmaps(matrices, titles, vmin, vmax, nrows)
    n = len(matrices)
    label_size = title_size - 1 if label_size is None else label_size
    ncols = -(-n // nrows)
    # extra height per row for (up to) two title lines
    fig = Figure(figsize=(panel_size * ncols + 1.4,
                          nrows * (panel_size + 2.4 * title_size / 72) + 0.5),
                 layout="constrained")
    grid = np.atleast_2d(fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False))
    axes = grid.ravel()
    ticks = None
    if group_sizes is not None:
        ticks = np.concatenate([[0], np.cumsum(group_sizes)]) - 0.5
    for ax, M, title in zip(axes, matrices, titles):
        image = _heatmap(ax, M, title, cmap, vmin, vmax, title_size, ticks)
    for ax in axes[n:]:
        ax.set_visible(False)
    for row in grid:
        row[0].set_ylabel("items", fontsize=label_size)
    fig.supxlabel(axis_label, fontsize=label_size)
    bar = fig.colorbar(image, ax=list(axes[:n]), shrink=0.9 if nrows == 1 else 0.7, pad=0.01)
    bar.set_label(colorbar_label, fontsize=label_size)
    bar.ax.tick_params(labelsize=label_size - 1)
    return fig


def plot_figure1(result, *, cmap: str = "viridis", panel_size: float = 3.0,
                 show_scores: bool = True, nrows: int = 1, title_size: float = 16) -> Figure:
    """Figure 1: the five panels of a :class:`cossim.figure1.pipeline.Figure1Result`.

    Items are in the result's display order (by label, then descending
    popularity); ticks mark the label boundaries. Titles are short (the
    objective and γ, the ``short_title`` of each
    :class:`~cossim.figure1.panels.Panel`); with
    `show_scores` a second line gives the panel's AUC. ``nrows=1`` is the
    paper's layout (one row; display it full-width), ``nrows=2`` a 2 × 3 grid
    for narrow pages.
    """
    labels_sorted = result.labels[result.order]
    _, sizes = np.unique(labels_sorted, return_counts=True)
    titles = []
    for panel in PANEL_RECORDS:
        title = panel.short_title
        if show_scores:
            title += f"\nAUC {result.scores[panel.name]['auc']:.2f}"
        titles.append(title)
    return plot_heatmaps([result.ordered(name) for name in PANELS], titles,
                         group_sizes=sizes, cmap=cmap, panel_size=panel_size,
                         axis_label="items: by cluster, then by popularity (descending)",
                         colorbar_label="cosine similarity", title_size=title_size,
                         nrows=nrows)


def plot_gamma_sweep(sweep, reference=None, *, score: str = "auc", cmap: str = "viridis",
                     panel_size: float = 3.6, font_size: float = 13) -> Figure:
    """Score against γ for ``B = V_k dMat(m)^γ``: one panel per λ₁, one line per k.

    Dotted vertical lines mark γ = 0, ½, 1 (the three Eq. (1) panels of
    Figure 1); a dashed horizontal line in each k's colour marks the score of
    Eq. (2) for that k; a dot marks the best γ of each line.

    Parameters
    ----------
    sweep, reference : pandas.DataFrame
        The two tables returned by :func:`cossim.figure1.sweep.gamma_sweep`.
    score : {"auc", "neighbour_purity"}
    font_size : float
        Size of titles, labels and legend (ticks one point smaller).
    """
    import matplotlib

    cmap = _check_cmap(cmap)
    if score not in sweep.columns:
        raise InvalidValue(f"score {score!r} is not a column of the sweep")
    lam1s = sorted(sweep["lam1"].unique())
    ranks = sorted(sweep["rank"].unique())
    colours = matplotlib.colormaps[cmap](np.linspace(0.0, 0.85, len(ranks)))
    markers = ["o", "s", "^", "D", "v", "P"]
    fig = Figure(figsize=(panel_size * len(lam1s) + 0.6, panel_size + 1.0), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(lam1s), sharey=True))
    for ax, lam1 in zip(axes, lam1s):
        for j, (k, colour) in enumerate(zip(ranks, colours)):
            rows = sweep[(sweep["lam1"] == lam1) & (sweep["rank"] == k)].sort_values("gamma")
            ax.plot(rows["gamma"], rows[score], color=colour, marker=markers[j % len(markers)],
                    markersize=4, linewidth=1.8, label=f"k = {k}")
            best = rows.loc[rows[score].idxmax()]
            ax.plot([best["gamma"]], [best[score]], marker="o", markersize=10,
                    markerfacecolor="none", markeredgecolor=colour)
            if reference is not None:
                ref = reference[reference["rank"] == k]
                if len(ref):
                    ax.axhline(float(ref[score].iloc[0]), color=colour, linestyle="--",
                               linewidth=1.0)
        for g in (0.0, 0.5, 1.0):
            ax.axvline(g, color="0.6", linestyle=":", linewidth=1.0)
        ax.set_title(f"$\\lambda_1$ = {lam1:g}", fontsize=font_size)
        ax.set_xlabel("$\\gamma$ in $B = V_k\\,\\mathrm{dMat}(m)^{\\gamma}$", fontsize=font_size)
        ax.tick_params(labelsize=font_size - 1)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel({"auc": "cluster AUC", "neighbour_purity": "top-10 own-cluster share"}
                       .get(score, score), fontsize=font_size)
    handles, labels = axes[0].get_legend_handles_labels()
    if reference is not None:
        from matplotlib.lines import Line2D

        handles.append(Line2D([], [], color="0.3", linestyle="--"))
        labels.append("Eq. (2), same k")
    fig.legend(handles, labels, loc="outside lower center", ncols=len(labels),
               fontsize=font_size, frameon=False)
    return fig


def figure_png(fig: Figure, dpi: int = 110, *, compress_level: int | None = None) -> bytes:
    """Render `fig` to PNG bytes (no timestamp or software metadata).

    Lets a notebook display or ``glue`` a figure as an image without relying
    on an interactive matplotlib backend.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    dpi : int
    compress_level : int, optional
        zlib level (0-9) of the PNG; default Pillow's (6). The pixels are the
        same at every level: ``python -m cossim figure1`` writes level 4, which
        for Figure 1 is about 3 % larger and takes under half the time.
    """
    import io

    buffer = io.BytesIO()
    options = {} if compress_level is None else {"pil_kwargs": {"compress_level": int(compress_level)}}
    with _layout_done(fig, dpi):
        fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None}, **options)
    return buffer.getvalue()


@contextmanager
def _layout_done(fig: Figure, dpi: int):
    """Run `fig`'s layout engine once, without resampling its images, then hold it still.

    ``savefig`` of a figure with a layout engine draws it twice: once with
    rendering disabled, to run the layout, and once for real. Each draw
    resamples every image (5 × 1000² values for Figure 1). Images clipped to
    their axes do not take part in the layout, so here the layout draw runs,
    at the output dpi, with them hidden, and ``savefig`` gets the figure with
    no engine: one real draw, the same layout, the same bytes (a test compares
    them). The engine is restored afterwards.
    """
    import matplotlib

    engine = fig.get_layout_engine()
    images = [image for ax in fig.axes for image in ax.get_images()
              if image.get_visible() and getattr(image, "_fully_clipped_to_axes", lambda: False)()]
    # with these rcParams, set_layout_engine(None) would install an engine again
    automatic = matplotlib.rcParams["figure.autolayout"] or matplotlib.rcParams["figure.constrained_layout.use"]
    if engine is None or not images or automatic:
        yield
        return
    figure_dpi = fig.dpi
    try:
        for image in images:
            image.set_visible(False)
        fig.set_dpi(dpi)
        fig.draw_without_rendering()
    finally:
        fig.set_dpi(figure_dpi)
        for image in images:
            image.set_visible(True)
    fig.set_layout_engine(None)
    try:
        yield
    finally:
        fig.set_layout_engine(engine)
