"""The README's JupyterLab path, in the real JupyterLab UI (issue 14, items 1 and 3).

The test starts one ``jupyter lab`` on 127.0.0.1 with a token, a free port and a
temporary HOME and Jupyter config/data/runtime folders, after running the README's
one-time ``jupytext-config set-default-viewer markdown myst`` against that home
(tests/support/jupyterlab.py). It serves a copy of ``book/`` (and the project's
``jupytext.toml``), so the working tree is untouched; a chapter with small test
parameters (tests/support/chapter_params.py) gets them written into its ``parameters``
cell in that copy. For every notebook page, in a fresh browser context, headless Debian
Chromium driven by Playwright opens the chapter from the file browser as the README says
(double-click ``book``, then the chapter), chooses *Run → Run All Cells*, waits until
every cell ran and the kernel is idle, and requires:

* no error output (and no ``{eval}`` role that failed to evaluate);
* at least as many images as the chapter's HTML page has in its main content (read
  from the built book, ``built_book``);
* every Markdown cell rendered, with no raw MyST (``{glue``, ``:::{``, ``{eq}``, ...)
  left in it (jupyterlab-myst renders directives, math and ``{eval}`` roles);
* after *Save* (Ctrl+S), the chapter's file byte-for-byte as it was.

Two chapters are driven at a time (``CONCURRENT_PAGES``; the machine has two cores and
one chapter at a time kept one busy), each worker thread with its own Playwright and
Chromium, both on the one server with a kernel per chapter; the results do not depend on
which chapter finished first. The server is stopped (kernels, then its process group)
when the module ends.

Every notebook page quotes its numbers with ``{eval}`` roles over
``cossim.report.shown`` namespaces and shows its figures as cell outputs with ``mystnb``
figure metadata (``{glue:text}`` and ``{glue:figure}`` do not render in JupyterLab);
``test_every_page_is_in_the_form_jupyterlab_renders`` keeps it so.

Without Chromium, Playwright or JupyterLab the tests skip with the reason; with
``COSSIM_REQUIRE_BROWSER=1`` (set by ``.ci/run``) they fail instead.
"""

from __future__ import annotations

import concurrent.futures
import html.parser
import json
import os
import queue
import shutil
import time
from pathlib import Path
from typing import NamedTuple

import jupytext
import pytest
import support.browser as bu
import support.jupyterlab as jl
from jupytext.config import load_jupytext_configuration_file
from support.book import BOOK, ROOT, chapters_in_toc
from support.chapter_params import CHAPTER_PARAMS

pytestmark = [pytest.mark.book, pytest.mark.browser]

RUN_TIMEOUT_S = 1800

#: Chapters driven at once. The machine (and CI) has 2 cores; driving one chapter at a
#: time kept only about one busy (measured: the pytest process tree, that is Chromium,
#: the server and the kernels, used 273 s of CPU over the phase's 262 s), since a kernel
#: runs one cell at a time while the browser waits for it. Two at a time the phase took
#: 159 s and 175 s in two runs, for about the same CPU (263 s and 279 s: 1.65 and 1.60
#: cores; the machine was 1.70 and 1.76 cores busy, so a third worker was not tried).
CONCURRENT_PAGES = 2
#: Taken first, so that the workers finish together: the slowest chapters at the test
#: parameters (about 30 s each from opening to saved, the others 10 to 21 s).
SLOWEST = ("04_experiments", "03_2_remedies_in_training")


def notebook_pages() -> list[str]:
    """The landing page and every chapter of _toc.yml that is a notebook (has code)."""
    stems = ["index"] + chapters_in_toc()
    return [s for s in stems if "```{code-cell}" in (BOOK / f"{s}.md").read_text(encoding="utf-8")]


#: Every notebook page; each must show its numbers, figures and directives in JupyterLab.
CONVERTED = tuple(notebook_pages())


def test_every_page_is_in_the_form_jupyterlab_renders():
    """No page quotes numbers with glue roles or shows glued figures, and none runs inline.

    ``{glue:text}`` renders as its bare key in JupyterLab and ``{glue:figure}`` as an
    unknown directive; inline execution would run the page again when the book renders.
    """
    assert len(CONVERTED) >= 10, CONVERTED
    for stem in CONVERTED:
        text = (BOOK / f"{stem}.md").read_text(encoding="utf-8")
        assert "{glue" not in text, f"{stem} still uses glue roles or directives"
        assert "execution_mode: inline" not in text, f"{stem} would run again at render time"


class _MainImages(html.parser.HTMLParser):
    """Count ``<img>`` inside ``<main>`` of a built page."""

    def __init__(self):
        super().__init__()
        self.depth, self.count = 0, 0

    def handle_starttag(self, tag, attrs):
        if tag == "main":
            self.depth += 1
        elif tag == "img" and self.depth:
            self.count += 1

    def handle_endtag(self, tag):
        if tag == "main":
            self.depth -= 1


