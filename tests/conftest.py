"""Session fixtures shared by every test module.

Two pieces of work run in background processes that start right after collection, while
the unit tests run beside them, when a collected test needs them:

* the book (``tests/support/execute_book.py``): every chapter executed once with
  papermill at the paper's scale, and the book rendered from those executed notebooks;
  then, if the determinism test runs, its seeded chapters executed twice more at their
  test parameters;
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
import time
from pathlib import Path

import pytest
from support.book import ROOT

#: Fixtures that need the executed book; the browser tests' ``book_html`` too, unless
#: COSSIM_BOOK_HTML points them at a book built before.
BOOK_FIXTURES = {"built_book", "executed_book"}
#: The fixture that needs the JupyterLab run.
LAB_FIXTURE = "lab_driven"
#: The fixture that needs the seeded chapters executed twice more (the determinism test).
#: The book's process runs those executions after it has rendered the book: a test that
#: waits for them then waits on work that runs beside the session's own tests instead of
#: after them (issue 16, round 5: the session's own tests, not the background, had become
#: the longest path).
TWICE_FIXTURE = "seeded_twice"
#: Each background job: the script it runs and the file it writes when done.
JOBS = {"book": ("execute_book.py", "results.json"), "lab": ("drive_lab.py", "results.json")}
#: Optional work a job does when a collected test needs it, by the fixture that needs it:
#: the job, the script's option that asks for it, and the file it writes when done.
PARTS = {TWICE_FIXTURE: ("book", "--twice", "twice.json")}
_BACKGROUND = pytest.StashKey[dict]()


@pytest.hookimpl(trylast=True)  # after `-m`/`-k` have deselected
def pytest_collection_modifyitems(session, config, items):
    """Run the tests that wait for background work last (stable order otherwise), and
    start that work: the book's execution (with the determinism test's executions after
    it, if that test runs), the JupyterLab run, or both."""
    book = BOOK_FIXTURES | ({"book_html"} if not os.environ.get("COSSIM_BOOK_HTML") else set())
    wants = {"book": book, "lab": {LAB_FIXTURE}, TWICE_FIXTURE: {TWICE_FIXTURE}}
    needs = {name: [item for item in items if fixtures & set(getattr(item, "fixturenames", ()))]
             for name, fixtures in wants.items()}
    waiting = {id(item) for waiters in needs.values() for item in waiters}
    if not waiting or config.option.collectonly:
        return
    items.sort(key=_phase_key(items, waiting))
    started = {}
    for job, options in _job_options({name: bool(waiters) for name, waiters in needs.items()}).items():
        script, _ = JOBS[job]
        out = Path(tempfile.mkdtemp(prefix=f"cossim-{job}-"))
        log = open(out / f"{Path(script).stem}.log", "w", encoding="utf-8")  # noqa: SIM115 - closed at unconfigure
        process = subprocess.Popen([sys.executable, str(ROOT / "tests" / "support" / script), str(out),
                                    *options], stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        started[job] = {"process": process, "out": out, "log": log}
    config.stash[_BACKGROUND] = started


def _job_options(needed: dict) -> dict:
    """{job: its script's options} for every background job to start, from which of
    JOBS and PARTS the collected tests need (``needed`` maps their names to a bool). A
    part needs its job; a job started only for its parts skips its own work."""
    options = {}
    for part, (job, option, _) in PARTS.items():
        if needed.get(part):
            options.setdefault(job, []).append(option)
    for job in JOBS:
        if needed.get(job):
            options.setdefault(job, [])
        elif job in options:
            options[job].append("--only-parts")  # e.g. the determinism test run alone
    return options


def _phase_key(items, waiting: set):
    """Sort key (stable): unit tests; then the book's and browser's tests that build or run
    on their own; then the modules that wait for background work, those with the most
    tests before their first wait first. The marked tests of a waiting module share one
    phase; this project marks whole modules, so each runs in one piece and its
    module-scoped fixtures (a browser) are set up once."""
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


def _finished(request, job: str, results: str) -> tuple[dict, Path]:
    """Wait until a background job has written `results` (or has ended without it: then the
    test fails with its log); the results and the job's folder."""
    started = request.config.stash.get(_BACKGROUND, {})
    assert job in started, f"the background job {job!r} was not started at collection"
    process, out = started[job]["process"], started[job]["out"]
    path, deadline = out / results, time.monotonic() + 5400
    # the file appears whole: each job writes it under another name and renames it
    while not path.is_file() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.5)
    if not path.is_file():
        script = JOBS[job][0]
        log = (out / f"{Path(script).stem}.log").read_text(encoding="utf-8")
        pytest.fail(f"{script} did not write {results} ({process.poll()}):\n{log[-5000:]}")
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
    summary, out = _finished(request, "book", JOBS["book"][1])
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
    record, _ = _finished(request, "lab", JOBS["lab"][1])
    return record


@pytest.fixture(scope="session")
def seeded_twice(request):
    """The seeded chapters (``support.chapter_params.SEEDED_CHAPTERS``) executed twice more
    at their test parameters by the book's process, after the book: ``{"runs": [first,
    second]}``, each ``{stem: {"seconds", "error"}}``, and ``folders`` holding the two runs'
    executed notebooks."""
    job, _, results = PARTS[TWICE_FIXTURE]
    record, out = _finished(request, job, results)
    record["folders"] = [out / "twice" / name for name in ("first", "second")]
    return record
