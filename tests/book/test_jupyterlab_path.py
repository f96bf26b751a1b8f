"""The README's JupyterLab path, automated as far as it goes without a person.

The README tells a reader to open a chapter in JupyterLab in one of two ways:

1. open ``book/<chapter>.md`` directly as a notebook (jupytext's JupyterLab
   extension; running ``jupytext-config set-default-viewer markdown myst``
   once makes a double click do that), or
2. convert it first with ``jupytext --to ipynb book/<chapter>.md`` and open or
   run the ``.ipynb``; non-interactively:
   ``jupyter execute --inplace book/<chapter>.ipynb``.

Here (2) is run with exactly those commands, in a copy of the ``book`` folder
(so the working tree is left alone): every chapter is converted and the
notebook checked, and one converted chapter is executed with ``jupyter
execute`` (the command is the same for all of them; every chapter's code is
executed once per session by papermill, in tests/book/test_book.py).
For (1) the test checks that jupytext's JupyterLab extension is
installed with jupytext and that
``jupytext-config set-default-viewer markdown myst`` writes the setting that
makes JupyterLab open Markdown files as notebooks.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from support.book import BOOK, chapters_in_toc

pytestmark = pytest.mark.book

CHAPTERS = [stem for stem in chapters_in_toc()
            if "kernelspec:" in (BOOK / f"{stem}.md").read_text(encoding="utf-8")]


def _tool(name):
    return shutil.which(name) or str(Path(sys.executable).with_name(name))


def run(args, cwd, timeout=1800):
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, (
        f"`{' '.join(map(str, args))}` failed ({result.returncode}):\n"
        f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """A copy of the repository's ``book`` folder, as a reader's checkout would have it."""
    root = tmp_path_factory.mktemp("reader")
    shutil.copytree(BOOK, root / "book", ignore=shutil.ignore_patterns("*.ipynb", "_build"))
    return root


@pytest.fixture(scope="module")
def converted(workdir):
    """`jupytext --to ipynb book/<stem>.md` for every chapter, in one call (jupytext takes
    several files; one process instead of one per chapter)."""
    run([_tool("jupytext"), "--to", "ipynb", *(f"book/{stem}.md" for stem in CHAPTERS)], cwd=workdir)
    return workdir


@pytest.mark.parametrize("stem", CHAPTERS)
def test_readme_conversion(converted, stem):
    """`jupytext --to ipynb book/<stem>.md` writes a valid notebook with the chapter's cells."""
    notebook = converted / "book" / f"{stem}.ipynb"
    assert notebook.is_file(), "jupytext did not write the notebook next to the chapter"
    nb = nbformat.read(notebook, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    source = (BOOK / f"{stem}.md").read_text(encoding="utf-8")
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert len(code) == source.count("```{code-cell}"), "a code cell was lost in the conversion"
    assert sum("parameters" in c.metadata.get("tags", []) for c in code) == 1


def test_readme_execution_of_a_converted_chapter(converted):
    """`jupyter execute --inplace book/<stem>.ipynb` runs a converted chapter to the end.

    The command is the same for every chapter, so it runs one (the introduction, the
    quickest); every chapter's code is executed once per session by papermill
    (tests/book/test_book.py), and CI executes each chapter only once.
    """
    stem = "01_introduction"
    run([_tool("jupyter"), "execute", "--inplace", "--timeout=900", f"book/{stem}.ipynb"],
        cwd=converted)
    nb = nbformat.read(converted / "book" / f"{stem}.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.execution_count for c in code), "not every code cell was executed"
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors, f"{stem}: error outputs: {[e.ename + ': ' + e.evalue for e in errors]}"


def test_jupyterlab_can_open_markdown_chapters_as_notebooks(tmp_path):
    """jupytext ships its JupyterLab extension, and its one-time setting is what the README says."""
    extension = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "jupyterlab-jupytext"
    assert (extension / "package.json").is_file(), (
        f"jupytext's JupyterLab extension is missing from {extension}")
    settings = tmp_path / "overrides.json"
    run([_tool("jupytext-config"), "--settings-file", str(settings), "set-default-viewer",
         "markdown", "myst"],
        cwd=tmp_path, timeout=120)
    viewers = json.loads(settings.read_text())[
        "@jupyterlab/docmanager-extension:plugin"]["defaultViewers"]
    assert viewers.get("markdown") == "Jupytext Notebook", viewers
    assert viewers.get("myst") == "Jupytext Notebook", viewers
