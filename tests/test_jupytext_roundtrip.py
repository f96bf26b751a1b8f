"""Saving a chapter from JupyterLab leaves it byte-for-byte unchanged.

JupyterLab opens ``book/*.md`` through jupytext's contents manager and, on save,
writes the notebook back with ``jupytext.writes`` under the project's jupytext
configuration (``jupytext.toml`` at the repository root). A chapter that is not
already in the form jupytext writes would be rewritten by the first save (a
version stamp in the header, a blank line after every ``:tags:`` line), and the
reader would see a ``git diff`` they did not make. So every notebook page of the
book must be a fixed point of read-then-write under that configuration.

The JupyterLab UI test (tests/book/test_jupyterlab_ui.py) checks the same thing
through a real save; this test is the fast one that tells a chapter's author.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import jupytext
import pytest
from jupytext.config import find_jupytext_configuration_file, load_jupytext_configuration_file
from support.book import BOOK, ROOT

FORMAT = "md:myst"


def is_notebook(text: str) -> bool:
    """Whether a book page is a MyST notebook (a jupytext header), not a plain Markdown page."""
    return text.startswith("---\n") and "\njupytext:\n" in text.split("\n---\n", 1)[0]


NOTEBOOKS = sorted(p.name for p in BOOK.glob("*.md") if is_notebook(p.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def config():
    """The configuration jupytext itself finds for the chapters (as JupyterLab does)."""
    path = find_jupytext_configuration_file(str(BOOK))
    assert path is not None and Path(path) == ROOT / "jupytext.toml", (
        f"jupytext finds {path!r} for book/, not the project's jupytext.toml")
    return load_jupytext_configuration_file(path)


def canonical(text: str, config) -> str:
    """What jupytext writes back after reading `text` (what a save in JupyterLab writes)."""
    return jupytext.writes(jupytext.reads(text, fmt=FORMAT, config=config), FORMAT, config=config)


def test_the_chapters_are_notebooks():
    assert len(NOTEBOOKS) >= 10 and "01_introduction.md" in NOTEBOOKS, NOTEBOOKS


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_chapter_is_what_jupytext_writes(name, config):
    path = BOOK / name
    text = path.read_text(encoding="utf-8")
    written = jupytext.writes(jupytext.read(path, config=config), FORMAT, config=config)
    if written != text:
        diff = "\n".join(list(difflib.unified_diff(
            text.splitlines(), written.splitlines(), f"book/{name}", "as JupyterLab would save it",
            lineterm="", n=1))[:40])
        pytest.fail(
            f"book/{name} is not in the form jupytext writes, so opening and saving it in "
            f"JupyterLab would change it. From the repository root run\n\n"
            f"    jupytext --to myst book/{name}\n\n"
            f"(it rewrites the file in place under jupytext.toml; `git diff book/{name}` should "
            f"then show only blank lines after `:tags:` lines or a dropped jupytext_version).\n"
            f"{diff}", pytrace=False)


def test_kernelspec_is_what_jupyterlab_writes():
    """On opening a notebook JupyterLab sets its kernelspec to the kernel's own
    (name, display name, language, in that order); jupytext keeps that order on save."""
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec("python3")
    expected = ("kernelspec:\n  name: python3\n"
                f"  display_name: {spec.display_name}\n  language: {spec.language}\n")
    wrong = [name for name in NOTEBOOKS if expected not in (BOOK / name).read_text(encoding="utf-8")]
    assert not wrong, (f"these pages' kernelspec is not what JupyterLab writes on opening them, "
                       f"so a save would change it; make their header read\n{expected}{wrong}")


def test_evaluated_roles_are_not_saved(config):
    """JupyterLab stores the values of a Markdown cell's {eval} roles in the cell's metadata
    (`user_expressions`); the configuration keeps them out of the chapter."""
    path = BOOK / "01_introduction.md"
    nb = jupytext.read(path, config=config)
    markdown = next(cell for cell in nb.cells if cell.cell_type == "markdown")
    markdown.metadata["user_expressions"] = [
        {"expression": "x", "result": {"status": "ok", "data": {"text/plain": "1"}, "metadata": {}}}]
    assert jupytext.writes(nb, FORMAT, config=config) == path.read_text(encoding="utf-8")
    assert "user_expressions" in jupytext.writes(nb, FORMAT)  # without the configuration


def test_the_check_fails_on_what_a_save_would_change(config):
    """The check above is able to fail: each thing a save rewrites is caught."""
    text = (BOOK / "01_introduction.md").read_text(encoding="utf-8")
    assert canonical(text, config) == text
    assert ":tags: [parameters, hide-input]\n\n" in text
    no_blank_line = text.replace(":tags: [parameters, hide-input]\n\n", ":tags: [parameters, hide-input]\n")
    stamped = text.replace("format_version: 0.13\n", "format_version: 0.13\n    jupytext_version: 1.19.6\n", 1)
    trailing = text.rstrip("\n") + "\n\n\n"
    for broken in (no_blank_line, stamped, trailing):
        assert broken != text
        assert canonical(broken, config) == text
