"""Sphinx extension: MyST-NB's ``{eval}`` role reads a page's glued outputs.

Why: a chapter's prose shows its numbers with ``{eval}`pred.d1``` roles over the
namespaces ``cossim.report.shown`` returns. In JupyterLab, jupyterlab-myst evaluates
such a role in the running kernel, so the number appears there too (``{glue:text}``
does not render in JupyterLab). MyST-NB evaluates ``{eval}`` only in its ``inline``
execution mode, which executes the page's code while rendering it. The book is
rendered from outputs stored before rendering starts: the test suite executes each
chapter once with papermill and renders through a jupyter-cache
(``execute_notebooks: cache``), and the README's build (``force``) executes each page
once before rendering it; inline mode would execute every page again. So
``shown("pred", ...)`` also glues each formatted entry, hidden, under the key
``"pred.d1"`` (text/plain = the text the prose shows), and this extension makes the
role resolve from those glued outputs in every execution mode but ``inline``
(``force``, ``cache``, ``auto``, ``off``): it replaces
``NotebookClientBase.eval_variable``, which MyST-NB leaves unimplemented there and the
inline client overrides. A key no cell glued is a build warning (an error under
``-W``), as an unknown name is in inline mode. The role's text must still match
``nb_eval_name_regex`` (_config.yml allows exactly one dot).
"""

from __future__ import annotations

import copy
import re

from myst_nb.core.execute.base import EvalNameError, NotebookClientBase


class EvalKeyNotGlued(LookupError):
    """An ``{eval}`` role names a key that no cell of the page glued."""


def eval_from_glue(self: NotebookClientBase, name: str) -> list:
    """The glued output stored under `name`, as the outputs of evaluating `name`.

    Raises
    ------
    EvalNameError
        If `name` does not match ``nb_eval_name_regex`` (MyST-NB's own check).
    EvalKeyNotGlued
        If no cell of the page glued `name`; MyST-NB reports it as a build warning.
    """
    if not re.match(self.nb_config.eval_name_regex, name):
        raise EvalNameError(name)
    try:
        output = self.glue_data[name]
    except KeyError:
        raise EvalKeyNotGlued(
            f"no value glued under {name!r} on this page (cossim.report.shown glues "
            "'<namespace>.<entry>'; in the built book {eval} reads only glued values)") from None
    # MyST-NB marks the metadata of what it renders (strip_text_quotes): keep the glue intact
    return [copy.deepcopy(output)]


def setup(app):
    NotebookClientBase.eval_variable = eval_from_glue
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
