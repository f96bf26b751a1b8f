"""Glue named values into a chapter: many in one call, figures, and the numbers of `{eval}` roles."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from cossim._validation import InvalidType, InvalidValue


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


class Shown:
    """A number as the prose shows it: `value` formatted once with `spec`.

    Its ``repr`` is that text, so an ``{eval}`` role prints it the same way in
    JupyterLab (jupyterlab-myst evaluates the role in the kernel) and in the
    built book (``_ext/eval_from_glue.py`` reads the glued copy).
    """

    def __init__(self, value, spec: str):
        self.value = value.item() if isinstance(value, np.generic) else value
        self.text = format(self.value, spec)

    def __repr__(self) -> str:
        return self.text


class ShownNumbers:
    """The namespace :func:`shown` returns: one :class:`Shown` attribute per entry.

    It knows the name it was glued under (``_name``; entry names cannot start
    with an underscore, so no entry can hide it).
    """

    def __init__(self, name: str, entries: Mapping[str, Shown]):
        self._name = name
        self.__dict__.update(entries)

    def __repr__(self) -> str:
        items = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"shown({self._name!r}: {items})"


def shown(name: str, values: Mapping[str, tuple[object, str]]) -> ShownNumbers:
    """Named numbers for a chapter's ``{eval}`` roles, each formatted once and glued.

    Serves the chapters whose prose reads numbers with ``{eval}`name.entry```
    (``nb_eval_name_regex`` in _config.yml allows exactly one dot). In
    JupyterLab, jupyterlab-myst evaluates ``name.entry`` in the kernel; the
    HTML book renders from stored outputs, so each entry is also glued
    (hidden) under the key ``"name.entry"`` with the formatted text as its
    ``text/plain``, and ``_ext/eval_from_glue.py`` resolves the role from it.

    Parameters
    ----------
    name : str
        The variable the chapter assigns the result to (``pred = shown("pred", ...)``),
        so that the glue key is the expression the role evaluates. An identifier
        without a leading underscore.
    values : mapping of str to (value, format spec)
        E.g. ``{"d1": (0.5, ".2g")}``; NumPy scalars are formatted as the
        Python number they hold. Names are identifiers without a leading underscore.

    Returns
    -------
    ShownNumbers
        One :class:`Shown` attribute per entry; ``_name`` is `name`.
    """
    from myst_nb import glue

    if not isinstance(name, str) or not name.isidentifier() or name.startswith("_"):
        raise InvalidValue(f"shown: the namespace name must be an identifier, got {name!r}")
    out = {}
    for key, pair in values.items():
        if not isinstance(key, str) or not key.isidentifier() or key.startswith("_"):
            raise InvalidValue(f"shown: entry names must be identifiers, got {key!r}")
        if not (isinstance(pair, tuple) and len(pair) == 2 and isinstance(pair[1], str)):
            raise InvalidType(f"shown: {key!r} must map to (value, format spec), got {pair!r}")
        out[key] = Shown(*pair)
    for key, number in out.items():
        glue(f"{name}.{key}", number, display=False)
    return ShownNumbers(name, out)
