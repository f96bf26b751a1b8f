"""Session fixtures shared by every test module.

The book is executed once per session: when any collected test needs it, a background
process (``tests/support/execute_book.py``) starts right after collection, runs every
chapter once with papermill at the paper's scale and renders the book from those
executed notebooks, while the unit tests run beside it. The tests that need the book
run last and wait for it (``_phase_key`` orders them so that work of their own runs first).
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from support.book import ROOT

#: Fixtures that need the executed book; the browser tests' ``book_html`` too, unless
#: COSSIM_BOOK_HTML points them at a book built before.
BOOK_FIXTURES = {"built_book", "executed_book"}
_BACKGROUND = pytest.StashKey[dict]()


@pytest.hookimpl(trylast=True)  # after `-m`/`-k` have deselected
def pytest_collection_modifyitems(session, config, items):
    """Run the book's tests last (stable order otherwise), and start executing the book."""
    wanted = BOOK_FIXTURES | ({"book_html"} if not os.environ.get("COSSIM_BOOK_HTML") else set())
    needs_book = [item for item in items if wanted & set(getattr(item, "fixturenames", ()))]
    if not needs_book or config.option.collectonly:
        return
    items.sort(key=_phase_key(items, {id(item) for item in needs_book}))
    out = Path(tempfile.mkdtemp(prefix="cossim-book-"))
    log = open(out / "execute_book.log", "w", encoding="utf-8")  # noqa: SIM115 - closed at unconfigure
    process = subprocess.Popen([sys.executable, str(ROOT / "tests" / "support" / "execute_book.py"),
                                str(out)], stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    config.stash[_BACKGROUND] = {"process": process, "out": out, "log": log}


def _phase_key(items, waiting: set):
    """Sort key (stable): unit tests; then the book's and browser's tests that build or run
    on their own; then the modules that wait for the book, those with the most tests before
    their first wait first (the JupyterLab UI test drives JupyterLab while the book
    finishes). The marked tests of a waiting module share one phase; this project marks
    whole modules, so each runs in one piece and its module-scoped fixtures (a JupyterLab
    server, a browser) are set up once."""
    before_wait, waited = {}, set()
    for item in items:
        module = getattr(item, "module", None)
        if id(item) in waiting:
            waited.add(module)
        elif module not in waited:
            before_wait[module] = before_wait.get(module, 0) + 1

    def phase(item) -> tuple:
        if item.get_closest_marker("book") is None and item.get_closest_marker("browser") is None:
            return (0, 0)
        module = getattr(item, "module", None)
        if module not in waited:
            return (1, 0)
        return (2, -before_wait.get(module, 0))

    return phase


def pytest_unconfigure(config):
    background = config.stash.get(_BACKGROUND, None)
    if background is not None:
        if background["process"].poll() is None:
            background["process"].kill()
        background["log"].close()


@pytest.fixture(scope="session")
def root():
    return ROOT


@pytest.fixture(scope="session")
def executed_book(request):
    """Every notebook page executed once by papermill, and the book rendered from them.

    A dict: ``chapters`` maps each page's stem to ``{"seconds", "error"}``; ``html``,
    ``returncode`` and ``log`` describe the ``jupyter-book build -W -n --keep-going`` that
    rendered the executed notebooks; ``executed`` is the folder of executed notebooks.
    """
    background = request.config.stash.get(_BACKGROUND, None)
    assert background is not None, "the book's execution was not started at collection"
    process, out = background["process"], background["out"]
    process.wait(timeout=5400)
    results = out / "results.json"
    if not results.is_file():
        log = (out / "execute_book.log").read_text(encoding="utf-8")
        pytest.fail(f"executing the book failed ({process.returncode}):\n{log[-5000:]}")
    summary = json.loads(results.read_text(encoding="utf-8"))
    summary["log"] = (out / "render.log").read_text(encoding="utf-8")
    summary["executed"] = out / "executed"
    return summary


@pytest.fixture(scope="session")
def built_book(executed_book):
    """The whole book, rendered from the papermill-executed chapters with warnings as errors.

    Yields (html_dir, returncode, log); tests that need the pages should assert
    the return code themselves so a failed build is reported where it matters.
    """
    return Path(executed_book["html"]), executed_book["returncode"], executed_book["log"]