def html_image_count(html_dir: Path, stem: str) -> int:
    parser = _MainImages()
    parser.feed((Path(html_dir) / "book" / f"{stem}.html").read_text(encoding="utf-8"))
    return parser.count


class Ran(NamedTuple):
    data: dict | None       # what COLLECT_JS read after Run All
    before: bytes           # the chapter's file before opening it
    after: bytes | None     # and after saving it
    error: str | None


def with_parameters(path: Path, params: dict) -> None:
    """Write `params` into the ``parameters`` cell of the chapter at `path`, in the form
    jupytext writes (so that saving it from JupyterLab must leave it unchanged)."""
    if not params:
        return
    config = load_jupytext_configuration_file(str(ROOT / "jupytext.toml"))
    nb = jupytext.read(path, config=config)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    lines = [f"{name} = {value!r}" for name, value in params.items()]
    cell.source = cell.source.rstrip("\n") + "\n# small test values (tests/support/chapter_params.py)\n" \
        + "\n".join(lines)
    jupytext.write(nb, path, fmt="md:myst", config=config)


@pytest.fixture(scope="module")
def chromium_path():
    return bu.chromium_path(("jupyterlab", "jupyterlab_myst"))


@pytest.fixture(scope="module")
def reader(tmp_path_factory):
    """A reader's checkout without the code: book/ and jupytext.toml, copied."""
    root = tmp_path_factory.mktemp("lab-reader")
    shutil.copytree(BOOK, root / "book", ignore=shutil.ignore_patterns("*.ipynb", "_build",
                                                                       ".ipynb_checkpoints"))
    shutil.copy2(ROOT / "jupytext.toml", root / "jupytext.toml")
    for stem in CONVERTED:
        with_parameters(root / "book" / f"{stem}.md", CHAPTER_PARAMS.get(stem, {}))
    return root


@pytest.fixture(scope="module")
def lab(chromium_path, reader, tmp_path_factory):
    server = jl.LabServer(reader, tmp_path_factory.mktemp("lab-home"), pythonpath=ROOT)
    try:
        server.configure()
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def html_images(built_book):
    html, returncode, log = built_book
    assert returncode == 0, "the book does not build:\n" + log[-3000:]
    return {stem: html_image_count(html, stem) for stem in CONVERTED}


def drive(browser, lab, path: Path, shots: Path, t0: float) -> tuple[Ran, dict | None]:
    """Open, run, read, screenshot and save one chapter in a fresh browser context.

    Returns its :class:`Ran` and its ``summary.json`` entry (None when it failed: the
    error, with the screenshot's path, is in the :class:`Ran`).
    """
    stem, before = path.stem, path.read_bytes()
    n_cells = len(jupytext.read(path).cells)
    context = browser.new_context(viewport={"width": 1400, "height": 1000},
                                  service_workers="block")
    bu.NetworkGuard().install(context)  # the browser stays on this machine
    page = context.new_page()
    clock = _Clock(t0)
    try:
        jl.open_chapter(page, lab, stem, n_cells)
        clock.lap("open")
        jl.run_all(page, RUN_TIMEOUT_S)
        clock.lap("run")
        data = page.evaluate(jl.COLLECT_JS)
        page.screenshot(path=str(shots / f"{stem}.png"))
        jl.save(page, path)
        clock.lap("collect_save")
        return Ran(data, before, path.read_bytes(), None), {**jl.summarise(data),
                                                             "seconds": clock.laps}
    except Exception as exc:  # noqa: BLE001 - reported by every test of the chapter
        return Ran(None, before, None, f"{type(exc).__name__}: {exc} "
                   f"({_screenshot(page, shots / f'{stem}.png')}; server log {lab.log_path})"), None
    finally:
        context.close()


def _screenshot(page, path: Path) -> str:
    """Where the screenshot of a failed chapter went (a dead page must not hide the error)."""
    try:
        page.screenshot(path=str(path))
    except Exception as exc:  # noqa: BLE001 - the chapter's own error is the one to report
        return f"no screenshot: {type(exc).__name__}: {str(exc).splitlines()[0]}"
    return f"screenshot {path}"


def drive_from(todo: queue.SimpleQueue, chromium: str, lab, shots: Path, t0: float) -> dict:
    """One worker thread: its own Playwright and Chromium (Playwright's sync API is not
    thread-safe), driving chapters taken from `todo` until none is left; {stem: drive(...)}."""
    out = {}
    with bu.launch_chromium(chromium) as browser:
        while True:
            try:
                path = todo.get_nowait()
            except queue.Empty:
                return out
            out[path.stem] = drive(browser, lab, path, shots, t0)


