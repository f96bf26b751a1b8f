"""The README's JupyterLab path, in the real JupyterLab UI (issue 14, items 1 and 3).

``tests/support/drive_lab.py`` does the driving, in a background process that
``tests/conftest.py`` starts at collection (see its docstring): one ``jupyter lab`` on
127.0.0.1 with a token, a free port and a temporary HOME and Jupyter config/data/runtime
folders, after the README's one-time ``jupytext-config set-default-viewer markdown myst``
against that home (tests/support/jupyterlab.py). It serves a copy of ``book/`` (and the
project's ``jupytext.toml``), so the working tree is untouched; a chapter with small test
parameters (tests/support/chapter_params.py) gets them written into its ``parameters``
cell in that copy. For every notebook page, headless Debian Chromium driven by Playwright
opens the chapter from the file browser as the README says (``book``, then the chapter),
chooses *Run → Run All Cells* and waits until every cell ran and the kernel is idle (two
workers, each keeping its JupyterLab page from one chapter to the next, as drive_lab.py
describes). The tests here require, for each page:

* no error output (and no ``{eval}`` role that failed to evaluate);
* at least as many images as the chapter's HTML page has in its main content (read
  from the built book, ``built_book``);
* every Markdown cell rendered, with no raw MyST (``{glue``, ``:::{``, ``{eq}``, ...)
  left in it (jupyterlab-myst renders directives, math and ``{eval}`` roles);
* after *Save* (Ctrl+S), the chapter's file byte-for-byte as it was.

Every notebook page quotes its numbers with ``{eval}`` roles over
``cossim.report.shown`` namespaces and shows its figures as cell outputs with ``mystnb``
figure metadata (``{glue:text}`` and ``{glue:figure}`` do not render in JupyterLab);
``test_every_page_is_in_the_form_jupyterlab_renders`` keeps it so.

Without Chromium, Playwright or JupyterLab the tests skip with the reason; with
``COSSIM_REQUIRE_BROWSER=1`` (set by ``.ci/run``) they fail instead.
"""

from __future__ import annotations

import html.parser
import json
from pathlib import Path
from typing import NamedTuple

import pytest
import support.jupyterlab as jl
from support.book import BOOK
from support.drive_lab import CONCURRENT_PAGES, notebook_pages

pytestmark = [pytest.mark.book, pytest.mark.browser]

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


@pytest.fixture(scope="module")
def lab_record(lab_driven):
    """The JupyterLab run's record; its skip or failure when Chromium, Playwright or
    JupyterLab is missing (support/browser.py decides which, as for the other tests)."""
    unavailable = lab_driven["unavailable"]
    if unavailable is not None:
        if unavailable["skip"]:
            pytest.skip(unavailable["reason"])
        pytest.fail(unavailable["reason"], pytrace=False)
    assert "crash" not in lab_driven, "driving JupyterLab failed:\n" + lab_driven["crash"]
    return lab_driven


@pytest.fixture(scope="module")
def ran(lab_record):
    """Each converted chapter opened, run and saved once: {stem: Ran}. A chapter that could
    not be driven is recorded with its error (and a screenshot); the others still ran."""
    pages = lab_record["pages"]
    assert set(pages) == set(CONVERTED), sorted(set(pages) ^ set(CONVERTED))
    return {stem: Ran(page["data"], Path(page["before"]).read_bytes(),
                      Path(page["after"]).read_bytes() if page["after"] else None, page["error"])
            for stem, page in pages.items()}


@pytest.fixture(scope="module")
def html_images(built_book):
    html, returncode, log = built_book
    assert returncode == 0, "the book does not build:\n" + log[-3000:]
    return {stem: html_image_count(html, stem) for stem in CONVERTED}


def chapter(ran, stem) -> Ran:
    result = ran[stem]
    assert result.error is None, f"{stem} could not be run in JupyterLab: {result.error}"
    return result


def test_the_readme_setting_is_what_the_server_runs_with(lab_record):
    lab = lab_record["lab"]
    path = Path(lab["env"]["JUPYTER_CONFIG_DIR"]) / "labconfig" / "default_setting_overrides.json"
    viewers = json.loads(path.read_text(encoding="utf-8"))[
        "@jupyterlab/docmanager-extension:plugin"]["defaultViewers"]
    assert viewers["markdown"] == "Jupytext Notebook", viewers
    assert Path(lab["env"]["HOME"]).is_relative_to(lab["home"])


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


def test_a_failing_cell_is_caught_in_jupyterlab(lab_record):
    """The probe page (support/drive_lab.py: its second of three cells raises) was driven
    like a chapter: Run All returned (it would otherwise have timed out waiting for the
    third cell) and the error is what the checks report."""
    probe = lab_record["probe"]
    assert probe["error"] is None, probe["error"]
    problems = jl.problems_errors(probe["data"])
    assert len(problems) == 1 and "ValueError: failing on purpose" in problems[0], problems
    assert probe["data"]["codeCells"] == 3


def test_pages_after_the_first_are_opened_in_a_kept_page(lab_record):
    """Each worker opens its first page from a fresh JupyterLab page and every later one in
    the page it keeps (the probe page's failure included: the page after it is kept too)."""
    pages = [*lab_record["pages"].values(), lab_record["probe"]]
    kinds = [page["summary"]["seconds"]["page"] for page in pages if page["summary"]]
    assert len(kinds) == len(pages), "a page could not be driven"
    assert kinds.count("fresh") == CONCURRENT_PAGES, kinds


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
