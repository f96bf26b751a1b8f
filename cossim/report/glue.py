"""Glue many named values into a chapter in one call (all chapters)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np


def glue_values(values: Mapping[str, object], display: bool = False) -> None:
    """Glue every ``name: value`` pair of `values` with :func:`myst_nb.glue`.

    Serves every chapter: the prose references the values by name
    (``{glue:text}`name:.3f```), and a chapter builds them as one dict instead
    of a column of ``glue(...)`` calls.

    Parameters
    ----------
    values : mapping of str to object
        Names and values, glued in the mapping's order. NumPy scalars are
        glued as the Python number they hold (NumPy 2 writes ``np.float64(…)``
        as their text, which ``{glue:text}`` cannot format); every other value
        is glued as it is.
    display : bool, default False
        Passed on to :func:`myst_nb.glue`.

    Returns
    -------
    None
        Nothing, so that a call as a cell's last line adds no output to the page.
    """
    from myst_nb import glue

    for name in values:
        if not isinstance(name, str) or not name:
            raise ValueError(f"glue names must be non-empty strings, got {name!r}")
    for name, value in values.items():
        glue(name, value.item() if isinstance(value, np.generic) else value, display=display)


def glue_figure(name: str, fig) -> None:
    """Glue a Matplotlib figure under `name` (not displayed) and close it.

    Serves the chapters' figures (``{glue:figure}`` directives): closing the
    figure after gluing keeps the inline backend from showing it a second
    time at the end of the cell.
    """
    import matplotlib.pyplot as plt
    from myst_nb import glue

    glue(name, fig, display=False)
    plt.close(fig)