@pytest.fixture(scope="module")
def ran(lab, chromium_path, reader, tmp_path_factory):
    """Each converted chapter opened, run and saved once: {stem: Ran}, in the book's order
    whichever finished first. A chapter that cannot be driven is recorded with its error
    (and a screenshot); the others still run.

    :data:`CONCURRENT_PAGES` workers, each with its own Chromium, share the one server
    (a kernel per chapter) and take the chapters :data:`SLOWEST` first, then in the
    book's order. A screenshot of each chapter after Run All and ``summary.json`` (per
    chapter: cells, rendered Markdown cells, outputs by type, images, seconds per step)
    go to $COSSIM_LAB_SHOTS if set.
    """
    shots = Path(os.environ.get("COSSIM_LAB_SHOTS") or tmp_path_factory.mktemp("lab-shots"))
    shots.mkdir(parents=True, exist_ok=True)
    todo = queue.SimpleQueue()
    for stem in sorted(CONVERTED, key=lambda s: s not in SLOWEST):  # stable: book order after
        todo.put(reader / "book" / f"{stem}.md")
    t0, done = time.monotonic(), {}
    with concurrent.futures.ThreadPoolExecutor(CONCURRENT_PAGES) as pool:
        workers = [pool.submit(drive_from, todo, chromium_path, lab, shots, t0)
                   for _ in range(CONCURRENT_PAGES)]
        for worker in workers:
            done.update(worker.result())  # re-raises a worker's skip or crash here
    results = {stem: done[stem][0] for stem in CONVERTED}
    summary = {stem: done[stem][1] for stem in CONVERTED if done[stem][1] is not None}
    # what each chapter showed, for a person to read (COSSIM_LAB_SHOTS keeps it)
    (shots / "summary.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    return results


class _Clock:
    """Seconds of each step of one chapter, and when it started (from the phase's start)."""

    def __init__(self, t0: float):
        self.last = time.monotonic()
        self.laps = {"started_at": round(self.last - t0, 1)}

    def lap(self, name: str) -> None:
        now = time.monotonic()
        self.laps[name], self.last = round(now - self.last, 1), now


def chapter(ran, stem) -> Ran:
    result = ran[stem]
    assert result.error is None, f"{stem} could not be run in JupyterLab: {result.error}"
    return result


def test_the_readme_setting_is_what_the_server_runs_with(lab):
    path = Path(lab.env["JUPYTER_CONFIG_DIR"]) / "labconfig" / "default_setting_overrides.json"
    viewers = json.loads(path.read_text(encoding="utf-8"))[
        "@jupyterlab/docmanager-extension:plugin"]["defaultViewers"]
    assert viewers["markdown"] == "Jupytext Notebook", viewers
    assert Path(lab.env["HOME"]).is_relative_to(lab.home)


@pytest.mark.parametrize("stem", CONVERTED)
def test_chapter_runs_without_errors(stem, ran):
    data = chapter(ran, stem).data
    assert data["codeCells"] > 0 and data["markdown"], "the chapter did not open as a notebook"
    assert jl.problems_errors(data) == []


@pytest.mark.parametrize("stem", CONVERTED)
def test_chapter_renders_its_myst(stem, ran):
    assert jl.problems_markup(chapter(ran, stem).data) == []


@pytest.mark.parametrize("stem", CONVERTED)
def test_chapter_shows_the_images_of_its_html_page(stem, ran, html_images):
    assert jl.problems_images(chapter(ran, stem).data, at_least=html_images[stem]) == []


@pytest.mark.parametrize("stem", CONVERTED)
def test_saving_the_chapter_leaves_it_unchanged(stem, ran):
    result = chapter(ran, stem)
    assert result.after == result.before


def test_the_checks_can_fail():
    """The judging functions, fed a notebook with every problem they look for."""
    bad = {"outputs": [{"mime": "application/vnd.jupyter.error", "text": "ZeroDivisionError"},
                       {"mime": "application/vnd.jupyter.stderr", "text": "UserWarning: x"},
                       {"mime": "application/vnd.jupyter.stderr", "text": "50% done"}],
           "markdown": [{"rendered": True, "errors": 0, "text": "is AttributeError: 'x' has no"},
                        {"rendered": True, "errors": 1, "text": "fine"},
                        {"rendered": False, "errors": 0, "text": "{glue:text}`a` and :::{note}"}],
           "images": [{"src": "data:", "width": 0}], "codeCells": 1}
    assert len(jl.problems_errors(bad)) == 4
    assert len(jl.problems_markup(bad)) == 3
    assert len(jl.problems_images(bad, at_least=2)) == 2
    good = {"outputs": [{"mime": "image/png", "text": ""}],
            "markdown": [{"rendered": True, "errors": 0, "text": "d1 = 0.5, Fig. 1"}],
            "images": [{"src": "data:", "width": 640}], "codeCells": 1}
    assert jl.problems_errors(good) == jl.problems_markup(good) == jl.problems_images(good, 1) == []
    assert jl.summarise(bad)["images"] == 0 and jl.summarise(good)["images"] == 1
    assert jl.summarise(bad)["markdown_rendered"] == 2
