"""The numbers of a chapter's `{eval}` roles: each formatted once, and glued for the built book."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from cossim._validation import InvalidType, InvalidValue

#: The MIME-type prefix under which MyST-NB stores a glued value that is not shown
#: (``myst_nb.ext.glue.GLUE_PREFIX``; tests/report/test_glue.py checks they agree).
GLUE_PREFIX = "application/papermill.record/"


def glue_hidden(name: str, value) -> None:
    """Send what ``myst_nb.glue(name, value, display=False)`` sends, without importing MyST-NB.

    The same display message: `value`'s formatted mime bundle with every type
    prefixed by :data:`GLUE_PREFIX`, and ``{"name": name, "mime_prefix": GLUE_PREFIX}``
    under the metadata key ``scrapbook``, where the book build looks for glued
    values. MyST-NB's module imports nbformat, which imports jsonschema and its
    optional format checkers; that cost every kernel about 1.3 s at its first glue.
    """
    from IPython.core.formatters import format_display_data
    from IPython.display import display

    bundle, metadata = format_display_data(value)
    metadata["scrapbook"] = {"name": name, "mime_prefix": GLUE_PREFIX}
    display({GLUE_PREFIX + mime: data for mime, data in bundle.items()}, raw=True, metadata=metadata)


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
        glue_hidden(f"{name}.{key}", number)
    return ShownNumbers(name, out)
