"""Session fixtures shared by every test module.

Two pieces of work run in background processes that start right after collection, while
the unit tests run beside them, when a collected test needs them:

* the book (``tests/support/execute_book.py``): every chapter executed once with
  papermill at the paper's scale, and the book rendered from those executed notebooks;
* the JupyterLab run (``tests/support/drive_lab.py``): every notebook page opened, run
  and saved in JupyterLab's UI.

The tests that need them run last and wait for them (``_phase_key`` orders them so that
work of their own runs first).
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
#: The fixture that needs the JupyterLab run.
LAB_FIXTURE = "lab_driven"
#: Each background job: the script it runs, and the file it writes when it is done.
JOBS = {"book": ("execute_book.py", "results.json"), "lab": ("drive_lab.py", "results.json")}
_BACKGROUND = pytest.StashKey[dict]()


@pytest.hookimpl(trylast=True)  # after `-m`/`-k` have deselected
def pytest_collection_modifyitems(session, config, items):
    """Run the tests that wait for background work last (stable order otherwise), and
    start that work: the book's execution, the JupyterLab run, or both."""
    book = BOOK_FIXTURES | ({"book_html"} if not os.environ.get("COSSIM_BOOK_HTML") else set())
    wants = {"book": book, "lab": {LAB_FIXTURE}}
    needs = {job: [item for item in items if fixtures & set(getattr(item, "fixturenames", ()))]
             for job, fixtures in wants.items()}
    waiting = {id(item) for waiters in needs.values() for item in waiters}
    if not waiting or config.option.collectonly:
        return
    items.sort(key=_phase_key(items, waiting))
    started = {}
    for job in (job for job, waiters in needs.items() if waiters):
        script, _ = JOBS[job]
        out = Path(tempfile.mkdtemp(prefix=f"cossim-{job}-"))
        log = open(out / f"{Path(script).stem}.log", "w", encoding="utf-8")  # noqa: SIM115 - closed at unconfigure
        process = subprocess.Popen([sys.executable, str(ROOT / "tests" / "support" / script), str(out)],
                                   stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        started[job] = {"process": process, "out": out, "log": log}
    config.stash[_BACKGROUND] = started


def _phase_key(items, waiting: set):
    """Sort key (stable): unit tests; then the book's and browser's tests that build or run
    on their own; then the modules that wait for background work, those with the most tests
    before their first wait first. The marked tests of a waiting module share one phase; this project marks
    whole modules, so each runs in one piece and its module-scoped fixtures (a browser)
    are set up once."""
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
    for job in config.stash.get(_BACKGROUND, {}).values():
        process = job["process"]
        if process.poll() is None:
            process.terminate()  # the JupyterLab run stops its server and kernels on SIGTERM
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
        job["log"].close()


def _finished(request, job: str) -> tuple[dict, Path]:
    """Wait for a background job; its results and folder (a failed job fails the test)."""
    started = request.config.stash.get(_BACKGROUND, {})
    assert job in started, f"the background job {job!r} was not started at collection"
    process, out = started[job]["process"], started[job]["out"]
    process.wait(timeout=5400)
    script, results = JOBS[job]
    path = out / results
    if not path.is_file():
        log = (out / f"{Path(script).stem}.log").read_text(encoding="utf-8")
        pytest.fail(f"{script} failed ({process.returncode}):\n{log[-5000:]}")
    return json.loads(path.read_text(encoding="utf-8")), out


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
    summary, out = _finished(request, "book")
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


@pytest.fixture(scope="session")
def lab_driven(request):
    """Every notebook page opened, run and saved once in JupyterLab's UI at its test
    parameters: what ``tests/support/drive_lab.py`` recorded (see its docstring)."""
    record, _ = _finished(request, "lab")
    return record
