"""A throwaway Sphinx project, built in a subprocess: for the tests of the book's Sphinx extensions."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .book import ROOT

#: conf.py lines every test project shares: myst-nb executes each notebook, and an error in a
#: cell fails the build.
CONF_EXECUTE = """\
nb_execution_mode = "force"
nb_execution_raise_on_error = True
exclude_patterns = ["_build"]
"""

#: The front matter of a MyST Markdown notebook page (jupytext, the Python 3 kernel).
NOTEBOOK_FRONT_MATTER = """\
---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  name: python3
  display_name: Python 3
---
"""


def write_sphinx_project(tmp_path: Path, conf: str, pages: dict[str, str]) -> Path:
    """Write ``conf.py`` and `pages` (``{file name: text}``) to ``tmp_path/src``; return it."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text(conf)
    for name, text in pages.items():
        (src / name).write_text(text)
    return src


def checkout_env() -> dict:
    """The environment with the repository first on PYTHONPATH, so that conf.py and the
    notebooks' kernels import this checkout's ``cossim``."""
    return dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))


def build_sphinx_project(tmp_path: Path, conf: str, pages: dict[str, str],
                         warnings_are_errors: bool = False,
                         quiet: bool = True) -> tuple[Path, subprocess.CompletedProcess]:
    """Write the project (:func:`write_sphinx_project`) and build HTML.

    Runs ``python -m sphinx -b html`` (``-q`` if `quiet`, ``-W`` if `warnings_are_errors`) in
    :func:`checkout_env`. Returns the output folder ``tmp_path/html`` and the finished process
    (its return code and stderr are the test's to judge).
    """
    src = write_sphinx_project(tmp_path, conf, pages)
    out = tmp_path / "html"
    command = [sys.executable, "-m", "sphinx", "-b", "html", *(["-W"] if warnings_are_errors else []),
               *(["-q"] if quiet else []), str(src), str(out)]
    return out, subprocess.run(command, capture_output=True, text=True, timeout=300, env=checkout_env())
